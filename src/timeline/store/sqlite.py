"""The embedded backend: one SQLite file in WAL mode.

pysqlite opens transactions lazily and only before DML, which would let two
appenders read the same head.  We take transaction control ourselves (the
recipe in SQLAlchemy's SQLite dialect notes): the driver stays in autocommit
and we emit BEGIN ourselves; appenders emit BEGIN IMMEDIATE, which takes
SQLite's single write lock before the head is read.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Sequence
from functools import cache
from operator import itemgetter
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, func, literal
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import URL, make_url
from sqlalchemy.sql.elements import ColumnElement

from timeline.errors import (
    AppendOnlyViolationError,
    NotInitialisedError,
    ReadOnlyDatabaseError,
    StoreError,
    TimelineError,
)
from timeline.store.sql.events import SqlEventStore
from timeline.store.sql.readmodels import SqlReadModelSession
from timeline.store.sqlite_reads import BUSY_TIMEOUT_MS

_WRITE = "timeline_append"

# Settings of the appender's connection (besides WAL).  Neither touches
# durability: every commit still fsyncs the WAL (synchronous=FULL, SQLite's
# default).  On a growing log each batch dirties a random leaf page of the id
# and (subject, version) indexes per event, so:
# - wal_autocheckpoint: 10,000 pages (40 MiB with 4 KiB pages) instead of
#   1,000.  A batch of 1,000 events dirties more than 1,000 pages, so at the
#   default every commit was followed by a checkpoint that copied the batch into
#   the database file and fsynced it; now a checkpoint comes every few batches
#   and writes a page touched by several of them once.  A crash loses nothing
#   more: recovery replays a longer WAL on the next open.
# - cache_size: 256 MiB instead of 2 MiB, so those index pages (about 90 MiB
#   at a million events) stay in the process rather than being read back from
#   the OS at every insert.  SQLite allocates pages as it uses them: a small
#   log costs little; the ceiling bounds what the appender of a large one holds.
# Measured on 2 cores: with 64 MiB, bare executemany batches of
# timeline rows ran 1.8x (checkpoints) and 2.3x (both) faster at 100,000
# events; at 1,000,000 events (bench/bench_log.py) timeline's appends went from
# 11,144/s with 64 MiB to 15,025/s with 256 MiB.  The bench's bare ceiling
# applies the same settings.
WRITER_PRAGMAS = ("wal_autocheckpoint = 10000", "cache_size = -262144")


def _engine(parsed: URL, *, read_only: bool, writer: bool) -> Engine:
    engine = create_engine(parsed)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if not read_only:
            cursor.execute("PRAGMA journal_mode = WAL")
            if writer:
                for pragma in WRITER_PRAGMAS:
                    cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get(_WRITE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


class SqliteReadModelSession(SqlReadModelSession):
    marker = "?"


class SqliteEventStore(SqlEventStore):
    _read_model_session = SqliteReadModelSession

    def __init__(self, url: str, *, read_only: bool = False) -> None:
        parsed = make_url(url)
        path = parsed.database
        if path and path != ":memory:" and read_only:
            # A URI already (`file:/path?mode=ro&uri=true`) names its file itself.
            file = path.removeprefix("file:").split("?")[0] if path.startswith("file:") else path
            if not Path(file).is_file():
                raise NotInitialisedError(f"database {file} does not exist; run `timeline init`")
            # SQLite's URI form opens the file read-only at the driver level.
            parsed = parsed.set(database=f"file:{file}").update_query_dict(
                {"mode": "ro", "uri": "true"}
            )
        super().__init__(url, _engine(parsed, read_only=read_only, writer=False))
        # Appends get an engine (a pooled connection) of their own, so that the
        # writer's page cache survives from batch to batch while readers keep
        # SQLite's small default one and their memory stays flat on any log.
        # (An in-memory database exists once per connection: one engine there.)
        in_memory = not path or path == ":memory:"
        self._writer_engine = (
            self.engine if in_memory else _engine(parsed, read_only=read_only, writer=True)
        )

    def _each(self, values: Sequence[str]) -> ColumnElement[str]:
        # One JSON parameter instead of one bound parameter per value: a plain
        # IN list of a thousand keys cost twice as much (and SQLite caps the
        # number of parameters).
        return func.json_each(literal(json.dumps(list(values)))).table_valued("value").c.value

    def _driver_row(self, row: dict[str, Any], columns: Sequence[str]) -> Any:
        # sqlite3 takes positional values, in the compiled statement's order.
        return self._positional(columns)(row)

    @staticmethod
    @cache
    def _positional(columns: Sequence[str]) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
        return itemgetter(*columns)

    def _take_append_lock(self, conn: Connection) -> None:
        """Nothing to do: the transaction began with BEGIN IMMEDIATE, which holds
        SQLite's single write lock until it ends (see `_write_connection`)."""

    def _relax_durability(self, conn: Connection, *, relaxed: bool) -> None:
        # SQLite refuses to change this inside a transaction, so it goes to the
        # driver connection directly (SQLAlchemy would begin one first).  In
        # WAL mode NORMAL skips the fsync at commit; FULL is the log's setting.
        driver = conn.connection.dbapi_connection
        assert driver is not None
        driver.execute(f"PRAGMA synchronous = {'NORMAL' if relaxed else 'FULL'}")
        # A rebuild touches every page of the read models: with the appender's
        # 256 MiB cache it would keep them all in the process.  SQLite's default
        # 2 MiB while it works, the appender's cache again after.
        driver.execute("PRAGMA cache_size = -2000" if relaxed else f"PRAGMA {WRITER_PRAGMAS[1]}")

    def _take_named_lock(self, conn: Connection, name: str) -> None:
        """Nothing to do: BEGIN IMMEDIATE already holds SQLite's one write lock."""

    @property
    def write_engine(self) -> Engine:
        return self._writer_engine

    def _write_connection(self) -> Connection:
        return self._writer_engine.connect().execution_options(**{_WRITE: True})

    def close(self) -> None:
        if self._writer_engine is not self.engine:
            self._writer_engine.dispose()
        super().close()

    def _translate(self, exc: sa_exc.DBAPIError) -> TimelineError:
        message = str(exc.orig).strip()
        if "append-only" in message:
            return AppendOnlyViolationError(f"refused by the database: {message}")
        if "database is locked" in message:
            return StoreError(
                f"database {self.safe_url} is locked by another writer (waited up to "
                f"{BUSY_TIMEOUT_MS // 1000}s)"
            )
        if "readonly database" in message:
            return ReadOnlyDatabaseError(f"database {self.safe_url} is read-only: {message}")
        if "unable to open database" in message:
            return StoreError(f"cannot open database {self.safe_url}: {message}")
        return StoreError(f"database error on {self.safe_url}: {message.splitlines()[0]}")
