"""A change feed this timeline cannot take whole: a fact it refuses is one ignored
candidate saying why, the others are read; a malformed page fails the poll in one
line and stores nothing.  Served by a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.feeds.server import FeedServer
from tests.projections.conftest import PROJECTIONS
from tests.web.conftest import web_settings
from timeline.app import Timeline
from timeline.settings import Settings
from timeline.store import RecordedEvent
from timeline.web import create_app


@pytest.fixture
def feed(database_url: str, recorded: list[RecordedEvent]) -> bytes:
    """The publisher's whole change feed, as served."""
    with TestClient(create_app(web_settings(database_url))) as client:
        return client.get("/changes.atom").content


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as running:
        yield running


def follower_of(make_database_url: Any, backend: str, url: str) -> Timeline:
    settings = Settings.model_validate(
        {
            "database": {"url": make_database_url(backend)},
            "projections": {"path": str(PROJECTIONS)},
            "feeds": [{"name": "other", "url": url}],
        }
    )
    follower = Timeline.open(settings)
    follower.init()
    return follower


def test_a_fact_of_an_unknown_kind_is_an_ignored_candidate_saying_why(
    feed: bytes,
    recorded: list[RecordedEvent],
    server: FeedServer,
    make_database_url: Any,
    backend: str,
) -> None:
    meeting = recorded[3]
    assert feed.count(b'kind="meeting.held"') == 1
    changed = feed.replace(b'kind="meeting.held"', b'kind="meeting.cancelled"')
    url = server.serve("/changes.atom", changed)
    with follower_of(make_database_url, backend, url) as follower:
        (outcome,) = follower.poll(force=True)
        assert (outcome.status, outcome.items) == ("ok", len(recorded))
        candidates = {c.item_guid: c for c in follower.candidates(statuses=None)}
        refused = candidates.pop(f"urn:uuid:{meeting.id}")
        assert refused.status == "ignored"
        assert "unknown kind 'meeting.cancelled'" in refused.evidence["error"]
        assert {c.status for c in candidates.values()} == {"pending"}


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        (b">2025-11</tl:effective>", b">2025-13</tl:effective>"),
        (b'<tl:payload type="application/json">{', b'<tl:payload type="application/json">[{'),
    ],
)
def test_a_malformed_page_fails_the_poll_in_one_line_and_stores_nothing(
    feed: bytes,
    server: FeedServer,
    make_database_url: Any,
    backend: str,
    broken: bytes,
    message: bytes,
) -> None:
    assert broken in feed
    url = server.serve("/changes.atom", feed.replace(broken, message, 1))
    with follower_of(make_database_url, backend, url) as follower:
        (outcome,) = follower.poll(force=True)
        assert outcome.status == "failed"
        assert outcome.error is not None
        assert outcome.error.startswith("change feed: event ")
        assert "\n" not in outcome.error
        assert follower.candidates(statuses=None) == []
        (status,) = follower.feed_status()
        assert status.health is not None
        assert status.health.consecutive_failures == 1


def test_changes_read_without_their_facts_first_event_stand_on_their_own(
    timeline: Timeline, recorded: list[RecordedEvent]
) -> None:
    """A later poll reads only the newest pages: a correction carries the whole
    fact, a retraction withdraws what an earlier poll read."""
    import datetime as dt

    from timeline.feeds.federation import change_items
    from timeline.importer import current_fact
    from timeline.model.selection import Selection
    from timeline.publish.atom import FeedLinks, read_feed, write_feed

    head = recorded[-1].seq
    timeline.correct(recorded[0].id, {"effective": "2025-03"}, "a month late")
    timeline.retract(recorded[1].id, "no such stage")
    timeline.correct(recorded[2].id, {"effective": "2027"}, "postponed")
    timeline.retract(recorded[2].id, "dropped")
    page = timeline.changes(Selection(), after=head)
    links = FeedLinks("urn:test", "http://x/", "http://x/", None, "http://x/{id}")
    body = write_feed(page.entries, title="t", updated=dt.datetime.now(dt.UTC), links=links)
    events, following = read_feed(body)
    assert following is None
    items = {item.guid: item for item in change_items(events)}
    assert set(items) == {f"urn:uuid:{e.id}" for e in recorded[:3]}
    moved = items[f"urn:uuid:{recorded[0].id}"]
    assert moved.is_event
    assert (moved.kind, moved.effective) == ("instrument.in_force", "2025-03")
    assert json.loads(moved.evidence["fact"]) == current_fact(timeline.store, recorded[0]).fact
    for retracted in recorded[1:3]:
        assert not items[f"urn:uuid:{retracted.id}"].is_event


def test_extract_reads_a_change_feed_as_the_poller_does(
    feed: bytes, recorded: list[RecordedEvent], server: FeedServer, tmp_path: Path
) -> None:
    url = server.serve("/changes.atom", feed)
    config = tmp_path / "config.toml"
    config.write_text(f"[database]\nurl = 'sqlite:///{tmp_path / 'unused.db'}'\n")
    run = subprocess.run(
        [sys.executable, "-m", "timeline", "--config", str(config), "extract", url, "-f", "json"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    items = {item["guid"]: item for item in json.loads(run.stdout)}
    assert set(items) == {f"urn:uuid:{event.id}" for event in recorded}
    meeting = items[f"urn:uuid:{recorded[3].id}"]
    assert (meeting["kind"], meeting["jurisdictions"], meeting["effective"]) == (
        "meeting.held",
        ["FR"],
        "2025-11",
    )
    assert meeting["confidence"] == 1.0
