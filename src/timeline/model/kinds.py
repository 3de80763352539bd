"""The kinds of events, as plain data: what the projections, the index and the
store need to know of the event model without building its pydantic union
(170 ms at start-up; docs/design.md, "Start-up").

`timeline.model.events` imports these and checks at import time that its
union declares exactly these kinds, in this order: one list, held to the models.
"""

from __future__ import annotations

KINDS: tuple[str, ...] = (
    "instrument.proposed",
    "instrument.adopted",
    "instrument.in_force",
    "instrument.amended",
    "instrument.repealed",
    "body.established",
    "agreement.signed",
    "meeting.held",
    "membership.joined",
    "office.opened",
    "investment.announced",
    "metric.reported",
    "event.corrected",
    "event.retracted",
)
"""Every kind an event may have, in the order of the event union."""

META_KINDS = frozenset({"event.corrected", "event.retracted"})
"""The kinds that speak of other events (corrections, retractions), not of the world."""

SCHEMA_VERSION: dict[str, int] = dict.fromkeys(KINDS, 1) | {"instrument.in_force": 2}
"""Current payload schema version of each kind; see `timeline.model.upcasting`."""
