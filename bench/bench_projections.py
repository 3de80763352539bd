"""Projection benchmark: rebuild rate and warm `state` latency, beside a bare fold.

    .venv/bin/python bench/bench_projections.py [--events N] [--backends sqlite,postgresql]
        [--postgres-url URL] [--queries Q] [--seed S] [--keep]

What is measured, per backend, on the same N synthetic events (bench_log's
seeded generator: 8 kinds, 200 ISO alpha-2 jurisdictions, ~4 events per
subject, day / month / year precision), plus 0.5% corrections (moved dates)
and 0.2% retractions of earlier events:

* rebuild: `Timeline.rebuild()` with the governance definition: the whole log
  read through the store, the fact index written, every jurisdiction's
  snapshots folded and written.  events/s = N / wall time.
* ceiling: a bare Python fold of the same events read with stdlib sqlite3 from
  the SQLite file: `SELECT kind, subject, jurisdictions, effective_end,
  payload FROM events ORDER BY seq`, json.loads of each payload and a dict per
  (jurisdiction, subject) updated with its title, status and date.  No
  corrections, no snapshots, nothing written: what reading and folding alone
  cost in Python on this machine.
* state latency: Q random (jurisdiction, day) pairs, day uniform over the
  events' valid-time range, each `Timeline.state(J, D)` timed (it checks that
  the read model is current, then reads a snapshot and folds the rest), after
  one untimed pass over other pairs to warm caches; p50, p90, p99, max.
* peak memory: the rebuild and the queries run in a fresh subprocess per
  backend, which reports its peak RSS (VmHWM: ru_maxrss would include the
  parent's peak, which Linux carries across exec) and its RSS before starting.
* upcoming for every jurisdiction: `Timeline.upcoming(None, D, 30)` for 20
  random days D, timed; beside its ceiling, the 0.5 s target at 1,000,000 events.
* whole-log history: `timeline history --format json` (the CLI's own code, in
  a fresh subprocess, its output to /dev/null): wall time, and peak RSS beside
  the RSS of the same process after its imports (flat: the peak does not grow
  with the log).

Results: a table on stdout and bench/results/projections-<timestamp>.json.
Only 127.0.0.1 is contacted; the PostgreSQL database `timeline_bench_proj` is
created afresh (and dropped at the end unless --keep).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
sys.path.insert(0, str(BENCH_DIR))

from bench_log import EVENTS_PER_SUBJECT, EventGenerator  # noqa: E402

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PG_DATABASE = "timeline_bench_proj"
BATCH = 1000


def quiet() -> None:
    """No per-batch log lines: they would cost time and clutter the report."""
    import logging

    import structlog

    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def peak_rss_mb() -> float:
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss across fork and exec, so a
    # child would report the parent's peak (the bare fold holds ~800 MB there).
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# -- filling the log -------------------------------------------------------------------


def fill(url: str, total: int, seed: int, per_subject: int) -> dict[str, Any]:
    """Append `total` events (+ corrections and retractions) through the store."""
    from timeline.app import Timeline
    from timeline.store import open_store

    store = open_store(url)
    store.initialise()
    tl = Timeline(store)
    generator = EventGenerator(total, seed)
    # bench_log's generator aims at EVENTS_PER_SUBJECT events per subject;
    # rescale its subject pools to the density asked for here.
    generator.pool = {
        family: max(1, round(size * EVENTS_PER_SUBJECT / per_subject))
        for family, size in generator.pool.items()
    }
    rng = random.Random(seed + 1)
    sample: list[tuple[str, str]] = []  # (id, effective) of some facts, to correct
    done = corrections = retractions = 0
    started = time.perf_counter()
    while done < total:
        batch = generator.take(min(BATCH, total - done))
        result = store.append(batch)
        done += len(batch)
        for event in rng.sample(result.events, k=min(10, len(result.events))):
            sample.append((event.id, str(event.effective)))
        for _ in range(len(batch) // 200):  # 0.5% corrections of earlier facts
            target, effective = sample.pop(rng.randrange(len(sample)))
            moved = f"{rng.randint(2016, 2026)}-{rng.randint(1, 12):02d}"
            if moved == effective:
                continue
            tl.correct(target, {"effective": moved}, "date moved")
            corrections += 1
        for _ in range(len(batch) // 500):  # 0.2% retractions
            target, _ = sample.pop(rng.randrange(len(sample)))
            tl.retract(target, "withdrawn")
            retractions += 1
        if done % 100_000 == 0:
            say(f"  appended {done:,}")
    seconds = time.perf_counter() - started
    store.close()
    return {
        "events": total,
        "corrections": corrections,
        "retractions": retractions,
        "append_seconds": round(seconds, 1),
    }


# -- the ceiling: a bare fold with stdlib sqlite3 ----------------------------------------


STATUS_ORDER = {"proposed": 0, "adopted": 1, "in_force": 2, "repealed": 3}
SECTION = {
    "body.established": "bodies",
    "agreement.signed": "agreements",
    "membership.joined": "memberships",
    "meeting.held": "meetings",
    "office.opened": "offices",
    "investment.announced": "investments",
    "metric.reported": "metrics",
}


def _penalty_key(penalty: dict[str, Any]) -> tuple[float, float]:
    return (float(penalty.get("turnover_pct") or 0), float(penalty.get("amount") or 0))


def _file_stage(item: dict[str, Any], effective: str, data: dict[str, Any], event_id: str) -> None:
    # The first in-force day stays; each in-force event is a stage of application.
    item["dates"].setdefault("in_force", effective)
    entry = item.setdefault("stages", {}).setdefault(effective, {"from": effective, "events": []})
    entry["provisions"] = data.get("provisions", [])
    if event_id not in entry["events"]:
        entry["events"].append(event_id)


def bare_fold(path: Path) -> dict[str, Any]:
    """The governance rules written out by hand over stdlib sqlite3 rows.

    Same order as the projection (end of interval, start, position), same
    per-item fields (title, status advancing, transition dates, the stages of
    application, max penalty, provisions, parties, events cited); no
    corrections, no snapshots, nothing written: reading, decoding and folding
    alone.
    """
    started = time.perf_counter()
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    states: dict[str, dict[str, dict[str, dict[str, Any]]]] = {}
    count = 0
    query = (
        "SELECT id, kind, subject, jurisdictions, effective, payload FROM events "
        "ORDER BY effective_end, effective_start, seq"
    )
    for event_id, kind, subject, jurisdictions, effective, payload in conn.execute(query):
        count += 1
        if kind.startswith("event."):
            continue
        data = json.loads(payload)
        for code in jurisdictions.split():
            sections = states.setdefault(code, {})
            if kind.startswith("instrument."):
                item = sections.setdefault("instruments", {}).setdefault(
                    subject, {"subject": subject, "events": [], "dates": {}, "provisions": []}
                )
                item["title"] = data["title"]
                item["binding"] = data.get("binding", item.get("binding"))
                stage = kind.split(".", 1)[1]
                if stage == "in_force":
                    _file_stage(item, effective, data, event_id)
                else:
                    item["dates"][stage] = effective
                if stage in STATUS_ORDER and STATUS_ORDER[stage] > STATUS_ORDER.get(
                    item.get("status", ""), -1
                ):
                    item["status"] = stage
                penalty = data.get("max_penalty")
                if penalty and (
                    "max_penalty" not in item
                    or _penalty_key(penalty) > _penalty_key(item["max_penalty"])
                ):
                    item["max_penalty"] = penalty
                for provision in data.get("provisions", ()):
                    if provision not in item["provisions"]:
                        item["provisions"].append(provision)
            else:
                key = data["name"] if kind == "metric.reported" else subject
                item = sections.setdefault(SECTION[kind], {}).setdefault(
                    key, {"subject": subject, "events": []}
                )
                item.update(data)
                item["title"] = (
                    data.get("title")
                    or data.get("name")
                    or data.get("organisation")
                    or data.get("investor")
                )
            item["effective"] = effective
            if event_id not in item["events"]:
                item["events"].append(event_id)
    conn.close()
    seconds = time.perf_counter() - started
    return {"events": count, "seconds": round(seconds, 2), "rate": round(count / seconds)}


# -- the measured side, in a fresh process -----------------------------------------------


def measure(url: str, projections: Path, queries: int, seed: int) -> dict[str, Any]:
    """Run in a child process: rebuild, then timed state queries; report memory."""
    baseline = rss_mb()
    from timeline.app import Timeline
    from timeline.store import open_store

    tl = Timeline(open_store(url), projections=projections)
    started = time.perf_counter()
    report = tl.rebuild()
    rebuild_seconds = time.perf_counter() - started
    rebuild_peak = peak_rss_mb()
    codes, first, last = _ranges(tl)
    rng = random.Random(seed)

    def pairs(n: int) -> Iterator[tuple[str, dt.date]]:
        span = (last - first).days
        for _ in range(n):
            yield rng.choice(codes), first + dt.timedelta(days=rng.randrange(span + 1))

    for code, day in pairs(min(200, queries)):  # warm-up
        tl.state(code, day)
    latencies: list[float] = []
    sizes: list[int] = []
    for code, day in pairs(queries):
        t0 = time.perf_counter()
        state = tl.state(code, day)
        latencies.append((time.perf_counter() - t0) * 1000)
        sizes.append(sum(len(state[s]) for s in ("instruments", "offices", "agreements")))
    upcoming_ms: list[float] = []
    for _code, day in pairs(20):
        t0 = time.perf_counter()
        tl.upcoming(None, day, 30)
        upcoming_ms.append((time.perf_counter() - t0) * 1000)
    tl.close()
    latencies.sort()
    upcoming_ms.sort()

    def pct(p: float) -> float:
        return round(latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))], 2)

    return {
        "rebuild_seconds": round(rebuild_seconds, 1),
        "position": report.position,
        "snapshots": report.snapshots,
        "rebuild_peak_rss_mb": round(rebuild_peak),
        "peak_rss_mb": round(peak_rss_mb()),
        "baseline_rss_mb": round(baseline),
        "state_ms": {
            "p50": pct(50),
            "p90": pct(90),
            "p99": pct(99),
            "max": round(latencies[-1], 2),
            "mean": round(statistics.fmean(latencies), 2),
        },
        "queries": queries,
        "mean_items_in_answer": round(statistics.fmean(sizes)),
        "upcoming_all_ms": {
            "p50": round(upcoming_ms[len(upcoming_ms) // 2], 1),
            "max": round(upcoming_ms[-1], 1),
        },
    }


def history_child(url: str, projections: Path) -> dict[str, Any]:
    """Run in a fresh process: `timeline history --format json` of the whole log
    through the CLI's own code, its output thrown away; time and memory."""
    os.environ["TIMELINE_DATABASE__URL"] = url
    os.environ["TIMELINE_PROJECTIONS__PATH"] = str(projections)
    from timeline.cli import app

    baseline = rss_mb()
    real_stdout = sys.stdout
    started = time.perf_counter()
    with open(os.devnull, "w") as sink:
        sys.stdout = sink
        try:
            app(["history", "--format", "json"], standalone_mode=False)
        finally:
            sys.stdout = real_stdout
    return {
        "seconds": round(time.perf_counter() - started, 1),
        "peak_rss_mb": round(peak_rss_mb()),
        "rss_after_imports_mb": round(baseline),
    }


def _ranges(tl: Any) -> tuple[list[str], dt.date, dt.date]:
    from sqlalchemy import func, select

    from timeline.store.sql.schema import fact_versions

    fv = fact_versions.c
    with tl.store.read_connection() as conn:
        codes = sorted(conn.scalars(select(fv.jurisdiction).distinct()))
        first, last = conn.execute(
            select(func.min(fv.effective_start), func.max(fv.effective_end))
        ).one()
    return codes, dt.date.fromisoformat(first), dt.date.fromisoformat(last)


# -- orchestration -------------------------------------------------------------------------


def pg_urls(admin: str, database: str = PG_DATABASE) -> tuple[str, str]:
    from sqlalchemy.engine import make_url

    return admin, make_url(admin).set(database=database).render_as_string(hide_password=False)


def pg_recreate(admin: str, drop_only: bool = False, database: str = PG_DATABASE) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        if not drop_only:
            conn.execute(text(f'CREATE DATABASE "{database}"'))
    engine.dispose()


def run_child(url: str, projections: Path, queries: int, seed: int) -> dict[str, Any]:
    args = [sys.executable, __file__, "--child", url, str(projections), str(queries), str(seed)]
    done = subprocess.run(args, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def run_history_child(url: str, projections: Path) -> dict[str, Any]:
    args = [sys.executable, __file__, "--history-child", url, str(projections)]
    done = subprocess.run(args, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def child(args: argparse.Namespace) -> dict[str, Any]:
    """What a measuring subprocess was started for."""
    if args.history_child:
        url, projections = args.history_child
        return history_child(url, Path(projections))
    url, projections, queries, seed = args.child
    return measure(url, Path(projections), int(queries), int(seed))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument(
        "--postgres-url", default=os.environ.get("TIMELINE_TEST_POSTGRES_URL", DEFAULT_PG)
    )
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument(
        "--events-per-subject",
        type=int,
        default=20,
        help="density: instruments move through stages, metrics are re-reported",
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    parser.add_argument("--history-child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    quiet()
    if args.child or args.history_child:
        print(json.dumps(child(args)))
        return

    workdir = Path(tempfile.mkdtemp(prefix="timeline-bench-proj-"))
    projections = workdir / "projections"
    projections.mkdir()
    shutil.copy(REPO / "projections" / "governance.toml", projections)
    results: dict[str, Any] = {
        "events": args.events,
        "events_per_subject": args.events_per_subject,
        "started": dt.datetime.now(dt.UTC).isoformat(),
    }
    sqlite_path = workdir / "bench.db"
    sqlite_url = f"sqlite:///{sqlite_path}"
    say(f"filling SQLite with {args.events:,} events")
    results["fill_sqlite"] = fill(sqlite_url, args.events, args.seed, args.events_per_subject)
    backends = args.backends.split(",")
    try:
        for backend in backends:
            if backend == "sqlite":
                url = sqlite_url
            else:
                admin, url = pg_urls(args.postgres_url)
                pg_recreate(admin)
                say(f"filling PostgreSQL with {args.events:,} events")
                results["fill_postgresql"] = fill(
                    url, args.events, args.seed, args.events_per_subject
                )
            say(f"{backend}: bare fold (ceiling)")
            ceiling = bare_fold(sqlite_path)
            say(f"{backend}: rebuild and {args.queries} state queries")
            ours = run_child(url, projections, args.queries, args.seed)
            ours["rate"] = round(args.events / ours["rebuild_seconds"])
            say(f"{backend}: timeline history of the whole log")
            ours["history_all"] = run_history_child(url, projections)
            results[backend] = {"timeline": ours, "ceiling": ceiling}
    finally:
        if "postgresql" in backends and not args.keep:
            pg_recreate(pg_urls(args.postgres_url)[0], drop_only=True)
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)

    if args.keep:
        say(f"kept {workdir}")
    report(results, backends, args.events)


def report(results: dict[str, Any], backends: list[str], events: int) -> None:
    print(f"\n{events:,} events over 200 jurisdictions")
    print(
        "| backend | rebuild | bare sqlite3 fold (ceiling) | ratio (target >= 25%) "
        "| state p50 / p99 | peak RSS |"
    )
    print("| --- | --- | --- | --- | --- | --- |")
    for backend in backends:
        ours, ceiling = results[backend]["timeline"], results[backend]["ceiling"]
        print(
            f"| {backend} | {ours['rate']:,}/s | {ceiling['rate']:,}/s | "
            f"{ours['rate'] / ceiling['rate']:.0%} | {ours['state_ms']['p50']} / "
            f"{ours['state_ms']['p99']} ms | {ours['peak_rss_mb']} MB |"
        )
    print()
    print(
        "| backend | upcoming, all jurisdictions, p50 / max (ceiling 500 ms) "
        "| history of the whole log | its peak RSS (after imports) |"
    )
    print("| --- | --- | --- | --- |")
    for backend in backends:
        ours = results[backend]["timeline"]
        history = ours["history_all"]
        print(
            f"| {backend} | {ours['upcoming_all_ms']['p50']} / {ours['upcoming_all_ms']['max']} ms "
            f"| {history['seconds']} s | {history['peak_rss_mb']} MB "
            f"({history['rss_after_imports_mb']} MB) |"
        )
    out = BENCH_DIR / "results"
    out.mkdir(exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    (out / f"projections-{stamp}.json").write_text(json.dumps(results, indent=2))
    print(json.dumps({b: results[b] for b in backends}, indent=2))


if __name__ == "__main__":
    main()
