"""The team backend: PostgreSQL through psycopg 3."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from functools import cached_property
from operator import itemgetter
from typing import Any

import psycopg.errors
from sqlalchemy import (
    Connection,
    String,
    any_,
    bindparam,
    create_engine,
    func,
    literal_column,
    text,
)
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.sql.elements import ColumnElement

from timeline.errors import (
    AppendOnlyViolationError,
    ReadOnlyDatabaseError,
    StoreError,
    TimelineError,
)
from timeline.store.base import EVENT_COLUMNS, FACT_COLUMNS, LOG_COLUMNS
from timeline.store.sql.events import SqlEventStore
from timeline.store.sql.readmodels import SqlReadModelSession
from timeline.store.sql.schema import events

# Key of the transaction-scoped advisory lock that serialises appenders
# (see the module docstring of timeline.store.sql.events).  Any constant works as long
# as nothing else in the database uses it; this one spells "timeline".
APPEND_LOCK_KEY = 0x74696D656C696E65


# The dates and the transaction time formatted by the server, as the SQLite
# backend stores them (`format_utc` for the time): what the hash chain covers,
# and cheaper than psycopg's decoding into dates and datetimes.
_AS_TEXT = {
    "effective_start": "to_char(effective_start, 'YYYY-MM-DD')",
    "effective_end": "to_char(effective_end, 'YYYY-MM-DD')",
    "recorded_at": "to_char(recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')",
}


class PostgresReadModelSession(SqlReadModelSession):
    marker = "%s"
    log_columns = ", ".join(_AS_TEXT.get(column, column) for column in LOG_COLUMNS)

    def _write_versions(self, rows: list[tuple[Any, ...]]) -> None:
        # COPY, as for appends (PostgresEventStore._insert): one statement streaming
        # the rows; executemany's INSERT per row held a rebuild on PostgreSQL below
        # a quarter of the bare fold at 300,000 events.
        statement = f"COPY fact_versions ({', '.join(FACT_COLUMNS)}) FROM STDIN"
        cursor = self.conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            with cursor.copy(statement) as copy:
                for row in rows:
                    copy.write_row(row)
        except psycopg.Error as exc:
            raise sa_exc.DBAPIError(statement, None, exc) from None
        finally:
            cursor.close()


class PostgresEventStore(SqlEventStore):
    _read_model_session = PostgresReadModelSession

    def __init__(self, url: str, *, read_only: bool = False) -> None:
        connect_args = {"connect_timeout": 10}
        if read_only:
            connect_args["options"] = "-c default_transaction_read_only=on"  # type: ignore[assignment]
        engine = create_engine(url, pool_pre_ping=True, connect_args=connect_args)
        super().__init__(url, engine)

    # READ COMMITTED, the default, takes a new snapshot per statement.
    _snapshot_read_options: Mapping[str, Any] = {"isolation_level": "REPEATABLE READ"}

    def _one_of(self, column: ColumnElement[str], values: Sequence[str]) -> ColumnElement[bool]:
        # One array parameter: an IN list of a thousand bound values cost
        # PostgreSQL about twice the time of `= ANY(array)`.
        return column == any_(bindparam(None, list(values), type_=ARRAY(String)))

    def _each(self, values: Sequence[str]) -> ColumnElement[str]:
        return func.unnest(bindparam(None, list(values), type_=ARRAY(String))).column_valued(
            "value"
        )

    def _insert(self, conn: Connection, rows: list[dict[str, Any]]) -> None:
        # COPY ... FROM STDIN instead of executemany: one statement streaming
        # every row, not one INSERT each; on the CI machine the INSERTs were a
        # third of an append.  Text format: the rows hold dates and the
        # transaction time as ISO text, which PostgreSQL parses as for INSERT.
        # Same transaction (the connection SQLAlchemy began on), so the batch
        # still commits or vanishes as a whole.
        columns = self._copy_columns
        pick = itemgetter(*columns)
        statement = f"COPY events ({', '.join(columns)}) FROM STDIN"
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            with cursor.copy(statement) as copy:
                for row in rows:
                    copy.write_row(pick(row))
        except psycopg.Error as exc:
            # Raised by psycopg directly, not through SQLAlchemy: wrap it as
            # SQLAlchemy would, so `_translated` names it like any other.
            raise sa_exc.DBAPIError(statement, None, exc) from None
        finally:
            cursor.close()

    @cached_property
    def _copy_columns(self) -> tuple[str, ...]:
        return tuple(column.name for column in events.columns)

    def event_text_columns(self) -> list[ColumnElement[Any]]:
        return [
            literal_column(_AS_TEXT[name]).label(name) if name in _AS_TEXT else events.c[name]
            for name in EVENT_COLUMNS
        ]

    def _take_append_lock(self, conn: Connection) -> None:
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": APPEND_LOCK_KEY})

    def _take_read_model_lock(self, conn: Connection) -> None:
        self._take_named_lock(conn, "read-models")
        # Derived data: see SqlEventStore._relax_durability.
        conn.execute(text("SET LOCAL synchronous_commit TO OFF"))

    def _take_named_lock(self, conn: Connection, name: str) -> None:
        # A 63-bit key from the name: one advisory lock per name, none shared
        # with the append lock in practice.
        key = int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest()) >> 1
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})

    def _translate(self, exc: sa_exc.DBAPIError) -> TimelineError:
        orig = exc.orig
        message = str(orig).strip().splitlines()[0] if str(orig).strip() else repr(orig)
        if isinstance(orig, psycopg.errors.RaiseException) and "append-only" in message:
            return AppendOnlyViolationError(f"refused by the database: {message}")
        if isinstance(
            orig, psycopg.errors.InsufficientPrivilege | psycopg.errors.ReadOnlySqlTransaction
        ):
            return ReadOnlyDatabaseError(f"database {self.safe_url} is read-only: {message}")
        if isinstance(orig, psycopg.OperationalError):
            return StoreError(f"cannot reach database {self.safe_url}: {message}")
        return StoreError(f"database error on {self.safe_url}: {message}")
