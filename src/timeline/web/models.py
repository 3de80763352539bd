"""The HTTP API's own response shapes, for its OpenAPI document.

The projection answers (state, compare, diff, history, upcoming,
jurisdictions) are described once, in `timeline.answers`, and used here as
they are; these models describe what only the API sends (events page by page,
errors, status, candidates, feeds), so that clients and the schemathesis fuzz
pass can check every response.
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


class SupersededOut(BaseModel):
    how: str = Field(description="retracted or corrected")
    by: int = Field(description="The position of the retraction or last correction.")
    id: str
    reason: str
    text: str = Field(description='"retracted by #N (reason)" or "corrected by #N".')


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
    superseded: SupersededOut | None = Field(
        description="How the fact was superseded, as known at the request's known_at; "
        "null while it stands as said, and for corrections and retractions themselves."
    )


class EventPage(BaseModel):
    events: list[EventOut]
    next_after: int | None = Field(
        description="Pass as `after` for the next page; null when this page is the last."
    )


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
    read_only_database: bool = Field(
        description="True: this user may only read the database; answers fold what the "
        "read models lack in memory."
    )
    default_projection: str
    first_day: str | None = Field(description="Earliest day a fact's interval starts.")
    last_day: str | None = Field(description="Latest day a fact's interval ends.")
    follows: list[dict[str, Any]] = Field(
        description="Each follow's alerts: last alert, deliveries waiting and failing, "
        "next retry, last error."
    )


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
