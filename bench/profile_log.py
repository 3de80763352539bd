"""Profile timeline's append and read paths with pyinstrument.

    .venv/bin/python bench/profile_log.py [--events 50000] [--batch 1000]
        [--backend sqlite|postgresql] [--postgres-url URL]

The events (the same seeded workload as `bench_log.py`) are all generated
before profiling starts; the profiler runs only around the `store.append`
calls, and then around one full `store.read()` scan touching the fields a
caller uses, and one that also decodes payload and sources.  For each it
prints the call tree (percent of the profiled time) and the flat lists by
self time and by total time, and writes them, with HTML, to bench/results/.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from pyinstrument import Profiler
from pyinstrument.frame import Frame
from pyinstrument.session import Session

import bench_log

TOP_LINES = 30


def flat_profile(session: Session) -> tuple[list[tuple[float, str]], list[tuple[float, str]]]:
    """(self %, function) and (total %, function), from the unprocessed frame tree.

    pyinstrument's own flat view runs its display processors first (grouping
    library frames), which makes the self column hard to read; here every real
    frame counts, and a function's total is counted once per stack (recursion).
    """
    root = session.root_frame()
    if root is None or root.time <= 0:
        return [], []
    self_time: dict[str, float] = {}
    total_time: dict[str, float] = {}

    def name(frame: Frame) -> str:
        return f"{frame.function}  {frame.file_path_short}:{frame.line_no}"

    def walk(frame: Frame, on_stack: frozenset[str]) -> None:
        key = name(frame)
        self_time[key] = self_time.get(key, 0.0) + frame.total_self_time
        if key not in on_stack:
            total_time[key] = total_time.get(key, 0.0) + frame.time
        for child in frame.children:
            if not child.is_synthetic:
                walk(child, on_stack | {key})

    walk(root, frozenset())

    def ranked(times: dict[str, float]) -> list[tuple[float, str]]:
        return sorted(((100 * t / root.time, k) for k, t in times.items()), reverse=True)

    return ranked(self_time), ranked(total_time)


def render(profiler: Profiler, title: str, out_dir: Path, stem: str) -> str:
    session = profiler.last_session
    assert session is not None
    tree = profiler.output_text(time="percent_of_total")
    (out_dir / f"{stem}.html").write_text(profiler.output_html())
    by_self, by_total = flat_profile(session)
    text = "\n".join(
        [
            f"==== {title}: {session.duration:.2f}s wall, {session.cpu_time:.2f}s CPU, "
            f"{session.sample_count} samples",
            "---- call tree (% of profiled time)",
            tree,
            f"---- flat, self time (top {TOP_LINES}, % of profiled time)",
            *(f"{pct:5.1f}%  {key}" for pct, key in by_self[:TOP_LINES]),
            f"---- flat, total time incl. callees (top {TOP_LINES})",
            *(f"{pct:5.1f}%  {key}" for pct, key in by_total[:TOP_LINES]),
        ]
    )
    (out_dir / f"{stem}.txt").write_text(text + "\n")
    return text


def profile_append(
    store: Any, batches: list[list[dict[str, Any]]], analyze: bench_log.AutoAnalyze | None
) -> tuple[Profiler, float]:
    """One profiler session around a loop that does nothing but append.

    With `analyze`, the profiler is paused around the (untimed) ANALYZEs and VACUUMs.
    """
    profiler = Profiler(interval=0.0005)
    elapsed, done = 0.0, 0
    profiler.start()
    t0 = time.perf_counter()
    for batch in batches:
        store.append(batch)
        done += len(batch)
        if analyze is not None and (analyze.due(done) or analyze.vacuum_due(done)):
            elapsed += time.perf_counter() - t0
            profiler.stop()
            analyze(done)
            profiler.start()
            t0 = time.perf_counter()
    elapsed += time.perf_counter() - t0
    profiler.stop()
    return profiler, elapsed


def profile_read(store: Any, decode: bool) -> Profiler:
    from timeline.store import EventFilter

    touch: Callable[[Any], Any]
    if decode:

        def touch(ev: Any) -> Any:
            return (ev.seq, ev.kind, ev.subject, ev.effective, ev.payload, ev.sources)

    else:

        def touch(ev: Any) -> Any:
            return (ev.seq, ev.kind, ev.subject, ev.effective)

    next(iter(store.read(EventFilter(limit=1))), None)  # schema check outside the profile
    profiler = Profiler(interval=0.0005)
    profiler.start()
    for ev in store.read(EventFilter()):
        touch(ev)
    profiler.stop()
    return profiler


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--postgres-url", default=bench_log.DEFAULT_POSTGRES_URL)
    parser.add_argument("--seed", type=int, default=20260101)
    parser.add_argument(
        "--pg-autoanalyze",
        action="store_true",
        help="ANALYZE (unprofiled) as autovacuum's default rule would",
    )
    args = parser.parse_args(argv)

    from timeline.store import open_store

    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    out_dir = bench_log.RESULTS_DIR
    out_dir.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="timeline-profile-"))
    admin_url = None
    if args.backend == "sqlite":
        url = f"sqlite:///{workdir / 'timeline.db'}"
    else:
        admin_url = bench_log.checked_postgres_url(args.postgres_url)
        url = bench_log.pg_fresh_database(admin_url)

    generator = bench_log.EventGenerator(args.events, args.seed)
    batches = [
        generator.take(min(args.batch, args.events - start))
        for start in range(0, args.events, args.batch)
    ]
    try:
        store = open_store(url)
        store.initialise()
        bench_log.warm_up_validation(args.seed)

        analyze = bench_log.AutoAnalyze(url, "events") if args.pg_autoanalyze else None
        profiler, elapsed = profile_append(store, batches, analyze)
        print(f"append: {args.events:,} events, {args.events / elapsed:,.0f}/s under the profiler")
        variant = f"{args.backend}{'-analyzed' if analyze else ''}"
        print(render(profiler, f"append {variant}", out_dir, f"profile-append-{variant}-{stamp}"))
        del batches

        for decode in (False, True):
            label = "read+decode" if decode else "read"
            print(
                render(
                    profile_read(store, decode),
                    f"{label} {variant}",
                    out_dir,
                    f"profile-{label.replace('+', '-')}-{variant}-{stamp}",
                )
            )
        store.close()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        if admin_url:
            bench_log.pg_drop_database(admin_url)
    print(f"profiles written to {out_dir}/profile-*-{stamp}.*", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
