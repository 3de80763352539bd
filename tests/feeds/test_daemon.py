"""`timeline daemon` as real processes on both backends: standby and takeover,
a clean stop on SIGTERM, and `kill -9` in the middle of a poll."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text

from tests.daemon_process import TIMEOUT_S, Daemon
from tests.feeds.server import DATA, FeedServer, Reply
from timeline.model.feeds import FeedHealth
from timeline.store import EventStore, open_store
from timeline.store.sql.events import SqlEventStore
from timeline.store.sql.schema import candidates

pytestmark = pytest.mark.slow

US_WIRE = (DATA / "us-policy-wire.xml").read_bytes()
FR_VEILLE = (DATA / "veille-numerique-fr.xml").read_bytes()


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as running:
        yield running


@pytest.fixture
def daemons() -> Iterator[list[Daemon]]:
    started: list[Daemon] = []
    yield started
    for daemon in started:
        daemon.stop()


def write_config(tmp_path: Path, url: str, feeds: dict[str, str], lease: float = 1.5) -> Path:
    config = tmp_path / "daemon.toml"
    tables = "".join(
        f'[[feeds]]\nname = "{name}"\nurl = "{feed_url}"\ninterval = 3600\n\n'
        for name, feed_url in feeds.items()
    )
    config.write_text(
        f'[database]\nurl = "{url}"\n\n'
        "[polling]\nread_timeout = 20.0\njitter = 0.0\n\n"
        f"[daemon]\nlease_seconds = {lease}\nrenew_seconds = 0.25\n\n{tables}"
    )
    return config


def initialised(url: str) -> SqlEventStore:
    store = open_store(url)
    store.initialise()
    assert isinstance(store, SqlEventStore)
    return store


def candidate_rows(store: EventStore) -> list[tuple[str, str]]:
    return [(c.feed, c.item_guid) for c in store.candidates.find()]


def test_a_standby_takes_over_when_the_active_daemon_is_killed(
    database_url: str, tmp_path: Path, server: FeedServer, daemons: list[Daemon]
) -> None:
    store = initialised(database_url)
    config = write_config(tmp_path, database_url, {"us": server.serve("/us.xml", US_WIRE)})
    first = Daemon(config, "first")
    daemons.append(first)
    active = first.wait_for("daemon.active")
    first.wait_for("feed.polled")
    second = Daemon(config, "second")
    daemons.append(second)
    standby = second.wait_for("daemon.standby")
    assert standby["active"] == active["holder"]
    time.sleep(1.0)
    assert second.events("daemon.active") == []
    assert len(server.hits("/us.xml")) == 1

    first.proc.kill()  # no chance to release the lease: the standby waits it out
    killed_at = time.monotonic()
    first.proc.wait(TIMEOUT_S)
    took_over = second.wait_for("daemon.active")
    assert took_over["holder"] != active["holder"]
    assert took_over["feeds"] == ["us"]
    assert time.monotonic() - killed_at < 1.5 + 2.0
    time.sleep(0.5)
    # The new holder schedules the feed at once, but the health row says it is
    # not due for an hour: the takeover does not poll it again.
    assert len(server.hits("/us.xml")) == 1
    assert len(candidate_rows(store)) == 11
    store.close()


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT], ids=["TERM", "INT"])
def test_a_stop_signal_stops_the_daemon_cleanly_and_releases_the_lease(
    database_url: str,
    tmp_path: Path,
    server: FeedServer,
    daemons: list[Daemon],
    stop_signal: signal.Signals,
) -> None:
    store = initialised(database_url)
    config = write_config(
        tmp_path, database_url, {"us": server.serve("/us.xml", US_WIRE)}, lease=30.0
    )
    daemon = Daemon(config, "only")
    daemons.append(daemon)
    daemon.wait_for("daemon.active")
    polled = daemon.wait_for("feed.polled")
    assert set(polled) >= {"feed", "status", "items", "new_candidates", "duration_ms"}
    assert (polled["feed"], polled["status"], polled["items"]) == ("us", "ok", 11)
    assert daemon.terminate(stop_signal) == 0
    daemon.wait_for("daemon.stopped")
    # released, not left to lapse
    assert store.lease("daemon", seconds=1).current_holder() is None
    store.close()


def stalled_feed(body: bytes, release: threading.Event) -> Callable[[Any], Reply]:
    """Half the feed, then nothing until the test sets `release`."""

    def route(_request: Any) -> Reply:
        def chunks() -> Iterator[bytes]:
            yield body[: len(body) // 2]
            release.wait(TIMEOUT_S)
            yield body[len(body) // 2 :]

        return Reply(200, headers={"Content-Type": "application/rss+xml"}, chunks=chunks())

    return route


def wait_for_request(server: FeedServer, path: str) -> None:
    deadline = time.monotonic() + TIMEOUT_S
    while not server.hits(path):
        assert time.monotonic() < deadline, f"{path} was never requested"
        time.sleep(0.02)
    time.sleep(0.2)  # the first half is read; the poll is in flight


def test_sigterm_lets_an_in_flight_poll_finish(
    database_url: str, tmp_path: Path, server: FeedServer, daemons: list[Daemon]
) -> None:
    store = initialised(database_url)
    release = threading.Event()
    config = write_config(
        tmp_path, database_url, {"fr": server.serve("/fr.xml", stalled_feed(FR_VEILLE, release))}
    )
    daemon = Daemon(config, "only")
    daemons.append(daemon)
    wait_for_request(server, "/fr.xml")
    daemon.proc.send_signal(signal.SIGTERM)
    time.sleep(0.5)
    assert daemon.proc.poll() is None  # waiting for the poll, not abandoning it
    release.set()
    assert daemon.wait_stopped() == 0
    polled = daemon.wait_for("feed.polled")
    assert (polled["feed"], polled["status"], polled["new_candidates"]) == ("fr", "ok", 6)
    assert len(candidate_rows(store)) == 6
    daemon.wait_for("daemon.stopped")
    store.close()


def test_kill_9_in_the_middle_of_a_poll_loses_nothing_and_duplicates_nothing(
    database_url: str, tmp_path: Path, server: FeedServer, daemons: list[Daemon]
) -> None:
    store = initialised(database_url)
    release = threading.Event()
    feeds = {
        "us": server.serve("/us.xml", US_WIRE),
        "fr": server.serve("/fr.xml", stalled_feed(FR_VEILLE, release)),
    }
    config = write_config(tmp_path, database_url, feeds)
    first = Daemon(config, "first")
    daemons.append(first)
    first.wait_for("feed.polled", lambda line: line["feed"] == "us")
    wait_for_request(server, "/fr.xml")
    first.proc.kill()  # while "fr" is being read
    first.proc.wait(TIMEOUT_S)
    release.set()
    rows = candidate_rows(store)
    assert {feed for feed, _ in rows} == {"us"}
    assert len(rows) == 11

    server.serve("/fr.xml", Reply(200, FR_VEILLE, {"Content-Type": "application/rss+xml"}))
    second = Daemon(config, "second")
    daemons.append(second)
    polled = second.wait_for("feed.polled", lambda line: line["feed"] == "fr")
    assert (polled["status"], polled["new_candidates"]) == ("ok", 6)
    rows = candidate_rows(store)
    assert len(rows) == len(set(rows)) == 17
    with store.read_connection() as conn:
        assert conn.execute(select(func.count()).select_from(candidates)).scalar() == 17
    store.close()


def test_kill_9_inside_the_poll_s_transaction_leaves_no_trace(
    make_database_url: Callable[[str], str],
    tmp_path: Path,
    server: FeedServer,
    daemons: list[Daemon],
) -> None:
    """PostgreSQL only: the test holds the feed's health row, so the daemon's poll
    blocks after inserting its candidates and before its health update and
    commit; it is killed there.  (SQLite takes its one write lock at BEGIN, so
    no outside lock can stop a writer half-way; its rollback on a torn
    transaction is the journal's job.)"""
    url = make_database_url("postgresql")
    store = initialised(url)
    feed_url = server.serve("/fr.xml", Reply(200, FR_VEILLE, {"Content-Type": "text/xml"}))
    store.feed_health.record(FeedHealth(feed="fr", url=feed_url))
    config = write_config(tmp_path, url, {"fr": feed_url})
    blocker = store.engine.connect()
    blocking = blocker.begin()
    blocker.execute(text("SELECT 1 FROM feed_health WHERE feed = 'fr' FOR UPDATE"))
    first = Daemon(config, "first")
    daemons.append(first)
    deadline = time.monotonic() + TIMEOUT_S
    # A fresh transaction per look: pg_stat_activity is a snapshot per transaction.
    while not _waiting_on_health_row(store):
        assert time.monotonic() < deadline, "the poll never reached its health update"
        time.sleep(0.05)
    first.proc.kill()
    first.proc.wait(TIMEOUT_S)
    blocking.rollback()
    blocker.close()
    time.sleep(0.3)  # the server notices the dead client and rolls its transaction back
    assert candidate_rows(store) == []

    second = Daemon(config, "second")
    daemons.append(second)
    polled = second.wait_for("feed.polled")
    assert (polled["status"], polled["new_candidates"]) == ("ok", 6)
    rows = candidate_rows(store)
    assert len(rows) == len(set(rows)) == 6
    store.close()


def _waiting_on_health_row(store: SqlEventStore) -> bool:
    with store.engine.connect() as conn:
        waiting = conn.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND query LIKE 'UPDATE feed_health%'"
            )
        ).scalar()
    return bool(waiting)


@pytest.mark.parametrize("poll_files", [False, True], ids=["http-only", "with-files"])
def test_the_daemon_polls_file_feeds_only_when_configured(
    database_url: str,
    tmp_path: Path,
    server: FeedServer,
    daemons: list[Daemon],
    poll_files: bool,
) -> None:
    """A downloaded feed is for trying the watcher with `timeline poll`; the daemon
    leaves it alone unless `daemon.poll_file_feeds` says otherwise."""
    store = initialised(database_url)
    local = tmp_path / "veille.xml"
    local.write_bytes(FR_VEILLE)
    feeds = {"us": server.serve("/us.xml", US_WIRE), "local": local.as_uri()}
    config = write_config(tmp_path, database_url, feeds, lease=30.0)
    if poll_files:
        config.write_text(
            config.read_text().replace("[daemon]\n", "[daemon]\npoll_file_feeds = true\n")
        )
    daemon = Daemon(config, "only")
    daemons.append(daemon)
    active = daemon.wait_for("daemon.active")
    daemon.wait_for("feed.polled", lambda line: line["feed"] == "us")
    if poll_files:
        assert active["feeds"] == ["us", "local"]
        polled = daemon.wait_for("feed.polled", lambda line: line["feed"] == "local")
        assert (polled["status"], polled["items"]) == ("ok", 6)
        assert daemon.events("daemon.file_feeds_skipped") == []
    else:
        assert active["feeds"] == ["us"]
        skipped = daemon.wait_for("daemon.file_feeds_skipped")
        assert (skipped["feeds"], skipped["setting"]) == (["local"], "daemon.poll_file_feeds")
        assert {feed for feed, _guid in candidate_rows(store)} == {"us"}
    assert daemon.terminate(signal.SIGTERM) == 0
    store.close()
