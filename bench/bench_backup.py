"""Backup benchmark: export, restore and copy of a log, each beside a bare peer.

    .venv/bin/python bench/bench_backup.py [--events N] [--postgres-url URL] [--seed S]

What is measured (events per second of wall time, and each process's peak RSS):

* Workload: N synthetic events from bench_log's seeded generator, appended to a
  SQLite file in batches of 1,000 (untimed; reported as setup).
* timeline export (SQLite, then PostgreSQL): `Timeline.export` to a .jsonl file,
  in a child process.  Peers: sqlite3's `.dump events` (the C shell) and
  Python's `Connection.iterdump()` of the same file; PostgreSQL `COPY events TO`
  a file.
* timeline restore (into a fresh SQLite file, a fresh PostgreSQL database): the
  check pass and the write pass of `restore_file`, then the read models'
  rebuild, timed apart, in a child process.  Peers: the `.dump` script fed to
  `sqlite3` into a fresh file; `COPY ... FROM` the COPY TO file into a table
  `LIKE events INCLUDING ALL` in the same database.
* timeline copy (SQLite -> PostgreSQL, PostgreSQL -> SQLite): `copy_log`
  without the rebuild.  Peer: a bare Python pipe of the same rows, a sqlite3
  cursor into psycopg's `COPY FROM STDIN` (and back: a psycopg server-side
  cursor into sqlite3 `executemany`), no checks.
* Times: a Python child's own timing of its phase (its interpreter's start and
  imports left out); a command's (sqlite3's) wall time.
* Memory: each process's peak RSS (GNU time's %M), and the RSS its progress callback
  sees after a tenth of the events and at the end: flat means the two agree.

Only 127.0.0.1 is connected to; the databases `timeline_bench_backup_*` are
created afresh and dropped at the end.  Results: a table on stdout and
bench/results/backup-<timestamp>.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ALLOWED_HOST = "127.0.0.1"
PG_DATABASES = ("timeline_bench_backup_src", "timeline_bench_backup_dst")
PROJECTIONS = HERE.parent / "projections"


# -- the child side: one measured phase per process -------------------------------------


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


class Sampler:
    """A progress callback noting the RSS after a tenth of the events and at the end."""

    def __init__(self) -> None:
        self.samples: dict[str, float] = {}

    def __call__(self, phase: str, done: int, total: int) -> None:
        if phase not in ("exporting", "writing") or not total:
            return
        if done >= total / 10 and "tenth" not in self.samples:
            self.samples["tenth"] = _rss_mb()
        if done >= total:
            self.samples["end"] = _rss_mb()


def child(phase: str, spec: dict[str, Any]) -> dict[str, Any]:
    from timeline.app import Timeline
    from timeline.backup import copy_log, restore_file
    from timeline.store import open_store

    sampler = Sampler()
    timings: dict[str, float] = {}
    started = time.perf_counter()
    if phase == "export":
        store = open_store(spec["url"], read_only=True)
        Timeline(store).export(Path(spec["file"]), sampler)
    elif phase == "restore":
        store = open_store(spec["url"])
        store.initialise()
        restore_file(store.backup, Path(spec["file"]), sampler)
        timings["restore"] = time.perf_counter() - started
        rebuilt = time.perf_counter()
        Timeline(store, projections=PROJECTIONS).rebuild()
        timings["rebuild"] = time.perf_counter() - rebuilt
    elif phase == "copy":
        source = open_store(spec["from"], read_only=True)
        store = open_store(spec["to"])
        store.initialise()
        copy_log(source.backup, store.backup, sampler)
        source.close()
    elif phase == "iterdump":
        with sqlite3.connect(spec["url"]) as conn, open(spec["file"], "w") as out:
            for line in conn.iterdump():
                out.write(line + "\n")
    elif phase == "pipe":
        _bare_pipe(spec)
    elif phase == "build":
        build_source(spec["url"], spec["events"], spec["seed"])
    elif phase == "copy-to":
        pg_copy(spec["pg"], "COPY events TO STDOUT", Path(spec["file"]), into=False)
    elif phase == "copy-from":
        pg_copy(spec["pg"], "COPY events_peer FROM STDIN", Path(spec["file"]), into=True)
    timings.setdefault(phase, time.perf_counter() - started)
    return {"timings": timings, "rss": sampler.samples}


def _bare_pipe(spec: dict[str, Any]) -> None:
    """The same rows moved with no checks: the driver-level peer of `copy` (into the
    events table's DDL in a fresh SQLite file, the other way)."""
    import psycopg

    columns = spec["columns"]
    if spec["direction"] == "sqlite-to-pg":
        with (
            sqlite3.connect(spec["sqlite"]) as lite,
            psycopg.connect(spec["pg"]) as pg,
            pg.cursor() as cur,
            cur.copy(f"COPY events_peer ({', '.join(columns)}) FROM STDIN") as copy,
        ):
            for row in lite.execute(f"SELECT {', '.join(columns)} FROM events ORDER BY seq"):
                copy.write_row(row)
        return
    lite = sqlite3.connect(spec["sqlite"])
    lite.execute(spec["ddl"])
    marks = ", ".join("?" * len(columns))
    as_text = {"effective_start", "effective_end", "recorded_at"}
    select = ", ".join(f"{c}::text" if c in as_text else c for c in columns)
    with psycopg.connect(spec["pg"]) as pg, pg.cursor(name="peer") as cur:
        cur.itersize = 2000
        cur.execute(f"SELECT {select} FROM events ORDER BY seq")
        while rows := cur.fetchmany(2000):
            lite.executemany(f"INSERT INTO events VALUES ({marks})", rows)
            lite.commit()
    lite.close()


# -- the parent side ---------------------------------------------------------------------


def _env() -> dict[str, str]:
    return os.environ | {
        "PYTHONPATH": str(HERE.parent / "src"),
        "TIMELINE_LOGGING__LEVEL": "warning",
    }


def measured(
    argv: list[str], *, stdin: Path | None = None, stdout: Path | None = None
) -> dict[str, Any]:
    """Run a process; its wall time, peak RSS and (a child phase's) own report.

    The peak RSS is GNU time's (`%M`): a process forked from this one would carry
    this one's peak in its own `ru_maxrss`, across exec."""
    with (
        open(stdin, "rb") if stdin else open(os.devnull, "rb") as given,
        open(stdout, "wb") if stdout else tempfile.TemporaryFile() as out,
    ):
        started = time.perf_counter()
        done = subprocess.run(
            ["/usr/bin/time", "-f", "%M", *argv],
            stdin=given,
            stdout=out,
            stderr=subprocess.PIPE,
            env=_env(),
            check=False,
        )
        seconds = time.perf_counter() - started
        errors = done.stderr.decode().strip().splitlines()
        if done.returncode != 0:
            sys.exit(f"{' '.join(argv[:4])}... failed:\n" + "\n".join(errors))
        text = ""
        if not stdout:
            out.seek(0)
            text = out.read().decode().strip()
    found = json.loads(text.splitlines()[-1]) if text else {}
    return {"seconds": seconds, "peak_rss_mb": int(errors[-1]) / 1024, **found}


def run_child(phase: str, **spec: Any) -> dict[str, Any]:
    return measured([sys.executable, __file__, "--child", phase, "--spec", json.dumps(spec)])


def say(text: str) -> None:
    print(f"[{dt.datetime.now():%H:%M:%S}] {text}", file=sys.stderr, flush=True)


def build_source(url: str, total: int, seed: int) -> float:
    sys.path.insert(0, str(HERE))
    from bench_log import EventGenerator
    from timeline.store import open_store

    store = open_store(url)
    store.initialise()
    generator = EventGenerator(total, seed)
    started = time.perf_counter()
    done = 0
    while done < total:
        batch = generator.take(min(1000, total - done))
        store.append(batch)
        done += len(batch)
        if done % 100_000 == 0:
            say(f"  appended {done:,}")
    store.close()
    return time.perf_counter() - started


def pg_admin(url: str) -> tuple[str, Any]:
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.host != ALLOWED_HOST:
        sys.exit(f"refusing to connect to {parsed.host!r}: only {ALLOWED_HOST} is used")
    libpq = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
    return libpq, parsed


def pg_recreate(libpq: str, names: tuple[str, ...]) -> None:
    import psycopg

    with psycopg.connect(libpq, autocommit=True) as conn:
        for name in names:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')


def pg_drop(libpq: str, names: tuple[str, ...]) -> None:
    import psycopg

    with psycopg.connect(libpq, autocommit=True) as conn:
        for name in names:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def pg_peer_table(libpq_db: str) -> None:
    """An empty table like `events` (columns, keys, indexes; not the triggers, which
    fire on no INSERT anyway) for a peer to fill."""
    import psycopg

    with psycopg.connect(libpq_db, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS events_peer")
        conn.execute("CREATE TABLE events_peer (LIKE events INCLUDING ALL)")


def pg_copy(libpq_db: str, statement: str, path: Path, *, into: bool) -> dict[str, Any]:
    """COPY TO a file / FROM a file, timed, through psycopg in this process (the
    server does the work; the client only moves bytes)."""
    import psycopg

    if into:
        pg_peer_table(libpq_db)
    started = time.perf_counter()
    with psycopg.connect(libpq_db) as conn, conn.cursor() as cur:
        if into:
            with cur.copy(statement) as copy, open(path, "rb") as f:
                while chunk := f.read(1 << 20):
                    copy.write(chunk)
        else:
            with cur.copy(statement) as copy, open(path, "wb") as f:
                for chunk in copy:
                    f.write(chunk)
        conn.commit()
    return {"seconds": time.perf_counter() - started}


def rate(events: int, seconds: float) -> str:
    return f"{events / seconds:>10,.0f}/s" if seconds else "-"


def measure_all(
    work: Path, source: Path, src_pg: str, dst_pg: str, pg_libpq: dict[str, str]
) -> dict[str, dict[str, Any]]:
    """Every phase and its peer, in an order where each finds what it reads."""
    from timeline.store.base import EVENT_COLUMNS

    m: dict[str, dict[str, Any]] = {}

    say("export: SQLite")
    m["export sqlite"] = run_child("export", url=f"sqlite:///{source}", file=str(work / "a.jsonl"))
    m["sqlite3 .dump events"] = measured(
        ["sqlite3", str(source), ".dump events"], stdout=work / "a.sql"
    )
    m["iterdump"] = run_child("iterdump", url=str(source), file=str(work / "b.sql"))

    say("restore: SQLite")
    m["restore sqlite"] = run_child(
        "restore", url=f"sqlite:///{work / 'r.db'}", file=str(work / "a.jsonl")
    )
    m["sqlite3 < dump"] = measured(["sqlite3", str(work / "peer.db")], stdin=work / "a.sql")

    say("copy: SQLite -> PostgreSQL")
    m["copy sqlite->pg"] = run_child("copy", **{"from": f"sqlite:///{source}", "to": src_pg})
    pg_peer_table(pg_libpq[PG_DATABASES[0]])
    m["pipe sqlite->pg"] = run_child(
        "pipe",
        direction="sqlite-to-pg",
        sqlite=str(source),
        pg=pg_libpq[PG_DATABASES[0]],
        columns=list(EVENT_COLUMNS),
    )

    say("export: PostgreSQL")
    m["export pg"] = run_child("export", url=src_pg, file=str(work / "p.jsonl"))
    m["COPY TO"] = run_child("copy-to", pg=pg_libpq[PG_DATABASES[0]], file=str(work / "p.copy"))

    say("restore: PostgreSQL")
    m["restore pg"] = run_child("restore", url=dst_pg, file=str(work / "p.jsonl"))
    m["COPY FROM"] = run_child("copy-from", pg=pg_libpq[PG_DATABASES[1]], file=str(work / "p.copy"))

    say("copy: PostgreSQL -> SQLite")
    m["copy pg->sqlite"] = run_child("copy", **{"from": src_pg, "to": f"sqlite:///{work / 'c.db'}"})
    with sqlite3.connect(source) as lite:
        ddl = lite.execute("SELECT sql FROM sqlite_master WHERE name = 'events'").fetchone()[0]
    m["pipe pg->sqlite"] = run_child(
        "pipe",
        ddl=ddl,
        direction="pg-to-sqlite",
        sqlite=str(work / "d.db"),
        pg=pg_libpq[PG_DATABASES[0]],
        columns=list(EVENT_COLUMNS),
    )
    return m


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--postgres-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test"
    )
    parser.add_argument("--child")
    parser.add_argument("--spec")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, json.loads(args.spec))))
        return

    from sqlalchemy.engine import make_url

    total = args.events
    libpq, parsed = pg_admin(args.postgres_url)
    pg_url = {n: parsed.set(database=n).render_as_string(hide_password=False) for n in PG_DATABASES}
    pg_libpq = {
        n: make_url(u).set(drivername="postgresql").render_as_string(hide_password=False)
        for n, u in pg_url.items()
    }
    work = Path(tempfile.mkdtemp(prefix="timeline-bench-backup-"))
    results: dict[str, Any] = {"events": total}
    try:
        source = work / "source.db"
        say(f"building a SQLite log of {total:,} events in {work}")
        built = run_child("build", url=f"sqlite:///{source}", events=total, seed=args.seed)
        results["setup_append_seconds"] = built["seconds"]
        pg_recreate(libpq, PG_DATABASES)
        src_pg, dst_pg = (pg_url[n] for n in PG_DATABASES)
        results["measures"] = measure_all(work, source, src_pg, dst_pg, pg_libpq)
        results["sizes_mb"] = {
            "export .jsonl": (work / "a.jsonl").stat().st_size / 2**20,
            ".dump events": (work / "a.sql").stat().st_size / 2**20,
            "COPY text": (work / "p.copy").stat().st_size / 2**20,
        }
        print(report(results))
    finally:
        pg_drop(libpq, PG_DATABASES)
        shutil.rmtree(work, ignore_errors=True)
    out = HERE / "results" / f"backup-{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%SZ}.json"
    out.parent.mkdir(exist_ok=True)
    results["machine"] = {
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "cpus": os.cpu_count(),
    }
    out.write_text(json.dumps(results, indent=2))
    print(f"results: {out}")


PAIRS = [
    ("export sqlite", "sqlite3 .dump events"),
    ("export sqlite", "iterdump"),
    ("restore sqlite", "sqlite3 < dump"),
    ("copy sqlite->pg", "pipe sqlite->pg"),
    ("export pg", "COPY TO"),
    ("restore pg", "COPY FROM"),
    ("copy pg->sqlite", "pipe pg->sqlite"),
]


def _seconds(measure: dict[str, Any]) -> float:
    """A Python child's own timing of its phase (the interpreter's start and imports
    left out; a restore's rebuild too); a command's wall time."""
    timings = measure.get("timings")
    if not timings:
        return float(measure["seconds"])
    return float(next(iter(timings.values())))


def report(results: dict[str, Any]) -> str:
    total = results["events"]
    m = results["measures"]
    lines = [
        f"{total:,} events (appended in {results['setup_append_seconds']:.0f}s, untimed)",
        "",
        f"{'timeline':<18}{'rate':>13}{'peak RSS':>10}{'RSS 10%/end':>14}   "
        f"{'peer':<22}{'rate':>13}{'peak RSS':>10}{'ratio':>8}",
    ]
    for ours, peer in PAIRS:
        a, b = m[ours], m[peer]
        sa, sb = _seconds(a), _seconds(b)
        rss = a.get("rss", {})
        samples = f"{rss.get('tenth', 0):.0f}/{rss.get('end', 0):.0f} MiB" if rss else "-"
        peer_rss = f"{b['peak_rss_mb']:.0f} MiB"
        lines.append(
            f"{ours:<18}{rate(total, sa):>13}{a['peak_rss_mb']:>6.0f} MiB{samples:>14}   "
            f"{peer:<22}{rate(total, sb):>13}{peer_rss:>10}{sb / sa:>7.2f}x"
        )
    for name in ("restore sqlite", "restore pg"):
        t = m[name]["timings"]
        lines.append(
            f"{name}: check + write {t['restore']:.1f}s, then read-model rebuild "
            f"{t['rebuild']:.1f}s ({total / (t['restore'] + t['rebuild']):,.0f} events/s in all)"
        )
    sizes = ", ".join(f"{k} {v:,.0f} MiB" for k, v in results["sizes_mb"].items())
    lines.append(f"file sizes: {sizes}")
    lines.append("ratio: our rate / the peer's (1.00x: as fast; restore rates exclude the rebuild)")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
