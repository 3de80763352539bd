"""The alert ledger on SQL: `follow_cursors`, `alerts` and `alert_deliveries`.

Every write runs under one named lock (`write_transaction`): a PostgreSQL
advisory lock or SQLite's write lock, the same on both backends.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import fields, replace
from typing import Any

from sqlalchemy import and_, bindparam, func, or_, select
from sqlalchemy.sql.elements import ColumnElement

from timeline.store.base import (
    AlertChannel,
    AlertDelivery,
    AlertDeliveryKey,
    AlertLedger,
    AlertRecord,
    FollowHealth,
)
from timeline.store.sql.schema import alert_deliveries, alerts, events, follow_cursors
from timeline.store.sql.transactions import Transactions

_LOCK = "alert-ledger"


class SqlAlertLedger(AlertLedger):
    def __init__(self, store: Transactions) -> None:
        self.store = store

    def cursors(self, follows: Sequence[str]) -> dict[str, int]:
        c = follow_cursors.c
        with self.store.read_connection() as conn:
            have = {r.follow: r.position for r in conn.execute(select(c.follow, c.position))}
        missing = [name for name in follows if name not in have]
        if missing:
            with self.store.write_transaction(_LOCK) as conn:
                have = {r.follow: r.position for r in conn.execute(select(c.follow, c.position))}
                head = conn.scalar(select(func.coalesce(func.max(events.c.seq), 0)))
                rows = [
                    {"follow": name, "position": head, "created_at": self.store.clock()}
                    for name in dict.fromkeys(missing)
                    if name not in have
                ]
                if rows:
                    conn.execute(follow_cursors.insert(), rows)
                    have |= {row["follow"]: head for row in rows}
        return {name: int(have[name]) for name in follows}

    def record(
        self,
        alerts_in: Sequence[AlertRecord],
        deliveries: Sequence[AlertDeliveryKey],
        cursors: Mapping[str, int],
    ) -> int:
        now = self.store.clock()
        a, c = alerts.c, follow_cursors.c
        with self.store.write_transaction(_LOCK) as conn:
            ids = [alert.id for alert in alerts_in]
            kept = _existing(conn, a.id, ids)
            unique = {alert.id: alert for alert in alerts_in}
            fresh = [alert for alert in unique.values() if alert.id not in kept]
            if fresh:
                conn.execute(alerts.insert(), [_alert_row(alert) for alert in fresh])
            # An alert's endpoints are those of its follow when it was first kept.
            follow_of = {alert.id: alert.follow for alert in fresh}
            rows = [
                {
                    "alert_id": alert_id,
                    "channel": channel,
                    "endpoint": endpoint,
                    "follow": follow_of[alert_id],
                    "status": "pending",
                    "attempts": 0,
                    "created_at": now,
                    "next_attempt_at": now,
                }
                for alert_id, channel, endpoint in dict.fromkeys(deliveries)
                if alert_id in follow_of
            ]
            if rows:
                conn.execute(alert_deliveries.insert(), rows)
            for follow, position in cursors.items():
                conn.execute(
                    follow_cursors.update()
                    .where(c.follow == follow, c.position < position)
                    .values(position=position)
                )
            return len(fresh)

    def claim(
        self,
        channel: AlertChannel,
        *,
        sending_timeout: dt.timedelta,
        limit: int = 500,
        to: tuple[str, str] | None = None,
    ) -> list[tuple[AlertDelivery, AlertRecord]]:
        now = self.store.clock()
        d = alert_deliveries.c
        which = [d.channel == channel, _ready(now, sending_timeout)]
        if to is not None:
            which += [d.follow == to[0], d.endpoint == to[1]]
        with self.store.write_transaction(_LOCK) as conn:
            a = alerts.c
            rows = conn.execute(
                select(
                    alert_deliveries,
                    a.id,
                    a.webhook_id,
                    a.type,
                    a.fact_id,
                    a.created_at.label("alert_created_at"),
                    a.body,
                )
                .join(alerts, alerts.c.id == d.alert_id)
                .where(*which)
                .order_by(d.created_at, d.alert_id, d.endpoint)
                .limit(limit)
            ).all()
            if not rows:
                return []
            conn.execute(
                alert_deliveries.update()
                .where(
                    d.alert_id == bindparam("k_alert"),
                    d.channel == bindparam("k_channel"),
                    d.endpoint == bindparam("k_endpoint"),
                )
                .values(status="sending", claimed_at=now, attempts=d.attempts + 1),
                [
                    {"k_alert": r.alert_id, "k_channel": r.channel, "k_endpoint": r.endpoint}
                    for r in rows
                ],
            )
        claimed = []
        for row in rows:
            data = row._mapping
            delivery = _delivery(data)
            claimed.append(
                (
                    replace(
                        delivery, status="sending", claimed_at=now, attempts=delivery.attempts + 1
                    ),
                    _alert(dict(data) | {"created_at": data["alert_created_at"]}),
                )
            )
        return claimed

    def due_endpoints(
        self, channel: AlertChannel, *, sending_timeout: dt.timedelta
    ) -> list[tuple[str, str]]:
        d = alert_deliveries.c
        with self.store.read_connection() as conn:
            rows = conn.execute(
                select(d.follow, d.endpoint)
                .where(d.channel == channel, _ready(self.store.clock(), sending_timeout))
                .group_by(d.follow, d.endpoint)
                .order_by(d.follow, d.endpoint)
            ).all()
        return [(row.follow, row.endpoint) for row in rows]

    def mark_sent(self, keys: Sequence[AlertDeliveryKey]) -> None:
        self._mark(keys, status="sent", sent_at=self.store.clock(), next_attempt_at=None)

    def mark_failed(
        self, keys: Sequence[AlertDeliveryKey], error: str, retry_at: dt.datetime | None
    ) -> None:
        self._mark(
            keys,
            status="failed" if retry_at is not None else "refused",
            last_error=error,
            next_attempt_at=retry_at,
        )

    def _mark(self, keys: Sequence[AlertDeliveryKey], **values: Any) -> None:
        if not keys:
            return
        d = alert_deliveries.c
        with self.store.write_transaction(_LOCK) as conn:
            conn.execute(
                alert_deliveries.update()
                .where(
                    d.alert_id == bindparam("k_alert"),
                    d.channel == bindparam("k_channel"),
                    d.endpoint == bindparam("k_endpoint"),
                )
                .values(**values),
                [{"k_alert": a, "k_channel": c, "k_endpoint": e} for a, c, e in keys],
            )

    def alerts(self, follow: str | None = None) -> list[AlertRecord]:
        a = alerts.c
        query = select(alerts).order_by(a.created_at, a.id)
        if follow is not None:
            query = query.where(a.follow == follow)
        with self.store.read_connection() as conn:
            return [_alert(row._mapping) for row in conn.execute(query)]

    def deliveries(self, follow: str | None = None) -> list[AlertDelivery]:
        d = alert_deliveries.c
        query = select(alert_deliveries).order_by(d.created_at, d.alert_id, d.endpoint)
        if follow is not None:
            query = query.where(d.follow == follow)
        with self.store.read_connection() as conn:
            return [_delivery(row._mapping) for row in conn.execute(query)]

    def health(self) -> dict[str, FollowHealth]:
        a, d = alerts.c, alert_deliveries.c
        with self.store.read_connection() as conn:
            made = conn.execute(
                select(a.follow, func.count(), func.max(a.created_at)).group_by(a.follow)
            ).all()
            by_status = conn.execute(
                select(
                    d.follow,
                    d.status,
                    func.count(),
                    func.max(d.sent_at),
                    func.min(d.next_attempt_at),
                ).group_by(d.follow, d.status)
            ).all()
            errors = conn.execute(
                select(d.follow, d.last_error)
                .where(d.status.in_(["failed", "refused"]))
                .order_by(d.claimed_at.desc())
            ).all()
        health: dict[str, dict[str, Any]] = {}
        for follow, count, last in made:
            health[follow] = {
                "follow": follow,
                "alerts": count,
                "last_alert_at": last,
                "last_sent_at": None,
                "waiting": 0,
                "failing": 0,
                "refused": 0,
                "next_retry_at": None,
                "last_error": None,
            }
        for follow, status, count, sent, retry in by_status:
            row = health[follow]
            if status == "sent":
                row["last_sent_at"] = sent
            elif status == "refused":
                row["refused"] += count
            else:
                row["waiting"] += count
                if status == "failed":
                    row["failing"] += count
                    row["next_retry_at"] = retry
        for follow, error in errors:
            if health[follow]["last_error"] is None:
                health[follow]["last_error"] = error
        return {name: FollowHealth(**row) for name, row in sorted(health.items())}


def _ready(now: dt.datetime, sending_timeout: dt.timedelta) -> ColumnElement[bool]:
    """Rows a sender may take now: pending, or failed and due again, or claimed by a
    sender that never reported back within the sending timeout."""
    d = alert_deliveries.c
    waiting = and_(
        d.status.in_(["pending", "failed"]),
        or_(d.next_attempt_at.is_(None), d.next_attempt_at <= now),
    )
    abandoned = and_(d.status == "sending", d.claimed_at < now - sending_timeout)
    return or_(waiting, abandoned)


def _existing(conn: Any, column: Any, values: Sequence[str]) -> set[str]:
    if not values:
        return set()
    return set(conn.scalars(select(column).where(column.in_(set(values)))))


def _alert_row(alert: AlertRecord) -> dict[str, Any]:
    return {f.name: getattr(alert, f.name) for f in fields(alert)}


def _alert(data: Any) -> AlertRecord:  # a row's mapping, or a dict of it
    return AlertRecord(
        id=data["id"],
        webhook_id=data["webhook_id"],
        follow=data["follow"],
        type=data["type"],
        fact_id=data["fact_id"],
        created_at=data["created_at"],
        body=data["body"],
    )


def _delivery(data: Any) -> AlertDelivery:  # a row's mapping
    return AlertDelivery(
        alert_id=data["alert_id"],
        channel=data["channel"],
        endpoint=data["endpoint"],
        follow=data["follow"],
        status=data["status"],
        attempts=data["attempts"],
        last_error=data["last_error"],
        next_attempt_at=data["next_attempt_at"],
        claimed_at=data["claimed_at"],
        sent_at=data["sent_at"],
        created_at=data["created_at"],
    )
