"""The log's tail the read models do not reflect yet, indexed in memory.

Reading must never need write access: on a database this process may only
read (a read-only SQLite file or URI, a PostgreSQL role with SELECT only, the
web's read-only handle) the read models cannot be caught up, and the events
after their checkpoint would be missing from every answer.  Instead the tail
is read in the same database snapshot as the answer and indexed here, in
memory, by the same `index_events` that writes the fact index: the versions it
opens, and the stored versions it closes (a correction or retraction in the
tail of a fact indexed before).  `versions` then gives what `ReadModelView.
versions` would give had the tail been indexed.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

from timeline.projections.index import FACT_INDEX, FACT_INDEX_FORMAT, Dirty, index_events
from timeline.store.base import FACT_COLUMNS, Checkpoints, ReadModelView, Row, VersionCursor

_SEQ, _JURISDICTION, _START, _END, _TX_FROM, _TX_TO = (
    FACT_COLUMNS.index(c)
    for c in ("fact_seq", "jurisdiction", "effective_start", "effective_end", "tx_from", "tx_to")
)
_OPEN_VERSION_WIDTH = FACT_COLUMNS.index("effective_end") + 1
# Read in bites, so a long tail is never one list of every row at once.
_CHUNK = 5_000


@dataclass(slots=True)
class Tail:
    """The events after `indexed` up to `head`, as fact index rows in memory."""

    indexed: int
    """The last position the stored fact index reflects (0: none usable)."""
    head: int
    stored_index: bool
    """False when the stored index is of another format: it is ignored whole."""
    checkpoints: Checkpoints
    """The read models' checkpoints in the same snapshot."""
    opened: list[list[Any]] = field(default_factory=list)
    """Versions the tail opens (`FACT_COLUMNS`; `tx_to` set if closed in the tail)."""
    closed: dict[int, str] = field(default_factory=dict)
    """fact_seq -> when the tail closed its stored current version."""
    dirty: Dirty = field(default_factory=dict)
    """jurisdiction -> kind -> earliest end of interval the tail touched."""

    @property
    def empty(self) -> bool:
        return self.head == self.indexed

    def touches(self, jurisdiction: str, kinds: Collection[str]) -> bool:
        """Whether the tail changes any fact of `kinds` filed under `jurisdiction`."""
        return any(kind in kinds for kind in self.dirty.get(jurisdiction, {}))

    def versions(
        self,
        view: ReadModelView,
        known_at: str,
        *,
        jurisdiction: str | None = None,
        start_after: str | None = None,
        start_until: str | None = None,
        after: VersionCursor | None = None,
        limit: int | None = None,
    ) -> list[Row]:
        """`view.versions(...)` as if the tail were indexed: by start, end, fact."""
        stored = (
            view.versions(
                known_at,
                jurisdiction=jurisdiction,
                start_after=start_after,
                start_until=start_until,
                after=after,
                limit=limit,
            )
            if self.stored_index
            else []
        )
        found = [row for row in stored if not self._closed_by_tail(row, known_at)]
        found += [
            tuple(row)
            for row in self.opened
            if (jurisdiction is None or row[_JURISDICTION] == jurisdiction)
            and row[_TX_FROM] <= known_at
            and (row[_TX_TO] is None or row[_TX_TO] > known_at)
            and (start_after is None or row[_START] > start_after)
            and (start_until is None or row[_START] <= start_until)
            and (after is None or (row[_START], row[_END], row[_SEQ]) > after)
        ]
        found.sort(key=lambda row: (row[_START], row[_END], row[_SEQ]))
        # The first `limit` of both: a stored row past the stored page comes after it.
        return found if limit is None else found[:limit]

    def fact_counts(self, view: ReadModelView) -> dict[str, int]:
        """`view.fact_counts()` as if the tail were indexed: the stored current facts
        the tail closes (corrected or retracted) leave their jurisdictions, the
        versions it opens and leaves open join theirs."""
        counts = view.fact_counts() if self.stored_index else {}
        left: set[tuple[str, int]] = set()
        for fact_seq in self.closed:
            left.update((row[_JURISDICTION], fact_seq) for row in view.open_versions(fact_seq))
        for code, _fact_seq in left:
            counts[code] -= 1
        joined = {(row[_JURISDICTION], row[_SEQ]) for row in self.opened if row[_TX_TO] is None}
        for code, _fact_seq in joined:
            counts[code] = counts.get(code, 0) + 1
        return {code: count for code, count in sorted(counts.items()) if count}

    def valid_time_range(self, view: ReadModelView) -> tuple[str, str] | None:
        """`view.valid_time_range()` as if the tail were indexed."""
        stored = view.valid_time_range(excluding=self.closed) if self.stored_index else None
        ranges = [(row[_START], row[_END]) for row in self.opened if row[_TX_TO] is None]
        if stored is not None:
            ranges.append(stored)
        if not ranges:
            return None
        return min(start for start, _end in ranges), max(end for _start, end in ranges)

    def _closed_by_tail(self, row: Row, known_at: str) -> bool:
        closed_at = self.closed.get(row[_SEQ]) if row[_TX_TO] is None else None
        return closed_at is not None and closed_at <= known_at


def read_tail(view: ReadModelView) -> Tail:
    """The tail of the log after the fact index's checkpoint, indexed in memory."""
    head = view.head()
    checkpoints = view.checkpoints()
    found = checkpoints.get(FACT_INDEX)
    stored_index = found is not None and found[0] == FACT_INDEX_FORMAT
    tail = Tail(
        indexed=found[1] if found is not None and stored_index else 0,
        head=head,
        stored_index=stored_index,
        checkpoints=checkpoints,
    )
    memory = _MemoryIndex(view, tail)
    position = tail.indexed
    while position < head:
        batch = view.log_rows(position, _CHUNK)
        if not batch:
            break
        for jurisdiction, by_kind in index_events(memory, batch).items():
            mine = tail.dirty.setdefault(jurisdiction, {})
            for kind, end in by_kind.items():
                mine[kind] = min(end, mine.get(kind, end))
        position = batch[-1][0]
    return tail


class _MemoryIndex:
    """The `IndexWriter` of a tail: writes go to the `Tail`, reads of versions the
    tail has not touched go to the stored index."""

    def __init__(self, view: ReadModelView, tail: Tail) -> None:
        self.view = view
        self.tail = tail

    def positions_of(self, ids: Collection[str]) -> dict[str, int]:
        return self.view.positions_of(ids)

    def open_versions(self, fact_seq: int) -> list[Row]:
        mine = [
            tuple(row[:_OPEN_VERSION_WIDTH])
            for row in self.tail.opened
            if row[_SEQ] == fact_seq and row[_TX_TO] is None
        ]
        if mine or fact_seq in self.tail.closed or not self.tail.stored_index:
            return mine
        return self.view.open_versions(fact_seq)

    def close_versions(self, closures: Sequence[tuple[str, int]]) -> None:
        for closed_at, fact_seq in closures:
            mine = [r for r in self.tail.opened if r[_SEQ] == fact_seq and r[_TX_TO] is None]
            for row in mine:
                row[_TX_TO] = closed_at
            if not mine:
                self.tail.closed[fact_seq] = closed_at

    def insert_versions(self, rows: Sequence[Sequence[Any]]) -> None:
        self.tail.opened.extend(list(row) for row in rows)
