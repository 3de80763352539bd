"""The projections' read models in SQL: fact index, snapshots and checkpoints.

Shared by both backends; `sqlite.py` and `postgres.py` subclass the session
for what differs (the driver's parameter marker, how the log's columns read
as text).  Every read is hand-written SQL for the DB-API cursor
(`readmodel_reads.py`): SQLAlchemy's result rows cost about as much as the
driver's fetch there, and a question can then be answered without importing
SQLAlchemy at all (`timeline.store.sqlite_reads`).  The writes are Core, but
for the bulk insert of fact versions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, bindparam, delete, insert, update

from timeline.store.base import (
    FACT_COLUMNS,
    ReadModels,
    ReadModelTransaction,
    ReadModelView,
    Row,
    Snapshot,
    format_utc,
)
from timeline.store.sql.readmodel_reads import FACT_SELECT, DriverReadModelView
from timeline.store.sql.schema import (
    fact_versions,
    fact_versions_by_start,
    projection_checkpoints,
    projection_snapshots,
)
from timeline.store.sql.transactions import ReadModelTransactions

# In primary-key order: the index is clustered by jurisdiction and valid time,
# and sorted inserts touch each page once, not at random.
_PK_ORDER = itemgetter(
    *(
        FACT_COLUMNS.index(c)
        for c in ("jurisdiction", "effective_end", "effective_start", "fact_seq", "version_seq")
    )
)


class SqlReadModelSession(DriverReadModelView, ReadModelTransaction):
    """The read models on one connection: a snapshot read or a read-model transaction."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def _driver_rows(self, sql: str, parameters: Sequence[Any]) -> list[Row]:
        """Rows as the DB-API driver returns them, on the connection's transaction."""
        cursor = self.conn.connection.cursor()
        try:
            cursor.execute(sql, parameters)
            return list(cursor.fetchall())
        finally:
            cursor.close()

    def insert_versions(self, rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        self._write_versions([tuple(row) for row in sorted(rows, key=_PK_ORDER)])

    def _write_versions(self, rows: list[tuple[Any, ...]]) -> None:
        """Insert fact index rows (`FACT_COLUMNS`, in primary-key order)."""
        # Straight to the driver's executemany with positional parameters: Core's
        # per-row parameter processing costs more than the insert itself here.
        self.conn.exec_driver_sql(
            f"INSERT INTO fact_versions ({FACT_SELECT}) "
            f"VALUES ({self._markers(len(FACT_COLUMNS))})",
            rows,
        )

    # -- writes, through Core ------------------------------------------------------------
    def save_checkpoint(self, name: str, built_from: str, position: int) -> None:
        c = projection_checkpoints.c
        values = {
            "definition_hash": built_from,
            "position": position,
            "updated_at": format_utc(dt.datetime.now(dt.UTC)),
        }
        updated = self.conn.execute(
            update(projection_checkpoints).where(c.name == name).values(values)
        )
        if not updated.rowcount:
            self.conn.execute(insert(projection_checkpoints).values(name=name, **values))

    def drop_start_index(self) -> None:
        fact_versions_by_start.drop(self.conn, checkfirst=True)

    def ensure_start_index(self) -> None:
        fact_versions_by_start.create(self.conn, checkfirst=True)

    def close_versions(self, closures: Sequence[tuple[str, int]]) -> None:
        if not closures:
            return
        self.conn.execute(
            update(fact_versions)
            .where(
                fact_versions.c.fact_seq == bindparam("target_seq"),
                fact_versions.c.tx_to.is_(None),
            )
            .values(tx_to=bindparam("closed_at")),
            [{"closed_at": tx, "target_seq": seq} for tx, seq in closures],
        )

    def clear(self) -> None:
        self.clear_index()
        self.conn.execute(delete(projection_checkpoints))

    def clear_index(self) -> None:
        self.conn.execute(delete(projection_snapshots))
        self.conn.execute(delete(fact_versions))

    def delete_snapshots(
        self, projection: str, jurisdiction: str | None = None, *, from_date: str | None = None
    ) -> None:
        ps = projection_snapshots.c
        conditions = [ps.projection == projection]
        if jurisdiction is not None:
            conditions.append(ps.jurisdiction == jurisdiction)
        if from_date is not None:
            conditions.append(ps.valid_date >= from_date)
        self.conn.execute(delete(projection_snapshots).where(*conditions))

    def insert_snapshots(
        self, projection: str, jurisdiction: str, snapshots: Sequence[Snapshot]
    ) -> None:
        if not snapshots:
            return
        self.conn.execute(
            insert(projection_snapshots),
            [
                {
                    "projection": projection,
                    "jurisdiction": jurisdiction,
                    "valid_date": s.valid_date,
                    "knowledge_since": s.knowledge_since,
                    "facts": s.facts,
                    "state": s.state,
                }
                for s in snapshots
            ],
        )


class SqlReadModels(ReadModels):
    """The read models of one `SqlEventStore`, on its connections and locks."""

    def __init__(self, store: ReadModelTransactions, session: type[SqlReadModelSession]) -> None:
        self.store = store
        self.session = session

    @contextmanager
    def view(self) -> Iterator[ReadModelView]:
        with self.store.read_connection() as conn:
            yield self.session(conn)

    @contextmanager
    def transaction(self) -> Iterator[ReadModelTransaction]:
        with self.store.read_model_transaction() as conn:
            yield self.session(conn)
