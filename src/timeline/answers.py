"""The shapes of the answers `Timeline` gives about projections, described once.

They are `TypedDict`s rather than models because the answers are built as
plain JSON-ready dicts (the runner renders them in place, and the web sends
them as they are, without re-serialising): a `TypedDict` types them for
callers and mypy at no cost, and pydantic reads the same classes for the HTTP
API's OpenAPI document and for the tests that validate real answers.

A state's sections and aggregates are named by the projection definition, so
they are extra keys of `State`: read them with `section()` and `aggregate()`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import (
    Any,
    NotRequired,  # pydantic needs these on Python 3.11
    cast,
)

from pydantic import ConfigDict, with_config
from typing_extensions import TypedDict

from timeline.model.numbers import money, quantity

_OPEN = ConfigDict(extra="allow")


@with_config(_OPEN)
class Item(TypedDict):
    """An item of a state's section; the projection's rules add more fields."""

    key: str
    subject: str
    title: str
    effective: NotRequired[str | None]
    events: list[str]


@with_config(_OPEN)
class Aggregate(TypedDict):
    """The item with the highest figure of a section (an aggregate with `max`)."""

    value: Any
    subject: str
    title: str
    events: list[str]


class Uncertain(TypedDict):
    """A fact whose effective interval contains the day asked: it may or may not
    apply yet."""

    section: str
    kind: str
    subject: str
    title: str
    effective: str
    possible_from: str
    certain_from: str
    events: list[str]


@with_config(_OPEN)
class ReadModelsCaughtUp(TypedDict):
    """How far the read models reflect the log (`Timeline.read_models_caught_up`):
    the `in_memory` events after `indexed` are folded in memory for each answer
    when the database is read-only for this process."""

    head: int
    indexed: int
    in_memory: int


class State(TypedDict):
    """One jurisdiction's state on a day as known at a moment; every section of the
    projection is an extra key holding a list of `Item`s, every aggregate one
    holding an `Aggregate` (or null) or a count."""

    projection: str
    jurisdiction: str
    as_of: str
    known_at: str
    with_subdivisions: bool
    """Whether the facts of the jurisdiction's subdivisions are folded in."""
    subdivisions: list[str]
    """The jurisdiction's subdivisions the log has facts of (of any kind,
    as known at `known_at`): folded in, or left out, as `with_subdivisions` says."""
    uncertain: list[Uncertain]


class Comparison(TypedDict):
    """Several jurisdictions' states on one day, as known at one moment."""

    projection: str
    as_of: str
    known_at: str
    jurisdictions: list[str]
    states: dict[str, State]
    differences: list[str]  # sections and aggregates that differ


FieldChange = TypedDict("FieldChange", {"from": Any, "to": Any})
StageChange = TypedDict(
    "StageChange",
    {
        "from": str,  # the day the stage applies from in the act
        "summary": str,  # what it makes apply
        "to": NotRequired[str],  # the day a postponement would move (or moved) it to
    },
)


Stage = TypedDict(  # a stage of application, one of a staged instrument's `stages`
    "Stage",
    {
        "from": str,  # the day it applies from in the act
        "applies_from": str,  # `from`, or the day an adopted amendment moved it to
        "status": str,  # applied, next or later on the day asked
        "provisions": NotRequired[list[str]],
        "summary": NotRequired[str],
        "events": list[str],
        "proposed": NotRequired[list[dict[str, Any]]],  # postponements proposed, not adopted
        "moved": NotRequired[dict[str, Any]],  # the adopted amendment that moved it
    },
)

Change = TypedDict(  # "from" is a keyword: the functional form is the only spelling
    "Change",
    {
        "section": str,
        "change": str,  # added, removed or changed
        "events": list[str],  # the events behind the change
        # an item's change:
        "subject": NotRequired[str],
        "title": NotRequired[str],
        "effective": NotRequired["str | None"],
        "fields": NotRequired[dict[str, FieldChange]],  # a changed item's fields
        # "stage applies", "stage postponement proposed", "stage moved":
        "stage": NotRequired["StageChange"],
        # an aggregate's change:
        "from": NotRequired[Any],
        "to": NotRequired[Any],
    },
)
"""An item added, removed or changed, or an aggregate's new value."""


Diff = TypedDict(
    "Diff",
    {
        "projection": str,
        "jurisdiction": str,
        "from": str,
        "to": str,
        "known_at": str,
        "changes": list[Change],
    },
)
"""What changed in a jurisdiction's state between two days, each change citing
its events."""


class FactEntry(TypedDict):
    """A fact of the dated timeline (history, upcoming)."""

    effective: str
    kind: str
    subject: str
    title: str
    jurisdictions: list[str]
    events: list[str]  # the original event, then its corrections
    stage: NotRequired[str]  # an in-force fact that is a later stage: what it makes apply


class StandingFactEntry(TypedDict):
    """A fact as it stands on a day, corrections applied (`Timeline.facts_on`)."""

    fact: str  # the id of the event that first recorded it
    kind: str
    subject: str
    title: str
    jurisdictions: list[str]
    effective: str
    effective_start: str
    effective_end: str
    certain: bool  # its interval has ended by the day: no longer only possibly in effect
    recorded_at: str  # when the log first knew it
    corrections: int  # how many corrections stand behind this version
    events: list[str]  # the original event, then its corrections
    payload: dict[str, Any]
    sources: list[dict[str, Any]]


class HistoryPage(TypedDict):
    """A page of the dated timeline (`Timeline.history_page`, `GET /api/history`)."""

    facts: list[FactEntry]
    next_after: str | None  # the cursor of the next page; None: this is the last
    known_at: str  # the moment the pages are known at: pass it to the next ones


class JurisdictionEntry(TypedDict):
    """A jurisdiction the log has facts about."""

    code: str
    name: str
    category: str
    facts: int


class ProjectionStatus(TypedDict):
    """How far each read model is behind the log: `-1` means not built yet."""

    head: int
    projections: dict[str, int]


def section(state: State, name: str) -> list[Item]:
    """The items of section `name` of a state."""
    return cast("list[Item]", cast("dict[str, Any]", state)[name])


def aggregate(state: State, name: str) -> Aggregate | int | None:
    """The value of aggregate `name` of a state."""
    return cast("Aggregate | int | None", cast("dict[str, Any]", state)[name])


def item_figure(item: Mapping[str, Any]) -> str:
    """The figure a section's item reports in words: a metric's value with its unit
    (`JPY 6.6 trillion`, `rank 12`), an amount with its currency (`EUR 75 billion`);
    empty for an item without one."""
    if item.get("value") is not None:
        return quantity(item["value"], item.get("unit"))
    if item.get("amount") is not None:
        return money(item["amount"], item.get("currency"))
    return ""
