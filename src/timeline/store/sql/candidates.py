"""Candidates on SQL: one row per item of a feed, in `candidates`.

Every item of a feed has exactly one row (unique feed + guid), including the
items the extractor judged not to be events, so that no item is ever proposed
twice.  A candidate's writes are serialised by the lock `candidate:<id>`; a
poll's by its feed's lock (`feed_health.feed_lock`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, and_, func, select, type_coerce

from timeline.errors import CandidateNotFoundError
from timeline.model.feeds import Candidate, FeedHealth
from timeline.store.base import (
    AppendResult,
    CandidateBatch,
    CandidateChange,
    CandidateRepository,
    RecordedEvent,
)
from timeline.store.sql.feed_health import feed_lock, save_health
from timeline.store.sql.schema import UTCDateTime, candidates

if TYPE_CHECKING:
    import datetime as dt

    from timeline.store.sql.events import SqlEventStore


def _lock(candidate_id: str) -> str:
    return f"candidate:{candidate_id}"


def _from_row(row: Any) -> Candidate:
    return Candidate(
        id=row.id,
        feed=row.feed,
        item_guid=row.item_guid,
        status=row.status,
        is_event=bool(row.is_event),
        kind=row.kind,
        jurisdictions=tuple(row.jurisdictions.split()),
        effective=row.effective,
        effective_precision=row.effective_precision,
        title=row.title,
        summary=row.summary,
        link=row.link,
        published=row.published,
        confidence=row.confidence,
        evidence=json.loads(row.evidence),
        overrides=json.loads(row.overrides),
        reason=row.reason,
        duplicate_of=row.duplicate_of,
        event_id=row.event_id,
        first_seen_at=row.first_seen_at,
        updated_at=row.updated_at,
        history=json.loads(row.history),
    )


def _to_row(candidate: Candidate) -> dict[str, Any]:
    return {
        "id": candidate.id,
        "feed": candidate.feed,
        "item_guid": candidate.item_guid,
        "status": candidate.status,
        "is_event": candidate.is_event,
        "kind": candidate.kind,
        "jurisdictions": " ".join(candidate.jurisdictions),
        "effective": candidate.effective,
        "effective_precision": candidate.effective_precision,
        "title": candidate.title,
        "summary": candidate.summary,
        "link": candidate.link,
        "published": candidate.published,
        "confidence": candidate.confidence,
        "evidence": json.dumps(candidate.evidence, ensure_ascii=False, sort_keys=True),
        "overrides": json.dumps(candidate.overrides, ensure_ascii=False, sort_keys=True),
        "reason": candidate.reason,
        "duplicate_of": candidate.duplicate_of,
        "event_id": candidate.event_id,
        "first_seen_at": candidate.first_seen_at,
        "updated_at": candidate.updated_at,
        "history": json.dumps(candidate.history, ensure_ascii=False),
    }


def _by_id(conn: Connection, candidate_id: str) -> Candidate | None:
    row = conn.execute(select(candidates).where(candidates.c.id == candidate_id)).first()
    return _from_row(row) if row is not None else None


def _get(conn: Connection, ref: str) -> Candidate:
    ref = ref.strip().lower()
    found = _by_id(conn, ref)
    if found is not None:
        return found
    if len(ref) >= 4:
        rows = conn.execute(
            select(candidates).where(candidates.c.id.startswith(ref, autoescape=True)).limit(2)
        ).all()
        if len(rows) == 1:
            return _from_row(rows[0])
        if len(rows) > 1:
            raise CandidateNotFoundError(f"candidate id prefix {ref!r} is ambiguous; give more")
    raise CandidateNotFoundError(f"no candidate {ref!r}")


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
    def __init__(self, store: SqlEventStore) -> None:
        self._store = store

    def find(
        self,
        *,
        statuses: Iterable[str] | None = None,
        feed: str | None = None,
        limit: int | None = None,
    ) -> list[Candidate]:
        query = select(candidates).order_by(candidates.c.first_seen_at, candidates.c.id)
        if statuses:
            query = query.where(candidates.c.status.in_(list(statuses)))
        if feed:
            query = query.where(candidates.c.feed == feed)
        if limit:
            query = query.limit(limit)
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
        self,
        candidate_id: str,
        event: Mapping[str, Any],
        mark: Callable[[Candidate, RecordedEvent], Candidate | None],
    ) -> RecordedEvent:
        def marked(conn: Connection, result: AppendResult) -> None:
            _apply(conn, candidate_id, lambda current: mark(current, result.events[0]))

        return self._store.append_then([event], marked, lock_name=_lock(candidate_id)).events[0]

    def newest_by_feed(self) -> dict[str, dt.datetime]:
        # type_coerce: SQLite hands an aggregate back as the stored text otherwise.
        newest = type_coerce(func.max(candidates.c.first_seen_at), UTCDateTime())
        query = select(candidates.c.feed, newest).group_by(candidates.c.feed)
        with self._store.read_connection() as conn:
            return dict(conn.execute(query).all())
