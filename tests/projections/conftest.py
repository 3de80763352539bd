"""A Timeline with the repository's projections, on every backend."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from timeline.app import Timeline
from timeline.projections.definition import load_definitions
from timeline.projections.runner import ProjectionRunner
from timeline.store import open_store

REPO = Path(__file__).resolve().parents[2]
PROJECTIONS = REPO / "projections"
EVENTS = REPO / "events"


def open_timeline(
    database_url: str, projections: Path = PROJECTIONS, **runner_options: Any
) -> Timeline:
    """A Timeline on a fresh schema; `runner_options` tune its projection runner (e.g.
    `snapshot_every=2`, so that a few facts take every snapshot path)."""
    store = open_store(database_url)
    store.initialise()
    timeline = Timeline(store, projections=projections)
    if runner_options:
        timeline.projections = ProjectionRunner(
            store, load_definitions(projections), **runner_options
        )
    return timeline


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
