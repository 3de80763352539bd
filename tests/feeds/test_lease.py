"""The daemon's lease on both backends, and two daemons in one process handing over."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterator

import pytest

from tests.feeds.helpers import fake_poller, settings_for
from tests.feeds.server import FeedServer, rss
from timeline.daemon import Daemon
from timeline.errors import ConfigError
from timeline.jobs import PeriodicJob
from timeline.store import EventStore


def test_one_holder_at_a_time_until_the_lease_lapses(store: EventStore) -> None:
    now = [dt.datetime(2026, 1, 1, tzinfo=dt.UTC)]
    first = store.lease("daemon", seconds=10, holder="first", clock=lambda: now[0])
    second = store.lease("daemon", seconds=10, holder="second", clock=lambda: now[0])
    assert first.acquire()
    assert not second.acquire()
    assert second.current_holder() == "first"
    now[0] += dt.timedelta(seconds=9)
    assert first.acquire()  # renewed: good for 10 s more
    now[0] += dt.timedelta(seconds=9)
    assert not second.acquire()
    now[0] += dt.timedelta(seconds=2)  # first went silent: lapsed
    assert second.acquire()
    assert not first.acquire()
    second.release()
    assert second.current_holder() is None
    assert first.acquire()


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as running:
        yield running


def test_a_standby_daemon_takes_over_when_the_active_one_stops(
    store: EventStore, server: FeedServer
) -> None:
    url = server.serve("/a.xml", rss(("g1", "Law")))
    settings = settings_for(store.url, [{"name": "a", "url": url, "interval": 3600}])
    settings = settings.model_copy(
        update={
            "daemon": settings.daemon.model_copy(
                update={"lease_seconds": 2.0, "renew_seconds": 0.1}
            )
        }
    )
    ran: list[str] = []
    daemons, stops, threads = [], [], []
    for name in ("one", "two"):
        job = PeriodicJob(f"job-{name}", lambda n=name: ran.append(n), 0.05)  # type: ignore[misc]
        daemon = Daemon(store, settings, fake_poller(store, settings), [job])
        stop = threading.Event()
        daemons.append(daemon)
        stops.append(stop)
        threads.append(threading.Thread(target=daemon.run, args=(stop,)))
    threads[0].start()
    _wait_for(lambda: "one" in ran)
    threads[1].start()
    time.sleep(0.5)
    assert "two" not in ran  # the standby schedules nothing
    assert len(server.hits("/a.xml")) == 1
    stops[0].set()
    threads[0].join(10)
    assert not threads[0].is_alive()
    _wait_for(lambda: "two" in ran)  # released at once: no need to wait out the lease
    stops[1].set()
    threads[1].join(10)
    assert store.lease("daemon", seconds=1).current_holder() is None


def test_renewal_must_be_shorter_than_the_lease(store: EventStore) -> None:
    settings = settings_for(store.url, [])
    settings = settings.model_copy(
        update={
            "daemon": settings.daemon.model_copy(
                update={"lease_seconds": 5.0, "renew_seconds": 5.0}
            )
        }
    )
    with pytest.raises(ConfigError, match=r"daemon.renew_seconds \(5\) must be shorter"):
        Daemon(store, settings, fake_poller(store, settings))


def _wait_for(condition, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)
