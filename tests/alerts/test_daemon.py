"""`timeline daemon` as a real process delivering webhooks: `kill -9` in the middle of a
delivery, then a restart: no alert lost, and only the one in flight when the process
died delivered twice, with the same webhook-id (the documented window); both backends."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.alerts.conftest import SECRET_VARIABLE
from tests.alerts.receiver import Receiver
from tests.daemon_process import TIMEOUT_S, Daemon
from tests.factories import in_force
from tests.projections.conftest import PROJECTIONS
from timeline.store import open_store

pytestmark = pytest.mark.slow


@pytest.fixture
def daemons() -> Iterator[list[Daemon]]:
    started: list[Daemon] = []
    yield started
    for daemon in started:
        daemon.stop()


def write_config(tmp_path: Path, url: str, webhook: str) -> Path:
    config = tmp_path / "daemon.toml"
    config.write_text(
        f'[database]\nurl = "{url}"\n\n'
        f'[projections]\npath = "{PROJECTIONS}"\n\n'
        "[daemon]\nlease_seconds = 1.5\nrenew_seconds = 0.25\n\n"
        "[smtp]\ntimeout = 1.0\n\n"
        "[alerts]\npoll_seconds = 0.3\nwebhook_timeout = 1.0\nsending_timeout = 2.0\n"
        "retry_backoff = 0.5\n\n"
        f'[[follows]]\nname = "jp"\njurisdictions = ["JP"]\nwebhook = "{webhook}"\n'
        f'secret_env = "{SECRET_VARIABLE}"\n'
    )
    return config


def test_kill_9_mid_delivery_loses_nothing_and_duplicates_only_the_one_in_flight(
    database_url: str, tmp_path: Path, receiver: Receiver, daemons: list[Daemon]
) -> None:
    store = open_store(database_url)
    store.initialise()
    store.alert_ledger.cursors(["jp"])  # the follow begins here, as `follow add` does
    config = write_config(tmp_path, database_url, receiver.url)
    receiver.hold = True  # the first request is read, then never answered
    first = Daemon(config, "first")
    daemons.append(first)
    first.wait_for("daemon.active")
    store.append([in_force(subject=f"jp/act-{n}", title=f"Act {n}") for n in range(3)])
    assert receiver.held.wait(TIMEOUT_S), (
        f"the daemon never posted: {first.events('job.crashed') or first.lines[-5:]}"
    )
    first.proc.kill()  # SIGKILL while the receiver holds the request
    first.proc.wait(TIMEOUT_S)
    receiver.hold = False
    receiver.release.set()

    second = Daemon(config, "second")
    daemons.append(second)
    second.wait_for("daemon.active")
    ledger = store.alert_ledger
    deadline = time.monotonic() + TIMEOUT_S
    while time.monotonic() < deadline:
        if [d.status for d in ledger.deliveries()] == ["sent"] * 3:
            break
        time.sleep(0.2)
    assert [d.status for d in ledger.deliveries()] == ["sent"] * 3
    second.terminate()

    expected = {alert.webhook_id for alert in ledger.alerts()}
    counts = Counter(receiver.ids())
    assert set(counts) == expected  # no alert lost
    in_flight = receiver.received[0].webhook_id
    assert counts == Counter(dict.fromkeys(expected, 1) | {in_flight: 2})
    assert all(got.verified for got in receiver.received)
    twice = [got.body for got in receiver.received if got.webhook_id == in_flight]
    assert twice[0] == twice[1]  # the same alert, recognisably
    store.close()
