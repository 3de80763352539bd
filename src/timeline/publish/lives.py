"""The life of each fact a selection covers: its first event, what named it since,
and where that left it.

One pass over the log groups each fact with the corrections and retractions
naming it; `model.facts.StandingFact.apply` (the one rule) then walks them in log
order, counting the moves a calendar client must see: a date that moved, and a
retraction.  A fact belongs to a selection when any of its versions matches it:
a fact corrected out of the selection (another jurisdiction, another kind) stays
in its calendar as cancelled and in its change feed with the correction, so
that a subscriber hears it left rather than losing sight of it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from timeline.model.facts import StandingFact, standing_fact
from timeline.model.kinds import META_KINDS
from timeline.model.selection import Selection
from timeline.store.base import RecordedEvent


def _matches(selection: Selection, fact: Mapping[str, Any]) -> bool:
    return selection.matches(fact["kind"], fact["subject"], fact["jurisdictions"])


@dataclass(slots=True)
class FactLife:
    """One fact: its first event, the meta events that changed it, where it stands."""

    original: RecordedEvent
    changes: list[RecordedEvent]
    """The corrections and retractions that applied, in log order."""
    standing: StandingFact[RecordedEvent]
    sequence: int
    """How many times it moved for a calendar: date changes, and its retraction."""
    last_modified: dt.datetime
    """When the log last changed what it says (its first recording, or a change)."""
    selected: bool
    """Whether the fact as it stands is in the selection (False: it was, once)."""

    @property
    def cancelled(self) -> bool:
        return self.standing.retracted or not self.selected

    @property
    def events(self) -> list[RecordedEvent]:
        return [self.original, *self.changes]


def _life(
    original: RecordedEvent, metas: Iterable[RecordedEvent], selection: Selection
) -> FactLife | None:
    standing = standing_fact(original, ())
    ever_selected = _matches(selection, standing.fact)
    changes: list[RecordedEvent] = []
    sequence, last_modified = 0, original.recorded_at
    for meta in metas:
        effective = standing.fact["effective"]
        if not standing.apply(meta):
            continue  # recorded after its retraction: changes nothing
        changes.append(meta)
        last_modified = meta.recorded_at
        if standing.retracted or standing.fact["effective"] != effective:
            sequence += 1
        ever_selected = ever_selected or _matches(selection, standing.fact)
    if not ever_selected:
        return None
    selected = _matches(selection, standing.fact)
    if not selected and not standing.retracted:
        sequence += 1  # leaving the selection cancels its calendar entry: a move too
    return FactLife(original, changes, standing, sequence, last_modified, selected)


def fact_lives(events: Iterable[RecordedEvent], selection: Selection) -> list[FactLife]:
    """Every fact of `events` (the log in order) that `selection` covers, in log order
    of their first events."""
    originals: dict[str, RecordedEvent] = {}
    metas: dict[str, list[RecordedEvent]] = {}
    for event in events:
        if event.kind in META_KINDS:
            metas.setdefault(event.payload["target"], []).append(event)
        else:
            originals[event.id] = event
    lives = []
    for event_id, event in originals.items():
        changes = metas.get(event_id, ())
        # A fact never changed is selected or not by its event alone: the checks
        # below (validating the fact) are spent on the facts in the selection.
        if not changes and not selection.matches(event.kind, event.subject, event.jurisdictions):
            continue
        if (life := _life(event, changes, selection)) is not None:
            lives.append(life)
    return lives
