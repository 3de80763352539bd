"""Snapshots of each projection's state along valid time, and their codec.

A snapshot per projection and jurisdiction on day S holds the folded state of
every fact certain by S (see `fold`), stored every `every` facts (or half as
many as the state has items, if more).  A state query folds only the facts
that became certain between the nearest snapshot and D.

A snapshot is built from what the log knows when it is built.  It records the
latest transaction time among the versions it covers (opened or closed):
`knowledge_since`.  For known_at >= knowledge_since it is exactly the state of
that prefix as known at known_at; for an earlier known_at the query takes an
earlier snapshot (knowledge only grows along the prefix, so the first one that
qualifies going back is the right one).  A fact recorded late whose interval
ends on day E changes the state from E on: it deletes exactly the snapshots at
or after E, which are rebuilt in the same transaction.
"""

from __future__ import annotations

import hashlib
import marshal
import sys
import zlib
from dataclasses import dataclass
from typing import Any

from timeline.projections.definition import ProjectionDefinition
from timeline.projections.fold import State, apply_fact, empty_state
from timeline.projections.index import Dirty, decode_payload
from timeline.store.base import ReadModelTransaction, ReadModelView, Row, Snapshot


@dataclass(frozen=True, slots=True)
class Snapshots:
    """When to snapshot a projection's states, and building them."""

    every: int
    """Facts folded at least between two snapshots of a jurisdiction."""
    by_state_size: bool
    """Space them also at least half as many facts apart as the state has items (tests
    turn it off to get snapshots every few facts)."""

    def _due(self, since_snapshot: int, state: State) -> bool:
        # A snapshot costs as much as the state is big: spacing them at least
        # half that many facts apart bounds the cost per fact folded (two items
        # written per fact), and the tail a query folds.
        return since_snapshot >= self.every and (
            not self.by_state_size or 2 * since_snapshot >= sum(map(len, state.values()))
        )

    def refresh(
        self, tx: ReadModelTransaction, definition: ProjectionDefinition, dirty: Dirty
    ) -> int:
        """Drop the snapshots a batch made wrong and build them again; how many were written."""
        written = 0
        for jurisdiction, by_kind in dirty.items():
            ends = [end for kind, end in by_kind.items() if kind in definition.kinds]
            if not ends:
                continue  # the batch touched only kinds this projection ignores
            tx.delete_snapshots(definition.name, jurisdiction, from_date=min(ends))
            written += self.build(tx, definition, jurisdiction)
        return written

    def build(
        self, tx: ReadModelTransaction, definition: ProjectionDefinition, jurisdiction: str
    ) -> int:
        """Extend the snapshots of one jurisdiction from its latest one to the end."""
        latest = tx.snapshot(definition.name, jurisdiction)
        state = decode_state(latest.state) if latest else empty_state(definition)
        knowledge = latest.knowledge_since if latest else ""
        folded = latest.facts if latest else 0
        since_snapshot = 0
        # Every version, open or closed: closed ones are not folded, but when they
        # were closed is part of what the snapshot's prefix was known as.
        scan = tx.fact_scan(
            jurisdiction, definition.kinds, end_after=latest.valid_date if latest else None
        )
        day: str | None = None
        snapshots: list[Snapshot] = []
        for row in scan:
            end, tx_from, tx_to = row[0], row[1], row[2]
            if day is not None and end != day and self._due(since_snapshot, state):
                # All versions ending on `day` are in: a snapshot at `day` is whole.
                snapshots.append(Snapshot(day, knowledge, folded, encode_state(state)))
                since_snapshot = 0
            day = end
            knowledge = max(knowledge, tx_from)
            if tx_to is not None:
                knowledge = max(knowledge, tx_to)
                continue
            _apply_row(definition, state, jurisdiction, row)
            folded += 1
            since_snapshot += 1
        tx.insert_snapshots(definition.name, jurisdiction, snapshots)
        return len(snapshots)


def fold_until(
    view: ReadModelView,
    definition: ProjectionDefinition,
    jurisdiction: str,
    day: str,
    known_at: str,
) -> State:
    """The state folded from every fact certain by `day` as known at `known_at`: the
    nearest snapshot that holds, and the facts after it."""
    snapshot = view.snapshot(definition.name, jurisdiction, on_or_before=day, known_at=known_at)
    state = decode_state(snapshot.state) if snapshot else empty_state(definition)
    tail = view.fact_scan(
        jurisdiction,
        definition.kinds,
        end_after=snapshot.valid_date if snapshot else None,
        end_until=day,
        known_at=known_at,
    )
    for row in tail:
        _apply_row(definition, state, jurisdiction, row)
    return state


def _apply_row(definition: ProjectionDefinition, state: State, jurisdiction: str, row: Row) -> None:
    """Fold one `fact_scan` row (`SCAN_COLUMNS`)."""
    apply_fact(definition, state, jurisdiction, *scan_fields(row))


def scan_fields(row: Row) -> tuple[str, str, str, list[str], dict[str, Any], list[str]]:
    """A `fact_scan` row (`SCAN_COLUMNS`) as the fold takes a fact: kind, subject,
    effective, jurisdictions, payload, cited event ids."""
    _end, _tx_from, _tx_to, kind, subject, effective, codes, payload, cites = row
    return kind, subject, effective, codes.split(), decode_payload(payload), cites.split()


# Snapshots are marshal, deflated.  marshal writes a state 7x faster than
# json.dumps and reads it back in 60% of json.loads's time, and a snapshot is
# derived data that only this code writes and reads.  Its format belongs to the
# Python version, so the version is part of every snapshot's checkpoint tag: a
# Python upgrade rebuilds the snapshots instead of misreading them.
SNAPSHOT_FORMAT = f"marshal{marshal.version}-py{sys.version_info[0]}.{sys.version_info[1]}-zlib"


def snapshot_tag(definition: ProjectionDefinition) -> str:
    """What a projection's snapshots were built from: its text and their format."""
    return hashlib.sha256(f"{definition.digest}:{SNAPSHOT_FORMAT}".encode()).hexdigest()


def encode_state(state: State) -> bytes:
    # Level 1 deflate: a state repeats the same keys in every item (~3x smaller).
    return zlib.compress(marshal.dumps(state), 1)


def decode_state(blob: bytes) -> State:
    state: State = marshal.loads(zlib.decompress(blob))
    return state
