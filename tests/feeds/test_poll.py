"""Polling into a real database (SQLite and PostgreSQL) from a real HTTP server."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from tests.feeds.fakes import extract_titles
from tests.feeds.helpers import fake_poller, settings_for
from tests.feeds.server import DATA, FeedServer, Reply, conditional, rss
from timeline.model.feeds import Candidate, FeedHealth
from timeline.store import EventStore
from timeline.store.base import CandidateFilter

ETAG = '"rev-1"'
MODIFIED = "Mon, 01 Sep 2025 09:00:00 GMT"


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as running:
        yield running


def health_of(store: EventStore, feed: str) -> FeedHealth:
    health = store.feed_health.get(feed)
    assert health is not None
    return health


def all_candidates(store: EventStore, feed: str | None = None) -> list[Candidate]:
    return store.candidates.find(CandidateFilter(feed=feed))


class Clock:
    """A clock the test moves forward, so that backoff needs no waiting."""

    def __init__(self) -> None:
        self.now = dt.datetime(2026, 1, 5, 12, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


def test_a_poll_stores_candidates_and_a_304_costs_nothing_further(
    store: EventStore, server: FeedServer
) -> None:
    body = rss(("g1", "Law one adopted"), ("g2", "Opinion: a column"), ("g3", "Law three"))
    url = server.serve("/a.xml", conditional(body, ETAG, MODIFIED))
    settings = settings_for(store.url, [{"name": "a", "url": url, "jurisdiction": "JP"}])
    clock = Clock()
    poller = fake_poller(store, settings, clock)

    first = poller.poll()[0]
    assert (first.status, first.items, first.new_candidates) == ("ok", 3, 3)
    found = all_candidates(store)
    assert [(c.item_guid, c.status) for c in found] == [
        ("g1", "pending"),
        ("g2", "ignored"),
        ("g3", "pending"),
    ]
    assert found[0].jurisdictions == ("JP",)
    assert found[0].effective_precision == "month"
    health = health_of(store, "a")
    assert (health.etag, health.last_modified, health.last_status) == (ETAG, MODIFIED, 200)
    assert health.healthy
    assert health.next_due_at == clock.now + dt.timedelta(seconds=3600)

    clock.advance(3600)
    second = poller.poll()[0]
    assert (second.status, second.http_status, second.new_candidates) == ("not_modified", 304, 0)
    assert server.hits("/a.xml")[1].headers["if-none-match"] == ETAG
    assert server.hits("/a.xml")[1].headers["if-modified-since"] == MODIFIED
    assert len(all_candidates(store)) == 3
    assert health_of(store, "a").etag == ETAG


def test_a_feed_not_due_is_not_fetched_unless_forced(store: EventStore, server: FeedServer) -> None:
    url = server.serve("/a.xml", rss(("g1", "Law one")))
    poller = fake_poller(store, settings_for(store.url, [{"name": "a", "url": url}]), Clock())
    poller.poll()
    assert poller.poll()[0].status == "skipped"
    assert len(server.hits("/a.xml")) == 1
    assert poller.poll(force=True)[0].status == "ok"
    assert len(server.hits("/a.xml")) == 2


def test_a_repolled_guid_is_not_new_but_its_changes_are_applied_and_recorded(
    store: EventStore, server: FeedServer
) -> None:
    feed = {"title": "Law one adopted"}
    url = server.serve(
        "/a.xml",
        lambda _r: Reply(200, rss(("g1", feed["title"]), ("g2", "Law two"))),
    )
    clock = Clock()
    poller = fake_poller(store, settings_for(store.url, [{"name": "a", "url": url}]), clock)
    poller.poll()
    feed["title"] = "Law one adopted by the Diet"
    clock.advance(4000)
    outcome = poller.poll()[0]
    assert (outcome.new_candidates, outcome.changed) == (0, 1)
    first = all_candidates(store)[0]
    assert first.title == "Law one adopted by the Diet"
    assert first.status == "pending"
    (change,) = first.history
    assert change["by"] == "feed"
    assert change["applied"] is True
    assert change["changes"]["title"] == {
        "from": "Law one adopted",
        "to": "Law one adopted by the Diet",
    }
    assert len(all_candidates(store)) == 2


def test_the_same_event_from_another_feed_is_linked_as_a_duplicate(
    store: EventStore, server: FeedServer
) -> None:
    url_a = server.serve("/a.xml", rss(("a-1", "EU AI Act adopted")))
    url_b = server.serve("/b.xml", rss(("b-77", "eu ai act ADOPTED"), ("b-78", "Other law")))
    settings = settings_for(store.url, [{"name": "a", "url": url_a}, {"name": "b", "url": url_b}])
    fake_poller(store, settings, Clock()).poll()
    first = all_candidates(store, "a")[0]
    duplicate, other = all_candidates(store, "b")
    assert (duplicate.status, duplicate.duplicate_of) == ("duplicate", first.id)
    assert (other.status, other.duplicate_of) == ("pending", None)


def test_429_with_retry_after_defers_the_next_poll(store: EventStore, server: FeedServer) -> None:
    url = server.serve("/a.xml", Reply(429, b"", {"Retry-After": "7200"}))
    clock = Clock()
    poller = fake_poller(
        store, settings_for(store.url, [{"name": "a", "url": url, "interval": 600}]), clock
    )
    outcome = poller.poll()[0]
    assert (outcome.status, outcome.http_status) == ("failed", 429)
    health = health_of(store, "a")
    assert health.next_due_at == clock.now + dt.timedelta(seconds=7200)
    assert (health.consecutive_failures, health.last_error) == (1, "HTTP 429 Too Many Requests")
    clock.advance(3600)
    assert poller.poll()[0].status == "skipped"
    assert len(server.hits("/a.xml")) == 1


@pytest.mark.parametrize("retry_after", ["500000", "Fri, 01 Jan 2100 00:00:00 GMT"])
def test_a_far_off_retry_after_is_capped_at_the_backoff_ceiling(
    store: EventStore, server: FeedServer, retry_after: str
) -> None:
    url = server.serve("/a.xml", Reply(503, b"", {"Retry-After": retry_after}))
    clock = Clock()
    settings = settings_for(
        store.url, [{"name": "a", "url": url, "interval": 600}], backoff_ceiling=20_000
    )
    outcome = fake_poller(store, settings, clock).poll()[0]
    assert outcome.next_due_at == clock.now + dt.timedelta(seconds=20_000)
    assert health_of(store, "a").next_due_at == clock.now + dt.timedelta(seconds=20_000)


def test_a_short_retry_after_never_brings_a_poll_sooner_than_the_backoff(
    store: EventStore, server: FeedServer
) -> None:
    url = server.serve("/a.xml", Reply(429, b"", {"Retry-After": "5"}))
    clock = Clock()
    settings = settings_for(
        store.url, [{"name": "a", "url": url, "interval": 900}], backoff_ceiling=50_000
    )
    poller = fake_poller(store, settings, clock)
    delays = []
    for _ in range(3):
        outcome = poller.poll()[0]
        assert outcome.next_due_at is not None
        delays.append((outcome.next_due_at - clock.now).total_seconds())
        clock.advance(5)  # what the server asked for: still too soon
        assert poller.poll()[0].status == "skipped"
        clock.now = outcome.next_due_at
    assert delays == [900, 1800, 3600]
    assert len(server.hits("/a.xml")) == 3


def test_failures_back_off_exponentially_up_to_the_ceiling_and_recover(
    store: EventStore, server: FeedServer
) -> None:
    state = {"up": False}
    url = server.serve(
        "/a.xml",
        lambda _r: Reply(200, rss(("g1", "Law"))) if state["up"] else Reply(503, b"down"),
    )
    clock = Clock()
    settings = settings_for(
        store.url, [{"name": "a", "url": url, "interval": 900}], backoff_ceiling=10_000
    )
    poller = fake_poller(store, settings, clock)
    delays = []
    for _ in range(6):
        outcome = poller.poll()[0]
        assert outcome.status == "failed"
        assert outcome.next_due_at is not None
        delays.append((outcome.next_due_at - clock.now).total_seconds())
        clock.now = outcome.next_due_at
    assert delays == [900, 1800, 3600, 7200, 10_000, 10_000]
    health = health_of(store, "a")
    assert (health.consecutive_failures, health.healthy) == (6, False)
    state["up"] = True
    assert poller.poll()[0].status == "ok"
    health = health_of(store, "a")
    assert (health.consecutive_failures, health.last_error, health.healthy) == (0, None, True)


def test_a_broken_feed_is_marked_unhealthy_and_the_others_are_still_polled(
    store: EventStore, server: FeedServer
) -> None:
    hostile = {
        "html": Reply(200, b"<!DOCTYPE html><html><body>Login</body></html>"),
        "bomb": Reply(200, b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa">]><rss/>'),
        "big": Reply(200, b"<rss>" + b"x" * 300_000),
        "slow": Reply(200, rss(("s", "Slow law")), delay=2.5),
    }
    feeds = [
        {"name": name, "url": server.serve(f"/{name}", reply)} for name, reply in hostile.items()
    ]
    feeds.insert(2, {"name": "good", "url": server.serve("/good", rss(("g1", "Good law")))})
    feeds.append(
        {
            "name": "latin",
            "url": server.serve(
                "/latin",
                Reply(
                    200,
                    (DATA / "veille-numerique-fr.xml").read_bytes(),
                    {"Content-Type": "application/rss+xml"},
                ),
            ),
        }
    )
    settings = settings_for(store.url, feeds, max_body_bytes=200_000, read_timeout=1.0)
    outcomes = {o.feed: o for o in fake_poller(store, settings, Clock()).poll()}
    assert outcomes["good"].status == "ok"
    assert outcomes["latin"].new_candidates == 6
    assert {name: outcomes[name].error for name in hostile} == {
        "html": "not a feed: the server sent an HTML page",
        "bomb": "the document declares XML entities (refused: entity expansion)",
        "big": "body of 300005 bytes exceeds the 200000-byte cap",
        "slow": "read timed out after 1s",
    }
    for name in hostile:
        health = health_of(store, name)
        assert (health.healthy, health.consecutive_failures) == (False, 1)
        assert health.last_error == outcomes[name].error
    assert sorted(c.feed for c in all_candidates(store)) == ["good"] + ["latin"] * 6


def test_a_bozo_feed_is_used_and_its_warning_recorded(
    store: EventStore, server: FeedServer
) -> None:
    body = (DATA / "emerging-markets-briefing.xml").read_bytes()
    url = server.serve("/em.xml", body)
    fake_poller(store, settings_for(store.url, [{"name": "em", "url": url}]), Clock()).poll()
    health = health_of(store, "em")
    assert health.healthy
    assert health.bozo_warning == "SAXParseException at line 16, column 29: undefined entity"
    assert len(all_candidates(store)) == 9


def test_a_changed_url_drops_the_old_validators(store: EventStore, server: FeedServer) -> None:
    body = rss(("g1", "Law"))
    old = server.serve("/old.xml", conditional(body, ETAG, MODIFIED))
    new = server.serve("/new.xml", conditional(body, ETAG, MODIFIED))
    clock = Clock()
    fake_poller(store, settings_for(store.url, [{"name": "a", "url": old}]), clock).poll()
    clock.advance(4000)
    fake_poller(store, settings_for(store.url, [{"name": "a", "url": new}]), clock).poll()
    assert "if-none-match" not in server.hits("/new.xml")[0].headers
    assert health_of(store, "a").url == new


def test_an_extractor_failure_marks_only_that_feed_unhealthy(
    store: EventStore, server: FeedServer
) -> None:
    feeds = [
        {"name": "trips", "url": server.serve("/trips.xml", rss(("t1", "Law")))},
        {"name": "fine", "url": server.serve("/fine.xml", rss(("f1", "Law")))},
    ]
    poller = fake_poller(store, settings_for(store.url, feeds), Clock())

    def tripping(parsed, feed):  # type: ignore[no-untyped-def]
        if feed.name == "trips":
            raise IndexError("list index out of range")
        return extract_titles(parsed, feed)

    poller.extract = tripping
    outcomes = {o.feed: o for o in poller.poll()}
    assert outcomes["trips"].error == "extraction failed: IndexError: list index out of range"
    assert health_of(store, "trips").consecutive_failures == 1
    assert outcomes["fine"].new_candidates == 1


def test_an_absurdly_long_guid_is_stored_by_its_hash_and_still_recognised(
    store: EventStore, server: FeedServer
) -> None:
    guid = "urn:x:" + "y" * 3000
    url = server.serve("/a.xml", rss((guid, "Law")))
    poller = fake_poller(store, settings_for(store.url, [{"name": "a", "url": url}]), Clock())
    assert poller.poll()[0].new_candidates == 1
    assert poller.poll(force=True)[0].new_candidates == 0
    (stored,) = all_candidates(store)
    assert stored.item_guid.startswith("sha256:")
