"""A Timeline with the repository's projections, on every backend."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from timeline.app import Timeline
from timeline.store import open_store

REPO = Path(__file__).resolve().parents[2]
PROJECTIONS = REPO / "projections"
EVENTS = REPO / "events"


def open_timeline(database_url: str, projections: Path = PROJECTIONS) -> Timeline:
    store = open_store(database_url)
    store.initialise()
    return Timeline(store, projections=projections)


@pytest.fixture
def timeline(database_url: str) -> Iterator[Timeline]:
    tl = open_timeline(database_url)
    yield tl
    tl.close()


@pytest.fixture
def curated(timeline: Timeline) -> Timeline:
    """The curated events of events/, imported."""
    timeline.import_path(EVENTS)
    return timeline
