"""What feed watching keeps beside the log: candidate events and each feed's health.

Records of working state, not facts: candidates change (a re-polled item, an
analyst's edit) until a review accepts one, which appends an ordinary event;
a health row is rewritten by every poll.  They live here, below both the feeds
code that decides what they hold and the store that keeps them.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from timeline.model.dates import utc_text

CandidateStatus = Literal["pending", "accepted", "rejected", "duplicate", "ignored"]
STATUSES: tuple[CandidateStatus, ...] = ("pending", "accepted", "rejected", "duplicate", "ignored")
FEDERATED_FACT = "fact"
"""The evidence key of a candidate read from another timeline's change feed: the
fact as canonical JSON (see `timeline.feeds.federation`)."""
REVIEWABLE: frozenset[str] = frozenset({"pending", "duplicate", "ignored"})
"""Statuses in which a candidate may still be edited, accepted or rejected."""


@dataclass(frozen=True, slots=True)
class Candidate:
    """One candidate: what the extractor proposed from one feed item, and what
    review made of it.  `proposed_*` apply the analyst's edits over the extraction."""

    id: str
    feed: str
    item_guid: str
    status: CandidateStatus
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
    def federated_fact(self) -> dict[str, Any] | None:
        """The fact as the timeline it was followed from says it (kind, subject,
        jurisdictions, effective, payload, sources), or None for a news item."""
        text = self.evidence.get(FEDERATED_FACT)
        return json.loads(text) if text else None

    @property
    def proposed_subject(self) -> str:
        """The analyst's subject; a federated fact's own; the subject of the log the
        extractor linked this candidate to (evidence "subject_link"); else one derived
        from the name of its instrument or body (evidence "subject"), or its title."""
        if subject := self.overrides.get("subject"):
            return str(subject)
        if federated := self.federated_fact:
            return str(federated["subject"])
        if linked := self.evidence.get("subject_link"):
            return str(linked)
        named = self.evidence.get("subject") if "title" not in self.overrides else None
        return derive_subject(
            self.proposed_jurisdictions, named or self.proposed_title, self.item_guid
        )

    @property
    def proposed_payload(self) -> dict[str, Any]:
        return dict(self.overrides.get("payload", {}))

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
            "published": iso_utc(self.published),
            "confidence": self.confidence,
            "evidence": self.evidence,
            "edits": self.overrides,
            "first_seen_at": iso_utc(self.first_seen_at),
            "updated_at": iso_utc(self.updated_at),
            "history": self.history,
        }


def iso_utc(moment: dt.datetime | None) -> str | None:
    """A UTC moment as candidates show and record it: ISO 8601 with "Z"."""
    return utc_text(moment) if moment else None


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


@dataclass(frozen=True, slots=True)
class FeedHealth:
    """Per-feed health: what the last poll gave, and when the feed is due again."""

    feed: str
    url: str
    last_attempt_at: dt.datetime | None = None
    last_success_at: dt.datetime | None = None
    last_error: str | None = None
    last_status: int | None = None
    consecutive_failures: int = 0
    next_due_at: dt.datetime | None = None
    etag: str | None = None
    last_modified: str | None = None
    bozo_warning: str | None = None
    items_last_poll: int = 0

    @property
    def healthy(self) -> bool:
        return self.consecutive_failures == 0 and self.last_success_at is not None

    @property
    def state(self) -> str:
        """`healthy`, `failing` (its last poll failed) or `unknown` (neither yet)."""
        return "healthy" if self.healthy else ("failing" if self.last_error else "unknown")

    def as_dict(self) -> dict[str, Any]:
        """The row as `feeds status --format json` and `/api/feeds` show it."""
        row: dict[str, Any] = {"state": self.state}
        for name in HEALTH_SHOWN:
            value = getattr(self, name)
            row[name] = utc_text(value, "seconds") if isinstance(value, dt.datetime) else value
        return row

    def is_due(self, now: dt.datetime) -> bool:
        return self.next_due_at is None or self.next_due_at <= now

    def validators_for(self, url: str) -> tuple[str | None, str | None]:
        """ETag and Last-Modified to send, if they were given for this very URL."""
        if url != self.url:
            return None, None
        return self.etag, self.last_modified

    def succeeded(
        self,
        *,
        now: dt.datetime,
        status: int,
        next_due_at: dt.datetime,
        etag: str | None,
        last_modified: str | None,
        warning: str | None,
        items: int,
    ) -> FeedHealth:
        return replace(
            self,
            last_attempt_at=now,
            last_success_at=now,
            last_error=None,
            last_status=status,
            consecutive_failures=0,
            next_due_at=next_due_at,
            etag=etag,
            last_modified=last_modified,
            bozo_warning=warning,
            items_last_poll=items,
        )

    def failed(
        self, *, now: dt.datetime, status: int | None, error: str, next_due_at: dt.datetime
    ) -> FeedHealth:
        # Validators are kept: the next good response can still be a 304.
        return replace(
            self,
            last_attempt_at=now,
            last_error=error,
            last_status=status,
            consecutive_failures=self.consecutive_failures + 1,
            next_due_at=next_due_at,
        )


# What a health row shows, in the order tables and JSON list it.
# The fields of a health row that `as_dict` shows, after `state`.
HEALTH_SHOWN = (
    "url",
    "last_status",
    "consecutive_failures",
    "last_attempt_at",
    "last_success_at",
    "next_due_at",
    "last_error",
    "bozo_warning",
    "etag",
    "last_modified",
    "items_last_poll",
)
