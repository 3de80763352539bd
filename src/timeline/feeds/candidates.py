"""Candidate events from a poll: which items are new, changed, or duplicates.

Candidates live beside the log, not in it (`CandidateRepository`): they change
(a re-polled item with a new title updates its pending candidate, an analyst
edits one) until a review accepts one, which appends an ordinary event.  Every
item of a feed has exactly one candidate, including the items the extractor
judged not to be events (status `ignored`), so that no item is ever proposed
twice.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from timeline.feeds.extract.item import ItemExtraction
from timeline.model.feeds import REVIEWABLE, Candidate, CandidateStatus, iso_utc, precision_of
from timeline.store.base import CandidateBatch

DUPLICATE_WINDOW = dt.timedelta(days=60)
"""How far back an item is compared with earlier candidates of other feeds."""
TRACKED_FIELDS = ("title", "summary", "link", "kind", "jurisdictions", "effective", "is_event")
"""Fields whose change on a re-polled item is applied to its candidate and recorded."""


SameEvent = Callable[[ItemExtraction, ItemExtraction], bool]


def stored_item(candidate: Candidate) -> ItemExtraction:
    """The extraction as stored, to compare with a fresh one (`same_event`)."""
    return ItemExtraction(
        candidate.item_guid,
        candidate.title,
        candidate.summary,
        candidate.link,
        candidate.published,
        candidate.is_event,
        candidate.kind,
        candidate.jurisdictions,
        candidate.effective,
        candidate.confidence,
        candidate.evidence,
    )


def _utc(moment: dt.datetime | None) -> dt.datetime | None:
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)  # feedparser's parsed dates are UTC
    return moment


def _item_fields(item: ItemExtraction) -> dict[str, Any]:
    """The candidate's fields that come from the item's extraction."""
    return {
        "is_event": item.is_event,
        "kind": item.kind,
        "jurisdictions": tuple(sorted(item.jurisdictions)),
        "effective": item.effective,
        "effective_precision": precision_of(item.effective),
        "title": item.title,
        "summary": item.summary,
        "link": item.link,
        "published": _utc(item.published),
        "confidence": float(item.confidence),
        "evidence": dict(item.evidence),
    }


def _tracked(fields: dict[str, Any]) -> dict[str, Any]:
    """The tracked fields as the history records them (codes space-separated)."""
    return {k: " ".join(fields[k]) if k == "jurisdictions" else fields[k] for k in TRACKED_FIELDS}


MAX_GUID = 1000


def guid_key(guid: str) -> str:
    """The stored form of an item's guid: itself, or a hash when it is absurdly long."""
    if len(guid) <= MAX_GUID:
        return guid
    return "sha256:" + hashlib.sha256(guid.encode()).hexdigest()


@dataclass(slots=True)
class ItemsReport:
    new: list[Candidate] = field(default_factory=list)
    changed: int = 0
    unchanged: int = 0


def record_items(
    batch: CandidateBatch,
    items: Sequence[ItemExtraction],
    *,
    now: dt.datetime,
    same_event: SameEvent,
) -> ItemsReport:
    """Store a poll's items as candidates of the batch's feed, oldest first.

    A guid already stored is not new: if its tracked fields changed, a
    reviewable candidate takes the new values, and every candidate records the
    change in its history.  A new event item that `same_event` matches with an
    earlier candidate of the last `DUPLICATE_WINDOW` is stored as its duplicate.
    """
    report = ItemsReport()
    existing = batch.by_guid(list(dict.fromkeys(guid_key(item.guid) for item in items)))
    earlier = batch.recent_events(now - DUPLICATE_WINDOW)
    seen: set[str] = set()
    # Oldest first, so that within one poll the item that reported an event
    # first is the original and later ones its duplicates.
    ordered = sorted(items, key=lambda i: (i.published is None, _utc(i.published) or now))
    for index, item in enumerate(ordered):
        key = guid_key(item.guid)
        if key in seen:  # a feed listing one guid twice: the first one counts
            continue
        seen.add(key)
        stored = existing.get(key)
        if stored is None:
            # A microsecond apart per item: listing by first sight keeps the feed's order.
            seen_at = now + dt.timedelta(microseconds=index)
            original = _original(item, earlier, same_event)
            candidate = batch.add(_new_candidate(batch.feed, item, seen_at, original))
            report.new.append(candidate)
            if candidate.is_event:
                earlier.append(candidate)
        elif (changed := _with_changes(stored, item, now)) is not None:
            batch.update(stored, changed)
            report.changed += 1
        else:
            report.unchanged += 1
    return report


def _original(
    item: ItemExtraction, earlier: Sequence[Candidate], same_event: SameEvent
) -> Candidate | None:
    if not item.is_event:
        return None
    for candidate in earlier:
        if same_event(stored_item(candidate), item):
            return candidate
    return None


def _new_candidate(
    feed: str, item: ItemExtraction, now: dt.datetime, original: Candidate | None
) -> Candidate:
    status: CandidateStatus = (
        "duplicate" if original else ("pending" if item.is_event else "ignored")
    )
    return Candidate(
        id=str(uuid.uuid4()),
        feed=feed,
        item_guid=guid_key(item.guid),
        status=status,
        overrides={},
        reason=f"same event as candidate {original.id} ({original.feed})" if original else None,
        duplicate_of=original.id if original else None,
        event_id=None,
        first_seen_at=now,
        updated_at=now,
        history=[],
        **_item_fields(item),
    )


def _with_changes(stored: Candidate, item: ItemExtraction, now: dt.datetime) -> Candidate | None:
    """The stored candidate with a re-polled item's changes, or None if it brings none."""
    fields = _item_fields(item)
    before = _tracked({k: getattr(stored, k) for k in TRACKED_FIELDS})
    fresh = _tracked(fields)
    changes = {
        k: {"from": before[k], "to": fresh[k]} for k in TRACKED_FIELDS if before[k] != fresh[k]
    }
    if not changes:
        return None
    applied = stored.status in REVIEWABLE
    history = [
        *stored.history,
        {"at": iso_utc(now), "by": "feed", "changes": changes, "applied": applied},
    ]
    changed = replace(stored, history=history, updated_at=now)
    if not applied:
        return changed
    status = stored.status
    if status in ("pending", "ignored"):
        status = "pending" if item.is_event else "ignored"
    return replace(changed, status=status, **fields)
