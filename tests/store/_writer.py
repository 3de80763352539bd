"""Child process for tests/store/test_processes.py: one store client per interpreter.

Run as `python -m tests.store._writer COMMAND ...` from the repository root.
Every command prints JSON lines on stdout (flushed at once, so the parent can
react to them while the child still runs) and exits 0 unless something that is
not the behaviour under test went wrong, in which case the traceback goes to
stderr and the exit status is non-zero.

Processes that must start together meet at a file barrier: each writes
`<sync>/ready-<name><suffix>`, then polls for `<sync>/go<suffix>` (the suffix
names the round, if any), which the parent creates once every child is ready.
The store is opened, its schema checked and its connection pool warmed before
the barrier, so that after "go" the children race on the append itself.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import event

from tests.factories import in_force, office
from timeline.errors import ConcurrencyError
from timeline.model.events import EVENT_ADAPTER
from timeline.store import EventFilter, EventStore, open_store

BARRIER_TIMEOUT_S = 30.0
POLL_S = 0.001


def emit(**fields: Any) -> None:
    """One JSON line on stdout, with the system-wide monotonic clock (comparable across
    processes on Linux) so the parent can place the child's steps against its own."""
    print(json.dumps({"t": time.monotonic(), **fields}), flush=True)


def wait_for(path: Path, timeout: float = BARRIER_TIMEOUT_S) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{path} did not appear within {timeout}s")
        time.sleep(POLL_S)


def barrier(sync: Path, name: str, suffix: str = "", timeout: float = BARRIER_TIMEOUT_S) -> None:
    (sync / f"ready-{name}{suffix}").touch()
    wait_for(sync / f"go{suffix}", timeout)


def warmed_store(url: str) -> EventStore:
    store = open_store(url)
    store.stream_version("warm-up")  # schema check + one pooled connection
    return store


# -- commands --------------------------------------------------------------------


def race(args: argparse.Namespace) -> None:
    """Each round, append one event to the shared subject expecting version = round."""
    store = warmed_store(args.url)
    sync = Path(args.sync)
    for rnd in range(args.rounds):
        # Content differs per process and round: identical content would share a
        # content-derived idempotency key, and the loser would be an idempotent
        # retry instead of a conflict.
        ev = EVENT_ADAPTER.validate_python(
            in_force(args.subject, title=f"AI Promotion Act ({args.name}, round {rnd})")
        )
        barrier(sync, args.name, f"-{rnd}")
        began = time.monotonic()
        try:
            result = store.append([ev], expected_versions={args.subject: rnd})
        except ConcurrencyError as exc:
            emit(
                round=rnd,
                name=args.name,
                began=began,
                outcome="conflict",
                expected=exc.expected,
                actual=exc.actual,
                message=str(exc),
            )
        else:
            rec = result.events[0]
            emit(
                round=rnd,
                name=args.name,
                began=began,
                outcome="appended",
                seq=rec.seq,
                id=rec.id,
                stream_version=rec.stream_version,
                written=result.written[0],
            )
    store.close()


def stream(args: argparse.Namespace) -> None:
    """Append `count` single-event batches, each to a subject of this writer's own."""
    store = warmed_store(args.url)
    batches = [[office(args.writer * 100_000 + i)] for i in range(args.count)]
    barrier(Path(args.sync), f"writer{args.writer}")
    began = time.monotonic()
    seqs, first_done = [], 0.0
    for batch in batches:
        result = store.append(batch)
        assert result.written == [True], result
        seqs.append(result.events[0].seq)
        first_done = first_done or time.monotonic()
    emit(writer=args.writer, began=began, first_done=first_done, seqs=seqs)
    store.close()


def reader(args: argparse.Namespace) -> None:
    """Tail the log with after_seq checkpoints until `total` events were seen.

    Every event returned must be exactly the next position after the last one
    seen: a hole that is filled later, or a position at or below the
    checkpoint, would be lost or duplicated by a real consumer.
    """
    store = warmed_store(args.url)
    barrier(Path(args.sync), "reader")
    last, last_recorded = 0, None
    polls, growing_polls, violations = 0, 0, []
    deadline = time.monotonic() + BARRIER_TIMEOUT_S
    while last < args.total and time.monotonic() < deadline:
        polls += 1
        got = 0
        for rec in store.read(EventFilter(after_seq=last)):
            got += 1
            if rec.seq != last + 1:
                violations.append(f"poll {polls}: got seq {rec.seq} right after seq {last}")
            if last_recorded is not None and rec.recorded_at < last_recorded:
                violations.append(
                    f"poll {polls}: seq {rec.seq} recorded_at {rec.recorded_at} "
                    f"is before the previous {last_recorded}"
                )
            last, last_recorded = max(last, rec.seq), rec.recorded_at
        if got and last < args.total:
            growing_polls += 1  # saw the log part-way through its growth
        if not got:
            time.sleep(0.002)
    emit(last=last, polls=polls, growing_polls=growing_polls, violations=violations)
    store.close()


def big(args: argparse.Namespace) -> None:
    """Append one large batch, reporting each step; the parent kills us part-way.

    Steps: started (just before `append`), locked (log lock taken, in the
    transaction), inserting (INSERT sent), [holding (all rows inserted; sleeps
    --hold seconds)], committing (COMMIT about to be sent), committed, done.

    The parent starts these children ahead of time (interpreter start-up is most
    of their cost) and lets each go in turn; the store is opened only then, so a
    waiting child holds no connection to the database under test.
    """
    # The last of them waits for every earlier run: allow for that.
    barrier(Path(args.sync), args.name, f"-{args.name}", timeout=4 * BARRIER_TIMEOUT_S)
    store = warmed_store(args.url)
    steps: set[str] = set()

    def step(name: str) -> None:
        if name not in steps:
            steps.add(name)
            emit(step=name)

    take_lock = store._take_append_lock  # type: ignore[attr-defined]

    def take_lock_and_report(conn: Any) -> None:
        take_lock(conn)
        step("locked")  # inside the append transaction, log-wide lock held

    store._take_append_lock = take_lock_and_report  # type: ignore[attr-defined]
    engine = store.write_engine  # type: ignore[attr-defined]

    insert = store._insert  # type: ignore[attr-defined]

    def report_and_insert(conn: Any, rows: Any) -> None:
        # Wrapped rather than watched on the engine: PostgreSQL sends the rows
        # with COPY through the driver, which SQLAlchemy's events do not see.
        step("inserting")
        insert(conn, rows)

    store._insert = report_and_insert  # type: ignore[attr-defined]

    @event.listens_for(engine, "commit")
    def _commit(_conn: Any) -> None:
        if "inserting" in steps:
            if args.hold:
                # Every row is inserted, the transaction still open: a kill
                # now must leave none of them.
                step("holding")
                time.sleep(args.hold)
            step("committing")  # the COMMIT is sent right after this

    batch = [office(n) for n in range(args.first, args.first + args.count)]
    step("started")
    result = store.append(batch)
    step("committed")
    emit(step="done", new=result.new_count, last_seq=result.events[-1].seq)
    store.close()


def idem(args: argparse.Namespace) -> None:
    """Each round, append the same event under the same explicit idempotency key."""
    store = warmed_store(args.url)
    sync = Path(args.sync)
    for rnd in range(args.rounds):
        ev = EVENT_ADAPTER.validate_python(
            in_force(f"jp/idem-{rnd}") | {"idempotency_key": f"{args.key}-{rnd}"}
        )
        barrier(sync, args.name, f"-{rnd}")
        began = time.monotonic()
        result = store.append([ev])
        rec = result.events[0]
        emit(
            round=rnd,
            name=args.name,
            began=began,
            id=rec.id,
            seq=rec.seq,
            written=result.written[0],
        )
    store.close()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.store._writer")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("race")
    p.add_argument("url")
    p.add_argument("--sync", required=True)
    p.add_argument("--name", required=True)
    p.add_argument("--subject", required=True)
    p.add_argument("--rounds", type=int, required=True)
    p.set_defaults(run=race)

    p = sub.add_parser("stream")
    p.add_argument("url")
    p.add_argument("--sync", required=True)
    p.add_argument("--writer", type=int, required=True)
    p.add_argument("--count", type=int, required=True)
    p.set_defaults(run=stream)

    p = sub.add_parser("reader")
    p.add_argument("url")
    p.add_argument("--sync", required=True)
    p.add_argument("--total", type=int, required=True)
    p.set_defaults(run=reader)

    p = sub.add_parser("big")
    p.add_argument("url")
    p.add_argument("--sync", required=True)
    p.add_argument("--name", required=True)
    p.add_argument("--first", type=int, required=True)
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--hold", type=float, default=0.0)
    p.set_defaults(run=big)

    p = sub.add_parser("idem")
    p.add_argument("url")
    p.add_argument("--sync", required=True)
    p.add_argument("--name", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--rounds", type=int, required=True)
    p.set_defaults(run=idem)

    args = parser.parse_args(argv)
    args.run(args)


if __name__ == "__main__":
    main()
