"""A second timeline follows the first one's /changes.atom over real HTTP (`timeline
serve`, uvicorn on 127.0.0.1): its candidates are the first one's facts, field for
field, and later corrections and retractions reach them as documented."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.factories import in_force
from tests.projections.conftest import PROJECTIONS
from tests.publish.conftest import SteppingClock, meeting, staged_act
from tests.web.test_serve_cli import free_port, start, wait_until_serving, write_config
from timeline.app import Timeline
from timeline.feeds.review import build_event
from timeline.importer import current_fact
from timeline.model.facts import fact_dict
from timeline.model.feeds import Candidate
from timeline.settings import Settings
from timeline.store import RecordedEvent

pytestmark = pytest.mark.slow

FACT_FIELDS = ("kind", "subject", "jurisdictions", "effective", "payload", "sources")


@pytest.fixture
def recorded(timeline: Timeline) -> list[RecordedEvent]:
    """The facts of `conftest.recorded`, recorded three days ago; what the tests
    record next is recorded now."""
    clock = timeline.store.clock
    assert isinstance(clock, SteppingClock)
    clock.now = dt.datetime.now(dt.UTC) - dt.timedelta(days=3)
    events = timeline.append([*staged_act(), meeting(), in_force()]).events
    clock.now = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    return events


@pytest.fixture
def served(database_url: str, recorded: list[RecordedEvent], tmp_path: Path) -> Iterator[str]:
    port = free_port()
    process = start(write_config(tmp_path, database_url), "--port", str(port))
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(process, base)
        yield base
    finally:
        process.terminate()
        process.communicate(timeout=30)


@pytest.fixture
def follower(make_database_url: Any, backend: str, served: str) -> Iterator[Timeline]:
    settings = Settings.model_validate(
        {
            "database": {"url": make_database_url(backend)},
            "projections": {"path": str(PROJECTIONS)},
            # Two entries a page: the poll has to follow the `next` links.
            "feeds": [{"name": "eu-team", "url": f"{served}/changes.atom?limit=2"}],
        }
    )
    with Timeline.open(settings) as opened:
        opened.init()
        yield opened


def facts_of(timeline: Timeline, originals: list[RecordedEvent]) -> dict[str, dict[str, Any]]:
    """The facts standing in `timeline`, by their first event's id."""
    standing = {e.id: current_fact(timeline.store, e) for e in originals}
    return {
        event_id: {k: s.fact[k] for k in FACT_FIELDS}
        for event_id, s in standing.items()
        if not s.retracted
    }


def proposed(candidate: Candidate) -> dict[str, Any]:
    event = build_event(candidate)
    return {k: event[k] for k in FACT_FIELDS}


def by_fact(follower: Timeline) -> dict[str, Candidate]:
    return {c.item_guid.removeprefix("urn:uuid:"): c for c in follower.candidates(statuses=None)}


def test_the_followers_candidates_are_the_first_timelines_facts(
    timeline: Timeline, recorded: list[RecordedEvent], follower: Timeline
) -> None:
    timeline.correct(recorded[2].id, {"effective": "2027-12"}, "postponed to a month")
    timeline.retract(recorded[1].id, "no such stage")
    (outcome,) = follower.poll(force=True)
    assert (outcome.status, outcome.error) == ("ok", None)
    candidates = by_fact(follower)
    assert set(candidates) == {e.id for e in recorded}
    expected = facts_of(timeline, recorded)
    pending = {k: c for k, c in candidates.items() if c.status == "pending"}
    assert {k: proposed(c) for k, c in pending.items()} == expected
    postponed = candidates[recorded[2].id].as_dict()
    assert (postponed["effective"], postponed["effective_precision"]) == ("2027-12", "month")
    assert postponed["subject"] == "eu/ai-act"
    assert postponed["confidence"] == 1.0
    assert candidates[recorded[1].id].status == "ignored"  # retracted there
    # Accepted here, the facts are the same facts.
    accepted = {k: follower.accept_candidate(c.id) for k, c in pending.items()}
    assert {k: {f: fact_dict(e.to_event())[f] for f in FACT_FIELDS}
            for k, e in accepted.items()} == expected  # fmt: skip


def test_later_changes_reach_pending_candidates_and_only_the_history_of_accepted_ones(
    timeline: Timeline, recorded: list[RecordedEvent], follower: Timeline
) -> None:
    follower.poll(force=True)
    candidates = by_fact(follower)
    kept = follower.accept_candidate(candidates[recorded[0].id].id)
    timeline.correct(recorded[0].id, {"effective": "2025-03-02"}, "a month late")
    timeline.correct(recorded[3].id, {"payload": {"title": "AI summit, second round"}}, "named")
    timeline.retract(recorded[4].id, "not an act")
    timeline.append([meeting("2026-02", ("DE",))])
    (outcome,) = follower.poll(force=True)
    assert outcome.status == "ok"
    # Pages are read back to the first one reaching before the last poll (less
    # a day): the four facts of the last three pages, not all six.
    assert outcome.items == 4
    after = by_fact(follower)
    assert len(after) == len(recorded) + 1  # the new fact, once
    accepted = after[recorded[0].id]
    assert accepted.status == "accepted"
    assert accepted.history[-1]["applied"] is False
    assert accepted.history[-1]["changes"]["effective"]["to"] == "2025-03-02"
    assert follower.show(kept.id).effective == kept.effective  # the follower's log is its own
    renamed = after[recorded[3].id]
    assert renamed.status == "pending"
    assert proposed(renamed)["payload"]["title"] == "AI summit, second round"
    assert after[recorded[4].id].status == "ignored"
