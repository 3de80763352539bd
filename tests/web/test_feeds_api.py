"""Candidates and feed health through the HTTP API: feeds polled for real over
loopback HTTP, with the real extractor, then served read-only."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.feeds.server import DATA, FeedServer, Reply
from tests.web.conftest import web_settings
from tests.web.test_api import error, ok
from timeline.app import Timeline
from timeline.settings import Settings
from timeline.web import create_app


@pytest.fixture
def feeds_settings(database_url: str) -> Iterator[Settings]:
    with FeedServer() as server:
        wire = server.serve("/wire.xml", (DATA / "us-policy-wire.xml").read_bytes())
        broken = server.serve("/broken.xml", Reply(500, b"oops"))
        settings = web_settings(
            database_url,
            feeds=[
                {"name": "us-wire", "url": wire, "jurisdiction": "US"},
                {"name": "broken", "url": broken},
                {"name": "quiet", "url": server.url("/quiet.xml"), "enabled": False},
            ],
            polling={"connect_timeout": 2.0, "read_timeout": 2.0, "jitter": 0.0},
        )
        with Timeline.open(settings) as timeline:
            timeline.init()
            outcomes = {o.feed: o.status for o in timeline.poll()}
        assert outcomes == {"us-wire": "ok", "broken": "failed"}
        yield settings


def test_candidates_are_listed_read_only(feeds_settings: Settings) -> None:
    with TestClient(create_app(feeds_settings)) as client:
        pending = ok(client, "/api/candidates")
        assert pending
        assert {c["status"] for c in pending} == {"pending"}
        assert {c["feed"] for c in pending} == {"us-wire"}
        everything = ok(client, "/api/candidates", all="true", limit=500)
        assert len(everything) >= len(pending)
        first = pending[0]
        assert ok(client, f"/api/candidates/{first['id']}") == first
        assert ok(client, f"/api/candidates/{first['id'][:8]}")["id"] == first["id"]
        assert ok(client, "/api/candidates", feed="broken") == []
        assert "unknown candidate status 'maybe'" in error(
            client, "/api/candidates", 422, status="maybe"
        )
        # Read-only: nothing here accepts; the candidate is still pending.
        assert client.post(f"/api/candidates/{first['id']}").status_code == 405
        assert ok(client, f"/api/candidates/{first['id']}")["status"] == "pending"


def test_feed_health(feeds_settings: Settings) -> None:
    with TestClient(create_app(feeds_settings)) as client:
        feeds = {f["feed"]: f for f in ok(client, "/api/feeds")}
    assert list(feeds) == ["us-wire", "broken", "quiet"]
    assert feeds["us-wire"]["state"] == "healthy"
    assert feeds["us-wire"]["last_status"] == 200
    assert feeds["us-wire"]["items_last_poll"] > 0
    assert feeds["broken"]["state"] == "failing"
    assert feeds["broken"]["last_status"] == 500
    assert feeds["broken"]["consecutive_failures"] == 1
    assert "500" in feeds["broken"]["last_error"]
    assert feeds["quiet"] == feeds["quiet"] | {
        "state": "never polled",
        "enabled": False,
        "configured": True,
    }
