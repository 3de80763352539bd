"""A Timeline with a controllable clock, a week of events, and a real SMTP server.

The store's clock decides every event's recorded_at (callers never can), so
the tests move it to record events "in" ISO week 2026-W25 (Monday 15 to
Sunday 21 June 2026, Europe/Brussels) and after it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import pytest
import structlog

from tests.digest.smtp import SmtpServer
from tests.factories import SOURCE, in_force
from tests.projections.conftest import PROJECTIONS
from timeline.app import Timeline
from timeline.settings import Settings
from timeline.store import open_store
from timeline.store.sql.events import SqlEventStore

WEEK = "2026-W25"
UTC = dt.UTC


def at(day: int, hour: int = 10, month: int = 6) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, tzinfo=UTC)


class Clock:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


@dataclass
class Scenario:
    """Ids of the events recorded by `record_week`."""

    jp_in_force: str
    eu_in_force: str
    eu_correction: str
    metric: str
    metric_retraction: str
    hostile: str


@pytest.fixture(autouse=True)
def _fresh_structlog() -> Iterator[None]:
    structlog.reset_defaults()
    yield
    structlog.reset_defaults()


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


def settings_for(port: int, feeds: Sequence[str] = (), **digest: Any) -> Settings:
    return Settings(
        feeds=[{"name": name, "url": f"https://feeds.example/{name}"} for name in feeds],
        smtp={
            "host": "127.0.0.1",
            "port": port,
            "security": "none",
            "timeout": 5,
            "sender": "digest@timeline.example",
        },
        digest={"timezone": "Europe/Brussels", "sending_timeout": 30} | digest,
    )


@pytest.fixture
def make_timeline(
    database_url: str, smtp: SmtpServer
) -> Iterator[Callable[..., tuple[Timeline, Clock]]]:
    opened: list[Timeline] = []

    def make(feeds: Sequence[str] = (), **digest: Any) -> tuple[Timeline, Clock]:
        store = open_store(database_url)
        store.initialise()
        assert isinstance(store, SqlEventStore)
        clock = Clock(at(10))
        store.clock = clock
        tl = Timeline(store, settings_for(smtp.port, feeds, **digest), projections=PROJECTIONS)
        opened.append(tl)
        return tl, clock

    yield make
    for tl in opened:
        tl.close()


def agreement(parties: list[str], effective: str, title: str) -> dict[str, Any]:
    return {
        "kind": "agreement.signed",
        "subject": f"{'-'.join(p.lower() for p in parties)}/{title.lower().replace(' ', '-')}",
        "jurisdictions": parties,
        "effective": effective,
        "sources": [SOURCE],
        "payload": {"title": title, "parties": parties},
    }


def metric(effective: str) -> dict[str, Any]:
    return {
        "kind": "metric.reported",
        "subject": "jp/ai-adoption",
        "jurisdictions": ["JP"],
        "effective": effective,
        "sources": [SOURCE],
        "payload": {"name": "AI adoption", "value": 42, "unit": "%", "period": "2025"},
    }


HOSTILE = "<script>alert('digest')</script><img src=x onerror=alert(1)>"


def record_week(tl: Timeline, clock: Clock) -> Scenario:
    """Events before, in and (nothing yet) after week 2026-W25."""
    clock.now = at(10)  # the week before
    tl.append([in_force(effective="2025-05-28") | {"kind": "instrument.adopted"}])
    tl.append(
        [
            in_force(
                subject="eu/robot-act",
                jurisdictions=["EU"],
                effective="2025-01-01",
                title="Robot Act",
            )
            | {"kind": "instrument.adopted"}
        ]
    )
    metric_event = tl.append([metric("2025")]).events[0]

    clock.now = at(16)  # Tuesday of the week
    jp = tl.append([in_force(effective="2026-06-18", max_penalty={"amount": 0, "currency": "JPY"})])
    tl.append([agreement(["FR", "JP"], "2026-06-16", "Franco-Japanese AI Partnership")])
    clock.now = at(17)
    eu = tl.append(
        [
            in_force(
                subject="eu/robot-act",
                jurisdictions=["EU"],
                effective="2026-07-10",
                title="Robot Act",
            )
        ]
    ).events[0]
    hostile = tl.append(
        [
            {
                "kind": "office.opened",
                "subject": "org/evil/office",
                "jurisdictions": ["FR"],
                "effective": "2026-06-17",
                "sources": [SOURCE | {"title": HOSTILE}],
                "payload": {"organisation": HOSTILE, "city": "Paris"},
            }
        ]
    ).events[0]
    clock.now = at(18)
    correction = tl.correct(eu.id, {"effective": "2026-07-15"}, "the gazette gives the 15th")
    clock.now = at(19)
    retraction = tl.retract(metric_event.id, "double counted")
    return Scenario(
        jp_in_force=jp.events[0].id,
        eu_in_force=eu.id,
        eu_correction=correction.id,
        metric=metric_event.id,
        metric_retraction=retraction.id,
        hostile=hostile.id,
    )


def record_later(tl: Timeline, clock: Clock, scenario: Scenario) -> None:
    """What the log learns after the week: a correction of the week's JP event, a fact
    dated in the week, and one that would have been coming up."""
    clock.now = at(25)
    tl.correct(scenario.jp_in_force, {"effective": "2026-07-01"}, "postponed by cabinet order")
    tl.append([agreement(["DE", "JP"], "2026-06-19", "German-Japanese AI Dialogue")])
    tl.append(
        [
            in_force(
                subject="gb/ai-bill",
                jurisdictions=["GB"],
                effective="2026-07-08",
                title="AI Regulation Bill",
            )
        ]
    )
