"""Fetching against a real HTTP server on 127.0.0.1: politeness and every bound."""

from __future__ import annotations

import datetime as dt
import itertools
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.feeds.server import FeedServer, Reply, rss
from timeline.feeds.fetch import Fetcher, FetchResult, default_user_agent, parse_retry_after
from timeline.settings import PollingSettings

FEED = rss(("g1", "A law is adopted"))


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as running:
        yield running


def fetcher(**overrides: object) -> Fetcher:
    settings = {"connect_timeout": 2.0, "read_timeout": 0.5, "max_body_bytes": 100_000}
    return Fetcher(PollingSettings.model_validate(settings | overrides))


def test_a_fetch_says_who_it_is_and_sends_the_validators(server: FeedServer) -> None:
    url = server.serve("/feed.xml", FEED)
    result = fetcher().fetch(url, etag='"v1"', last_modified="Mon, 01 Sep 2025 09:00:00 GMT")
    assert result.http_status == 200
    assert result.body == FEED
    headers = server.hits("/feed.xml")[0].headers
    assert headers["user-agent"] == default_user_agent()
    assert headers["user-agent"].startswith("timeline/")
    assert headers["if-none-match"] == '"v1"'
    assert headers["if-modified-since"] == "Mon, 01 Sep 2025 09:00:00 GMT"


def test_a_304_has_no_body_and_no_error(server: FeedServer) -> None:
    url = server.serve("/feed.xml", Reply(304, headers={"ETag": '"v1"'}))
    result = fetcher().fetch(url, etag='"v1"')
    assert (result.not_modified, result.error, result.body) == (True, None, None)


@pytest.mark.parametrize(
    ("retry_after", "expected_delay"),
    [("120", 120), ("Wed, 21 Oct 2037 07:28:00 GMT", None)],
)
def test_429_and_503_carry_retry_after(
    server: FeedServer, retry_after: str, expected_delay: int | None
) -> None:
    url = server.serve("/busy", Reply(429, b"slow down", {"Retry-After": retry_after}))
    result = fetcher().fetch(url)
    assert result.error == "HTTP 429 Too Many Requests"
    assert result.retry_after is not None
    if expected_delay is None:
        until = dt.datetime(2037, 10, 21, 7, 28, tzinfo=dt.UTC) - dt.datetime.now(dt.UTC)
        assert abs(result.retry_after - until.total_seconds()) < 5
    else:
        assert result.retry_after == expected_delay

    url = server.serve("/down", Reply(503, b"", {"Retry-After": "30"}))
    result = fetcher().fetch(url)
    assert result.http_status == 503
    assert result.error == "HTTP 503 Service Unavailable"
    assert result.retry_after is not None


def test_retry_after_forms() -> None:
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    assert parse_retry_after("60", now) == 60
    assert parse_retry_after("Thu, 01 Jan 2026 00:10:00 GMT", now) == 600
    assert parse_retry_after("Wed, 31 Dec 2025 00:00:00 GMT", now) == 0  # past: at once
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after(None, now) is None


def test_redirects_are_followed_up_to_the_limit(server: FeedServer) -> None:
    server.serve("/feed.xml", FEED)
    for hop in range(3):
        target = "/feed.xml" if hop == 0 else f"/hop{hop - 1}"
        server.serve(f"/hop{hop}", Reply(301, headers={"Location": target}))
    assert fetcher(max_redirects=3).fetch(server.url("/hop2")).body == FEED
    result = fetcher(max_redirects=2).fetch(server.url("/hop2"))
    assert result.error == "more than 2 redirects"
    assert result.body is None


def test_a_slow_server_times_out(server: FeedServer) -> None:
    url = server.serve("/slow", Reply(200, FEED, delay=1.5))
    started = time.monotonic()
    result = fetcher(read_timeout=0.3).fetch(url)
    assert result.error == "read timed out after 0.3s"
    assert time.monotonic() - started < 1.4


def test_a_declared_oversized_body_is_refused_before_reading(server: FeedServer) -> None:
    url = server.serve("/big", Reply(200, b"x" * 200_000))
    result = fetcher(max_body_bytes=100_000).fetch(url)
    assert result.error == "body of 200000 bytes exceeds the 100000-byte cap"
    assert result.body is None


def test_an_endless_body_is_cut_at_the_cap(server: FeedServer) -> None:
    # 50 MB of garbage were it let through: no Content-Length, an endless stream.
    url = server.serve(
        "/endless", lambda _r: Reply(200, chunks=itertools.repeat(b"\x00" * 65536, 800))
    )
    started = time.monotonic()
    result = fetcher(max_body_bytes=1_000_000).fetch(url)
    assert result.error == "body exceeds the 1000000-byte cap (aborted)"
    assert time.monotonic() - started < 5


def test_a_dripping_body_meets_the_overall_deadline(server: FeedServer) -> None:
    def drip() -> Iterator[bytes]:
        for _ in range(100):
            time.sleep(0.05)  # each read well within the read timeout
            yield b" "

    url = server.serve("/drip", lambda _r: Reply(200, chunks=drip()))
    result = fetcher(read_timeout=0.25).fetch(url)
    assert result.error == "download took longer than 1s"


def test_a_closed_port_is_an_error_not_an_exception() -> None:
    result = fetcher().fetch("http://127.0.0.1:9/feed.xml")
    assert result.http_status is None
    assert result.error is not None
    assert result.error.startswith("ConnectError")


def test_a_file_url_or_a_path_is_read_under_the_same_cap(tmp_path: Path) -> None:
    feed = tmp_path / "a feed.xml"
    feed.write_bytes(FEED)
    for source in (str(feed), f"file://{feed}", "file://" + str(feed).replace(" ", "%20")):
        assert fetcher().fetch(source) == FetchResult(None, body=FEED)
    feed.write_bytes(FEED + b" " * 100_000)
    assert fetcher().fetch(str(feed)).error == "file exceeds the 100000-byte cap"


def test_an_unreadable_file_is_an_error_not_an_exception(tmp_path: Path) -> None:
    result = fetcher().fetch(str(tmp_path / "missing.xml"))
    assert result == FetchResult(None, error="cannot read: No such file or directory")
    assert fetcher().fetch(str(tmp_path)).error == "cannot read: Is a directory"
