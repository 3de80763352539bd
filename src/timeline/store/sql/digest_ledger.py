"""The digest ledger on SQL: `digest_issues` and `digest_deliveries`.

Every write runs under one named lock (`write_transaction`): a PostgreSQL
advisory lock or SQLite's write lock, the same on both backends.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import fields
from typing import Any, TypeVar

from sqlalchemy import Connection, and_, or_, select
from sqlalchemy.sql.elements import ColumnElement

from timeline.store.base import Delivery, DeliveryKey, DigestIssue, DigestLedger
from timeline.store.sql.schema import digest_deliveries, digest_issues
from timeline.store.sql.transactions import Transactions

_LOCK = "digest-ledger"


class SqlDigestLedger(DigestLedger):
    def __init__(self, store: Transactions) -> None:
        self.store = store

    # -- issues ------------------------------------------------------------------
    def issue(self, week: str, list_name: str) -> DigestIssue | None:
        with self.store.read_connection() as conn:
            return _issue(conn, week, list_name)

    def save_issue(self, issue: DigestIssue) -> DigestIssue:
        with self.store.write_transaction(_LOCK) as conn:
            kept = _issue(conn, issue.week, issue.list_name)
            if kept is not None:
                return kept
            conn.execute(
                digest_issues.insert().values(
                    week=issue.week,
                    list=issue.list_name,
                    known_at=issue.known_at,
                    created_at=issue.created_at,
                    subject=issue.subject,
                    skipped=issue.skipped,
                    message=issue.message,
                )
            )
            return issue

    # -- deliveries ---------------------------------------------------------------
    def add_recipients(
        self, week: str, list_name: str, known_at: dt.datetime, message_ids: Mapping[str, str]
    ) -> None:
        now = self.store.clock()
        with self.store.write_transaction(_LOCK) as conn:
            have = set(
                conn.scalars(
                    select(digest_deliveries.c.recipient).where(
                        digest_deliveries.c.week == week, digest_deliveries.c.list == list_name
                    )
                )
            )
            rows = [
                {
                    "week": week,
                    "list": list_name,
                    "recipient": recipient,
                    "status": "pending",
                    "attempts": 0,
                    "message_id": msgid,
                    "known_at": known_at,
                    "created_at": now,
                    "next_attempt_at": now,
                }
                for recipient, msgid in message_ids.items()
                if recipient not in have
            ]
            if rows:
                conn.execute(digest_deliveries.insert(), rows)

    def claim(
        self, key: DeliveryKey, *, sending_timeout: dt.timedelta, explicit: bool = False
    ) -> Delivery | None:
        now = self.store.clock()
        d = digest_deliveries.c
        with self.store.write_transaction(_LOCK) as conn:
            claimed = conn.execute(
                digest_deliveries.update()
                .where(_is(key), _ready(now, sending_timeout, explicit=explicit))
                .values(status="sending", claimed_at=now, attempts=d.attempts + 1)
            ).rowcount
            if claimed != 1:
                return None
            return _delivery(conn, key)

    def mark_sent(self, key: DeliveryKey) -> None:
        with self.store.write_transaction(_LOCK) as conn:
            conn.execute(
                digest_deliveries.update()
                .where(_is(key))
                .values(
                    status="sent", sent_at=self.store.clock(), last_error=None, next_attempt_at=None
                )
            )

    def mark_failed(self, key: DeliveryKey, error: str, retry_at: dt.datetime | None) -> None:
        with self.store.write_transaction(_LOCK) as conn:
            conn.execute(
                digest_deliveries.update()
                .where(_is(key))
                .values(
                    status="failed" if retry_at is not None else "refused",
                    last_error=error,
                    next_attempt_at=retry_at,
                )
            )

    def due(self, *, sending_timeout: dt.timedelta) -> list[DeliveryKey]:
        d = digest_deliveries.c
        with self.store.read_connection() as conn:
            rows = conn.execute(
                select(d.week, d.list, d.recipient)
                .where(_ready(self.store.clock(), sending_timeout, explicit=False))
                .order_by(d.week, d.list, d.recipient)
            ).all()
        return [(r.week, r.list, r.recipient) for r in rows]

    def deliveries(self, week: str | None = None) -> list[Delivery]:
        d = digest_deliveries.c
        query = select(digest_deliveries).order_by(d.week, d.list, d.recipient)
        if week is not None:
            query = query.where(d.week == week)
        with self.store.read_connection() as conn:
            return [_from_row(row) for row in conn.execute(query)]


def _ready(
    now: dt.datetime, sending_timeout: dt.timedelta, *, explicit: bool
) -> ColumnElement[bool]:
    """Rows a sender may take now: `claim` and `due` ask the same question.

    Pending or failed and due (`explicit`: refused too, and due or not), or
    claimed by a sender that never reported back within the sending timeout."""
    d = digest_deliveries.c
    retryable = ["pending", "failed", "refused"] if explicit else ["pending", "failed"]
    waiting: ColumnElement[bool] = d.status.in_(retryable)
    if not explicit:
        waiting = and_(waiting, or_(d.next_attempt_at.is_(None), d.next_attempt_at <= now))
    abandoned = and_(d.status == "sending", d.claimed_at < now - sending_timeout)
    return or_(waiting, abandoned)


def _is(key: DeliveryKey) -> ColumnElement[bool]:
    d = digest_deliveries.c
    week, list_name, recipient = key
    return and_(d.week == week, d.list == list_name, d.recipient == recipient)


def _issue(conn: Connection, week: str, list_name: str) -> DigestIssue | None:
    row = conn.execute(
        select(digest_issues).where(digest_issues.c.week == week, digest_issues.c.list == list_name)
    ).first()
    if row is None:
        return None
    # The column types give bool and bytes; `bytes()` also takes a driver's memoryview.
    return _record(DigestIssue, row, message=bytes(row.message))


def _delivery(conn: Connection, key: DeliveryKey) -> Delivery:
    row = conn.execute(select(digest_deliveries).where(_is(key))).one()
    return _from_row(row)


def _from_row(row: Any) -> Delivery:
    return _record(Delivery, row)


def _record(cls: type[R], row: Any, **given: Any) -> R:
    """A ledger record from its row: each field from the column of its name (the
    list's column is `list`), but those `given`."""
    data = row._mapping
    names = (f.name for f in fields(cls))
    return cls(**{n: given[n] if n in given else data[_COLUMN.get(n, n)] for n in names})


_COLUMN = {"list_name": "list"}
R = TypeVar("R", DigestIssue, Delivery)
