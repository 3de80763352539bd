"""Storage benchmark of the timeline event log, each figure beside a ceiling.

    .venv/bin/python bench/bench_log.py [--events N] [--batch B]
        [--backends sqlite,postgresql] [--postgres-url URL] [--seed S]
        [--read-repeats R] [--pg-autoanalyze] [--no-eventsourcing] [--keep]

What is measured (every figure is events, or rows, per second of wall time):

* Workload: N synthetic, realistic event dicts from a seeded generator (8 kinds,
  200 ISO alpha-2 jurisdictions, ~4 events per subject, partial dates of day /
  month / year precision, 1-2 sources, a quarter from a "feed" with provenance
  and an idempotency key).  They are generated batch by batch *outside* the
  timed regions (the generation time is reported separately), so memory stays
  flat at any N and every phase sees exactly the same events.
* timeline append: only the `store.append(batch)` calls are timed: pydantic
  validation, content keys, head / idempotency / stream-version queries, hash
  chain, INSERT and COMMIT, one transaction per batch.
* append ceiling: after each timeline batch, the very rows it stored are read
  back (untimed) and inserted by the bare driver (timed: BEGIN, `executemany`,
  COMMIT) into a table with the same DDL, so the two series run interleaved
  over the same minutes and database sizes.  SQLite: a separate file in the
  same directory, same CREATE TABLE, autoindexes and append-only triggers
  copied from sqlite_master, WAL, busy_timeout and the appender's
  WRITER_PRAGMAS (checkpoint interval, page cache) as timeline sets them.
  PostgreSQL: `CREATE TABLE events_ceiling (LIKE events INCLUDING ALL)` in the
  same database: same columns, primary key and unique indexes, but not the
  UPDATE/DELETE triggers, which do not fire on INSERT; psycopg 3's
  executemany pipelines.
* reads: each in a fresh subprocess (best of --read-repeats scans), which also
  reports its peak RSS above the RSS it had before the first row.  timeline:
  `for ev in store.read()` touching ev.seq, ev.kind, ev.subject and
  ev.effective ("+decode": also ev.payload and ev.sources).  Ceiling: bare
  `SELECT * FROM events ORDER BY seq` over the same table, touching the same
  columns ("+decode": json.loads of payload and sources).  SQLite: plain
  sqlite3 cursor; PostgreSQL: psycopg named (server-side) cursor, itersize
  2000, the batch timeline's read uses.  Memory flatness: the same read is
  also run over only the first N/10 events.
* eventsourcing (the library, SQLite, same directory): per batch, timed, build
  one `DomainEvent` per dict (uuid5 originator id per subject, cached; version
  counted by the caller as an aggregate would; timestamp) and
  `EventStore.put` them: mapper -> JSONTranscoder -> StoredEvent ->
  `SQLiteApplicationRecorder.insert_events`, one transaction per batch.  Read:
  `select_notifications` pages of 2000 in notification order (the analogue of
  our global read), each row mapped back with `mapper.to_domain_event`
  (which always decodes the whole JSON state) and the same fields touched.

PostgreSQL servers running with autovacuum off (as the local one here) never
gather statistics or set the visibility map on their own; --pg-autoanalyze
runs `ANALYZE` and `VACUUM` (untimed, on both tables) whenever autovacuum's
default rules would, to see the figures a default server gives.  To pin
the timeline version under test while the store is being changed, run
against a copy: `PYTHONPATH=/tmp/copy/src ...`; the report names the package
path and git commit used.

Results: a table on stdout and bench/results/log-<timestamp>.json.
Only 127.0.0.1 is ever connected to; the PostgreSQL database `timeline_bench`
is dropped and created afresh for the run (and dropped at the end unless
--keep).  Nothing in the store is changed by this script.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import platform
import random
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCH_DIR / "results"
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
BENCH_DATABASE = "timeline_bench"
ALLOWED_HOST = "127.0.0.1"
READ_PAGE = 2000  # rows per fetch on every read path, as timeline's SqlEventStore.read_batch
SMALL_READ_FRACTION = 10  # the memory-flatness check reads N / this many events

# =============================================================================
# Synthetic events
# =============================================================================

JURISDICTION_COUNT = 200
EVENTS_PER_SUBJECT = 4
FEED_SHARE = 0.25

# (kind, weight, subject family): kinds of one family share a pool of subjects.
KIND_MIX: tuple[tuple[str, int, str], ...] = (
    ("instrument.proposed", 10, "instrument"),
    ("instrument.adopted", 8, "instrument"),
    ("instrument.in_force", 12, "instrument"),
    ("instrument.amended", 5, "instrument"),
    ("office.opened", 15, "office"),
    ("agreement.signed", 15, "agreement"),
    ("metric.reported", 20, "metric"),
    ("investment.announced", 15, "investment"),
)
_WORD_TEXT = (
    "artificial intelligence safety governance framework national strategy data "
    "protection algorithmic accountability transparency innovation promotion act "
    "regulation guideline risk management public sector procurement research "
    "development compute infrastructure talent cooperation standards testing "
    "evaluation oversight authority high-risk systems foundation models "
    "disclosure liability copyright labour skills cybersecurity"
)
WORDS = tuple(_WORD_TEXT.split())
PUBLISHERS = (
    "Official Gazette",
    "Ministry Press Office",
    "Reuters",
    "Nikkei Asia",
    "Financial Times",
    "OECD.AI",
    "Parliament Records",
    "Tech Policy Press",
)
CITIES = ("Tokyo", "Paris", "Berlin", "Singapore", "Seoul", "London", "Toronto", "Nairobi")
CURRENCIES = ("EUR", "USD", "JPY", "GBP", "KRW", "INR", "CNY", "BRL", "CAD", "AUD")
INSTRUMENT_TYPES = ("act", "regulation", "directive", "plan", "strategy", "guideline")
METRICS = (
    ("ai_investment", "USD million"),
    ("ai_patents", "patents"),
    ("compute_capacity", "PFLOPS"),
    ("ai_startups", "companies"),
    ("ai_adoption_rate", "percent"),
)
COMPANIES = ("OpenAI", "Anthropic", "Google DeepMind", "Mistral AI", "Sakana AI", "Cohere")
INVESTORS = ("Sovereign Fund", "Microsoft", "Amazon", "SoftBank", "Development Bank")


def jurisdiction_codes(seed: int) -> list[str]:
    """~200 ISO 3166-1 alpha-2 codes from pycountry, a seeded choice."""
    import pycountry

    codes = sorted(country.alpha_2 for country in pycountry.countries)
    return sorted(random.Random(seed).sample(codes, min(JURISDICTION_COUNT, len(codes))))


PayloadShape = tuple[str, list[str], dict[str, Any]]  # subject, jurisdictions, payload


class EventGenerator:
    """A seeded, deterministic stream of valid timeline event dicts."""

    def __init__(self, total: int, seed: int) -> None:
        self.rng = random.Random(seed)
        self.seed = seed
        self.codes = jurisdiction_codes(seed)
        self.kinds = [kind for kind, _, _ in KIND_MIX]
        self.weights = [weight for _, weight, _ in KIND_MIX]
        self.family = {kind: family for kind, _, family in KIND_MIX}
        shares: dict[str, int] = {}
        for _, weight, family in KIND_MIX:
            shares[family] = shares.get(family, 0) + weight
        all_weight = sum(self.weights)
        # Subjects per family so that each holds about EVENTS_PER_SUBJECT events.
        self.pool = {
            family: max(1, round(total * share / all_weight / EVENTS_PER_SUBJECT))
            for family, share in shares.items()
        }
        self.index = 0

    def take(self, count: int) -> list[dict[str, Any]]:
        return [self.event() for _ in range(count)]

    # -- pieces ------------------------------------------------------------
    def _text(self, low: int, high: int) -> str:
        return " ".join(self.rng.choices(WORDS, k=self.rng.randint(low, high)))

    def _title(self) -> str:
        return self._text(3, 8).capitalize()

    def _date(self) -> str:
        year = self.rng.randint(2016, 2026)
        roll = self.rng.random()
        if roll < 0.6:
            return f"{year}-{self.rng.randint(1, 12):02d}-{self.rng.randint(1, 28):02d}"
        if roll < 0.9:
            return f"{year}-{self.rng.randint(1, 12):02d}"
        return f"{year}"

    def _code(self, k: int, salt: int) -> str:
        return self.codes[(k * 7919 + salt) % len(self.codes)]

    def _sources(self, family: str, title: str) -> list[dict[str, Any]]:
        out = []
        for j in range(1 if self.rng.random() < 0.7 else 2):
            source: dict[str, Any] = {
                "publisher": self.rng.choice(PUBLISHERS),
                "title": f"{title}: coverage {j + 1}",
                "url": f"https://news.example/{family}/{self.seed}/{self.index}-{j}",
            }
            if self.rng.random() < 0.5:
                source["published"] = self._date()
            out.append(source)
        return out

    # -- payloads by subject family: (subject, jurisdictions, payload) -------
    def _instrument(self, kind: str, k: int, code: str, title: str) -> PayloadShape:
        rng = self.rng
        payload: dict[str, Any] = {
            "title": f"{code} {title}",
            "instrument_type": INSTRUMENT_TYPES[k % len(INSTRUMENT_TYPES)],
            "provisions": [self._text(2, 5) for _ in range(rng.randint(0, 3))],
        }
        if kind == "instrument.in_force":
            payload["binding"] = rng.random() < 0.7
            penalty: dict[str, Any] = {}
            if rng.random() < 0.8:
                penalty["amount"] = str(rng.randint(1, 500) * 100_000)
                penalty["currency"] = rng.choice(CURRENCIES)
            if not penalty or rng.random() < 0.5:
                penalty["turnover_pct"] = rng.choice(("1", "1.5", "3", "4", "6", "7"))
            payload["max_penalty"] = penalty
        elif kind == "instrument.amended":
            payload["amendment"] = self._text(4, 12)
        if rng.random() < 0.4:
            payload["summary"] = self._text(15, 40)
        return f"{code.lower()}/instrument-{k}", [code], payload

    def _office(self, _kind: str, k: int, code: str, _title: str) -> PayloadShape:
        payload = {
            "organisation": f"{COMPANIES[k % len(COMPANIES)]} {code}",
            "city": self.rng.choice(CITIES),
        }
        if self.rng.random() < 0.5:
            payload["role"] = self._text(2, 4)
        return f"{code.lower()}/office-{k}", [code], payload

    def _agreement(self, _kind: str, k: int, code: str, title: str) -> PayloadShape:
        rng = self.rng
        parties = list(dict.fromkeys([code, *rng.sample(self.codes, rng.randint(1, 3))]))
        if len(parties) < 2:
            parties.append(self._code(k + 1, 1))
        jurisdictions = sorted(set(parties))
        if rng.random() < 0.2:
            parties.append("OECD Secretariat")  # parties may be organisations too
        payload: dict[str, Any] = {
            "title": f"{title} agreement",
            "parties": parties,
            "agreement_type": rng.choice(("MoU", "treaty", "joint statement")),
            "pillars": [self._text(1, 3) for _ in range(rng.randint(0, 3))],
        }
        if rng.random() < 0.4:
            payload["summary"] = self._text(15, 40)
        return f"{code.lower()}/agreement-{k}", jurisdictions, payload

    def _metric(self, _kind: str, k: int, code: str, _title: str) -> PayloadShape:
        name, unit = METRICS[k % len(METRICS)]
        payload = {
            "name": name,
            "value": f"{self.rng.uniform(0, 1_000_000):.2f}",
            "unit": unit,
            "period": self._date(),
            "source_organisation": "OECD.AI",
        }
        return f"{code.lower()}/metric-{name.replace('_', '-')}-{k}", [code], payload

    def _investment(self, _kind: str, k: int, code: str, title: str) -> PayloadShape:
        rng = self.rng
        payload: dict[str, Any] = {
            "investor": rng.choice(INVESTORS),
            "amount": str(rng.randint(1, 10_000) * 1_000_000),
            "currency": rng.choice(CURRENCIES),
            "recipient": f"{title} programme",
            "up_to": rng.random() < 0.3,
        }
        if rng.random() < 0.4:
            payload["purpose"] = self._text(15, 40)
        return f"{code.lower()}/investment-{k}", [code], payload

    # -- one event ---------------------------------------------------------
    def event(self) -> dict[str, Any]:
        rng = self.rng
        kind = rng.choices(self.kinds, self.weights)[0]
        family = self.family[kind]
        k = rng.randrange(self.pool[family])
        code = self._code(k, len(family))
        title = self._title()
        shape = {
            "instrument": self._instrument,
            "office": self._office,
            "agreement": self._agreement,
            "metric": self._metric,
            "investment": self._investment,
        }[family]
        subject, jurisdictions, payload = shape(kind, k, code, title)
        event: dict[str, Any] = {
            "kind": kind,
            "subject": subject,
            "jurisdictions": jurisdictions,
            "effective": self._date(),
            "sources": self._sources(family, title),
            "payload": payload,
        }
        if rng.random() < FEED_SHARE:
            guid = f"urn:bench:{self.seed}:{self.index}"
            event["provenance"] = {
                "feed": "gazette-rss",
                "link": event["sources"][0]["url"],
                "item_guid": guid,
            }
            event["idempotency_key"] = f"feed:{guid}"
        self.index += 1
        return event


# =============================================================================
# Measurements
# =============================================================================


@dataclass
class Measure:
    """One timed run: `count` items in `seconds` of wall time."""

    count: int
    seconds: float
    peak_rss_delta_mb: float | None = None
    baseline_rss_mb: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.count / self.seconds if self.seconds > 0 else float("nan")

    def as_dict(self) -> dict[str, Any]:
        return asdict(self) | {"per_second": self.rate}


@dataclass
class GenerationStats:
    seconds: float = 0.0
    events: int = 0


def say(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


@dataclass
class Run:
    total: int
    batch: int
    seed: int
    workdir: Path
    keep: bool
    read_repeats: int
    pg_autoanalyze: bool
    generation: GenerationStats = field(default_factory=GenerationStats)


def with_batch_profile(measure: Measure, sizes: list[int], seconds: list[float]) -> Measure:
    """Attach per-batch times and the rate over the first and last tenth of the batches."""
    tenth = max(1, len(seconds) // 10)
    head_s, tail_s = sum(seconds[:tenth]), sum(seconds[-tenth:])
    measure.extra["batch_seconds"] = [round(x, 6) for x in seconds]
    measure.extra["first_tenth_rate"] = sum(sizes[:tenth]) / head_s if head_s else None
    measure.extra["last_tenth_rate"] = sum(sizes[-tenth:]) / tail_s if tail_s else None
    return measure


class Ceiling(Protocol):
    """The bare-driver twin of a timeline database, fed the rows timeline just stored."""

    def fetch_new(self) -> list[Any]:
        """Rows timeline stored since the last call, exactly as stored (untimed)."""

    def insert(self, rows: list[Any]) -> None:
        """BEGIN, executemany, COMMIT (timed)."""

    def close(self) -> None: ...


def timed_batches(
    total: int,
    batch: int,
    seed: int,
    sink: Callable[[list[dict[str, Any]]], int],
    gen_stats: GenerationStats | None = None,
    between: Callable[[int], None] | None = None,
    ceiling: Ceiling | None = None,
) -> tuple[Measure, Measure | None]:
    """Feed `sink` the seeded events batch by batch; time only `sink`.

    `sink` returns how many events it stored, summed into the Measure's count.
    With a `ceiling`, each batch timeline stored is read back (untimed) and
    re-inserted by the bare driver (timed) right after, so both series run
    interleaved over the same minutes and the same database sizes, and drift
    in the machine's speed touches both alike.  `between(done)`, if given,
    runs untimed after each batch.
    """
    generator = EventGenerator(total, seed)
    generating = 0.0
    stored = done = 0
    sizes: list[int] = []
    seconds: list[float] = []
    ceiling_sizes: list[int] = []
    ceiling_seconds: list[float] = []
    while done < total:
        size = min(batch, total - done)
        t0 = time.perf_counter()
        events = generator.take(size)
        t1 = time.perf_counter()
        stored += sink(events)
        t2 = time.perf_counter()
        generating += t1 - t0
        sizes.append(size)
        seconds.append(t2 - t1)
        done += size
        if ceiling is not None:
            rows = ceiling.fetch_new()
            t3 = time.perf_counter()
            ceiling.insert(rows)
            ceiling_seconds.append(time.perf_counter() - t3)
            ceiling_sizes.append(len(rows))
        if between is not None:
            between(done)
    if gen_stats is not None:
        gen_stats.seconds, gen_stats.events = generating, done
    measure = with_batch_profile(Measure(stored, sum(seconds)), sizes, seconds)
    if ceiling is None:
        return measure, None
    ceiling_measure = Measure(sum(ceiling_sizes), sum(ceiling_seconds))
    return measure, with_batch_profile(ceiling_measure, ceiling_sizes, ceiling_seconds)


def peak_rss_mb() -> float:
    """Peak RSS of this process so far, MiB (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


_PAGE_SIZE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def current_rss_mb() -> float:
    """Resident set size right now, MiB (Linux /proc; falls back to the peak elsewhere)."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * _PAGE_SIZE / 2**20
    except OSError:
        return peak_rss_mb()


# -- timeline -----------------------------------------------------------------


def warm_up_validation(seed: int) -> None:
    """Load pycountry's registries once, so no append pays for it (untimed)."""
    from timeline.model.events import EVENT_ADAPTER

    for event in EventGenerator(len(KIND_MIX) * 20, seed + 1).take(len(KIND_MIX) * 20):
        EVENT_ADAPTER.validate_python(event)


def timeline_append(
    url: str,
    run: Run,
    make_ceiling: Callable[[], Ceiling],
    between: Callable[[int], None] | None = None,
) -> tuple[Measure, Measure]:
    """timeline's append, and its ceiling interleaved batch by batch."""
    from timeline.store import open_store

    store = open_store(url)
    store.initialise()
    ceiling = make_ceiling()  # after initialise: it copies timeline's DDL
    warm_up_validation(run.seed)

    def sink(events: list[dict[str, Any]]) -> int:
        return store.append(events).new_count

    try:
        ours, theirs = timed_batches(
            run.total, run.batch, run.seed, sink, run.generation, between, ceiling
        )
    finally:
        ceiling.close()
        store.close()
    assert theirs is not None
    return ours, theirs


# -- SQLite ceilings ----------------------------------------------------------


def sqlite_pragmas(conn: sqlite3.Connection) -> dict[str, Any]:
    return {
        name: conn.execute(f"PRAGMA {name}").fetchone()[0]
        for name in (
            "journal_mode",
            "synchronous",
            "page_size",
            "cache_size",
            "wal_autocheckpoint",
            "busy_timeout",
        )
    }


def writer_pragmas() -> tuple[str, ...]:
    """The settings timeline's SQLite appender connection applies (none before
    they existed, so that older code pinned with PYTHONPATH runs too)."""
    from timeline.store import sqlite as timeline_sqlite

    return tuple(getattr(timeline_sqlite, "WRITER_PRAGMAS", ()))


class SqliteCeiling:
    """Bare sqlite3 into a separate file with timeline's DDL, WAL, commit per batch."""

    def __init__(self, source: Path, target: Path) -> None:
        self.src = sqlite3.connect(source)
        self.ddl = self.src.execute(
            "SELECT type, name, sql FROM sqlite_master "
            "WHERE sql IS NOT NULL AND name <> 'alembic_version' ORDER BY rowid"
        ).fetchall()
        self.dst = sqlite3.connect(target, isolation_level=None)
        self.dst.execute("PRAGMA busy_timeout = 30000")  # as timeline's connect hook
        self.dst.execute("PRAGMA journal_mode = WAL")
        for pragma in writer_pragmas():  # as timeline's appender connection
            self.dst.execute(f"PRAGMA {pragma}")
        for _type, _name, sql in self.ddl:
            self.dst.execute(sql)
        columns = [row[1] for row in self.src.execute("PRAGMA table_info(events)")]
        self.insert_sql = (
            f"INSERT INTO events ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
        )
        self.last_seq = 0
        self.description: dict[str, Any] = {}

    def fetch_new(self) -> list[Any]:
        rows = self.src.execute(
            "SELECT * FROM events WHERE seq > ? ORDER BY seq", (self.last_seq,)
        ).fetchall()
        if rows:
            self.last_seq = rows[-1][0]
        return rows

    def insert(self, rows: list[Any]) -> None:
        self.dst.execute("BEGIN")
        self.dst.executemany(self.insert_sql, rows)
        self.dst.execute("COMMIT")

    def describe(self) -> dict[str, Any]:
        return {
            "ddl_copied": [f"{t} {n}" for t, n, _ in self.ddl],
            "pragmas_ceiling": sqlite_pragmas(self.dst),
            "pragmas_timeline_reader": sqlite_pragmas(self.src),
            "pragmas_timeline_writer_set": list(writer_pragmas()),
        }

    def close(self) -> None:
        self.dst.close()
        self.src.close()


# -- PostgreSQL ---------------------------------------------------------------


def libpq_url(sa_url: str) -> str:
    """`postgresql+psycopg://...` as a plain libpq URI for psycopg."""
    from sqlalchemy.engine import make_url

    return make_url(sa_url).set(drivername="postgresql").render_as_string(hide_password=False)


def checked_postgres_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        sys.exit(f"--postgres-url must be a postgresql URL, got {url!r}")
    if parsed.host != ALLOWED_HOST:
        sys.exit(f"refusing to connect to {parsed.host!r}: this benchmark only uses {ALLOWED_HOST}")
    return url


def pg_fresh_database(admin_url: str) -> str:
    """Drop and create `timeline_bench`; its SQLAlchemy URL."""
    import psycopg
    from sqlalchemy.engine import make_url

    with psycopg.connect(libpq_url(admin_url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DATABASE}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{BENCH_DATABASE}"')
    return make_url(admin_url).set(database=BENCH_DATABASE).render_as_string(hide_password=False)


def pg_drop_database(admin_url: str) -> None:
    import psycopg

    with psycopg.connect(libpq_url(admin_url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DATABASE}" WITH (FORCE)')


PG_SETTINGS = (
    "server_version",
    "autovacuum",
    "shared_buffers",
    "synchronous_commit",
    "fsync",
    "wal_level",
    "max_wal_size",
)


def pg_settings(admin_url: str) -> dict[str, str]:
    import psycopg

    with psycopg.connect(libpq_url(admin_url)) as conn:
        return {
            name: str(row[0]) if (row := conn.execute(f"SHOW {name}").fetchone()) else "?"
            for name in PG_SETTINGS
        }


class AutoAnalyze:
    """Untimed `ANALYZE` and `VACUUM` of each table whenever autovacuum's default
    rules would run them.

    Default rules (PostgreSQL 13 and later): analyze once more than 50 + 10% of
    the rows changed since the last analyze; vacuum once more than 1000 + 20% of
    the rows were inserted since the last vacuum (which sets the visibility map
    that index-only scans need).  Used with --pg-autoanalyze on servers running
    with autovacuum off, so that the planner and the executor see the statistics
    and visibility map a default server would have.
    """

    def __init__(self, url: str, *tables: str) -> None:
        self.url, self.tables = url, tables
        self.analysed_at = 0
        self.vacuumed_at = 0
        self.runs = 0
        self.vacuums = 0
        self.seconds = 0.0

    def due(self, done: int) -> bool:
        return done - self.analysed_at > 50 + 0.1 * self.analysed_at

    def vacuum_due(self, done: int) -> bool:
        return done - self.vacuumed_at > 1000 + 0.2 * self.vacuumed_at

    def __call__(self, done: int) -> None:
        analyse, vacuum = self.due(done), self.vacuum_due(done)
        if not (analyse or vacuum):
            return
        import psycopg

        t0 = time.perf_counter()
        with psycopg.connect(libpq_url(self.url), autocommit=True) as conn:
            for table in self.tables:
                if vacuum:
                    conn.execute(f"VACUUM {table}")
                if analyse:
                    conn.execute(f"ANALYZE {table}")
        self.seconds += time.perf_counter() - t0
        if analyse:
            self.runs += 1
            self.analysed_at = done
        if vacuum:
            self.vacuums += 1
            self.vacuumed_at = done

    def summary(self) -> dict[str, Any]:
        return {
            "analyze_runs": self.runs,
            "vacuum_runs": self.vacuums,
            "analyze_seconds_untimed": self.seconds,
        }


class PgCeiling:
    """Bare psycopg executemany (pipelined) into `events_ceiling`, a LIKE-copy, same database."""

    def __init__(self, url: str) -> None:
        import psycopg

        conninfo = libpq_url(url)
        self.src = psycopg.connect(conninfo, autocommit=True)
        self.dst = psycopg.connect(conninfo)
        self.dst.execute("CREATE TABLE events_ceiling (LIKE events INCLUDING ALL)")
        self.dst.commit()
        columns = [
            row[0]
            for row in self.src.execute(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_name = 'events' ORDER BY ordinal_position"
            )
        ]
        self.insert_sql = (
            f"INSERT INTO events_ceiling ({', '.join(columns)}) "
            f"VALUES ({', '.join(['%s'] * len(columns))})"
        )
        self.last_seq = 0

    def fetch_new(self) -> list[Any]:
        rows = self.src.execute(
            "SELECT * FROM events WHERE seq > %s ORDER BY seq", (self.last_seq,)
        ).fetchall()
        if rows:
            self.last_seq = rows[-1][0]
        return rows

    def insert(self, rows: list[Any]) -> None:
        with self.dst.cursor() as cursor:
            cursor.executemany(self.insert_sql, rows)
        self.dst.commit()

    def close(self) -> None:
        self.dst.close()
        self.src.close()


def pg_vacuum(url: str) -> None:
    """VACUUM ANALYZE both tables (untimed) so neither timed read pays for hint bits."""
    import psycopg

    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        for table in ("events", "events_ceiling"):
            conn.execute(f"VACUUM (ANALYZE) {table}")


# -- eventsourcing ------------------------------------------------------------


def es_environment(db_path: Path) -> dict[str, str]:
    return {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(db_path)}


def eventsourcing_append(db_path: Path, total: int, batch: int, seed: int) -> Measure:
    import uuid

    from eventsourcing.domain import datetime_now_with_tzinfo
    from eventsourcing.persistence import InfrastructureFactory, Mapper

    from es_model import EVENT_CLASSES, application_transcoder

    factory = InfrastructureFactory.construct(es_environment(db_path))
    mapper: Mapper[uuid.UUID] = factory.mapper(transcoder=application_transcoder())
    store = factory.event_store(mapper=mapper, recorder=factory.application_recorder())
    ids: dict[str, uuid.UUID] = {}
    versions: dict[str, int] = {}

    def sink(events: list[dict[str, Any]]) -> int:
        domain_events = []
        for data in events:
            subject = data["subject"]
            originator_id = ids.get(subject)
            if originator_id is None:
                originator_id = ids[subject] = uuid.uuid5(uuid.NAMESPACE_URL, subject)
            version = versions[subject] = versions.get(subject, 0) + 1
            domain_events.append(
                EVENT_CLASSES[data["kind"]](
                    originator_id=originator_id,
                    originator_version=version,
                    timestamp=datetime_now_with_tzinfo(),
                    subject=subject,
                    jurisdictions=data["jurisdictions"],
                    effective=data["effective"],
                    sources=data["sources"],
                    provenance=data.get("provenance"),
                    idempotency_key=data.get("idempotency_key"),
                    payload=data["payload"],
                )
            )
        return len(store.put(domain_events))

    try:
        return timed_batches(total, batch, seed, sink)[0]
    finally:
        factory.close()


# =============================================================================
# Read phases, each run in a subprocess (--child SPEC)
# =============================================================================


Scan = tuple[Iterator[Any], Callable[[Any], Any]]  # rows, and what a caller does with each


def timeline_scan(spec: dict[str, Any]) -> Scan:
    from timeline.store import EventFilter, open_store

    store = open_store(spec["url"])
    # The once-per-store schema check and the first query, outside the timing.
    next(iter(store.read(EventFilter(limit=1))), None)
    rows = store.read(EventFilter(limit=spec.get("limit")))
    if spec.get("decode"):
        return rows, lambda ev: (ev.seq, ev.kind, ev.subject, ev.effective, ev.payload, ev.sources)
    return rows, lambda ev: (ev.seq, ev.kind, ev.subject, ev.effective)


def bare_scan(spec: dict[str, Any]) -> Scan:
    limit = spec.get("limit")
    query = "SELECT * FROM events ORDER BY seq" + (f" LIMIT {int(limit)}" if limit else "")
    cursor: Any
    if spec["what"] == "sqlite":
        cursor = sqlite3.connect(spec["path"]).execute(query)
    else:
        import psycopg

        cursor = psycopg.connect(libpq_url(spec["url"])).cursor(name="bench_scan")
        cursor.itersize = READ_PAGE
        cursor.execute(query)
    rows = iter(cursor)
    if cursor.description is not None:  # (a named cursor describes after the first fetch)
        names = [d[0] for d in cursor.description]
        assert names[:4] == ["seq", "id", "kind", "subject"]
        assert names[6] == "effective"
        assert names[12:14] == ["payload", "sources"]
    if spec.get("decode"):
        loads = json.loads
        return rows, lambda r: (r[0], r[2], r[3], r[6], loads(r[12]), loads(r[13]))
    return rows, lambda r: (r[0], r[2], r[3], r[6])


def eventsourcing_scan(spec: dict[str, Any]) -> Scan:
    import uuid

    from eventsourcing.persistence import InfrastructureFactory, Mapper

    from es_model import application_transcoder

    factory = InfrastructureFactory.construct(es_environment(Path(spec["path"])))
    mapper: Mapper[uuid.UUID] = factory.mapper(transcoder=application_transcoder())
    recorder = factory.application_recorder()
    limit: int | None = spec.get("limit")

    def notifications() -> Iterator[Any]:
        start, seen = 1, 0
        while True:
            page = recorder.select_notifications(start, READ_PAGE)
            for note in page:
                yield note
                seen += 1
                if limit is not None and seen >= limit:
                    return
            if len(page) < READ_PAGE:
                return
            start = page[-1].id + 1

    def touch(note: Any) -> Any:
        ev: Any = mapper.to_domain_event(note)
        return (note.id, type(ev), ev.subject, ev.effective)

    return notifications(), touch


def child_read(spec: dict[str, Any]) -> dict[str, Any]:
    """Time `repeats` scans (each opening afresh); the fastest counts.

    Memory: the process's peak RSS (ru_maxrss) is dominated by the imports, so
    the current RSS is sampled once per READ_PAGE rows during each scan and the
    peak above the RSS before the first scan is reported.
    """
    scanners = {
        "timeline": timeline_scan,
        "sqlite": bare_scan,
        "postgresql": bare_scan,
        "eventsourcing": eventsourcing_scan,
    }
    scanner = scanners[spec["what"]]
    runs: list[float] = []
    count = 0
    baseline = peak = 0.0
    for attempt in range(max(1, spec.get("repeats", 1))):
        rows, touch = scanner(spec)
        gc.collect()
        if attempt == 0:
            baseline = peak = current_rss_mb()
        count = 0
        t0 = time.perf_counter()
        for item in rows:
            touch(item)
            count += 1
            if count % READ_PAGE == 0:
                peak = max(peak, current_rss_mb())
        runs.append(time.perf_counter() - t0)
        peak = max(peak, current_rss_mb())
    return {
        "count": count,
        "seconds": min(runs),
        "baseline_rss_mb": baseline,
        "peak_rss_delta_mb": peak - baseline,
        "extra": {"process_peak_rss_mb": peak_rss_mb(), "runs_seconds": runs},
    }


def run_child(spec: dict[str, Any]) -> Measure:
    proc = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--child", json.dumps(spec)],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"read child {spec['what']} failed:\n{proc.stderr}")
    data = json.loads(proc.stdout.strip().splitlines()[-1])
    return Measure(
        data["count"],
        data["seconds"],
        data["peak_rss_delta_mb"],
        data["baseline_rss_mb"],
        data["extra"],
    )


def best_of(spec: dict[str, Any], repeats: int) -> Measure:
    """The fastest of `repeats` scans in one subprocess (reads are cheap to repeat, and noisy)."""
    return run_child(spec | {"repeats": repeats})


def read_suite(
    timeline_spec: dict[str, Any], ceiling_spec: dict[str, Any], total: int, repeats: int
) -> dict[str, Measure]:
    """Ceiling and timeline scans, plain and with payload decoding, plus a small scan."""
    small = max(1, total // SMALL_READ_FRACTION)
    return {
        "ceiling_read": best_of(ceiling_spec, repeats),
        "timeline_read": best_of(timeline_spec, repeats),
        "ceiling_read_decoded": best_of(ceiling_spec | {"decode": True}, repeats),
        "timeline_read_decoded": best_of(timeline_spec | {"decode": True}, repeats),
        "timeline_read_small": best_of(timeline_spec | {"limit": small}, 1),
    }


# =============================================================================
# Report
# =============================================================================


def machine_info(pg: dict[str, str] | None) -> dict[str, Any]:
    from importlib.metadata import version

    cpu_model = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    libs: dict[str, str | None] = {}
    for name in ("sqlalchemy", "pydantic", "pydantic-core", "psycopg", "eventsourcing"):
        try:
            libs[name] = version(name)
        except Exception:  # not installed
            libs[name] = None
    return {
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": pg["server_version"] if pg else None,
        "postgresql_settings": pg,
        "cpu_count": os.cpu_count(),
        "cpu_model": cpu_model,
        "platform": platform.platform(),
        "libraries": libs,
    }


def code_info() -> dict[str, Any]:
    """Which timeline code ran: its path, and the git commit of the tree it sits in.

    The store is being optimised while benchmarks run; to pin a version, copy
    `src/` elsewhere and run with PYTHONPATH=<copy> (the read subprocesses
    inherit it), and the path below shows it was used.
    """
    import timeline

    package = Path(timeline.__file__).resolve().parent

    def git(*args: str) -> str | None:
        try:
            proc = subprocess.run(
                ["git", "-C", str(package), *args], capture_output=True, text=True, check=False
            )
        except OSError:
            return None
        return proc.stdout.strip() if proc.returncode == 0 else None

    status = git("status", "--porcelain", "--", ".")
    return {
        "timeline_package": str(package),
        "git_head": git("rev-parse", "--short", "HEAD"),
        "git_dirty": bool(status) if status is not None else None,
    }


def fmt_rate(value: float) -> str:
    return f"{value:,.0f}/s"


Row = tuple[str, str, str, str, str, str]


def ratio_row(label: str, ours: Measure, theirs: Measure, versus: str, target: float | None) -> Row:
    ratio = ours.rate / theirs.rate if theirs.rate else float("nan")
    verdict = "" if target is None else ("ok" if ratio >= target else "BELOW")
    target_text = "-" if target is None else f">={target:.0%}"
    return (
        label,
        fmt_rate(ours.rate),
        versus,
        fmt_rate(theirs.rate),
        f"{ratio:.1%}",
        target_text + " " + verdict,
    )


def render_table(rows: Sequence[Row], header: Row) -> str:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    align_right = {1, 3, 4}

    def line(r: Row) -> str:
        cells = [
            c.rjust(widths[i]) if i in align_right else c.ljust(widths[i]) for i, c in enumerate(r)
        ]
        return "  ".join(cells).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(header), rule, *(line(r) for r in rows)])


def report(results: dict[str, Any], measures: dict[str, dict[str, Measure]]) -> str:
    m = results["machine"]
    c = results["code"]
    p = results["params"]
    g = results["generation"]
    out = [
        "timeline storage benchmark",
        f"machine: Python {m['python']}, SQLite {m['sqlite']}, PostgreSQL {m['postgresql']}, "
        f"{m['cpu_count']} CPUs ({m['cpu_model']}), {m['platform']}",
        "libraries: " + ", ".join(f"{k} {v}" for k, v in m["libraries"].items()),
        f"timeline code: {c['timeline_package']} at git {c['git_head']}"
        f"{' (uncommitted changes)' if c['git_dirty'] else ''}",
        *(
            ["PostgreSQL settings: " + ", ".join(f"{k}={v}" for k, v in pg.items())]
            if (pg := m.get("postgresql_settings"))
            else []
        ),
        f"workload: {p['events']:,} events in batches of {p['batch']:,}, seed {p['seed']}; "
        f"{g['subjects']:,} subjects, {g['jurisdictions']} jurisdictions, kinds {g['kinds']}",
        f"generation (untimed, per batch, never all in memory): "
        f"{g['seconds']:.1f}s = {fmt_rate(g['events'] / g['seconds'] if g['seconds'] else 0)}",
        "",
    ]
    header: Row = ("figure", "timeline", "against", "value", "ratio", "target")
    rows: list[Row] = []
    mem_lines: list[str] = []
    for backend, label in (("sqlite", "SQLite"), ("postgresql", "PostgreSQL")):
        ms = measures.get(backend)
        if not ms:
            continue
        bare = "bare sqlite3" if backend == "sqlite" else "bare psycopg"
        rows.append(
            ratio_row(
                f"{label} append",
                ms["timeline_append"],
                ms["ceiling_append"],
                f"{bare} executemany",
                0.40,
            )
        )
        rows.append(
            ratio_row(
                f"{label} read",
                ms["timeline_read"],
                ms["ceiling_read"],
                f"{bare} SELECT scan",
                0.50,
            )
        )
        rows.append(
            ratio_row(
                f"{label} read +decode",
                ms["timeline_read_decoded"],
                ms["ceiling_read_decoded"],
                f"{bare} scan + json.loads",
                None,
            )
        )
        full, small = ms["timeline_read"], ms["timeline_read_small"]
        mem_lines.append(
            f"  {label} timeline read peak RSS above baseline: {full.peak_rss_delta_mb:.1f} MiB "
            f"for {full.count:,} events vs {small.peak_rss_delta_mb:.1f} MiB for "
            f"{small.count:,} (RSS before the scan {full.baseline_rss_mb:.0f} MiB, process "
            f"peak {full.extra['process_peak_rss_mb']:.0f} MiB); "
            f"ceiling scan {ms['ceiling_read'].peak_rss_delta_mb:.1f} MiB"
        )
    es = measures.get("eventsourcing")
    sq = measures.get("sqlite")
    if es and sq:
        rows.append(
            ratio_row(
                "SQLite append vs lib",
                sq["timeline_append"],
                es["append"],
                "eventsourcing put",
                None,
            )
        )
        rows.append(
            ratio_row(
                "SQLite read vs lib",
                sq["timeline_read"],
                es["read"],
                "eventsourcing notifications",
                None,
            )
        )
        rows.append(
            ratio_row(
                "SQLite read +decode vs lib",
                sq["timeline_read_decoded"],
                es["read"],
                "eventsourcing notifications",
                None,
            )
        )
        mem_lines.append(
            f"  eventsourcing read peak RSS above baseline: {es['read'].peak_rss_delta_mb:.1f} MiB"
        )
    out.append(render_table(rows, header))
    out.append("")
    out.append("append rate over the run (first tenth of the batches -> last tenth):")
    for group, ms in measures.items():
        for name, measure in ms.items():
            first, last = (measure.extra.get(k) for k in ("first_tenth_rate", "last_tenth_rate"))
            if first and last:
                analysed = measure.extra.get("analyze_runs")
                vacuumed = measure.extra.get("vacuum_runs")
                note = f" (ANALYZE x{analysed}, VACUUM x{vacuumed}, untimed)" if analysed else ""
                out.append(
                    f"  {group} {name}: {fmt_rate(first)} -> {fmt_rate(last)} "
                    f"({last / first:.0%}){note}"
                )
    out.append("")
    out.append("ratio = timeline / the other figure (higher is better for timeline)")
    out.append("memory (each read in its own subprocess; flat means streaming):")
    out.extend(mem_lines)
    out.append("")
    out.append("timed regions:")
    out.extend(f"  {line}" for line in TIMED_NOTES)
    return "\n".join(out)


TIMED_NOTES = (
    "timeline append: store.append(list of dicts) per batch (validation, content keys, "
    "lookups, hash chain, insert, commit); generation excluded",
    "ceiling append: BEGIN + executemany + COMMIT of the rows timeline just stored (read "
    "back untimed), interleaved batch by batch with timeline's appends; SQLite: separate file, "
    "same DDL incl. triggers, WAL; PG: LIKE events INCLUDING ALL, same database",
    "reads: one subprocess each, best of --read-repeats, timed from first fetch to last "
    "row; timeline touches "
    "seq/kind/subject/effective (+decode: payload, sources); ceilings touch the same columns "
    "(+decode: json.loads); PG tables VACUUM ANALYZEd untimed before reading",
    "eventsourcing append: build DomainEvent per dict + EventStore.put (mapper/JSON + "
    "SQLiteApplicationRecorder) per batch; read: select_notifications pages of 2000 + "
    "mapper.to_domain_event (full JSON decode) per row",
)


# =============================================================================
# Main
# =============================================================================


def subject_count(total: int, seed: int) -> int:
    pool = EventGenerator(total, seed).pool
    return sum(pool.values())


def run_sqlite(run: Run) -> dict[str, Measure]:
    db = run.workdir / "timeline.db"
    url = f"sqlite:///{db}"
    say(f"SQLite: timeline append of {run.total:,} events, bare sqlite3 ceiling interleaved")
    ceilings: list[SqliteCeiling] = []

    def make_ceiling() -> Ceiling:
        ceilings.append(SqliteCeiling(db, run.workdir / "ceiling.db"))
        return ceilings[-1]

    ours, theirs = timeline_append(url, run, make_ceiling)
    theirs.extra |= ceilings[0].description
    ms = {"timeline_append": ours, "ceiling_append": theirs}
    say(f"  {fmt_rate(ours.rate)} vs {fmt_rate(theirs.rate)}; reads")
    timeline_spec = {"what": "timeline", "url": url}
    ceiling_spec = {"what": "sqlite", "path": str(db)}
    return ms | read_suite(timeline_spec, ceiling_spec, run.total, run.read_repeats)


def run_postgres(run: Run, admin_url: str) -> dict[str, Measure]:
    say(f"PostgreSQL: fresh database {BENCH_DATABASE}")
    url = pg_fresh_database(admin_url)
    try:
        say(f"PostgreSQL: timeline append of {run.total:,} events, bare psycopg interleaved")
        analyze = AutoAnalyze(url, "events", "events_ceiling") if run.pg_autoanalyze else None
        ours, theirs = timeline_append(url, run, lambda: PgCeiling(url), analyze)
        if analyze:
            ours.extra |= analyze.summary()
            theirs.extra |= analyze.summary()
        ms = {"timeline_append": ours, "ceiling_append": theirs}
        say(f"  {fmt_rate(ours.rate)} vs {fmt_rate(theirs.rate)}; VACUUM ANALYZE, reads")
        pg_vacuum(url)
        timeline_spec = {"what": "timeline", "url": url}
        ceiling_spec = {"what": "postgresql", "url": url}
        return ms | read_suite(timeline_spec, ceiling_spec, run.total, run.read_repeats)
    finally:
        if not run.keep:
            pg_drop_database(admin_url)


def run_eventsourcing(run: Run) -> dict[str, Measure]:
    db = run.workdir / "eventsourcing.db"
    say(f"eventsourcing: append of {run.total:,} events")
    es = {"append": eventsourcing_append(db, run.total, run.batch, run.seed)}
    say(f"  {fmt_rate(es['append'].rate)}; read")
    es["read"] = best_of({"what": "eventsourcing", "path": str(db)}, run.read_repeats)
    return es


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL)
    parser.add_argument("--seed", type=int, default=20260101)
    parser.add_argument("--no-eventsourcing", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the databases afterwards")
    parser.add_argument(
        "--read-repeats", type=int, default=3, help="runs of each read; the fastest counts"
    )
    parser.add_argument("--workdir", type=Path, default=None, help="where SQLite files go")
    parser.add_argument(
        "--pg-autoanalyze",
        action="store_true",
        help="ANALYZE and VACUUM (untimed) as autovacuum's defaults would, for servers without it",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    unknown = set(args.backends) - {"sqlite", "postgresql"}
    if unknown:
        parser.error(f"unknown backends: {', '.join(sorted(unknown))}")
    if args.events < 1 or args.batch < 1:
        parser.error("--events and --batch must be positive")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child:
        print(json.dumps(child_read(json.loads(args.child))))
        return 0

    admin_url = None
    if "postgresql" in args.backends:
        admin_url = checked_postgres_url(args.postgres_url)
    started = dt.datetime.now(dt.UTC)
    run = Run(
        args.events,
        args.batch,
        args.seed,
        Path(tempfile.mkdtemp(prefix="timeline-bench-", dir=args.workdir)),
        args.keep,
        args.read_repeats,
        args.pg_autoanalyze,
    )
    results: dict[str, Any] = {
        "started": started.isoformat(),
        "machine": machine_info(pg_settings(admin_url) if admin_url else None),
        "code": code_info(),
        "params": {
            "events": run.total,
            "batch": run.batch,
            "seed": run.seed,
            "backends": args.backends,
            "read_repeats": run.read_repeats,
            "pg_autoanalyze": run.pg_autoanalyze,
        },
        "generation": {
            "subjects": subject_count(run.total, run.seed),
            "jurisdictions": len(jurisdiction_codes(run.seed)),
            "kinds": len(KIND_MIX),
        },
        "timed_regions": list(TIMED_NOTES),
    }
    measures: dict[str, dict[str, Measure]] = {}
    try:
        if "sqlite" in args.backends:
            measures["sqlite"] = run_sqlite(run)
        if admin_url:
            measures["postgresql"] = run_postgres(run, admin_url)
        if not args.no_eventsourcing:
            measures["eventsourcing"] = run_eventsourcing(run)
    finally:
        if run.keep:
            say(f"kept SQLite files in {run.workdir}")
        else:
            shutil.rmtree(run.workdir, ignore_errors=True)

    for group in measures.values():
        for name, measure in group.items():
            if measure.count != run.total and not name.endswith("_small"):
                say(f"WARNING: {name} handled {measure.count:,} of {run.total:,} events")
    results["generation"] |= {
        "seconds": run.generation.seconds,
        "events": run.generation.events,
    }
    results["figures"] = {
        group: {name: measure.as_dict() for name, measure in ms.items()}
        for group, ms in measures.items()
    }
    text = report(results, measures)
    print(text)
    results["report"] = text
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"log-{started.strftime('%Y%m%dT%H%M%SZ')}.json"
    path.write_text(json.dumps(results, indent=2, default=str) + "\n")
    say(f"figures written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
