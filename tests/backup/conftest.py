"""A log worth moving, on every backend: the curated events, a correction and a
retraction recorded later, feed candidates accepted and rejected, feed health and
a digest ledger; and what to compare two databases by."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.feeds.helpers import fake_poller, settings_for
from tests.feeds.server import FeedServer, rss
from timeline.app import Timeline
from timeline.store import EventStore, open_store
from timeline.store.base import DigestIssue

REPO = Path(__file__).resolve().parents[2]
EVENTS = REPO / "events"
PROJECTIONS = REPO / "projections"

# Transaction times the log is recorded at, so that known-at questions between them
# have different answers.
IMPORTED = dt.datetime(2026, 1, 10, 9, tzinfo=dt.UTC)
CORRECTED = dt.datetime(2026, 2, 10, 9, tzinfo=dt.UTC)
RETRACTED = dt.datetime(2026, 3, 10, 9, tzinfo=dt.UTC)
ACCEPTED = dt.datetime(2026, 4, 10, 9, tzinfo=dt.UTC)
KNOWN_AT = [
    dt.datetime(2026, 1, 20, tzinfo=dt.UTC),
    dt.datetime(2026, 2, 20, tzinfo=dt.UTC),
    dt.datetime(2026, 3, 20, tzinfo=dt.UTC),
    dt.datetime(2026, 5, 1, tzinfo=dt.UTC),
]
DAYS = [dt.date(2024, 6, 30), dt.date(2025, 9, 1), dt.date(2026, 6, 30), dt.date(2027, 1, 1)]

FEED = rss(
    ("g1", "Digital Republic law adopted"),
    ("g2", "Opinion: what the law means"),
    ("g3", "AI code certain to pass"),
)

# Every pair the issue asks for, and PostgreSQL to PostgreSQL for completeness.
PAIRS = [
    ("sqlite", "postgresql"),
    ("postgresql", "sqlite"),
    ("sqlite", "sqlite"),
    ("postgresql", "postgresql"),
]


def open_timeline(url: str) -> Timeline:
    store = open_store(url)
    return Timeline(store, projections=PROJECTIONS)


def at(store: EventStore, moment: dt.datetime) -> None:
    store.clock = lambda: moment


def populate(url: str) -> None:
    """The log worth moving, written into the database at `url`."""
    with open_timeline(url) as tl, FeedServer() as server:
        tl.init()
        store = tl.store
        at(store, IMPORTED)
        tl.import_path(EVENTS)
        facts = [e for e in tl.log() if e.kind == "instrument.in_force"]
        at(store, CORRECTED)
        tl.correct(facts[0].id, {"effective": "2024-09-01"}, "it took effect a month later")
        at(store, RETRACTED)
        tl.retract(facts[1].id, "recorded by mistake")

        feed_url = server.serve("/fr.xml", FEED)
        settings = settings_for(url, [{"name": "veille", "url": feed_url, "jurisdiction": "FR"}])
        poller = fake_poller(store, settings)
        poller.poll()
        poller.close()
        at(store, ACCEPTED)
        reviewed = Timeline(store, settings, projections=PROJECTIONS)
        by_guid = {c.item_guid: c.id for c in reviewed.candidates(statuses=None)}
        reviewed.accept_candidate(by_guid["g1"])
        reviewed.reject_candidate(by_guid["g2"], "an opinion piece, not an event")

        ledger = store.digest_ledger
        ledger.save_issue(
            DigestIssue("2026-W15", "team", ACCEPTED, ACCEPTED, "Week 15", False, b"MIME\x00\xff")
        )
        ledger.add_recipients(
            "2026-W15", "team", ACCEPTED, {"a@example.org": "<1@x>", "b@example.org": "<2@x>"}
        )
        key = ("2026-W15", "team", "a@example.org")
        assert ledger.claim(key, sending_timeout=dt.timedelta(minutes=5), explicit=True)
        ledger.mark_sent(key)


@pytest.fixture
def make_populated(make_database_url: Callable[[str], str]) -> Callable[[str], str]:
    def make(backend: str) -> str:
        url = make_database_url(backend)
        populate(url)
        return url

    return make


def dump(url: str) -> dict[str, Any]:
    """Everything a backup keeps, as stored: every event's columns and every row of the
    tables beside the log."""
    store = open_store(url)
    try:
        with store.backup.snapshot() as snapshot:
            return {
                "events": list(snapshot.events()),
                **{table: list(snapshot.rows(table)) for table in store.backup.tables},
            }
    finally:
        store.close()


def answers(url: str) -> dict[str, Any]:
    """What the log answers, on several days and at several known-at moments."""
    found: dict[str, Any] = {}
    with open_timeline(url) as tl:
        for day in DAYS:
            for known_at in KNOWN_AT:
                key = f"{day} @ {known_at:%Y-%m-%d}"
                found[f"state JP {key}"] = tl.state("JP", day, known_at)
                found[f"compare {key}"] = tl.compare(["JP", "EU", "FR"], day, known_at)
                found[f"facts {key}"] = tl.facts_on(day, known_at)
        found["history"] = tl.history(None, KNOWN_AT[-1])
        found["verify"] = tl.verify()
    return found
