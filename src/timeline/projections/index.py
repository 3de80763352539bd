"""The fact index, shared by every projection: the versions of each fact.

One row per version of a fact and jurisdiction (`FACT_COLUMNS`), with its
valid-time interval and the transaction times between which the log held it
(`tx_from`, `tx_to`).  A correction closes the open version and opens the
corrected one; a retraction closes it.  So "the facts of J as known at T" is
a range scan, whatever T is.

This module turns log rows into index rows and index rows back into
`FactVersion`s; the store keeps them (`ReadModelTransaction`).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from typing import Any, Protocol

import orjson

from timeline.model.dates import PartialDate
from timeline.model.kinds import META_KINDS, SCHEMA_VERSION
from timeline.model.upcasting import upcast
from timeline.projections.fold import FactVersion
from timeline.store.base import FACT_COLUMNS, Row

FACT_INDEX = "facts"
"""The name of the fact index's checkpoint."""
# Bump when the meaning of fact_versions rows changes: the index is rebuilt.
FACT_INDEX_FORMAT = "fact-index-1"

Dirty = dict[str, dict[str, str]]
"""jurisdiction -> kind -> earliest end of interval among the versions a batch touched."""

_JURISDICTION, _KIND, _END, _TX_TO = (
    FACT_COLUMNS.index(c) for c in ("jurisdiction", "kind", "effective_end", "tx_to")
)


class IndexWriter(Protocol):
    """What indexing a batch needs: the read-model transaction, or the in-memory
    index of a log's tail that cannot be written (`projections.tail`)."""

    def positions_of(self, ids: Collection[str]) -> dict[str, int]: ...

    def open_versions(self, fact_seq: int) -> list[Row]: ...

    def close_versions(self, closures: Sequence[tuple[str, int]]) -> None: ...

    def insert_versions(self, rows: Sequence[Sequence[Any]]) -> None: ...


def index_events(tx: IndexWriter, batch: Sequence[Row]) -> Dirty:
    """Apply a batch of log rows (`LOG_COLUMNS`) to the fact index; say which valid
    times it changed."""
    meta = {row[0]: json.loads(row[10]) for row in batch if row[2] in META_KINDS}
    # ids -> positions, in one query
    targets = tx.positions_of([payload["target"] for payload in meta.values()]) if meta else {}
    index = _IndexBatch(tx)
    for row in batch:
        (seq, event_id, kind, subject, codes, effective, start, end, recorded_at, version,
         stored) = row  # fmt: skip
        if kind in META_KINDS:
            payload = meta[seq]
            fact_seq = targets[payload["target"]]
            supersede_current_version(
                index, kind, fact_seq, seq, event_id, recorded_at, payload, version
            )
            continue
        raw = stored
        if version != SCHEMA_VERSION.get(kind, 1):  # reshape old payloads once, here
            raw = _compact(upcast(kind, version, json.loads(stored)))
        index.open(
            _fact_rows(
                seq,
                seq,
                kind,
                subject,
                codes.split(),
                (effective, start, end),
                recorded_at,
                (event_id,),
                raw,
            )
        )
    index.flush()
    return index.dirty


def supersede_current_version(
    index: _IndexBatch,
    kind: str,
    fact_seq: int,
    seq: int,
    event_id: str,
    tx: str,
    payload: Mapping[str, Any],
    schema_version: int,
) -> None:
    """Which version of a fact is current after the correction or retraction `seq`.

    Either one ends the fact's current version at `tx`; if none is current (the
    fact was retracted already), nothing changes.  A correction then makes the
    version it carries current from `tx` on, citing the original and itself.
    """
    if not index.close(fact_seq, tx):
        return  # the fact was retracted already: nothing left to change
    if kind != "event.corrected":
        return  # a retraction
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
            _compact(upcast(fact["kind"], schema_version, fact["payload"])),
        )
    )


def decode_payload(text: str) -> dict[str, Any]:
    """A fact index row's payload: orjson, which decodes these 2-3x faster than the
    json module (a whole-log answer or a rebuild decodes every one of them); json
    for what orjson refuses (an integer beyond 64 bits), so nothing reads otherwise."""
    try:
        found: dict[str, Any] = orjson.loads(text)
    except orjson.JSONDecodeError:
        found = json.loads(text)
    return found


def version_from_row(row: Row) -> FactVersion:
    """The `FactVersion` of a fact index row (`FACT_COLUMNS`)."""
    (fact_seq, version_seq, _jurisdiction, kind, subject, codes, effective, start, end,
     tx_from, tx_to, cites, payload) = row  # fmt: skip
    return FactVersion(
        fact_seq=fact_seq,
        version_seq=version_seq,
        cites=tuple(cites.split()),
        kind=kind,
        subject=subject,
        jurisdictions=tuple(codes.split()),
        effective=effective,
        start=dt.date.fromisoformat(start),
        end=dt.date.fromisoformat(end),
        payload=decode_payload(payload),
        tx_from=dt.datetime.fromisoformat(tx_from),
        tx_to=dt.datetime.fromisoformat(tx_to) if tx_to else None,
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


def _compact(payload: Any) -> str:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False)


class _IndexBatch:
    """The writes of one batch: versions opened and closed, buffered until `flush`."""

    def __init__(self, tx: IndexWriter) -> None:
        self.tx = tx
        self.pending: dict[int, list[list[Any]]] = {}  # open versions written by this batch
        self.closed_here: set[int] = set()  # facts closed in this batch, not reopened
        self.closures: list[tuple[str, int]] = []  # (tx_to, fact_seq) of stored versions
        self.inserts: list[list[Any]] = []
        self.dirty: Dirty = defaultdict(dict)

    def _touch(self, rows: Sequence[Sequence[Any]]) -> None:
        for row in rows:
            by_kind = self.dirty[row[_JURISDICTION]]
            kind, end = row[_KIND], row[_END]
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
        stored = self.tx.open_versions(fact_seq)
        if not stored:
            return False
        self.closures.append((tx, fact_seq))
        self.closed_here.add(fact_seq)
        self._touch(stored)
        return True

    def flush(self) -> None:
        self.tx.close_versions(self.closures)
        self.tx.insert_versions(self.inserts)
