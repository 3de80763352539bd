"""The projections' read models in SQL: fact index, snapshots and checkpoints.

Shared by both backends; `sqlite.py` and `postgres.py` subclass the session
for what differs (the driver's parameter marker, how a transaction time
reads).  The hot reads (the log, the fact scans) go straight to the DB-API
cursor with hand-written SQL: SQLAlchemy's result rows cost about as much as
the driver's fetch there.  The rest is Core.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from operator import itemgetter
from typing import Any, ClassVar

from sqlalchemy import (
    Connection,
    Select,
    bindparam,
    delete,
    func,
    insert,
    select,
    update,
)

from timeline.store.base import (
    FACT_COLUMNS,
    LOG_COLUMNS,
    SCAN_COLUMNS,
    Checkpoints,
    ReadModels,
    ReadModelTransaction,
    ReadModelView,
    Row,
    Snapshot,
    VersionCursor,
    format_utc,
)
from timeline.store.sql.schema import (
    events,
    fact_versions,
    fact_versions_by_start,
    projection_checkpoints,
    projection_snapshots,
)
from timeline.store.sql.transactions import ReadModelTransactions

# The widest interval is a year: an uncertain fact ends within 366 days of D,
# which bounds the index range a search for uncertain facts scans.
LONGEST_INTERVAL = dt.timedelta(days=366)

# In primary-key order: the index is clustered by jurisdiction and valid time,
# and sorted inserts touch each page once, not at random.
_PK_ORDER = itemgetter(
    *(
        FACT_COLUMNS.index(c)
        for c in ("jurisdiction", "effective_end", "effective_start", "fact_seq", "version_seq")
    )
)
_FACT_SELECT = ", ".join(FACT_COLUMNS)
_ORDER_BY_END = " ORDER BY effective_end, effective_start, fact_seq"


# The statements every state query runs, built once: building a Core statement
# costs more than SQLAlchemy's cached compilation of it.
_HEAD = select(func.coalesce(func.max(events.c.seq), 0))
_FIRST_RECORDED = select(events.c.recorded_at).order_by(events.c.seq).limit(1)
_SCAN_SELECT = ", ".join(SCAN_COLUMNS)
# What closing a stored version needs of it: the columns up to its valid time's end.
_OPEN_VERSION_COLUMNS = FACT_COLUMNS[: FACT_COLUMNS.index("effective_end") + 1]
_CHECKPOINTS = select(
    projection_checkpoints.c.name,
    projection_checkpoints.c.definition_hash,
    projection_checkpoints.c.position,
)


@cache
def _snapshot_query(until_day: bool, until_known: bool) -> Select[str, str, int, bytes]:
    """The latest snapshot of a projection and jurisdiction, bounded by day and
    knowledge as asked; the bounds are bound parameters."""
    ps = projection_snapshots.c
    conditions = [
        ps.projection == bindparam("projection"),
        ps.jurisdiction == bindparam("jurisdiction"),
    ]
    if until_day:
        conditions.append(ps.valid_date <= bindparam("on_or_before"))
    if until_known:
        conditions.append(ps.knowledge_since <= bindparam("known_at"))
    return (
        select(ps.valid_date, ps.knowledge_since, ps.facts, ps.state)
        .where(*conditions)
        .order_by(ps.valid_date.desc())
        .limit(1)
    )


class SqlReadModelSession(ReadModelTransaction):
    """The read models on one connection: a snapshot read or a read-model transaction."""

    marker: ClassVar[str]
    """The driver's parameter marker (its DB-API paramstyle), set by each backend."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    # -- the driver's fast path ----------------------------------------------------
    def _driver_rows(self, sql: str, parameters: Sequence[Any]) -> list[Row]:
        """Rows as the DB-API driver returns them, on the connection's transaction."""
        cursor = self.conn.connection.cursor()
        try:
            cursor.execute(sql, parameters)
            return list(cursor.fetchall())
        finally:
            cursor.close()

    def _markers(self, count: int) -> str:
        return ", ".join([self.marker] * count)

    log_columns: ClassVar[str] = ", ".join(LOG_COLUMNS)
    """The SQL of `LOG_COLUMNS` as text: SQLite stores the dates and times as such."""

    def log_rows(self, after: int, limit: int) -> list[Row]:
        m = self.marker
        return self._driver_rows(
            f"SELECT {self.log_columns} FROM events WHERE seq > {m} ORDER BY seq LIMIT {m}",
            (after, limit),
        )

    def fact_scan(
        self,
        jurisdiction: str,
        kinds: Collection[str],
        *,
        end_after: str | None = None,
        end_until: str | None = None,
        known_at: str | None = None,
    ) -> list[Row]:
        m = self.marker
        ordered = sorted(kinds)
        sql = (
            f"SELECT {_SCAN_SELECT} FROM fact_versions "
            f"WHERE jurisdiction = {m} AND kind IN ({self._markers(len(ordered))})"
        )
        parameters: list[Any] = [jurisdiction, *ordered]
        if end_after is not None:
            sql += f" AND effective_end > {m}"
            parameters.append(end_after)
        if end_until is not None:
            sql += f" AND effective_end <= {m}"
            parameters.append(end_until)
        if known_at is not None:
            sql += f" AND tx_from <= {m} AND (tx_to IS NULL OR tx_to > {m})"
            parameters += [known_at, known_at]
        return self._driver_rows(sql + _ORDER_BY_END, parameters)

    def uncertain_versions(
        self, jurisdiction: str, kinds: Collection[str], day: str, known_at: str
    ) -> list[Row]:
        m = self.marker
        ordered = sorted(kinds)
        # Clamped: a day in year 9999 is a question, not an overflow.
        last = min(dt.date.fromisoformat(day), dt.date.max - LONGEST_INTERVAL)
        return self._driver_rows(
            f"SELECT {_FACT_SELECT} FROM fact_versions "
            f"WHERE jurisdiction = {m} AND effective_end > {m} "
            f"AND effective_end <= {m} AND effective_start <= {m} "
            f"AND kind IN ({self._markers(len(ordered))}) "
            f"AND tx_from <= {m} AND (tx_to IS NULL OR tx_to > {m})" + _ORDER_BY_END,
            (
                jurisdiction,
                day,
                (last + LONGEST_INTERVAL).isoformat(),
                day,
                *ordered,
                known_at,
                known_at,
            ),
        )

    def insert_versions(self, rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        self._write_versions([tuple(row) for row in sorted(rows, key=_PK_ORDER)])

    def _write_versions(self, rows: list[tuple[Any, ...]]) -> None:
        """Insert fact index rows (`FACT_COLUMNS`, in primary-key order)."""
        # Straight to the driver's executemany with positional parameters: Core's
        # per-row parameter processing costs more than the insert itself here.
        self.conn.exec_driver_sql(
            f"INSERT INTO fact_versions ({_FACT_SELECT}) "
            f"VALUES ({self._markers(len(FACT_COLUMNS))})",
            rows,
        )

    # -- the rest, through Core --------------------------------------------------------
    def head(self) -> int:
        return self.conn.scalar(_HEAD) or 0

    def first_recorded_at(self) -> dt.datetime | None:
        return self.conn.scalar(_FIRST_RECORDED)

    def checkpoints(self) -> Checkpoints:
        return {
            name: (built_from, position)
            for name, built_from, position in self.conn.execute(_CHECKPOINTS)
        }

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

    def positions_of(self, ids: Collection[str]) -> dict[str, int]:
        query = select(events.c.id, events.c.seq).where(events.c.id.in_(list(ids)))
        return dict(self.conn.execute(query).all())

    def open_versions(self, fact_seq: int) -> list[Row]:
        fv = fact_versions.c
        query = select(*(fv[c] for c in _OPEN_VERSION_COLUMNS)).where(
            fv.fact_seq == fact_seq, fv.tx_to.is_(None)
        )
        return [tuple(row) for row in self.conn.execute(query)]

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

    def versions(
        self,
        known_at: str,
        *,
        jurisdiction: str | None = None,
        start_after: str | None = None,
        start_until: str | None = None,
        after: VersionCursor | None = None,
        limit: int | None = None,
    ) -> list[Row]:
        m = self.marker
        conditions = [f"tx_from <= {m}", f"(tx_to IS NULL OR tx_to > {m})"]
        parameters: list[Any] = [known_at, known_at]
        if jurisdiction is not None:
            conditions.append(f"jurisdiction = {m}")
            parameters.append(jurisdiction)
        if after is not None:
            # Keyset paging: ix_fact_versions_start reads on from the cursor, so a
            # page costs its own rows, not a sort of the index.
            conditions.append(f"(effective_start, effective_end, fact_seq) > ({self._markers(3)})")
            parameters += after
        if start_after is not None and (after is None or after[0] <= start_after):
            # Left out when the cursor is past it (the cursor's bound implies it):
            # with both, SQLite starts the index range at the window's first day,
            # and every page of a window read again every row before its cursor.
            conditions.append(f"effective_start > {m}")
            parameters.append(start_after)
        if start_until is not None:
            conditions.append(f"effective_start <= {m}")
            parameters.append(start_until)
        sql = (
            f"SELECT {_FACT_SELECT} FROM fact_versions WHERE {' AND '.join(conditions)} "
            "ORDER BY effective_start, effective_end, fact_seq"
        )
        if limit is not None:
            sql += f" LIMIT {m}"
            parameters.append(limit)
        # Through the driver, as `fact_scan`: Core's result rows cost as much as
        # the fetch on a window of tens of thousands of versions.
        return self._driver_rows(sql, parameters)

    def fact_counts(self) -> dict[str, int]:
        fv = fact_versions.c
        query = (
            select(fv.jurisdiction, func.count(fv.fact_seq.distinct()))
            .where(fv.tx_to.is_(None))
            .group_by(fv.jurisdiction)
            .order_by(fv.jurisdiction)
        )
        return dict(self.conn.execute(query).all())

    def valid_time_range(self, excluding: Collection[int] = ()) -> tuple[str, str] | None:
        fv = fact_versions.c
        conditions = [fv.tx_to.is_(None)]
        if excluding:
            # Inlined (they are integers): a long tail's closures would pass the
            # drivers' limit on bound parameters.
            conditions.append(
                fv.fact_seq.not_in(bindparam("excluded", sorted(excluding), literal_execute=True))
            )
        query = select(func.min(fv.effective_start), func.max(fv.effective_end)).where(*conditions)
        first, last = self.conn.execute(query).one()
        if first is None or last is None:
            return None
        return first, last

    def jurisdictions_with(self, kinds: Collection[str]) -> list[str]:
        fv = fact_versions.c
        query = (
            select(fv.jurisdiction)
            .where(fv.kind.in_(sorted(kinds)))
            .distinct()
            .order_by(fv.jurisdiction)
        )
        return list(self.conn.scalars(query))

    def codes_held(self, codes: Collection[str], known_at: str) -> list[str]:
        if not codes:
            return []
        m = self.marker
        ordered = sorted(codes)
        # One probe of the primary key (which leads with the jurisdiction) per
        # code, stopping at its first version held then: not LIKE or a range over
        # codes, whose order would depend on the database's collation, nor an IN
        # list, whose DISTINCT reads every row of a code.  Through the driver, as
        # `fact_scan`: a state query asks this every time.  VALUES names its
        # column `column1` on both SQLite and PostgreSQL.
        rows = self._driver_rows(
            f"SELECT column1 FROM (VALUES {', '.join([f'({m})'] * len(ordered))}) AS codes "
            "WHERE EXISTS (SELECT 1 FROM fact_versions WHERE jurisdiction = codes.column1 "
            f"AND tx_from <= {m} AND (tx_to IS NULL OR tx_to > {m})) ORDER BY column1",
            (*ordered, known_at, known_at),
        )
        return [code for (code,) in rows]

    def clear(self) -> None:
        self.clear_index()
        self.conn.execute(delete(projection_checkpoints))

    def clear_index(self) -> None:
        self.conn.execute(delete(projection_snapshots))
        self.conn.execute(delete(fact_versions))

    # -- snapshots -----------------------------------------------------------------------
    def snapshot(
        self,
        projection: str,
        jurisdiction: str,
        *,
        on_or_before: str | None = None,
        known_at: str | None = None,
    ) -> Snapshot | None:
        query = _snapshot_query(on_or_before is not None, known_at is not None)
        parameters = {
            "projection": projection,
            "jurisdiction": jurisdiction,
            "on_or_before": on_or_before,
            "known_at": known_at,
        }
        row = self.conn.execute(query, parameters).first()
        if row is None:
            return None
        valid_date, knowledge_since, facts, state = row
        return Snapshot(valid_date, knowledge_since, facts, state)

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
