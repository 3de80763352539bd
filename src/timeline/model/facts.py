"""Facts: what an event says, which version of it stands, and how to name it.

A fact is what a non-meta event says (kind, subject, jurisdictions,
effective, sources, payload).  The log never changes it in place: an
`event.corrected` names it and carries the whole corrected fact, an
`event.retracted` names it and withdraws it.  This module holds the one rule
every reader applies (the importer, `Timeline.correct`, the digest, the
projections' fact index):

- a correction replaces the whole fact with the one it carries;
- a retraction withdraws the fact, and is final: nothing recorded after it
  changes the fact again;
- meta events are applied in log order.

It also names facts and events for people (`fact_title`, `describe`), so the
CLI, the page and the digest call the same fact by the same name.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from timeline.model.events import AnyEvent, parse_event
from timeline.model.numbers import money, quantity

CORRECTED = "event.corrected"
RETRACTED = "event.retracted"


class LoggedEvent(Protocol):
    """What the rule needs of a stored event (the store's `RecordedEvent` is one)."""

    @property
    def seq(self) -> int: ...
    @property
    def id(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def payload(self) -> dict[str, Any]: ...

    def to_event(self) -> AnyEvent: ...


def fact_dict(event: AnyEvent) -> dict[str, Any]:
    """What an event says, without bookkeeping (key, provenance)."""
    return event.model_dump(
        mode="json", exclude_none=True, exclude={"idempotency_key", "provenance"}
    )


def corrected_fact(correction_payload: Mapping[str, Any]) -> dict[str, Any]:
    """The fact an `event.corrected` carries, validated as an event of its kind."""
    return fact_dict(parse_event(correction_payload["corrected"], "correction"))


E = TypeVar("E", bound=LoggedEvent)


@dataclass(slots=True)
class StandingFact(Generic[E]):
    """A fact as the log says it after the meta events naming it."""

    original: E
    fact: dict[str, Any]
    corrected_by: list[E] = field(default_factory=list)
    retracted_by: E | None = None

    @property
    def retracted(self) -> bool:
        return self.retracted_by is not None

    @property
    def superseded_by(self) -> E | None:
        """The meta event that last changed the fact (a retraction is final), if any."""
        return self.retracted_by or (self.corrected_by[-1] if self.corrected_by else None)

    def mark(self) -> str | None:
        """What a listing says beside a superseded fact: "retracted by #N (reason)" or
        "corrected by #N" (the correction that stands); None while it stands as said."""
        if self.retracted_by is not None:
            return f"retracted by #{self.retracted_by.seq} ({self.retracted_by.payload['reason']})"
        if self.corrected_by:
            return f"corrected by #{self.corrected_by[-1].seq}"
        return None

    def superseded(self) -> dict[str, Any] | None:
        """The mark as data, as `log --format json`, `show` and the API give it."""
        by = self.superseded_by
        if by is None:
            return None
        return {
            "how": "retracted" if self.retracted_by is not None else "corrected",
            "by": by.seq,
            "id": by.id,
            "reason": by.payload["reason"],
            "text": self.mark(),
        }

    def apply(self, meta: E) -> bool:
        """Apply one meta event naming this fact; False when it changes nothing
        (the fact was retracted before it)."""
        if self.retracted_by is not None:
            return False
        if meta.kind == RETRACTED:
            self.retracted_by = meta
        else:
            self.fact = corrected_fact(meta.payload)
            self.corrected_by.append(meta)
        return True


def standing_fact(
    original: E, metas: Iterable[E], *, before_seq: int | None = None
) -> StandingFact[E]:
    """`original` as the log says it after `metas` (in log order; those naming other
    events are skipped), or just before position `before_seq`."""
    standing = StandingFact(original, fact_dict(original.to_event()))
    for meta in metas:
        if before_seq is not None and meta.seq >= before_seq:
            break
        if meta.kind in (CORRECTED, RETRACTED) and meta.payload.get("target") == original.id:
            standing.apply(meta)
    return standing


def fact_title(kind: str, payload: Mapping[str, Any]) -> str:
    """The name of a fact, whatever its kind: what it is about, not every value it
    reports (a corrected metric value keeps its title)."""
    for name in ("title", "name", "organisation", "investor"):
        if payload.get(name):
            text = str(payload[name])
            if kind == "office.opened":
                return f"{text} office in {payload.get('city', '?')}"
            if kind == "investment.announced":
                return f"{text}: {money(payload.get('amount', ''), payload.get('currency'))}"
            return text
    return kind


def stage_of(kind: str, payload: Mapping[str, Any]) -> str | None:
    """What a later stage of application makes apply, when the fact is one: an
    `instrument.in_force` event naming its `stage` (the entry into force names none)."""
    if kind == "instrument.in_force" and payload.get("stage"):
        return str(payload["stage"])
    return None


def with_stage(title: str, stage: str | None) -> str:
    """A fact's title, saying the stage it starts when it is a later stage of an act."""
    return f"{title}: stage applies: {stage}" if stage else title


def headline(kind: str, payload: Mapping[str, Any]) -> str:
    """A fact's title with the figure it reports, for lists of facts (the digest):
    `digital trade deficit: JPY 6.6 trillion (2024)`; other kinds, their title."""
    if kind == "metric.reported":
        return describe(kind, payload)
    return fact_title(kind, payload)


def describe(kind: str, payload: Mapping[str, Any]) -> str:
    """A line for an event in the log: what it reports (a fact's title and values),
    or what a meta event does."""
    p = payload
    if kind == CORRECTED:
        return f"corrects {p['target'][:8]}: {p['reason']}"
    if kind == RETRACTED:
        return f"retracts {p['target'][:8]}: {p['reason']}"
    if kind == "investment.announced":
        bound = "up to " if p.get("up_to") else ""
        return f"{p['investor']}: {bound}{money(p['amount'], p['currency'])} into {p['recipient']}"
    if kind == "metric.reported":
        return f"{p['name']}: {quantity(p['value'], p['unit'])} ({p['period']})"
    if kind == "membership.joined":
        return f"{', '.join(p['members'])} join {p['organisation']}"
    return with_stage(fact_title(kind, p), stage_of(kind, p))
