"""The projection runner: read models in the database, caught up incrementally.

Two layers, both derived from the log and rebuildable at any time:

1. The **fact index** (`fact_versions`), shared by every projection: one row
   per version of a fact and jurisdiction, with its valid-time interval and the
   transaction times between which the log held it (`tx_from`, `tx_to`).  A
   correction closes the open version and opens the corrected one; a retraction
   closes it.  So "the facts of J as known at T" is a range scan, whatever T is.
2. **Snapshots** per projection and jurisdiction along valid time: the folded
   state of every fact certain by day S (see `fold`), stored every
   `SNAPSHOT_EVERY` facts (or half as many as the state has items, if more).  A
   state query folds only the facts that became
   certain between the nearest snapshot and D.

A snapshot is built from what the log knows when it is built.  It records the
latest transaction time among the versions it covers (opened or closed):
`knowledge_since`.  For known_at >= knowledge_since it is exactly the state of
that prefix as known at known_at; for an earlier known_at the query takes an
earlier snapshot (knowledge only grows along the prefix, so the first one
that qualifies going back is the right one).  A fact recorded late whose
interval ends on day E changes the state from E on: it deletes exactly the
snapshots at or after E, which are rebuilt in the same transaction.

The checkpoint of each layer is the last log position it reflects; both move
in the transaction that applies the events, so a crash loses nothing and
repeats nothing.  A definition whose text changed (sha256) rebuilds its
snapshots.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import marshal
import sys
import zlib
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any, NamedTuple

from sqlalchemy import Connection, bindparam, delete, func, insert, or_, select, update

from timeline.errors import KnownAtError, UnknownProjectionError
from timeline.gc_pause import cyclic_gc_paused
from timeline.model.dates import PartialDate
from timeline.model.events import META_KINDS, SCHEMA_VERSION
from timeline.model.upcasting import upcast
from timeline.projections.definition import ProjectionDefinition
from timeline.projections.fold import FactVersion, State, apply_fact, empty_state, render
from timeline.store.base import format_utc
from timeline.store.sql.events import SqlEventStore
from timeline.store.sql.schema import (
    events,
    fact_versions,
    projection_checkpoints,
    projection_snapshots,
)

FACT_INDEX = "facts"
# Bump when the meaning of fact_versions rows changes: the index is rebuilt.
FACT_INDEX_FORMAT = "fact-index-1"
SNAPSHOT_EVERY = 128
SPACE_BY_STATE_SIZE = True  # tests turn it off to get snapshots every few facts
CHUNK = 5_000  # events applied per transaction
BULK_CHUNK = 50_000  # ... when snapshots wait for the end
# A backlog larger than this is applied as a rebuild: facts first, snapshots
# once at the end, instead of re-folding every jurisdiction after every chunk.
BULK_BACKLOG = 20_000
# The widest interval is a year: an uncertain fact ends within 366 days of D.
LONGEST_INTERVAL = dt.timedelta(days=366)
NOT_BUILT = -1

Progress = Callable[[str, int, int], None]
"""progress(phase, done, total)"""

_COLUMNS = (
    "fact_seq",
    "version_seq",
    "jurisdiction",
    "kind",
    "subject",
    "jurisdictions",
    "effective",
    "effective_start",
    "effective_end",
    "tx_from",
    "tx_to",
    "cites",
    "payload",
)
_TX_TO = _COLUMNS.index("tx_to")
_PK_ORDER = itemgetter(
    *(
        _COLUMNS.index(c)
        for c in ("jurisdiction", "effective_end", "effective_start", "fact_seq", "version_seq")
    )
)


@dataclass(frozen=True, slots=True)
class CatchUpReport:
    position: int  # last log position applied
    applied: int  # events read from the log in this run
    snapshots: int  # snapshots written


class ProjectionRunner:
    """Keeps the read models of `definitions` up to date with the log."""

    def __init__(
        self, store: SqlEventStore, definitions: Mapping[str, ProjectionDefinition]
    ) -> None:
        self.store = store
        self.definitions = dict(definitions)

    def definition(self, name: str) -> ProjectionDefinition:
        try:
            return self.definitions[name]
        except KeyError:
            known = ", ".join(sorted(self.definitions)) or "none"
            raise UnknownProjectionError(
                f"no projection named {name!r} (defined: {known})"
            ) from None

    # -- catching up ---------------------------------------------------------------
    def catch_up(self, progress: Progress | None = None) -> CatchUpReport:
        """Apply the events recorded since the checkpoints; rebuild what changed."""
        with cyclic_gc_paused():  # as for appends: batches of new containers, no cycles
            return self._catch_up(progress)

    def _catch_up(self, progress: Progress | None) -> CatchUpReport:
        applied = snapshots = 0
        with self.store.read_connection() as conn:
            head = conn.scalar(select(func.coalesce(func.max(events.c.seq), 0))) or 0
            checkpoints = _checkpoints(conn)
        if self._is_current(checkpoints, head):
            return CatchUpReport(head, 0, 0)
        with self.store.read_model_transaction() as conn:
            checkpoints = _checkpoints(conn)  # another process may have done it meanwhile
            position = self._reset_stale_index(conn, checkpoints)
            # Projections whose snapshots are built once, after the index: a
            # changed definition, or a backlog too long to refresh chunk by
            # chunk.  They are marked not built, so that a crash in between
            # is finished by the next catch-up.
            later = [
                d
                for d in self.definitions.values()
                if head - position > BULK_BACKLOG
                or checkpoints.get(d.name) != (snapshot_tag(d), position)
            ]
            for definition in later:
                _save_checkpoint(conn, definition.name, snapshot_tag(definition), NOT_BUILT)
                conn.execute(
                    delete(projection_snapshots).where(
                        projection_snapshots.c.projection == definition.name
                    )
                )
        later_names = {d.name for d in later}
        incremental = [d for d in self.definitions.values() if d.name not in later_names]
        while True:
            with self.store.read_model_transaction() as conn:
                # Re-read inside the lock: another process may have gone ahead.
                position = _checkpoints(conn)[FACT_INDEX][1]
                # A rebuild takes bigger bites: each commit rewrites the index
                # pages the chunk touched, scattered over jurisdictions.
                batch = _log_rows(conn, position, BULK_CHUNK if later else CHUNK)
                if not batch:
                    break
                dirty = _index_events(conn, batch)
                position = batch[-1][0]
                _save_checkpoint(conn, FACT_INDEX, FACT_INDEX_FORMAT, position)
                for definition in incremental:
                    snapshots += _refresh_snapshots(conn, definition, dirty)
                    _save_checkpoint(conn, definition.name, snapshot_tag(definition), position)
            applied += len(batch)
            if progress:
                progress("events", position, head)
        with self.store.read_model_transaction() as conn:
            position = _checkpoints(conn)[FACT_INDEX][1]
            for definition in self.definitions.values():
                if _checkpoints(conn).get(definition.name) != (snapshot_tag(definition), position):
                    snapshots += _build_all_snapshots(conn, definition, progress)
                    _save_checkpoint(conn, definition.name, snapshot_tag(definition), position)
        return CatchUpReport(position, applied, snapshots)

    def rebuild(self, progress: Progress | None = None) -> CatchUpReport:
        """Drop every read model and build them again from the whole log."""
        with self.store.read_model_transaction() as conn:
            conn.execute(delete(projection_snapshots))
            conn.execute(delete(fact_versions))
            conn.execute(delete(projection_checkpoints))
        return self.catch_up(progress)

    def _is_current(self, checkpoints: Mapping[str, tuple[str, int]], head: int) -> bool:
        if checkpoints.get(FACT_INDEX) != (FACT_INDEX_FORMAT, head):
            return False
        return all(
            checkpoints.get(d.name) == (snapshot_tag(d), head) for d in self.definitions.values()
        )

    def _reset_stale_index(
        self, conn: Connection, checkpoints: Mapping[str, tuple[str, int]]
    ) -> int:
        found = checkpoints.get(FACT_INDEX)
        if found is not None and found[0] == FACT_INDEX_FORMAT:
            return found[1]
        conn.execute(delete(projection_snapshots))
        conn.execute(delete(fact_versions))
        _save_checkpoint(conn, FACT_INDEX, FACT_INDEX_FORMAT, 0)
        return 0

    # -- queries --------------------------------------------------------------------
    def state(
        self,
        name: str,
        jurisdiction: str,
        as_of: dt.date,
        known_at: dt.datetime | None = None,
    ) -> dict[str, Any]:
        """The state of `jurisdiction` on `as_of`, as the log knew it at `known_at`."""
        definition = self.definition(name)
        known_at = self._known_at(known_at)
        # Decoding a snapshot makes thousands of containers at once: without the
        # pause, collections walk the whole heap mid-query (p99 x2 at 1M events).
        with cyclic_gc_paused():
            return self._state(definition, jurisdiction, as_of, known_at)

    def _state(
        self,
        definition: ProjectionDefinition,
        jurisdiction: str,
        as_of: dt.date,
        known_at: dt.datetime,
    ) -> dict[str, Any]:
        as_of_text = as_of.isoformat()
        known_text = format_utc(known_at)
        with self.store.read_connection() as conn:
            snapshot = conn.execute(
                select(projection_snapshots.c.valid_date, projection_snapshots.c.state)
                .where(
                    projection_snapshots.c.projection == definition.name,
                    projection_snapshots.c.jurisdiction == jurisdiction,
                    projection_snapshots.c.valid_date <= as_of_text,
                    projection_snapshots.c.knowledge_since <= known_text,
                )
                .order_by(projection_snapshots.c.valid_date.desc())
                .limit(1)
            ).first()
            state = _decode_state(snapshot.state) if snapshot else empty_state(definition)
            tail = _fact_scan(
                conn,
                definition,
                jurisdiction,
                end_after=snapshot.valid_date if snapshot else None,
                end_until=as_of_text,
                known_text=known_text,
            )
            _fold_rows(definition, state, jurisdiction, tail)
            uncertain = _uncertain(conn, definition, jurisdiction, known_text, as_of)
        return render(
            definition, state, uncertain, jurisdiction=jurisdiction, as_of=as_of, known_at=known_at
        )

    def facts(
        self,
        jurisdiction: str | None,
        known_at: dt.datetime | None = None,
        *,
        start_after: dt.date | None = None,
        start_until: dt.date | None = None,
    ) -> list[FactVersion]:
        """Every fact (of any kind) concerning `jurisdiction` (or all), as known at a time.

        Ordered by valid time (start, end, position); one entry per fact.
        """
        known_text = format_utc(self._known_at(known_at))
        fv = fact_versions.c
        conditions = [
            fv.tx_from <= known_text,
            or_(fv.tx_to.is_(None), fv.tx_to > known_text),
        ]
        if jurisdiction is not None:
            conditions.append(fv.jurisdiction == jurisdiction)
        if start_after is not None:
            conditions.append(fv.effective_start > start_after.isoformat())
        if start_until is not None:
            conditions.append(fv.effective_start <= start_until.isoformat())
        query = (
            select(*(fv[c] for c in _COLUMNS))
            .where(*conditions)
            .order_by(fv.effective_start, fv.effective_end, fv.fact_seq)
        )
        seen: set[int] = set()
        found: list[FactVersion] = []
        with self.store.read_connection() as conn:
            for row in conn.execute(query):
                if row.fact_seq in seen:  # the same fact under several jurisdictions
                    continue
                seen.add(row.fact_seq)
                found.append(_version_from_row(row))
        return found

    def positions(self) -> tuple[int, dict[str, int]]:
        """The log's head, and the last position each projection's read model reflects
        (`NOT_BUILT` until it is built for the definition as it now reads)."""
        with self.store.read_connection() as conn:
            head = conn.scalar(select(func.coalesce(func.max(events.c.seq), 0))) or 0
            checkpoints = _checkpoints(conn)
        index = checkpoints.get(FACT_INDEX)
        indexed = index[1] if index is not None and index[0] == FACT_INDEX_FORMAT else NOT_BUILT
        positions = {}
        for definition in self.definitions.values():
            tag, position = checkpoints.get(definition.name, ("", NOT_BUILT))
            positions[definition.name] = (
                min(position, indexed) if tag == snapshot_tag(definition) else NOT_BUILT
            )
        return head, positions

    def fact_counts(self) -> dict[str, int]:
        """How many facts the log now holds about each jurisdiction (retracted ones left out)."""
        fv = fact_versions.c
        query = (
            select(fv.jurisdiction, func.count(fv.fact_seq.distinct()))
            .where(fv.tx_to.is_(None))
            .group_by(fv.jurisdiction)
            .order_by(fv.jurisdiction)
        )
        with self.store.read_connection() as conn:
            return dict(conn.execute(query).all())

    def valid_time_range(self) -> tuple[dt.date, dt.date] | None:
        """The first day a fact's interval starts and the last day one ends, as known now."""
        fv = fact_versions.c
        query = select(func.min(fv.effective_start), func.max(fv.effective_end)).where(
            fv.tx_to.is_(None)
        )
        with self.store.read_connection() as conn:
            first, last = conn.execute(query).one()
        if first is None or last is None:
            return None
        return dt.date.fromisoformat(first), dt.date.fromisoformat(last)

    def first_recorded_at(self) -> dt.datetime | None:
        with self.store.read_connection() as conn:
            return conn.scalar(select(events.c.recorded_at).order_by(events.c.seq).limit(1))

    def _known_at(self, known_at: dt.datetime | None) -> dt.datetime:
        now = dt.datetime.now(dt.UTC)
        if known_at is None:
            return now
        if known_at.tzinfo is None:
            raise KnownAtError("known_at needs a timezone (e.g. 2026-01-31T12:00:00Z)")
        first = self.first_recorded_at()
        # An empty log answers every question with an empty state; a log that
        # began after T could only answer with one that pretends to know.
        if first is not None and known_at < first:
            raise KnownAtError(
                f"known-at {format_utc(known_at)} is before the first event was recorded "
                f"({format_utc(first)}): nothing was known then"
            )
        return known_at


# -- the fact index ----------------------------------------------------------------


def _checkpoints(conn: Connection) -> dict[str, tuple[str, int]]:
    c = projection_checkpoints.c
    return {
        row.name: (row.definition_hash, row.position)
        for row in conn.execute(select(c.name, c.definition_hash, c.position))
    }


def _save_checkpoint(conn: Connection, name: str, digest: str, position: int) -> None:
    c = projection_checkpoints.c
    values = {
        "definition_hash": digest,
        "position": position,
        "updated_at": format_utc(dt.datetime.now(dt.UTC)),
    }
    if conn.execute(update(projection_checkpoints).where(c.name == name).values(values)).rowcount:
        return
    conn.execute(insert(projection_checkpoints).values(name=name, **values))


def _log_rows(conn: Connection, after: int, limit: int) -> list[tuple[Any, ...]]:
    """The next events after position `after`, as plain driver tuples.

    The fact index reads the log itself rather than through `EventStore.read`:
    it needs the stored JSON as text, not decoded events, and skipping the
    records halves the cost of a rebuild's read (bench/bench_projections.py).
    """
    marker = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    return _driver_rows(
        conn,
        "SELECT seq, id, kind, subject, jurisdictions, effective, effective_start, "
        "effective_end, recorded_at, schema_version, payload FROM events "
        f"WHERE seq > {marker} ORDER BY seq LIMIT {marker}",
        (after, limit),
    )


def _fact_rows(
    fact_seq: int,
    version_seq: int,
    kind: str,
    subject: str,
    jurisdictions: Sequence[str],
    effective: tuple[str, str, str],
    tx_from: str,
    cites: Sequence[str],
    payload_json: str,
) -> list[list[Any]]:
    shared = [
        kind,
        subject,
        " ".join(jurisdictions),
        *effective,
        tx_from,
        None,
        " ".join(cites),
        payload_json,
    ]
    return [[fact_seq, version_seq, j, *shared] for j in jurisdictions]


Dirty = dict[str, dict[str, str]]
"""jurisdiction -> kind -> earliest end of interval among the versions a batch touched."""


def _index_events(conn: Connection, batch: Sequence[tuple[Any, ...]]) -> Dirty:
    """Apply a batch of log rows to the fact index; say which valid times it changed."""
    meta = {row[0]: json.loads(row[10]) for row in batch if row[2] in META_KINDS}
    target_seqs: dict[str, int] = {}
    if meta:  # ids -> positions, in one query
        targets = [payload["target"] for payload in meta.values()]
        target_seqs = dict(
            conn.execute(select(events.c.id, events.c.seq).where(events.c.id.in_(targets))).all()
        )
    index = _IndexBatch(conn)
    moment: Any = None
    tx = ""
    for (
        seq,
        event_id,
        kind,
        subject,
        codes,
        effective,
        start,
        end,
        recorded,
        version,
        stored,
    ) in batch:
        if recorded != moment:  # one transaction time for a whole appended batch
            moment = recorded
            tx = recorded if isinstance(recorded, str) else format_utc(recorded)
        if kind not in META_KINDS:
            raw = stored
            if version != SCHEMA_VERSION.get(kind, 1):  # reshape old payloads once, here
                raw = _compact(upcast(kind, version, json.loads(stored)))
            interval = (effective, str(start), str(end))
            index.open(
                _fact_rows(seq, seq, kind, subject, codes.split(), interval, tx, (event_id,), raw)
            )
            continue
        payload = meta[seq]
        fact_seq = target_seqs[payload["target"]]
        if not index.close(fact_seq, tx):
            continue  # the fact was retracted already: nothing left to change
        if kind == "event.corrected":
            fact = payload["corrected"]
            when = PartialDate.parse(fact["effective"])
            index.open(
                _fact_rows(
                    fact_seq,
                    seq,
                    fact["kind"],
                    fact["subject"],
                    fact["jurisdictions"],
                    (str(when), when.start.isoformat(), when.end.isoformat()),
                    tx,
                    (payload["target"], event_id),
                    # A correction's schema version is that of the fact it carries.
                    _compact(upcast(fact["kind"], version, fact["payload"])),
                )
            )
    index.flush()
    return index.dirty


def _compact(payload: Any) -> str:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False)


class _IndexBatch:
    """The writes of one batch: versions opened and closed, buffered until `flush`."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.pending: dict[int, list[list[Any]]] = {}  # open versions written by this batch
        self.closed_here: set[int] = set()  # facts closed in this batch, not reopened
        self.closures: list[tuple[str, int]] = []  # (tx_to, fact_seq) of stored versions
        self.inserts: list[list[Any]] = []
        self.dirty: Dirty = defaultdict(dict)

    def _touch(self, rows: Sequence[Sequence[Any]]) -> None:
        for row in rows:
            by_kind = self.dirty[row[2]]
            kind, end = row[3], row[8]
            if kind not in by_kind or end < by_kind[kind]:
                by_kind[kind] = end

    def open(self, rows: list[list[Any]]) -> None:
        fact_seq = rows[0][0] if rows else None
        if fact_seq is None:
            return
        self.closed_here.discard(fact_seq)
        self.pending[fact_seq] = rows
        self.inserts.extend(rows)
        self._touch(rows)

    def close(self, fact_seq: int, tx: str) -> bool:
        """Close the open version of a fact; False when none is open (retracted)."""
        if fact_seq in self.pending:
            rows = self.pending.pop(fact_seq)
            for row in rows:
                row[_TX_TO] = tx
            self.closed_here.add(fact_seq)
            self._touch(rows)
            return True
        if fact_seq in self.closed_here:
            return False
        fv = fact_versions.c
        stored = self.conn.execute(
            select(
                fv.fact_seq,
                fv.version_seq,
                fv.jurisdiction,
                fv.kind,
                fv.subject,
                fv.jurisdictions,
                fv.effective,
                fv.effective_start,
                fv.effective_end,
            ).where(fv.fact_seq == fact_seq, fv.tx_to.is_(None))
        ).all()
        if not stored:
            return False
        self.closures.append((tx, fact_seq))
        self.closed_here.add(fact_seq)
        self._touch(stored)
        return True

    def flush(self) -> None:
        if self.closures:
            self.conn.execute(
                update(fact_versions)
                .where(
                    fact_versions.c.fact_seq == bindparam("target_seq"),
                    fact_versions.c.tx_to.is_(None),
                )
                .values(tx_to=bindparam("closed_at")),
                [{"closed_at": tx, "target_seq": seq} for tx, seq in self.closures],
            )
        if self.inserts:
            # In primary-key order: the index is clustered by jurisdiction and
            # valid time, and sorted inserts touch each page once, not at random.
            self.inserts.sort(key=_PK_ORDER)
            _bulk_insert(self.conn, self.inserts)


def _bulk_insert(conn: Connection, rows: Sequence[Sequence[Any]]) -> None:
    # Straight to the driver's executemany with positional parameters: Core's
    # per-row parameter processing costs more than the insert itself here.
    marker = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    sql = (
        f"INSERT INTO fact_versions ({', '.join(_COLUMNS)}) "
        f"VALUES ({', '.join([marker] * len(_COLUMNS))})"
    )
    conn.exec_driver_sql(sql, [tuple(row) for row in rows])


def _version_from_row(row: Any) -> FactVersion:
    return FactVersion(
        fact_seq=row.fact_seq,
        version_seq=row.version_seq,
        cites=tuple(row.cites.split()),
        kind=row.kind,
        subject=row.subject,
        jurisdictions=tuple(row.jurisdictions.split()),
        effective=row.effective,
        start=dt.date.fromisoformat(row.effective_start),
        end=dt.date.fromisoformat(row.effective_end),
        payload=json.loads(row.payload),
        tx_from=dt.datetime.fromisoformat(row.tx_from),
        tx_to=dt.datetime.fromisoformat(row.tx_to) if row.tx_to else None,
    )


def _uncertain(
    conn: Connection,
    definition: ProjectionDefinition,
    jurisdiction: str,
    known_text: str,
    day: dt.date,
) -> list[FactVersion]:
    """The versions visible at `known_text` whose interval holds `day` but ends after it.

    Intervals are at most a year long, which bounds the index range scanned.
    """
    marker = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    kinds = sorted(definition.kinds)
    text = day.isoformat()
    rows = _driver_rows(
        conn,
        f"SELECT {', '.join(_COLUMNS)} FROM fact_versions "
        f"WHERE jurisdiction = {marker} AND effective_end > {marker} "
        f"AND effective_end <= {marker} AND effective_start <= {marker} "
        f"AND kind IN ({', '.join([marker] * len(kinds))}) "
        f"AND tx_from <= {marker} AND (tx_to IS NULL OR tx_to > {marker}) "
        "ORDER BY effective_end, effective_start, fact_seq",
        (
            jurisdiction,
            text,
            # Clamped: a day in year 9999 is a question, not an overflow.
            (min(day, dt.date.max - LONGEST_INTERVAL) + LONGEST_INTERVAL).isoformat(),
            text,
            *kinds,
            known_text,
            known_text,
        ),
    )
    return [_version_from_row(_Row(*row)) for row in rows]


class _Row(NamedTuple):
    """A fact_versions row in `_COLUMNS` order, read by attribute."""

    fact_seq: int
    version_seq: int
    jurisdiction: str
    kind: str
    subject: str
    jurisdictions: str
    effective: str
    effective_start: str
    effective_end: str
    tx_from: str
    tx_to: str | None
    cites: str
    payload: str


# -- snapshots ------------------------------------------------------------------------


def _refresh_snapshots(conn: Connection, definition: ProjectionDefinition, dirty: Dirty) -> int:
    """Drop the snapshots the batch made wrong and build them again."""
    written = 0
    for jurisdiction, by_kind in dirty.items():
        ends = [end for kind, end in by_kind.items() if kind in definition.kinds]
        if not ends:
            continue  # the batch touched only kinds this projection ignores
        earliest_end = min(ends)
        conn.execute(
            delete(projection_snapshots).where(
                projection_snapshots.c.projection == definition.name,
                projection_snapshots.c.jurisdiction == jurisdiction,
                projection_snapshots.c.valid_date >= earliest_end,
            )
        )
        written += _build_snapshots(conn, definition, jurisdiction)
    return written


def _build_all_snapshots(
    conn: Connection, definition: ProjectionDefinition, progress: Progress | None
) -> int:
    conn.execute(
        delete(projection_snapshots).where(projection_snapshots.c.projection == definition.name)
    )
    jurisdictions = list(
        conn.scalars(
            select(fact_versions.c.jurisdiction)
            .where(fact_versions.c.kind.in_(sorted(definition.kinds)))
            .distinct()
            .order_by(fact_versions.c.jurisdiction)
        )
    )
    written = 0
    for done, jurisdiction in enumerate(jurisdictions, start=1):
        written += _build_snapshots(conn, definition, jurisdiction)
        if progress:
            progress(f"snapshots ({definition.name})", done, len(jurisdictions))
    return written


def _build_snapshots(conn: Connection, definition: ProjectionDefinition, jurisdiction: str) -> int:
    """Extend the snapshots of one jurisdiction from its latest one to the end."""
    ps = projection_snapshots.c
    latest = conn.execute(
        select(ps.valid_date, ps.knowledge_since, ps.facts, ps.state)
        .where(ps.projection == definition.name, ps.jurisdiction == jurisdiction)
        .order_by(ps.valid_date.desc())
        .limit(1)
    ).first()
    state = _decode_state(latest.state) if latest else empty_state(definition)
    knowledge = latest.knowledge_since if latest else ""
    folded = latest.facts if latest else 0
    since_snapshot = 0
    # Every version, open or closed: closed ones are not folded, but when they
    # were closed is part of what the snapshot's prefix was known as.
    scan = _fact_scan(
        conn, definition, jurisdiction, end_after=latest.valid_date if latest else None
    )
    written = 0
    day: str | None = None
    rows: list[dict[str, Any]] = []

    def flush() -> None:
        nonlocal written
        rows.append(
            {
                "projection": definition.name,
                "jurisdiction": jurisdiction,
                "valid_date": day,
                "knowledge_since": knowledge,
                "facts": folded,
                "state": _encode_state(state),
            }
        )
        written += 1

    for row in scan:
        end, tx_from, tx_to = row[0], row[1], row[2]
        if (
            day is not None
            and end != day
            and since_snapshot >= SNAPSHOT_EVERY
            # A snapshot costs as much as the state is big: spacing them at
            # least half that many facts apart bounds the cost per fact folded
            # (two items written per fact), and the tail a query folds.
            and (not SPACE_BY_STATE_SIZE or 2 * since_snapshot >= sum(map(len, state.values())))
        ):
            flush()  # all versions ending on `day` are in: a snapshot at `day` is whole
            since_snapshot = 0
        day = end
        knowledge = max(knowledge, tx_from)
        if tx_to is not None:
            knowledge = max(knowledge, tx_to)
            continue
        _apply_row(definition, state, jurisdiction, row)
        folded += 1
        since_snapshot += 1
    if rows:
        conn.execute(insert(projection_snapshots), rows)
    return written


def _fact_scan(
    conn: Connection,
    definition: ProjectionDefinition,
    jurisdiction: str,
    *,
    end_after: str | None,
    end_until: str | None = None,
    known_text: str | None = None,
) -> Iterator[tuple[Any, ...]]:
    """Versions of `jurisdiction`'s facts of the definition's kinds, in fold order.

    Rows are (end, tx_from, tx_to, kind, subject, effective, jurisdictions,
    payload, cites), straight from the driver: this scan is most of a rebuild
    and of a state query, and Core's row objects cost a third of it.  With
    `known_text`, only the versions the log held at that time.
    """
    marker = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    kinds = sorted(definition.kinds)
    sql = (
        "SELECT effective_end, tx_from, tx_to, kind, subject, effective, jurisdictions, "
        "payload, cites FROM fact_versions "
        f"WHERE jurisdiction = {marker} AND kind IN ({', '.join([marker] * len(kinds))})"
    )
    parameters: list[Any] = [jurisdiction, *kinds]
    if end_after is not None:
        sql += f" AND effective_end > {marker}"
        parameters.append(end_after)
    if end_until is not None:
        sql += f" AND effective_end <= {marker}"
        parameters.append(end_until)
    if known_text is not None:
        sql += f" AND tx_from <= {marker} AND (tx_to IS NULL OR tx_to > {marker})"
        parameters += [known_text, known_text]
    sql += " ORDER BY effective_end, effective_start, fact_seq"
    yield from _driver_rows(conn, sql, tuple(parameters))


def _driver_rows(conn: Connection, sql: str, parameters: Sequence[Any]) -> list[tuple[Any, ...]]:
    """Rows as the DB-API driver returns them, on the connection's transaction.

    The rebuild reads every event and every fact version once or twice;
    SQLAlchemy's result objects cost about as much as the driver's fetch here.
    """
    cursor = conn.connection.cursor()
    try:
        cursor.execute(sql, parameters)
        return list(cursor.fetchall())
    finally:
        cursor.close()


def _fold_rows(
    definition: ProjectionDefinition,
    state: State,
    jurisdiction: str,
    rows: Iterator[tuple[Any, ...]],
) -> None:
    for row in rows:
        _apply_row(definition, state, jurisdiction, row)


def _apply_row(
    definition: ProjectionDefinition, state: State, jurisdiction: str, row: tuple[Any, ...]
) -> None:
    """Fold one `_fact_scan` row."""
    _end, _tx_from, _tx_to, kind, subject, effective, codes, payload, cites = row
    apply_fact(
        definition,
        state,
        jurisdiction,
        kind,
        subject,
        effective,
        codes.split(),
        json.loads(payload),
        cites.split(),
    )


# Snapshots are marshal, deflated.  marshal writes a state 7x faster than
# json.dumps and reads it back in 60% of json.loads's time, and a snapshot is
# derived data that only this code writes and reads.  Its format belongs to the
# Python version, so the version is part of every snapshot's checkpoint tag: a
# Python upgrade rebuilds the snapshots instead of misreading them.
SNAPSHOT_FORMAT = f"marshal{marshal.version}-py{sys.version_info[0]}.{sys.version_info[1]}-zlib"


def snapshot_tag(definition: ProjectionDefinition) -> str:
    """What a projection's snapshots were built from: its text and their format."""
    return hashlib.sha256(f"{definition.digest}:{SNAPSHOT_FORMAT}".encode()).hexdigest()


def _encode_state(state: State) -> bytes:
    # Level 1 deflate: a state repeats the same keys in every item (~3x smaller).
    return zlib.compress(marshal.dumps(state), 1)


def _decode_state(blob: bytes | memoryview) -> State:
    state: State = marshal.loads(zlib.decompress(blob))
    return state
