"""Following another timeline: its change feed's entries as candidates, field for field.

A feed whose document declares the `tl:` namespace (`publish.atom.NAMESPACE`) is
another timeline's `/changes.atom`.  Its entries are not read as news: no text
is extracted, the `tl:event` elements are read as they were written, and the
one rule of `model.facts` folds each fact's corrections and retractions into
the fact as it stands there.  Each fact becomes one item, whose guid is its
first event's entry id (`urn:uuid:ID`), so every later change of that fact
reaches the same candidate:

- the candidate proposes the fact exactly (kind, subject, jurisdictions,
  effective with its precision, payload and sources: `Candidate.federated_fact`),
  with confidence 1;
- a correction there updates a candidate still under review here, and a
  retraction there makes it `ignored`; both are recorded in its history;
- once accepted (or rejected) here, the candidate keeps what was decided: the
  change is recorded in its history, not applied, and an analyst corrects or
  retracts the event here (the follower's log is its own; nothing another
  timeline says changes it silently).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from typing import Any

from timeline.errors import InvalidEventError
from timeline.feeds.extract.item import ItemExtraction
from timeline.model.events import canonical_json
from timeline.model.facts import (
    RETRACTED,
    StandingFact,
    corrected_fact,
    describe,
    fact_title,
    standing_fact,
)
from timeline.model.feeds import FEDERATED_FACT
from timeline.model.kinds import META_KINDS
from timeline.publish.atom import NAMESPACE, FeedEvent

FOLLOW_OVERLAP = dt.timedelta(days=1)
"""Older pages are read back to this long before the last successful poll: room
for the two machines' clocks to disagree."""
MAX_PAGES = 200
"""At most this many pages a poll (first sync of a large timeline: 200 x 50 events)."""


def is_change_feed(parsed: Mapping[str, Any]) -> bool:
    """Whether feedparser's result is another timeline's change feed."""
    return NAMESPACE in (parsed.get("namespaces") or {}).values()


def _standing(fact_id: str, events: list[FeedEvent]) -> StandingFact[FeedEvent] | None:
    """The fact as it stands after the events of it this poll read (None: only a
    retraction was read, so what it said is not known here)."""
    original = next((e for e in events if e.id == fact_id), None)
    metas = [e for e in events if e.kind in META_KINDS]
    if original is not None:
        return standing_fact(original, metas)
    if not metas or metas[0].kind == RETRACTED:
        return None
    # Its first event is on an older page, read in an earlier poll: a correction
    # carries the whole fact, so the first one read stands in for it.
    first, *later = metas
    standing = StandingFact(first, corrected_fact(first.payload), corrected_by=[first])
    for meta in later:
        standing.apply(meta)
    return standing


def _text(fact: Mapping[str, Any]) -> str:
    """The fact in words: every field, so that any change of it shows (and is tracked)."""
    lines = [
        f"{describe(fact['kind'], fact['payload'])}.",
        f"{fact['kind']} of {fact['subject']} in {', '.join(fact['jurisdictions'])}, "
        f"effective {fact['effective']}.",
    ]
    for key, value in sorted(fact["payload"].items()):
        shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        lines.append(f"{key}: {shown}")
    for source in fact.get("sources", []):
        lines.append("source: " + " ".join(str(v) for v in source.values()))
    return "\n".join(lines)


def _item(fact_id: str, events: list[FeedEvent]) -> ItemExtraction:
    guid = f"urn:uuid:{fact_id}"
    published = events[0].recorded_at
    standing = _standing(fact_id, events)
    if standing is None or standing.retracted:
        reason = next((e.payload.get("reason") for e in events if e.kind == RETRACTED), "")
        return ItemExtraction(
            guid=guid,
            title=fact_title(standing.fact["kind"], standing.fact["payload"]) if standing else guid,
            summary=f"Retracted by the timeline followed: {reason}",
            link=None,
            published=published,
            is_event=False,
            kind=None,
            jurisdictions=(),
            effective=None,
            confidence=1.0,
            evidence={"kind": "tl:event retracted", "event": fact_id},
        )
    fact = standing.fact
    link = next((s["url"] for s in fact.get("sources", []) if s.get("url")), None)
    return ItemExtraction(
        guid=guid,
        title=fact_title(fact["kind"], fact["payload"]),
        summary=_text(fact),
        link=link,
        published=published,
        is_event=True,
        kind=fact["kind"],
        jurisdictions=tuple(sorted(fact["jurisdictions"])),
        effective=fact["effective"],
        confidence=1.0,
        evidence={"kind": "tl:event", "event": fact_id, FEDERATED_FACT: canonical_json(fact)},
    )


def change_items(events: Iterable[FeedEvent]) -> list[ItemExtraction]:
    """One item per fact the events (of one or more pages, any order) are about."""
    by_fact: dict[str, list[FeedEvent]] = {}
    # By id: an append between two page fetches shifts the pages, repeating an entry.
    unique = {event.id: event for event in events}
    for event in sorted(unique.values(), key=lambda e: e.seq):
        fact_id = event.payload["target"] if event.kind in META_KINDS else event.id
        by_fact.setdefault(fact_id, []).append(event)
    return [_checked_item(fact_id, found) for fact_id, found in by_fact.items()]


def _checked_item(fact_id: str, events: list[FeedEvent]) -> ItemExtraction:
    """`_item`, or a non-event saying why, when the fact is not one this timeline
    accepts (a kind it does not know, a field it refuses): the other facts of the
    feed are read as usual."""
    try:
        return _item(fact_id, events)
    except InvalidEventError as exc:
        return ItemExtraction(
            guid=f"urn:uuid:{fact_id}",
            title=f"{events[0].kind} of {events[0].subject}",
            summary=f"Not a fact this timeline accepts: {exc}",
            link=None,
            published=events[0].recorded_at,
            is_event=False,
            kind=None,
            jurisdictions=(),
            effective=None,
            confidence=1.0,
            evidence={"kind": "tl:event refused", "event": fact_id, "error": str(exc)},
        )
