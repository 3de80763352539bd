"""A served timeline over the curated events, on every backend."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.projections.conftest import EVENTS, PROJECTIONS, open_timeline
from timeline.settings import Settings
from timeline.web import create_app


def web_settings(database_url: str, **overrides: Any) -> Settings:
    """Settings of a server over `database_url` with the repository's projections."""
    return Settings.model_validate(
        {
            "database": {"url": database_url},
            "projections": {"path": str(PROJECTIONS)},
            "web": {"catch_up_seconds": 0.2},
        }
        | overrides
    )


@pytest.fixture
def curated_url(database_url: str) -> str:
    """A database with the curated events imported, and its read models NOT caught
    up: the server has to do that itself before it answers."""
    timeline = open_timeline(database_url)
    timeline.import_path(EVENTS)
    timeline.close()
    return database_url


@pytest.fixture
def client(curated_url: str) -> Iterator[TestClient]:
    with TestClient(create_app(web_settings(curated_url))) as running:
        yield running


def instrument(state: dict[str, Any], subject: str) -> dict[str, Any] | None:
    return next((i for i in state["instruments"] if i["subject"] == subject), None)
