"""The HTTP API's response shapes, for its OpenAPI document.

The answers themselves come from `Timeline` as plain dicts (the same ones
`--format json` prints); these models describe them, so that clients and the
schemathesis fuzz pass can check every response.  A state's sections and
aggregates depend on the projection definition, so they are typed as extra
properties: a list of items, or an aggregate (an item's figure, or a count).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class _Open(BaseModel):
    """A JSON object with the fields named here and possibly more."""

    model_config = ConfigDict(extra="allow")


class ErrorOut(BaseModel):
    error: str = Field(description="What was wrong, in one line.")


class SourceOut(_Open):
    publisher: str
    title: str
    url: str | None = None
    published: str | None = None


class EventOut(BaseModel):
    id: str
    seq: int
    kind: str
    subject: str
    stream_version: int
    jurisdictions: list[str]
    effective: str = Field(description="YYYY, YYYY-MM or YYYY-MM-DD: no more precise than known.")
    effective_precision: str
    recorded_at: str
    idempotency_key: str
    schema_version: int
    payload: dict[str, Any]
    sources: list[SourceOut]
    provenance: dict[str, Any] | None
    hash: str


class EventPage(BaseModel):
    events: list[EventOut]
    next_after: int | None = Field(
        description="Pass as `after` for the next page; null when this page is the last."
    )


class ItemOut(_Open):
    """An item of a state's section; the projection's rules add more fields."""

    key: str
    subject: str
    title: str
    effective: str | None = None
    events: list[str]


class AggregateOut(_Open):
    """The item with the highest figure of a section (an aggregate with `max`)."""

    value: Any
    subject: str
    title: str
    events: list[str]


class UncertainOut(BaseModel):
    section: str
    kind: str
    subject: str
    title: str
    effective: str
    possible_from: str
    certain_from: str
    events: list[str]


class StateOut(BaseModel):
    """One jurisdiction's state; every section of the projection is a list of items,
    every aggregate an item's figure (or null) or a count."""

    model_config = ConfigDict(extra="allow")
    __pydantic_extra__: dict[str, list[ItemOut] | AggregateOut | int | None] = Field(init=False)

    projection: str
    jurisdiction: str
    as_of: str
    known_at: str
    uncertain: list[UncertainOut]


class CompareOut(BaseModel):
    projection: str
    as_of: str
    known_at: str
    jurisdictions: list[str]
    states: dict[str, StateOut]
    differences: list[str] = Field(description="Sections and aggregates that differ.")


class ChangeOut(_Open):
    """An item added, removed or changed (with `fields`), or an aggregate's new value."""

    section: str
    events: list[str]


class DiffOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    projection: str
    jurisdiction: str
    from_: str = Field(alias="from")
    to: str
    known_at: str
    changes: list[ChangeOut]


class FactOut(BaseModel):
    """A fact of the dated timeline (history, upcoming)."""

    effective: str
    kind: str
    subject: str
    title: str
    jurisdictions: list[str]
    events: list[str] = Field(description="The original event, then its correction if any.")


class JurisdictionOut(BaseModel):
    code: str
    name: str
    category: str
    facts: int


class StatusOut(BaseModel):
    head: int = Field(description="The log's last position.")
    projections: dict[str, int] = Field(
        description="Last position each read model reflects; -1: not built yet."
    )
    behind: int = Field(description="Events the slowest read model has still to apply.")
    catch_up_seconds: float | None = Field(
        description="How often this server catches the read models up; null: it never does."
    )
    last_catch_up_error: str | None
    default_projection: str
    first_day: str | None = Field(description="Earliest day a fact's interval starts.")
    last_day: str | None = Field(description="Latest day a fact's interval ends.")


class CandidateOut(_Open):
    id: str
    feed: str
    status: str
    title: str
    confidence: float


class FeedOut(BaseModel):
    feed: str
    configured: bool
    enabled: bool
    url: str | None
    state: str = Field(description="healthy, failing, unknown or never polled.")
    last_status: int | None = None
    consecutive_failures: int = 0
    last_attempt_at: str | None = None
    last_success_at: str | None = None
    next_due_at: str | None = None
    last_error: str | None = None
    bozo_warning: str | None = None
    items_last_poll: int = 0
