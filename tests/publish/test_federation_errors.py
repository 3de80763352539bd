"""A change feed this timeline cannot take whole: a fact it refuses is one ignored
candidate saying why, the others are read; a malformed page fails the poll in one
line and stores nothing.  Served by a real HTTP server on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
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
