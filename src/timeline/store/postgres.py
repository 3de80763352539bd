"""The team backend: PostgreSQL through psycopg 3."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import psycopg.errors
from sqlalchemy import Connection, String, any_, bindparam, create_engine, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.sql.elements import ColumnElement

from timeline.errors import AppendOnlyViolationError, StoreError, TimelineError
from timeline.store.sql import SqlEventStore

# Key of the transaction-scoped advisory lock that serialises appenders
# (see the module docstring of timeline.store.sql).  Any constant works as long
# as nothing else in the database uses it; this one spells "timeline".
APPEND_LOCK_KEY = 0x74696D656C696E65


class PostgresEventStore(SqlEventStore):
    def __init__(self, url: str, *, read_only: bool = False) -> None:
        connect_args = {"connect_timeout": 10}
        if read_only:
            connect_args["options"] = "-c default_transaction_read_only=on"  # type: ignore[assignment]
        engine = create_engine(url, pool_pre_ping=True, connect_args=connect_args)
        super().__init__(url, engine)

    def _one_of(self, column: ColumnElement[str], values: Sequence[str]) -> ColumnElement[bool]:
        # One array parameter: an IN list of a thousand bound values cost
        # PostgreSQL about twice the time of `= ANY(array)`.
        return column == any_(bindparam(None, list(values), type_=ARRAY(String)))

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
        if isinstance(orig, psycopg.OperationalError):
            return StoreError(f"cannot reach database {self.safe_url}: {message}")
        return StoreError(f"database error on {self.safe_url}: {message}")
