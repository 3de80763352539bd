"""Which alerts the log owes each follow: one per event that records, corrects or
retracts a fact the follow selects, and reminders before such a fact takes effect.

What a follow selects is `FollowSettings.selection()` (`model.selection`, the
rule the calendar shares); which version of a fact stands is
`model.facts.standing_fact`; how a date moved is `model.dates.date_move` (the
digest's words).  Alert ids are derived from the follow and what the alert is
about, so finding the same alert twice keeps one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from timeline.answers import FactEntry
from timeline.model.dates import PartialDate, date_move, utc_text
from timeline.model.facts import (
    RETRACTED,
    corrected_fact,
    fact_dict,
    fact_title,
    standing_fact,
)
from timeline.model.kinds import META_KINDS
from timeline.model.selection import Selection
from timeline.settings import FollowSettings
from timeline.store.base import (
    AlertDeliveryKey,
    AlertRecord,
    EventFilter,
    EventStore,
    RecordedEvent,
)

Upcoming = Callable[[dt.date, int], list[FactEntry]]
"""What takes effect after a day and within so many days of it (`Timeline.upcoming`)."""


@dataclass(slots=True)
class Found:
    """What one look at the log found: the alerts, their deliveries, the new cursors."""

    alerts: list[AlertRecord]
    deliveries: list[AlertDeliveryKey]
    cursors: dict[str, int]


def webhook_id(alert_id: str) -> str:
    """The alert's `webhook-id`: the same on every attempt, with no `.` (the spec)."""
    return "msg_" + hashlib.sha256(alert_id.encode()).hexdigest()[:32]


def endpoints(follow: FollowSettings) -> list[tuple[str, str]]:
    """(channel, endpoint) of each place the follow's alerts go."""
    found = [("email", address) for address in dict.fromkeys(follow.to)]
    if follow.webhook:
        found.append(("webhook", follow.webhook))
    return found


def find_alerts(
    store: EventStore,
    follows: Sequence[FollowSettings],
    cursors: Mapping[str, int],
    *,
    limit: int = 1000,
) -> Found:
    """The alerts of up to `limit` events after the follows' cursors."""
    found = Found([], [], {})
    if not follows:
        return found
    selections = {f.name: f.selection() for f in follows if f.enabled}
    start = min(cursors[f.name] for f in follows)
    last = start
    for event in store.read(EventFilter(after_seq=start, limit=limit)):
        last = event.seq
        change = _change(store, event)
        if change is None:
            continue
        for follow in follows:
            selection = selections.get(follow.name)
            if selection is None or event.seq <= cursors[follow.name]:
                continue
            if change.selected_by(selection):
                _add(found, follow, _alert(follow.name, event, change))
    found.cursors = {f.name: max(cursors[f.name], last) for f in follows}
    return found


def find_reminders(
    store: EventStore,
    follows: Sequence[FollowSettings],
    *,
    now: dt.datetime,
    remind_days: Sequence[int],
    upcoming: Upcoming,
) -> Found:
    """The reminders due on `now`'s day (UTC): `d` days before a followed fact's
    interval starts, for the nearest `d` of `remind_days` not yet passed (a fact
    recorded 5 days ahead gets the 7-day reminder only).  A date that moves gets
    reminders for its new date."""
    found = Found([], [], {})
    selections = {f.name: f.selection() for f in follows if f.enabled}
    if not remind_days or not selections:
        return found
    today = now.astimezone(dt.UTC).date()
    entries = upcoming(today, max(remind_days))
    for follow in follows:
        selection = selections.get(follow.name)
        if selection is None:
            continue
        for entry in entries:
            if not selection.matches(entry["kind"], entry["subject"], entry["jurisdictions"]):
                continue
            days_left = (PartialDate.parse(entry["effective"]).start - today).days
            due = [d for d in remind_days if days_left <= d]
            if due:
                alert = _reminder(store, follow.name, entry, min(due), days_left, now)
                _add(found, follow, alert)
    return found


def _add(found: Found, follow: FollowSettings, alert: AlertRecord) -> None:
    found.alerts.append(alert)
    found.deliveries += [(alert.id, channel, url) for channel, url in endpoints(follow)]


@dataclass(frozen=True, slots=True)
class _Change:
    """What one event did to a fact, worked out once for every follow."""

    type: str
    fact_id: str
    fact: Mapping[str, Any]
    previous: Mapping[str, Any] | None = None
    reason: str | None = None

    def selected_by(self, selection: Selection) -> bool:
        """A follow that selected the fact before the event, or selects it after."""
        return _selects(selection, self.fact) or (
            self.previous is not None and _selects(selection, self.previous)
        )


def _change(store: EventStore, event: RecordedEvent) -> _Change | None:
    if event.kind not in META_KINDS:
        return _Change("fact.recorded", event.id, fact_dict(event.to_event()))
    target = store.get(event.payload["target"])
    metas = list(store.read(EventFilter(subject=target.subject, kinds=frozenset(META_KINDS))))
    before = standing_fact(target, metas, before_seq=event.seq)
    if before.retracted:  # a retraction is final: nothing after it changes the fact
        return None
    old = before.fact
    reason = str(event.payload.get("reason", ""))
    if event.kind == RETRACTED:
        return _Change("fact.retracted", target.id, old, reason=reason)
    new = corrected_fact(event.payload)
    move = date_move(PartialDate.parse(old["effective"]), PartialDate.parse(new["effective"]))
    kind = "fact." + (move.replace(" ", "_") if move else "corrected")
    return _Change(kind, target.id, new, previous=old, reason=reason)


def _selects(selection: Selection, fact: Mapping[str, Any]) -> bool:
    return selection.matches(fact["kind"], fact["subject"], fact["jurisdictions"])


def _alert(follow: str, event: RecordedEvent, change: _Change) -> AlertRecord:
    alert_id = f"{follow}:{event.id}"
    data: dict[str, Any] = {
        "follow": follow,
        "alert": alert_id,
        "event": event.id,
        "fact": _fact_body(change.fact_id, change.fact),
    }
    if change.previous is not None:
        data["previous"] = _fact_body(change.fact_id, change.previous)
    if change.reason is not None:
        data["reason"] = change.reason
    return _record(alert_id, follow, change.type, change.fact_id, event.recorded_at, data)


def _fact_body(fact_id: str, fact: Mapping[str, Any]) -> dict[str, Any]:
    effective = PartialDate.parse(fact["effective"])
    return {
        "id": fact_id,
        "kind": fact["kind"],
        "subject": fact["subject"],
        "title": fact_title(fact["kind"], fact["payload"]),
        "jurisdictions": list(fact["jurisdictions"]),
        "effective": str(effective),
        "effective_precision": effective.precision.value,
        "sources": list(fact.get("sources", [])),
        "payload": fact["payload"],
    }


def _record(
    alert_id: str,
    follow: str,
    kind: str,
    fact_id: str,
    when: dt.datetime,
    data: Mapping[str, Any],
) -> AlertRecord:
    body = {"type": kind, "timestamp": utc_text(when), "data": data}
    return AlertRecord(
        id=alert_id,
        webhook_id=webhook_id(alert_id),
        follow=follow,
        type=kind,
        fact_id=fact_id,
        created_at=when,
        # Compact and key-sorted: the bytes signed are the bytes sent, on every retry.
        body=json.dumps(body, ensure_ascii=False, separators=(",", ":"), sort_keys=True),
    )


# -- reminders ---------------------------------------------------------------------


def _reminder(
    store: EventStore,
    follow: str,
    entry: FactEntry,
    days: int,
    days_left: int,
    now: dt.datetime,
) -> AlertRecord:
    fact_id = entry["events"][0]
    latest = store.get(entry["events"][-1])
    fact = corrected_fact(latest.payload) if latest.kind in META_KINDS else latest.as_dict()
    alert_id = f"{follow}:remind:{fact_id}:{entry['effective']}:{days}"
    data = {
        "follow": follow,
        "alert": alert_id,
        "event": latest.id,
        "fact": _fact_body(fact_id, fact),
        "days": days,
        "days_left": days_left,
    }
    return _record(alert_id, follow, "fact.reminder", fact_id, now, data)
