"""Candidates on SQL: one row per item of a feed, in `candidates`.

Every item of a feed has exactly one row (unique feed + guid), including the
items the extractor judged not to be events, so that no item is ever proposed
twice.  A candidate's writes are serialised by the lock `candidate:<id>`; a
poll's by its feed's lock (`feed_health.feed_lock`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import fields
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, and_, func, select, type_coerce

from timeline.errors import AmbiguousCandidateError, CandidateNotFoundError
from timeline.model.feeds import Candidate, FeedHealth
from timeline.store.base import (
    AMBIGUOUS_SHOWN,
    ID_PREFIX_MIN,
    AcceptMark,
    AppendResult,
    CandidateBatch,
    CandidateChange,
    CandidateFilter,
    CandidateRepository,
    RecordedEvent,
    id_prefix,
    prefix_too_short,
)
from timeline.store.sql.feed_health import feed_lock, save_health
from timeline.store.sql.prefix import starting_with
from timeline.store.sql.schema import UTCDateTime, candidates
from timeline.store.sql.transactions import AppendThen, Transactions

if TYPE_CHECKING:
    import datetime as dt


def _lock(candidate_id: str) -> str:
    return f"candidate:{candidate_id}"


# The JSON columns (and whether their keys are sorted); with `jurisdictions`
# (codes in one space-separated string) the only ones not stored as they are.
_JSON = {"evidence": True, "overrides": True, "history": False}
_AS_IS = tuple(f.name for f in fields(Candidate) if f.name not in {"jurisdictions", *_JSON})


def _from_row(row: Any) -> Candidate:
    data = row._mapping
    return Candidate(
        **{name: data[name] for name in _AS_IS},
        jurisdictions=tuple(data["jurisdictions"].split()),
        **{name: json.loads(data[name]) for name in _JSON},
    )


def _to_row(candidate: Candidate) -> dict[str, Any]:
    json_values = {
        name: json.dumps(getattr(candidate, name), ensure_ascii=False, sort_keys=sort_keys)
        for name, sort_keys in _JSON.items()
    }
    return {
        **{name: getattr(candidate, name) for name in _AS_IS},
        "jurisdictions": " ".join(candidate.jurisdictions),
        **json_values,
    }


def _by_id(conn: Connection, candidate_id: str) -> Candidate | None:
    row = conn.execute(select(candidates).where(candidates.c.id == candidate_id)).first()
    return _from_row(row) if row is not None else None


def _get(conn: Connection, ref: str) -> Candidate:
    text = ref.strip()
    if "\x00" in text:  # no id holds one, and PostgreSQL refuses to compare it
        raise CandidateNotFoundError(f"no candidate {text!r}")
    found = _by_id(conn, text.lower())
    if found is not None:
        return found
    prefix = id_prefix(text)
    if prefix is None:
        raise CandidateNotFoundError(f"no candidate {text!r}")
    if prefix_too_short(prefix):
        raise CandidateNotFoundError(
            f"candidate id prefix {text!r} is too short: give {ID_PREFIX_MIN} characters or more"
        )
    query = (
        select(candidates)
        .where(starting_with(candidates.c.id, prefix))
        .order_by(candidates.c.id)
        .limit(AMBIGUOUS_SHOWN + 1)
    )
    matches = [_from_row(row) for row in conn.execute(query).all()]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise CandidateNotFoundError(f"no candidate {text!r}")
    listed = "; ".join(f"{c.id[:8]} {c.proposed_title}" for c in matches[:AMBIGUOUS_SHOWN])
    more = ", and more" if len(matches) > AMBIGUOUS_SHOWN else ""
    raise AmbiguousCandidateError(
        f"candidate id prefix {text!r} is ambiguous: {listed}{more}; give more characters"
    )


def _update(conn: Connection, stored: Candidate, changed: Candidate) -> None:
    # Only the columns that change: a poll and a review may write other fields
    # of one candidate at once.
    before = _to_row(stored)
    values = {k: v for k, v in _to_row(changed).items() if before[k] != v}
    if values:
        conn.execute(candidates.update().where(candidates.c.id == stored.id).values(values))


def _apply(conn: Connection, candidate_id: str, change: CandidateChange) -> Candidate:
    current = _get(conn, candidate_id)
    changed = change(current)
    if changed is None:
        return current
    _update(conn, current, changed)
    return _get(conn, candidate_id)


class _Batch(CandidateBatch):
    def __init__(self, conn: Connection, feed: str) -> None:
        self._conn = conn
        self.feed = feed

    def by_guid(self, guids: Sequence[str]) -> dict[str, Candidate]:
        rows = self._conn.execute(
            select(candidates).where(
                and_(candidates.c.feed == self.feed, candidates.c.item_guid.in_(list(guids)))
            )
        )
        return {row.item_guid: _from_row(row) for row in rows}

    def recent_events(self, since: dt.datetime) -> list[Candidate]:
        rows = self._conn.execute(
            select(candidates)
            .where(
                and_(
                    candidates.c.is_event.is_(True),
                    candidates.c.duplicate_of.is_(None),
                    candidates.c.first_seen_at >= since,
                )
            )
            .order_by(candidates.c.first_seen_at, candidates.c.id)
        )
        return [_from_row(row) for row in rows]

    def add(self, candidate: Candidate) -> Candidate:
        self._conn.execute(candidates.insert().values(_to_row(candidate)))
        stored = _by_id(self._conn, candidate.id)
        assert stored is not None  # inserted just now, in this transaction
        return stored

    def update(self, stored: Candidate, changed: Candidate) -> None:
        _update(self._conn, stored, changed)


class SqlCandidates(CandidateRepository):
    def __init__(self, store: Transactions, append_then: AppendThen) -> None:
        self._store = store
        self._append_then = append_then

    def find(self, flt: CandidateFilter | None = None) -> list[Candidate]:
        flt = flt or CandidateFilter()
        query = select(candidates).order_by(candidates.c.first_seen_at, candidates.c.id)
        if flt.statuses:
            query = query.where(candidates.c.status.in_(list(flt.statuses)))
        if flt.feed:
            query = query.where(candidates.c.feed == flt.feed)
        if flt.limit:
            query = query.limit(flt.limit)
        with self._store.read_connection() as conn:
            return [_from_row(row) for row in conn.execute(query)]

    def get(self, ref: str) -> Candidate:
        with self._store.read_connection() as conn:
            return _get(conn, ref)

    @contextmanager
    def record_poll(self, health: FeedHealth) -> Iterator[CandidateBatch]:
        with self._store.write_transaction(feed_lock(health.feed)) as conn:
            yield _Batch(conn, health.feed)
            save_health(conn, health)

    def change(self, candidate_id: str, change: CandidateChange) -> Candidate:
        with self._store.write_transaction(_lock(candidate_id)) as conn:
            return _apply(conn, candidate_id, change)

    def accept(
        self, candidate_id: str, event: Mapping[str, Any], mark: AcceptMark
    ) -> RecordedEvent:
        def marked(conn: Connection, result: AppendResult) -> None:
            _apply(conn, candidate_id, lambda current: mark(current, result.events[0]))

        return self._append_then([event], marked, lock_name=_lock(candidate_id)).events[0]

    def newest_by_feed(self) -> dict[str, dt.datetime]:
        # type_coerce: SQLite hands an aggregate back as the stored text otherwise.
        newest = type_coerce(func.max(candidates.c.first_seen_at), UTCDateTime())
        query = select(candidates.c.feed, newest).group_by(candidates.c.feed)
        with self._store.read_connection() as conn:
            return dict(conn.execute(query).all())
