"""Backup and restore: the log and its working-state tables, exactly as stored.

Reads go through one snapshot (an export is one consistent moment of the
database); writes are the one privileged path that inserts events with the
positions, ids and transaction times they are given, under the append lock,
after checking that they continue the stored chain.  The append-only triggers
are untouched: a restore only inserts.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import cache
from typing import Any

from sqlalchemy import Column, Connection, LargeBinary, Table, func, select

from timeline.errors import ChainBrokenError, RestoreTargetError, StoreError
from timeline.store.base import (
    EVENT_COLUMNS,
    GENESIS_HASH,
    BackupSnapshot,
    LogBackup,
    chain_hash,
    format_utc,
)
from timeline.store.sql.schema import (
    UTCDateTime,
    candidates,
    digest_deliveries,
    digest_issues,
    events,
    feed_health,
    legacy_event_keys,
)
from timeline.store.sql.transactions import LogTransactions

# Every table whose rows are not derived from the log, in export order.  A new
# table of working state (follows, alert deliveries...) is one more entry here:
# its rows are exported, verified and restored like these, column by column.
# Not here: the read models (rebuilt from the log) and the daemon's lease
# (held by a running process, meaningless in another database).
RESTORED_TABLES: tuple[Table, ...] = (
    legacy_event_keys,
    candidates,
    feed_health,
    digest_issues,
    digest_deliveries,
)
_BY_NAME = {table.name: table for table in RESTORED_TABLES}

Encode = Callable[[Any], Any]


def _codec(column: Column[Any]) -> tuple[Encode, Encode]:
    """How a column's value becomes JSON and back: transaction times as
    `format_utc` text, bytes as base64; numbers, flags and text as they are."""
    if isinstance(column.type, UTCDateTime):
        return format_utc, dt.datetime.fromisoformat
    if isinstance(column.type, LargeBinary):
        return (
            lambda value: base64.b64encode(value).decode("ascii"),
            base64.b64decode,
        )
    return (lambda value: value), (lambda value: value)


def _table(name: str) -> Table:
    try:
        return _BY_NAME[name]
    except KeyError:
        raise StoreError(f"no table {name!r} is kept beside the log") from None


@cache
def _codecs(table: Table) -> list[tuple[str, Encode, Encode]]:
    return [(column.name, *_codec(column)) for column in table.columns]


def _encoded(table: Table, row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        name: None if row[name] is None else encode(row[name]) for name, encode, _ in _codecs(table)
    }


def _decoded(table: Table, row: Mapping[str, Any]) -> dict[str, Any]:
    missing = [column.name for column in table.columns if column.name not in row]
    if missing:
        raise StoreError(f"a row of {table.name} lacks {', '.join(missing)}")
    return {
        name: None if row[name] is None else decode(row[name]) for name, _, decode in _codecs(table)
    }


class SqlBackupSnapshot(BackupSnapshot):
    read_batch = 2000

    def __init__(self, conn: Connection, text_columns: list[Any]) -> None:
        self._conn = conn
        self._text_columns = text_columns

    def head(self) -> tuple[int, str]:
        row = self._conn.execute(
            select(events.c.seq, events.c.hash).order_by(events.c.seq.desc()).limit(1)
        ).first()
        return (int(row.seq), str(row.hash)) if row else (0, GENESIS_HASH)

    def hash_at(self, seq: int) -> str | None:
        return self._conn.scalar(select(events.c.hash).where(events.c.seq == seq))

    def events(self, after: int = 0) -> Iterator[dict[str, Any]]:
        query = select(*self._text_columns).where(events.c.seq > after).order_by(events.c.seq)
        result = self._conn.execution_options(yield_per=self.read_batch).execute(query)
        for row in result:
            yield dict(zip(EVENT_COLUMNS, row, strict=True))

    def count(self, table: str) -> int:
        return int(self._conn.scalar(select(func.count()).select_from(_table(table))) or 0)

    def rows(self, table: str) -> Iterator[dict[str, Any]]:
        found = _table(table)
        query = select(found).order_by(*found.primary_key.columns)
        result = self._conn.execution_options(yield_per=self.read_batch).execute(query)
        for row in result:
            yield _encoded(found, dict(row._mapping))


class SqlBackup(LogBackup):
    tables = tuple(table.name for table in RESTORED_TABLES)

    def __init__(self, store: LogTransactions) -> None:
        self._store = store

    @contextmanager
    def snapshot(self) -> Iterator[BackupSnapshot]:
        with self._store.read_connection() as conn:
            yield SqlBackupSnapshot(conn, self._store.event_text_columns())

    def restore_batch(
        self,
        events_in: Sequence[Mapping[str, Any]],
        records: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
    ) -> None:
        tables = [(_table(name), rows) for name, rows in (records or {}).items() if rows]
        with self._store.append_transaction() as conn:
            if events_in:
                self._store.insert_events(conn, self._chained(conn, events_in))
            for table, rows in tables:
                conn.execute(table.insert(), [_decoded(table, row) for row in rows])
        if tables:
            self._store.forget_lookups()

    @staticmethod
    def _chained(conn: Connection, events_in: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """The rows to insert, once each is known to continue the stored chain."""
        head = conn.execute(
            select(events.c.seq, events.c.hash).order_by(events.c.seq.desc()).limit(1)
        ).first()
        seq, prev_hash = (int(head.seq), str(head.hash)) if head else (0, GENESIS_HASH)
        if events_in[0]["seq"] != seq + 1:
            raise RestoreTargetError(
                f"the database's log ends at position {seq}; "
                f"the events to restore start at {events_in[0]['seq']}"
            )
        rows = []
        for given in events_in:
            seq += 1
            row = {name: given[name] for name in EVENT_COLUMNS}
            row["recorded_at_text"] = row["recorded_at"]
            if row["seq"] != seq:
                raise ChainBrokenError(seq, f"position {row['seq']} given in its place")
            if chain_hash(prev_hash, row) != row["hash"]:
                raise ChainBrokenError(seq, "the hash does not match the event or its predecessor")
            prev_hash = row["hash"]
            rows.append(row)
        return rows
