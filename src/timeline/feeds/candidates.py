"""Candidate events: what the extractor proposed from feed items, awaiting review.

Candidates live in their own table, not in the log: they change (a re-polled
item with a new title updates its pending candidate, an analyst edits one)
until a review accepts one, which appends an ordinary event.  Every item of a
feed has exactly one row (unique feed + guid), including the items the
extractor judged not to be events (status `ignored`), so that no item is ever
proposed twice.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import unicodedata
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import Connection, and_, select

from timeline.errors import CandidateNotFoundError
from timeline.feeds.extract import ItemExtraction
from timeline.store.sql.schema import candidates

Status = Literal["pending", "accepted", "rejected", "duplicate", "ignored"]
STATUSES: tuple[Status, ...] = ("pending", "accepted", "rejected", "duplicate", "ignored")
REVIEWABLE: frozenset[str] = frozenset({"pending", "duplicate", "ignored"})
"""Statuses in which a candidate may still be edited, accepted or rejected."""

DUPLICATE_WINDOW = dt.timedelta(days=60)
"""How far back an item is compared with earlier candidates of other feeds."""
TRACKED_FIELDS = ("title", "summary", "link", "kind", "jurisdictions", "effective", "is_event")
"""Fields whose change on a re-polled item is applied to its candidate and recorded."""


SameEvent = Callable[[ItemExtraction, ItemExtraction], bool]


@dataclass(frozen=True, slots=True)
class Candidate:
    """One candidate row.  `proposed_*` apply the analyst's edits over the extraction."""

    id: str
    feed: str
    item_guid: str
    status: Status
    is_event: bool
    kind: str | None
    jurisdictions: tuple[str, ...]
    effective: str | None
    effective_precision: str | None
    title: str
    summary: str
    link: str | None
    published: dt.datetime | None
    confidence: float
    evidence: dict[str, str]
    overrides: dict[str, Any]
    reason: str | None
    duplicate_of: str | None
    event_id: str | None
    first_seen_at: dt.datetime
    updated_at: dt.datetime
    history: list[dict[str, Any]] = field(default_factory=list)

    @property
    def proposed_kind(self) -> str | None:
        return self.overrides.get("kind", self.kind)

    @property
    def proposed_jurisdictions(self) -> tuple[str, ...]:
        return tuple(self.overrides.get("jurisdictions", self.jurisdictions))

    @property
    def proposed_effective(self) -> str | None:
        return self.overrides.get("effective", self.effective)

    @property
    def proposed_title(self) -> str:
        return self.overrides.get("title", self.title)  # type: ignore[no-any-return]

    @property
    def proposed_subject(self) -> str:
        return self.overrides.get("subject") or derive_subject(
            self.proposed_jurisdictions, self.proposed_title, self.item_guid
        )

    @property
    def proposed_payload(self) -> dict[str, Any]:
        return dict(self.overrides.get("payload", {}))

    def as_item(self) -> ItemExtraction:
        """The extraction as stored, to compare with a fresh one (`same_event`)."""
        return ItemExtraction(
            self.item_guid,
            self.title,
            self.summary,
            self.link,
            self.published,
            self.is_event,
            self.kind,
            self.jurisdictions,
            self.effective,
            self.confidence,
            self.evidence,
        )

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form, as `timeline candidates show` prints it."""
        return {
            "id": self.id,
            "feed": self.feed,
            "item_guid": self.item_guid,
            "status": self.status,
            "reason": self.reason,
            "duplicate_of": self.duplicate_of,
            "event_id": self.event_id,
            "is_event": self.is_event,
            "kind": self.proposed_kind,
            "subject": self.proposed_subject,
            "jurisdictions": list(self.proposed_jurisdictions),
            "effective": self.proposed_effective,
            "effective_precision": precision_of(self.proposed_effective),
            "title": self.proposed_title,
            "summary": self.summary,
            "link": self.link,
            "published": _iso(self.published),
            "confidence": self.confidence,
            "evidence": self.evidence,
            "edits": self.overrides,
            "first_seen_at": _iso(self.first_seen_at),
            "updated_at": _iso(self.updated_at),
            "history": self.history,
        }


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def precision_of(effective: str | None) -> str | None:
    if effective is None:
        return None
    return {4: "year", 7: "month", 10: "day"}.get(len(effective))


_NOT_SLUG = re.compile(r"[^a-z0-9]+")
SUBJECT_WORDS = 8


def derive_subject(jurisdictions: Sequence[str], title: str, guid: str) -> str:
    """A subject slug from the first jurisdiction and the title's first words:
    `us-tx/texas-responsible-artificial-intelligence-governance-act`.  A title
    with no Latin letters (Japanese, say) falls back to a stable hash of the guid."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    words = [w for w in _NOT_SLUG.split(ascii_title.lower()) if w][:SUBJECT_WORDS]
    place = jurisdictions[0].lower() if jurisdictions else "world"
    name = (
        "-".join(words)
        if len(words) >= 2
        else f"item-{uuid.uuid5(uuid.NAMESPACE_URL, guid).hex[:12]}"
    )
    return f"{place}/{name}"


# -- rows ----------------------------------------------------------------------


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


def _utc(moment: dt.datetime | None) -> dt.datetime | None:
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)  # feedparser's parsed dates are UTC
    return moment


def _item_values(item: ItemExtraction) -> dict[str, Any]:
    published = _utc(item.published)
    return {
        "is_event": item.is_event,
        "kind": item.kind,
        "jurisdictions": " ".join(sorted(item.jurisdictions)),
        "effective": item.effective,
        "effective_precision": precision_of(item.effective),
        "title": item.title,
        "summary": item.summary,
        "link": item.link,
        "published": published,
        "confidence": float(item.confidence),
        "evidence": json.dumps(item.evidence, ensure_ascii=False, sort_keys=True),
    }


MAX_GUID = 1000


def guid_key(guid: str) -> str:
    """The stored form of an item's guid: itself, or a hash when it is absurdly long."""
    if len(guid) <= MAX_GUID:
        return guid
    return "sha256:" + hashlib.sha256(guid.encode()).hexdigest()


def get_candidate(conn: Connection, ref: str) -> Candidate:
    """One candidate by id, or by a unique id prefix of at least 4 characters."""
    ref = ref.strip().lower()
    row = conn.execute(select(candidates).where(candidates.c.id == ref)).first()
    if row is not None:
        return _from_row(row)
    if len(ref) >= 4:
        rows = conn.execute(
            select(candidates).where(candidates.c.id.startswith(ref, autoescape=True)).limit(2)
        ).all()
        if len(rows) == 1:
            return _from_row(rows[0])
        if len(rows) > 1:
            raise CandidateNotFoundError(f"candidate id prefix {ref!r} is ambiguous; give more")
    raise CandidateNotFoundError(f"no candidate {ref!r}")


def list_candidates(
    conn: Connection,
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
    return [_from_row(row) for row in conn.execute(query)]


def update_candidate(conn: Connection, candidate_id: str, **values: Any) -> None:
    if "history" in values:
        values["history"] = json.dumps(values["history"], ensure_ascii=False)
    if "overrides" in values:
        values["overrides"] = json.dumps(values["overrides"], ensure_ascii=False, sort_keys=True)
    conn.execute(candidates.update().where(candidates.c.id == candidate_id).values(values))


# -- from a poll -----------------------------------------------------------------


@dataclass(slots=True)
class ItemsReport:
    new: list[Candidate] = field(default_factory=list)
    changed: int = 0
    unchanged: int = 0


def record_items(
    conn: Connection,
    feed: str,
    items: Sequence[ItemExtraction],
    *,
    now: dt.datetime,
    same_event: SameEvent,
) -> ItemsReport:
    """Store a poll's items as candidates, in the caller's transaction, oldest first.

    A guid already stored is not new: if its tracked fields changed, a
    reviewable candidate takes the new values, and every candidate records the
    change in its history.  A new event item that `same_event` matches with an
    earlier candidate of the last `DUPLICATE_WINDOW` is stored as its duplicate.
    """
    report = ItemsReport()
    guids = list(dict.fromkeys(guid_key(item.guid) for item in items))
    existing = {
        c.item_guid: c
        for c in (
            _from_row(row)
            for row in conn.execute(
                select(candidates).where(
                    and_(candidates.c.feed == feed, candidates.c.item_guid.in_(guids))
                )
            )
        )
    }
    earlier = _recent_events(conn, now - DUPLICATE_WINDOW)
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
            candidate = _insert(conn, feed, item, seen_at, _original(item, earlier, same_event))
            report.new.append(candidate)
            if candidate.is_event:
                earlier.append(candidate)
        elif _apply_changes(conn, stored, item, now):
            report.changed += 1
        else:
            report.unchanged += 1
    return report


def _recent_events(conn: Connection, since: dt.datetime) -> list[Candidate]:
    rows = conn.execute(
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


def _original(
    item: ItemExtraction, earlier: Sequence[Candidate], same_event: SameEvent
) -> Candidate | None:
    if not item.is_event:
        return None
    for candidate in earlier:
        if same_event(candidate.as_item(), item):
            return candidate
    return None


def _insert(
    conn: Connection,
    feed: str,
    item: ItemExtraction,
    now: dt.datetime,
    original: Candidate | None,
) -> Candidate:
    status: Status = "duplicate" if original else ("pending" if item.is_event else "ignored")
    values = _item_values(item) | {
        "id": str(uuid.uuid4()),
        "feed": feed,
        "item_guid": guid_key(item.guid),
        "status": status,
        "overrides": "{}",
        "reason": f"same event as candidate {original.id} ({original.feed})" if original else None,
        "duplicate_of": original.id if original else None,
        "event_id": None,
        "first_seen_at": now,
        "updated_at": now,
        "history": "[]",
    }
    conn.execute(candidates.insert().values(values))
    return _from_row(conn.execute(select(candidates).where(candidates.c.id == values["id"])).one())


def _apply_changes(
    conn: Connection, stored: Candidate, item: ItemExtraction, now: dt.datetime
) -> bool:
    fresh = _item_values(item)
    before = {
        "title": stored.title,
        "summary": stored.summary,
        "link": stored.link,
        "kind": stored.kind,
        "jurisdictions": " ".join(stored.jurisdictions),
        "effective": stored.effective,
        "is_event": stored.is_event,
    }
    changes = {
        k: {"from": before[k], "to": fresh[k]} for k in TRACKED_FIELDS if before[k] != fresh[k]
    }
    if not changes:
        return False
    applied = stored.status in REVIEWABLE
    history = [
        *stored.history,
        {"at": _iso(now), "by": "feed", "changes": changes, "applied": applied},
    ]
    values: dict[str, Any] = {"history": history, "updated_at": now}
    if applied:
        values |= fresh
        if stored.status in ("pending", "ignored"):
            values["status"] = "pending" if fresh["is_event"] else "ignored"
    update_candidate(conn, stored.id, **values)
    return True
