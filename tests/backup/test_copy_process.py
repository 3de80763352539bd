"""`timeline copy` as a real process, killed with SIGKILL mid-way and run again: the
second run continues from the target's head and the target ends equal to the source."""

from __future__ import annotations

import os
import pty
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy import exc as sa_exc

from tests.backup.conftest import PROJECTIONS, REPO, dump, populate
from tests.factories import office
from timeline.backup import BATCH
from timeline.store import open_store

EVENTS = 60_000  # a dozen batches: enough to be caught between two of them


def _env(source: str) -> dict[str, str]:
    return os.environ | {
        "TIMELINE_DATABASE__URL": source,
        "TIMELINE_LOGGING__FORMAT": "json",
        "PYTHONPATH": str(REPO / "src"),
    }


def _events_in(url: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.scalar(text("SELECT count(*) FROM events")) or 0)
    except sa_exc.DBAPIError:  # no schema yet
        return 0
    finally:
        engine.dispose()


# Every direction the issue names: SQLite -> SQLite, SQLite -> PostgreSQL and
# PostgreSQL -> SQLite.
DIRECTIONS = [("sqlite", "sqlite"), ("sqlite", "postgresql"), ("postgresql", "sqlite")]


@pytest.mark.parametrize(("source_backend", "target_backend"), DIRECTIONS)
def test_a_copy_killed_mid_way_continues_when_run_again(
    source_backend: str,
    target_backend: str,
    make_database_url: Callable[[str], str],
    tmp_path: Path,
) -> None:
    source, target = make_database_url(source_backend), make_database_url(target_backend)
    populate(source)
    store = open_store(source)
    for start in range(0, EVENTS, 2000):
        store.append([office(n) for n in range(start, start + 2000)])
    total = store.verify().events
    store.close()
    config = tmp_path / "config.toml"
    config.write_text(f"[projections]\npath = '{PROJECTIONS}'\n")
    argv = [sys.executable, "-m", "timeline", "--config", str(config), "copy", "--to", target]

    process = subprocess.Popen(
        argv, env=_env(source), stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 120
    while _events_in(target) < BATCH and time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()
    copied = _events_in(target)
    assert BATCH <= copied < total
    assert copied % BATCH == 0  # whole batches only
    assert {name: rows for name, rows in dump(target).items() if rows and name != "events"} == {}

    again = subprocess.run(argv, env=_env(source), capture_output=True, text=True, check=False)
    assert again.returncode == 0, again.stderr
    # Every row of working state beside the log (candidates, health, ledgers).
    records = sum(len(rows) for name, rows in dump(source).items() if name != "events")
    assert again.stdout.startswith(
        f"copied {total - copied} events ({copied} there already) and {records} records; "
    )
    assert dump(target) == dump(source)
    heads = []
    for url in (source, target):
        verify = [sys.executable, "-m", "timeline", "--config", str(config), "verify"]
        done = subprocess.run(verify, env=_env(url), capture_output=True, text=True, check=True)
        heads.append(done.stdout)
    assert heads[0] == heads[1]
    assert heads[0].startswith(f"ok: {total} events, chain verified up to #{total} (")


def _stderr_on_a_terminal(argv: list[str], env: dict[str, str]) -> tuple[int, str, str]:
    """Run with stderr on a pseudo-terminal; the exit code, stdout and what the
    terminal received."""
    master, slave = pty.openpty()
    process = subprocess.Popen(
        argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=slave
    )
    os.close(slave)
    received = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # EIO: the other end is closed
            break
        if not chunk:
            break
        received += chunk
    os.close(master)
    stdout = process.stdout.read().decode() if process.stdout else ""
    return process.wait(), stdout, received.decode(errors="replace")


def test_the_progress_bar_is_drawn_on_a_terminal_only(
    make_populated: Callable[[str], str], make_database_url: Callable[[str], str], tmp_path: Path
) -> None:
    source = make_populated("sqlite")
    config = tmp_path / "config.toml"
    config.write_text(f"[projections]\npath = '{PROJECTIONS}'\n")

    def argv(target: str) -> list[str]:
        return [sys.executable, "-m", "timeline", "--config", str(config), "copy", "--to", target]

    code, stdout, terminal = _stderr_on_a_terminal(argv(make_database_url("sqlite")), _env(source))
    assert code == 0, terminal
    assert stdout.startswith("copied ")
    assert "writing" in terminal
    assert "━" in terminal  # Rich's bar

    piped = subprocess.run(
        argv(make_database_url("sqlite")),
        env=_env(source),
        capture_output=True,
        text=True,
        check=False,
    )
    assert piped.returncode == 0, piped.stderr
    assert piped.stdout.startswith("copied ")
    assert "━" not in piped.stderr
    assert "writing" not in piped.stderr
