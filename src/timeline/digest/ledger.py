"""The delivery ledger: each rendered digest, and one row per (week, list, recipient).

Exactly once, as far as SMTP allows.  A sender *claims* a row (pending or due
-> sending) in a transaction of its own and commits before it talks to the
server, so two senders (two daemons, a daemon and a CLI run) never both send
it.  It records `sent` as soon as the server has accepted the message.  Between
the server's 250 and that commit there is a window no protocol closes: if the
process dies there, the row stays `sending`; once `digest.sending_timeout` has
passed it is retried with the same Message-ID, so the recipient may get a copy
twice, recognisably the same message.  The choice is deliberate: a digest is
never lost, and a duplicate needs a crash inside a window of milliseconds.

Every ledger write runs under one named lock (`write_transaction`): a
PostgreSQL advisory lock or SQLite's write lock, the same on both backends.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import Connection, and_, or_, select
from sqlalchemy.sql.elements import ColumnElement

from timeline.store.sql.events import SqlEventStore
from timeline.store.sql.schema import digest_deliveries, digest_issues

Status = Literal["pending", "sending", "sent", "failed", "refused"]
_LOCK = "digest-ledger"


@dataclass(frozen=True, slots=True)
class Issue:
    week: str
    list_name: str
    known_at: dt.datetime
    created_at: dt.datetime
    subject: str
    skipped: bool
    message: bytes


@dataclass(frozen=True, slots=True)
class Delivery:
    week: str
    list_name: str
    recipient: str
    status: Status
    attempts: int
    last_error: str | None
    next_attempt_at: dt.datetime | None
    claimed_at: dt.datetime | None
    message_id: str
    sent_at: dt.datetime | None
    known_at: dt.datetime

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.week, self.list_name, self.recipient)


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Ledger:
    def __init__(
        self,
        store: SqlEventStore,
        *,
        sending_timeout: float,
        clock: Callable[[], dt.datetime] = _utc_now,
    ) -> None:
        self.store = store
        self.sending_timeout = dt.timedelta(seconds=sending_timeout)
        self.clock = clock

    # -- issues ------------------------------------------------------------------
    def issue(self, week: str, list_name: str) -> Issue | None:
        with self.store.read_connection() as conn:
            return _issue(conn, week, list_name)

    def save_issue(
        self,
        week: str,
        list_name: str,
        *,
        known_at: dt.datetime,
        subject: str,
        message: bytes,
        skipped: bool = False,
    ) -> Issue:
        """Keep this rendering unless another sender saved one first; returns the kept one."""
        with self.store.write_transaction(_LOCK) as conn:
            kept = _issue(conn, week, list_name)
            if kept is not None:
                return kept
            issue = Issue(week, list_name, known_at, self.clock(), subject, skipped, message)
            conn.execute(
                digest_issues.insert().values(
                    week=week,
                    list=list_name,
                    known_at=issue.known_at,
                    created_at=issue.created_at,
                    subject=subject,
                    skipped=skipped,
                    message=message,
                )
            )
            return issue

    # -- deliveries ---------------------------------------------------------------
    def add_recipients(
        self,
        week: str,
        list_name: str,
        known_at: dt.datetime,
        message_ids: dict[str, str],
    ) -> None:
        """One pending row per recipient not yet in the ledger for this digest."""
        now = self.clock()
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

    def claim(self, key: tuple[str, str, str], *, explicit: bool = False) -> Delivery | None:
        """Take the delivery for sending, or None if it is sent, refused (unless
        `explicit`), in another sender's hands, or not due (unless `explicit`).

        Committed before returning: from here until `sent` or `failed` is
        recorded, no other sender takes it (until the sending timeout passes)."""
        now = self.clock()
        d = digest_deliveries.c
        with self.store.write_transaction(_LOCK) as conn:
            claimed = conn.execute(
                digest_deliveries.update()
                .where(_is(key), self._ready(now, explicit=explicit))
                .values(status="sending", claimed_at=now, attempts=d.attempts + 1)
            ).rowcount
            if claimed != 1:
                return None
            return _delivery(conn, key)

    def mark_sent(self, key: tuple[str, str, str]) -> None:
        with self.store.write_transaction(_LOCK) as conn:
            conn.execute(
                digest_deliveries.update()
                .where(_is(key))
                .values(status="sent", sent_at=self.clock(), last_error=None, next_attempt_at=None)
            )

    def mark_failed(
        self, key: tuple[str, str, str], error: str, retry_at: dt.datetime | None
    ) -> None:
        """`retry_at` None: the server refused for good (`refused`), not retried on its own."""
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

    def due(self) -> list[tuple[str, str, str]]:
        """Deliveries the daemon should try now: failed and due, or abandoned while sending."""
        d = digest_deliveries.c
        with self.store.read_connection() as conn:
            rows = conn.execute(
                select(d.week, d.list, d.recipient)
                .where(self._ready(self.clock(), explicit=False))
                .order_by(d.week, d.list, d.recipient)
            ).all()
        return [(r.week, r.list, r.recipient) for r in rows]

    def _ready(self, now: dt.datetime, *, explicit: bool) -> ColumnElement[bool]:
        """Rows a sender may take now: `claim` and `due` ask the same question.

        Pending or failed and due (`explicit`: refused too, and due or not), or
        claimed by a sender that never reported back within the sending timeout."""
        d = digest_deliveries.c
        retryable = ["pending", "failed", "refused"] if explicit else ["pending", "failed"]
        waiting: ColumnElement[bool] = d.status.in_(retryable)
        if not explicit:
            waiting = and_(waiting, or_(d.next_attempt_at.is_(None), d.next_attempt_at <= now))
        abandoned = and_(d.status == "sending", d.claimed_at < now - self.sending_timeout)
        return or_(waiting, abandoned)

    def deliveries(self, week: str | None = None) -> list[Delivery]:
        d = digest_deliveries.c
        query = select(digest_deliveries).order_by(d.week, d.list, d.recipient)
        if week is not None:
            query = query.where(d.week == week)
        with self.store.read_connection() as conn:
            return [_from_row(row) for row in conn.execute(query)]


def _is(key: tuple[str, str, str]) -> ColumnElement[bool]:
    d = digest_deliveries.c
    week, list_name, recipient = key
    return and_(d.week == week, d.list == list_name, d.recipient == recipient)


def _issue(conn: Connection, week: str, list_name: str) -> Issue | None:
    row = conn.execute(
        select(digest_issues).where(digest_issues.c.week == week, digest_issues.c.list == list_name)
    ).first()
    if row is None:
        return None
    return Issue(
        week=row.week,
        list_name=row.list,
        known_at=row.known_at,
        created_at=row.created_at,
        subject=row.subject,
        skipped=bool(row.skipped),
        message=bytes(row.message),
    )


def _delivery(conn: Connection, key: tuple[str, str, str]) -> Delivery:
    row = conn.execute(select(digest_deliveries).where(_is(key))).one()
    return _from_row(row)


def _from_row(row: Any) -> Delivery:
    return Delivery(
        week=row.week,
        list_name=row.list,
        recipient=row.recipient,
        status=row.status,
        attempts=row.attempts,
        last_error=row.last_error,
        next_attempt_at=row.next_attempt_at,
        claimed_at=row.claimed_at,
        message_id=row.message_id,
        sent_at=row.sent_at,
        known_at=row.known_at,
    )
