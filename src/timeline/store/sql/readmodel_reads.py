"""The read models' reads in hand-written SQL, over any DB-API cursor.

`SqlReadModelSession` (`readmodels.py`) runs them on a SQLAlchemy connection's
driver connection; `timeline.store.sqlite_reads` runs them on a bare `sqlite3`
connection, so that a question answered from caught-up read models imports no
SQLAlchemy (docs/design.md, "Start-up").  One copy of each query: this module
imports nothing but the store's interface.  The SQL is portable between SQLite
and PostgreSQL; each backend says its parameter marker and how it reads the
log's columns as text.
"""

from __future__ import annotations

import datetime as dt
from abc import abstractmethod
from collections.abc import Collection, Sequence
from typing import Any, ClassVar

from timeline.store.base import (
    FACT_COLUMNS,
    LOG_COLUMNS,
    SCAN_COLUMNS,
    Checkpoints,
    ReadModelView,
    Row,
    Snapshot,
    VersionCursor,
    read_utc,
)

# The widest interval is a year: an uncertain fact ends within 366 days of D,
# which bounds the index range a search for uncertain facts scans.
LONGEST_INTERVAL = dt.timedelta(days=366)

FACT_SELECT = ", ".join(FACT_COLUMNS)
_SCAN_SELECT = ", ".join(SCAN_COLUMNS)
_ORDER_BY_END = " ORDER BY effective_end, effective_start, fact_seq"
# What closing a stored version needs of it: the columns up to its valid time's end.
_OPEN_VERSION_SELECT = ", ".join(FACT_COLUMNS[: FACT_COLUMNS.index("effective_end") + 1])


class DriverReadModelView(ReadModelView):
    """Every read of the read models, as SQL text for the driver."""

    marker: ClassVar[str]
    """The driver's parameter marker (its DB-API paramstyle), set by each backend."""

    log_columns: ClassVar[str] = ", ".join(LOG_COLUMNS)
    """The SQL of `LOG_COLUMNS` as text: SQLite stores the dates and times as such."""

    @abstractmethod
    def _driver_rows(self, sql: str, parameters: Sequence[Any]) -> list[Row]:
        """Rows as the DB-API driver returns them, in the view's transaction."""

    def _markers(self, count: int) -> str:
        return ", ".join([self.marker] * count)

    def head(self) -> int:
        ((head,),) = self._driver_rows("SELECT COALESCE(MAX(seq), 0) FROM events", ())
        return int(head)

    def first_recorded_at(self) -> dt.datetime | None:
        rows = self._driver_rows("SELECT recorded_at FROM events ORDER BY seq LIMIT 1", ())
        return read_utc(rows[0][0]) if rows else None

    def checkpoints(self) -> Checkpoints:
        rows = self._driver_rows(
            "SELECT name, definition_hash, position FROM projection_checkpoints", ()
        )
        return {name: (built_from, position) for name, built_from, position in rows}

    def log_rows(self, after: int, limit: int) -> list[Row]:
        m = self.marker
        return self._driver_rows(
            f"SELECT {self.log_columns} FROM events WHERE seq > {m} ORDER BY seq LIMIT {m}",
            (after, limit),
        )

    def positions_of(self, ids: Collection[str]) -> dict[str, int]:
        if not ids:
            return {}
        listed = list(ids)
        rows = self._driver_rows(
            f"SELECT id, seq FROM events WHERE id IN ({self._markers(len(listed))})", listed
        )
        return dict(rows)

    def open_versions(self, fact_seq: int) -> list[Row]:
        return self._driver_rows(
            f"SELECT {_OPEN_VERSION_SELECT} FROM fact_versions "
            f"WHERE fact_seq = {self.marker} AND tx_to IS NULL",
            (fact_seq,),
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
            f"SELECT {FACT_SELECT} FROM fact_versions "
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
            f"SELECT {FACT_SELECT} FROM fact_versions WHERE {' AND '.join(conditions)} "
            "ORDER BY effective_start, effective_end, fact_seq"
        )
        if limit is not None:
            sql += f" LIMIT {m}"
            parameters.append(limit)
        return self._driver_rows(sql, parameters)

    def fact_counts(self) -> dict[str, int]:
        rows = self._driver_rows(
            "SELECT jurisdiction, COUNT(DISTINCT fact_seq) FROM fact_versions "
            "WHERE tx_to IS NULL GROUP BY jurisdiction ORDER BY jurisdiction",
            (),
        )
        return dict(rows)

    def valid_time_range(self, excluding: Collection[int] = ()) -> tuple[str, str] | None:
        sql = (
            "SELECT MIN(effective_start), MAX(effective_end) FROM fact_versions WHERE tx_to IS NULL"
        )
        if excluding:
            # Inlined (integers, made so here): a long tail's closures would pass
            # the drivers' limit on bound parameters.
            sql += f" AND fact_seq NOT IN ({', '.join(str(int(seq)) for seq in sorted(excluding))})"
        ((first, last),) = self._driver_rows(sql, ())
        if first is None or last is None:
            return None
        return first, last

    def jurisdictions_with(self, kinds: Collection[str]) -> list[str]:
        if not kinds:
            return []
        ordered = sorted(kinds)
        rows = self._driver_rows(
            "SELECT DISTINCT jurisdiction FROM fact_versions "
            f"WHERE kind IN ({self._markers(len(ordered))}) ORDER BY jurisdiction",
            ordered,
        )
        return [code for (code,) in rows]

    def codes_held(self, codes: Collection[str], known_at: str) -> list[str]:
        if not codes:
            return []
        m = self.marker
        ordered = sorted(codes)
        # One probe of the primary key (which leads with the jurisdiction) per
        # code, stopping at its first version held then: not LIKE or a range over
        # codes, whose order would depend on the database's collation, nor an IN
        # list, whose DISTINCT reads every row of a code.  VALUES names its
        # column `column1` on both SQLite and PostgreSQL.
        rows = self._driver_rows(
            f"SELECT column1 FROM (VALUES {', '.join([f'({m})'] * len(ordered))}) AS codes "
            "WHERE EXISTS (SELECT 1 FROM fact_versions WHERE jurisdiction = codes.column1 "
            f"AND tx_from <= {m} AND (tx_to IS NULL OR tx_to > {m})) ORDER BY column1",
            (*ordered, known_at, known_at),
        )
        return [code for (code,) in rows]

    def snapshot(
        self,
        projection: str,
        jurisdiction: str,
        *,
        on_or_before: str | None = None,
        known_at: str | None = None,
    ) -> Snapshot | None:
        m = self.marker
        sql = (
            "SELECT valid_date, knowledge_since, facts, state FROM projection_snapshots "
            f"WHERE projection = {m} AND jurisdiction = {m}"
        )
        parameters: list[Any] = [projection, jurisdiction]
        if on_or_before is not None:
            sql += f" AND valid_date <= {m}"
            parameters.append(on_or_before)
        if known_at is not None:
            sql += f" AND knowledge_since <= {m}"
            parameters.append(known_at)
        rows = self._driver_rows(sql + " ORDER BY valid_date DESC LIMIT 1", parameters)
        if not rows:
            return None
        valid_date, knowledge_since, facts, state = rows[0]
        return Snapshot(valid_date, knowledge_since, facts, bytes(state))
