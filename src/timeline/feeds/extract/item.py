"""What extraction proposes for one feed item: the shape the poller stores as a candidate."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class ItemExtraction:
    """What one feed item proposes: an event (kind, places, date) or a non-event."""

    guid: str
    title: str
    summary: str
    link: str | None
    published: dt.datetime | None
    is_event: bool
    kind: str | None
    jurisdictions: tuple[str, ...]
    effective: str | None
    confidence: float
    evidence: dict[str, str] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "guid": self.guid,
            "title": self.title,
            "is_event": self.is_event,
            "kind": self.kind,
            "jurisdictions": list(self.jurisdictions),
            "effective": self.effective,
            "confidence": self.confidence,
            "evidence": dict(self.evidence),
            "summary": self.summary,
            "link": self.link,
            "published": self.published.isoformat() if self.published else None,
        }
