"""The store under real concurrency: several OS processes on one database.

Each child is a fresh interpreter running `python -m tests.store._writer ...`
(never a fork of this one, which holds open engines).  Children report on
stdout in JSON lines; the parent releases racing children together through a
file barrier (see `_writer`).  Every test runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import queue
import random
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from tests.factories import office
from timeline.store import EventStore, open_store

pytestmark = pytest.mark.slow

REPO_ROOT = Path(__file__).resolve().parents[2]
TIMEOUT_S = 30.0


# -- child processes -----------------------------------------------------------


class Child:
    """One `tests.store._writer` process; stdout is pumped into a queue of records."""

    def __init__(self, name: str, args: list[str], logdir: Path) -> None:
        self.name = name
        self.args = args
        self.records: list[dict[str, Any]] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        self.stderr_path = logdir / f"{name}.stderr"
        env = dict(os.environ)
        # `-m` puts the working directory on sys.path already; PYTHONPATH keeps
        # `tests` importable even under `python -P` / PYTHONSAFEPATH.
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
        with self.stderr_path.open("w") as stderr:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "tests.store._writer", *args],
                cwd=REPO_ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=stderr,
                text=True,
            )
        assert self.proc.stdout is not None
        self._pump = threading.Thread(target=self._read, args=(self.proc.stdout,), daemon=True)
        self._pump.start()

    def _read(self, stdout: IO[str]) -> None:
        for line in stdout:
            self._queue.put(line)
        self._queue.put(None)

    def _parse(self, line: str) -> dict[str, Any]:
        try:
            record: dict[str, Any] = json.loads(line)
        except json.JSONDecodeError:
            pytest.fail(f"child {self.name} printed non-JSON {line!r} {self.describe()}")
        self.records.append(record)
        return record

    def next_record(self, deadline: float) -> dict[str, Any] | None:
        """The next stdout record, or None at end of output; fails at the deadline."""
        try:
            line = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            pytest.fail(
                f"child {self.name} printed nothing more within {TIMEOUT_S}s {self.describe()}"
            )
        return None if line is None else self._parse(line)

    def wait_for_step(self, step: str) -> dict[str, Any]:
        for seen in self.records:
            if seen.get("step") == step:
                return seen
        deadline = time.monotonic() + TIMEOUT_S
        while (record := self.next_record(deadline)) is not None:
            if record.get("step") == step:
                return record
        self.proc.wait(timeout=TIMEOUT_S)
        pytest.fail(f"child {self.name} ended without reaching {step!r} {self.describe()}")

    def finish(self, *, expect_success: bool = True) -> list[dict[str, Any]]:
        """Wait for exit; return every record it printed."""
        try:
            self.proc.wait(timeout=TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.kill()
            pytest.fail(f"child {self.name} still running after {TIMEOUT_S}s {self.describe()}")
        deadline = time.monotonic() + TIMEOUT_S
        while self.next_record(deadline) is not None:
            pass
        if expect_success and self.proc.returncode != 0:
            pytest.fail(f"child {self.name} failed {self.describe()}")
        return self.records

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=TIMEOUT_S)

    def describe(self) -> str:
        status = self.proc.poll()
        state = "running" if status is None else f"exit status {status}"
        stderr = self.stderr_path.read_text(errors="replace").strip()
        tail = "\n".join(stderr.splitlines()[-25:])
        return f"({state}; args {self.args})" + (f"\n--- its stderr ---\n{tail}" if tail else "")


SpawnFn = Callable[[str, list[str]], Child]


@pytest.fixture
def spawn(tmp_path: Path) -> Iterator[SpawnFn]:
    """Start children; every one still alive at teardown is killed."""
    children: list[Child] = []
    logdir = tmp_path / "children"
    logdir.mkdir()

    def start(name: str, args: list[str]) -> Child:
        child = Child(name, args, logdir)
        children.append(child)
        return child

    yield start
    for child in children:
        child.kill()


def release(sync: Path, children: list[Child], suffix: str = "") -> None:
    """Once every child has written its ready file, create the go file."""
    deadline = time.monotonic() + TIMEOUT_S
    waiting = list(children)
    while waiting:
        for child in list(waiting):
            if (sync / f"ready-{child.name}{suffix}").exists():
                waiting.remove(child)
            elif child.proc.poll() is not None:
                pytest.fail(
                    f"child {child.name} exited before barrier go{suffix} {child.describe()}"
                )
        if time.monotonic() > deadline:
            names = ", ".join(c.name for c in waiting)
            pytest.fail(f"barrier go{suffix}: {names} not ready within {TIMEOUT_S}s")
        time.sleep(0.002)
    (sync / f"go{suffix}").touch()


@pytest.fixture
def sync_dir(tmp_path: Path) -> Path:
    path = tmp_path / "sync"
    path.mkdir()
    return path


def initialised(url: str) -> EventStore:
    store = open_store(url)
    store.initialise()
    return store


def assert_appends_overlapped(outcomes: list[dict[str, Any]], rounds: int, what: str) -> None:
    """Some round's two appends must have run at the same time.

    Otherwise the processes took turns rather than raced, and the test would
    prove little.  Each record holds when its append began and, as "t", when
    it returned.
    """
    notes, overlapped = [], 0
    for rnd in range(rounds):
        pair = [o for o in outcomes if o["round"] == rnd]
        skew = abs(pair[0]["began"] - pair[1]["began"]) * 1000
        overlap = max(o["began"] for o in pair) < min(o["t"] for o in pair)
        overlapped += overlap
        notes.append(f"round {rnd}: began {skew:.1f} ms apart, {'' if overlap else 'no '}overlap")
    print(f"{what}:", "; ".join(notes))
    assert overlapped, f"{what}: the appends never overlapped:\n" + "\n".join(notes)


def assert_verifies(store: EventStore, events: int) -> None:
    report = store.verify()
    assert report.ok, f"hash chain broken at {report.broken_at}: {report.detail}"
    assert (report.events, report.head_seq) == (events, events), report


# -- 1. optimistic concurrency --------------------------------------------------

RACE_ROUNDS = 5


def test_racing_appends_to_one_subject_have_exactly_one_winner(
    database_url: str, spawn: SpawnFn, sync_dir: Path
) -> None:
    subject = "jp/contested-act"
    initialised(database_url).close()
    racers = [
        spawn(
            name,
            [
                "race",
                database_url,
                "--sync",
                str(sync_dir),
                "--name",
                name,
                "--subject",
                subject,
                "--rounds",
                str(RACE_ROUNDS),
            ],
        )
        for name in ("a", "b")
    ]
    for rnd in range(RACE_ROUNDS):
        release(sync_dir, racers, f"-{rnd}")
    outcomes = [record for racer in racers for record in racer.finish()]

    for rnd in range(RACE_ROUNDS):
        this_round = sorted((o for o in outcomes if o["round"] == rnd), key=lambda o: o["outcome"])
        summary = json.dumps(this_round, indent=1)
        assert [o["outcome"] for o in this_round] == ["appended", "conflict"], (
            f"round {rnd} (both expected version {rnd}) needs one winner, one loser:\n{summary}"
        )
        won, lost = this_round
        assert (won["seq"], won["stream_version"], won["written"]) == (rnd + 1, rnd + 1, True), (
            summary
        )
        assert (lost["expected"], lost["actual"]) == (rnd, rnd + 1), summary
    assert_appends_overlapped(outcomes, RACE_ROUNDS, "race")

    store = open_store(database_url)
    try:
        assert store.stream_version(subject) == RACE_ROUNDS
        stored = list(store.read())
        winners = {o["id"] for o in outcomes if o["outcome"] == "appended"}
        assert {rec.id for rec in stored} == winners, "stored events are not the winners'"
        assert_verifies(store, RACE_ROUNDS)
    finally:
        store.close()


# -- 2. gap-free positions under concurrent writers ------------------------------

WRITERS, APPENDS_EACH = 4, 50


def test_concurrent_writers_leave_positions_gap_free_for_a_tailing_reader(
    database_url: str, spawn: SpawnFn, sync_dir: Path
) -> None:
    total = WRITERS * APPENDS_EACH
    initialised(database_url).close()
    writers = [
        spawn(
            f"writer{w}",
            [
                "stream",
                database_url,
                "--sync",
                str(sync_dir),
                "--writer",
                str(w),
                "--count",
                str(APPENDS_EACH),
            ],
        )
        for w in range(WRITERS)
    ]
    reader = spawn(
        "reader", ["reader", database_url, "--sync", str(sync_dir), "--total", str(total)]
    )
    release(sync_dir, [*writers, reader])
    reports = [child.finish()[-1] for child in writers]
    per_writer = {w: report["seqs"] for w, report in enumerate(reports)}
    tail = reader.finish()[-1]

    assert tail["violations"] == [], "the tailing reader saw positions out of order:\n" + (
        "\n".join(tail["violations"])
    )
    assert tail["last"] == total, f"reader stopped at {tail['last']} of {total}: {tail}"
    assert tail["growing_polls"] >= 1, f"the reader never saw the log mid-growth: {tail}"

    for w, seqs in per_writer.items():
        assert seqs == sorted(seqs), f"writer {w} got positions out of its own order: {seqs}"
    assert sorted(s for seqs in per_writer.values() for s in seqs) == list(range(1, total + 1))
    # All writers must have been appending at once (even if SQLite, whose lock
    # is not fair, may let one writer finish all its appends before the next
    # gets in: their positions need not interleave).
    started_last = max(report["began"] for report in reports)
    finished_first = min(report["t"] for report in reports)
    spans = [(min(seqs), max(seqs)) for seqs in per_writer.values()]
    timing = (
        f"writers began within {(started_last - min(r['began'] for r in reports)) * 1000:.0f} ms, "
        f"first appends took {[round((r['first_done'] - r['began']) * 1000) for r in reports]} ms, "
        f"all done in {(max(r['t'] for r in reports) - started_last) * 1000:.0f} ms; "
        f"positions spanned {spans}; reader polled {tail['polls']} times"
    )
    print(timing)
    assert started_last < finished_first, f"writers did not overlap in time: {timing}"

    store = open_store(database_url)
    try:
        stored = list(store.read())
        assert [rec.seq for rec in stored] == list(range(1, total + 1))
        backwards = [
            (a.seq, b.seq) for a, b in itertools.pairwise(stored) if b.recorded_at < a.recorded_at
        ]
        assert not backwards, f"recorded_at runs backwards at positions {backwards[:10]}"
        assert all(rec.stream_version == 1 for rec in stored)
        assert_verifies(store, total)
    finally:
        store.close()


# -- 3. crash safety -----------------------------------------------------------

SEED_EVENTS = 3
BIG_BATCH = 5_000
# Where each kill is aimed: (child step to wait for, random delay after it in s,
# seconds the child holds its transaction open between INSERT and COMMIT).
KILL_PLAN = [
    # As a crash would come: at any moment after "started" (printed just before
    # `append`); the whole append takes about 1 s.
    ("started", (0.0, 1.0), 0.0),
    # During the INSERT (5,000 rows: about 70 ms on SQLite, 300 ms on PostgreSQL).
    ("inserting", (0.0, 0.02), 0.0),
    # Every row inserted, COMMIT not yet sent: this one lands there whatever the
    # timing, so each run of the test covers a kill inside the transaction.
    ("holding", (0.0, 0.3), 0.6),
    # Racing the COMMIT itself: either outcome is fine, nothing in between is.
    ("committing", (0.0, 0.0), 0.0),
]
STEPS = ["started", "locked", "inserting", "holding", "committing", "committed", "done"]


def wait_until_alone(url: str) -> None:
    """PostgreSQL: wait until the killed child's server session has gone.

    The server notices the dead client only when it next reads from the socket;
    until then it could still be running the child's COMMIT, and a count taken
    now could change afterwards.
    """
    engine = create_engine(url, poolclass=NullPool)
    deadline = time.monotonic() + TIMEOUT_S
    try:
        with engine.connect() as conn:
            while True:
                others = conn.execute(
                    text(
                        "SELECT count(*) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    )
                ).scalar_one()
                conn.rollback()  # fresh statistics snapshot next time round
                if not others:
                    return
                if time.monotonic() > deadline:
                    pytest.fail(f"{others} other sessions still open {TIMEOUT_S}s after the kill")
                time.sleep(0.01)
    finally:
        engine.dispose()


def check_sqlite_file(url: str) -> str:
    """Open the file with plain sqlite3 (running WAL recovery); it must be intact."""
    path = Path(make_url(url).database or "")
    wal = path.with_name(path.name + "-wal")
    wal_size = wal.stat().st_size if wal.exists() else 0
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    finally:
        conn.close()
    return f"WAL {wal_size / 1e6:.1f} MB left by the kill"


def test_kill_9_mid_append_leaves_all_or_nothing(
    backend: str, database_url: str, spawn: SpawnFn, sync_dir: Path
) -> None:
    store = initialised(database_url)
    store.append([office(n) for n in range(SEED_EVENTS)])
    store.close()
    # Started together, run one at a time: each waits for its go file.
    children = [
        spawn(
            f"big{run}",
            [
                "big",
                database_url,
                "--sync",
                str(sync_dir),
                "--name",
                f"big{run}",
                "--first",
                str(1000 + run * BIG_BATCH),
                "--count",
                str(BIG_BATCH),
                "--hold",
                str(hold),
            ],
        )
        for run, (_, _, hold) in enumerate(KILL_PLAN)
    ]
    rng = random.Random()
    runs: list[str] = []
    killed_after_insert = 0
    count = SEED_EVENTS

    for run, (child, (anchor, (low, high), _)) in enumerate(zip(children, KILL_PLAN, strict=True)):
        release(sync_dir, [child], f"-{child.name}")
        started = child.wait_for_step("started")["t"]
        aim = child.wait_for_step(anchor)["t"] + rng.uniform(low, high)
        time.sleep(max(0.0, aim - time.monotonic()))
        killed_at = time.monotonic()
        child.kill()
        records = child.finish(expect_success=False)
        reached = {r["step"]: r["t"] for r in records if "step" in r}
        last = max(reached, key=STEPS.index)
        where = (
            f"run {run}: kill aimed at {anchor}+{(aim - reached[anchor]) * 1000:.0f} ms landed "
            f"{(killed_at - reached[last]) * 1000:.0f} ms after the child's last step {last!r} "
            f"({killed_at - started:.2f}s after 'started'; steps "
            + ", ".join(f"{s} +{t - started:.2f}s" for s, t in reached.items())
            + ")"
        )
        if child.proc.returncode != -9:
            where += f"; child had already exited with status {child.proc.returncode}"

        if backend == "postgresql":
            wait_until_alone(database_url)
        else:
            where += "; " + check_sqlite_file(database_url)

        before = count
        store = open_store(database_url)
        try:
            report = store.verify()
            assert report.ok, f"hash chain broken at {report.broken_at}: {report.detail}; {where}"
            count = report.events
            assert count in (before, before + BIG_BATCH), (
                f"{count} events, expected {before} or {before + BIG_BATCH}; {where}"
            )
            if "committing" not in reached:  # COMMIT never issued
                assert count == before, f"batch stored without a COMMIT; {where}"
            if "committed" in reached:
                assert count == before + BIG_BATCH, f"committed batch lost; {where}"

            result = store.append([office(900_000 + 10 * run + k) for k in range(2)])
            assert [e.seq for e in result.events] == [count + 1, count + 2], where
            count += 2
            assert_verifies(store, count)
        finally:
            store.close()

        absent = report.events == before
        killed_after_insert += absent and "inserting" in reached
        runs.append(f"{where} -> batch {'absent' if absent else 'present'}")

    summary = f"{backend}, batch of {BIG_BATCH}:\n  " + "\n  ".join(runs)
    print(summary)
    assert killed_after_insert, f"no kill landed between INSERT and COMMIT:\n{summary}"


# -- 4. idempotent concurrent appends ------------------------------------------

IDEM_ROUNDS = 5


def test_racing_appends_with_one_idempotency_key_store_one_event(
    database_url: str, spawn: SpawnFn, sync_dir: Path
) -> None:
    initialised(database_url).close()
    racers = [
        spawn(
            name,
            [
                "idem",
                database_url,
                "--sync",
                str(sync_dir),
                "--name",
                name,
                "--key",
                "press-release-42",
                "--rounds",
                str(IDEM_ROUNDS),
            ],
        )
        for name in ("a", "b")
    ]
    for rnd in range(IDEM_ROUNDS):
        release(sync_dir, racers, f"-{rnd}")
    outcomes = [record for racer in racers for record in racer.finish()]

    for rnd in range(IDEM_ROUNDS):
        this_round = [o for o in outcomes if o["round"] == rnd]
        summary = json.dumps(this_round, indent=1)
        assert len(this_round) == 2, summary
        assert len({o["id"] for o in this_round}) == 1, f"round {rnd}: two ids\n{summary}"
        assert len({o["seq"] for o in this_round}) == 1, f"round {rnd}: two positions\n{summary}"
        assert sorted(o["written"] for o in this_round) == [False, True], (
            f"round {rnd}: exactly one process should have written the event\n{summary}"
        )
    assert_appends_overlapped(outcomes, IDEM_ROUNDS, "idempotent race")

    store = open_store(database_url)
    try:
        stored = list(store.read())
        keys = [rec.idempotency_key for rec in stored]
        assert keys == [f"press-release-42-{rnd}" for rnd in range(IDEM_ROUNDS)], keys
        assert {rec.id for rec in stored} == {o["id"] for o in outcomes}
        assert_verifies(store, IDEM_ROUNDS)
    finally:
        store.close()
