"""A Timeline on each backend with a staged act, a month-dated fact and a meeting."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from tests.factories import SOURCE, in_force
from tests.projections.conftest import open_timeline
from timeline.app import Timeline
from timeline.store import RecordedEvent

EU_SOURCE = {
    "publisher": "Official Journal",
    "title": "Regulation (EU) 2024/1689",
    "url": "https://eur-lex.europa.eu/eli/reg/2024/1689/oj",
    "published": "2024-07-12",
}


def staged_act() -> list[dict[str, Any]]:
    """The AI Act's stages: one fact each, on one subject."""
    return [
        in_force("eu/ai-act", day, ["EU"], title="AI Act", binding=True) | {"sources": [EU_SOURCE]}
        for day in ("2025-02-02", "2025-08-02", "2026-08-02")
    ]


def meeting(effective: str = "2025-11", jurisdictions: tuple[str, ...] = ("FR",)) -> dict[str, Any]:
    return {
        "kind": "meeting.held",
        "subject": "fr/ai-summit-follow-up",
        "jurisdictions": list(jurisdictions),
        "effective": effective,
        "sources": [SOURCE],
        "payload": {"title": "AI summit follow-up"},
    }


class SteppingClock:
    """Transaction times a second apart from an hour ago, so that every change is
    seen to be later (calendars and HTTP dates count whole seconds) and none is in
    the future (a state asked "as known now" would refuse it)."""

    def __init__(self) -> None:
        self.now = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)

    def __call__(self) -> dt.datetime:
        self.now += dt.timedelta(seconds=1)
        return self.now


@pytest.fixture
def timeline(database_url: str) -> Iterator[Timeline]:
    opened = open_timeline(database_url)
    opened.store.clock = SteppingClock()
    yield opened
    opened.close()


@pytest.fixture
def recorded(timeline: Timeline) -> list[RecordedEvent]:
    """The AI Act's three stages (EU), a meeting known to the month (FR), Japan's act."""
    return timeline.append([*staged_act(), meeting(), in_force()]).events
