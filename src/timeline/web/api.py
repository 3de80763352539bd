"""The read-only HTTP API: JSON under /api, one `Timeline` call per route.

Routes are plain `def`s: uvicorn runs them in its thread pool, where the
blocking database calls belong (see `service` for why sharing the reader is
safe).  Errors are raised as `TimelineError`s and turned into JSON by the app.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from timeline import parsing as params
from timeline.answers import (
    Comparison,
    Diff,
    FactEntry,
    HistoryPage,
    JurisdictionEntry,
    State,
)
from timeline.errors import InvalidDateError
from timeline.web.models import (
    CandidateOut,
    ErrorOut,
    EventOut,
    EventPage,
    FeedOut,
    StatusOut,
)
from timeline.web.service import WebService

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorOut, "description": "No such event, candidate, projection or page."},
    422: {"model": ErrorOut, "description": "A parameter is invalid; the message says which."},
    503: {"model": ErrorOut, "description": "The database cannot be reached."},
}

router = APIRouter(prefix="/api", responses=ERROR_RESPONSES)


def _answer(payload: Any) -> Response:
    """A projection's answer, sent as the plain JSON it already is.

    Returned as a ready Response, FastAPI skips validating it against the
    route's response model and serialising it again: at 100k events that cost
    more than computing a state (bench/bench_web.py).  The models still make
    the OpenAPI document, and the fuzz test checks every response against it.
    """
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return Response(body, media_type="application/json")


# Dependencies that only parse or look up are `async def`: FastAPI runs a plain `def`
# dependency in the thread pool, a hop that cost ~0.7 ms a request each (bench_web).
async def _service(request: Request) -> WebService:
    return request.app.state.service  # type: ignore[no-any-return]


Service = Annotated[WebService, Depends(_service)]
Code = Annotated[
    str,
    Query(
        min_length=1,
        max_length=40,
        description="ISO 3166-1/3166-2 code or a group (JP, EU, US-CA, G7...).",
    ),
]
OptionalCode = Annotated[
    str | None,
    Query(max_length=40, description="ISO 3166-1/3166-2 code or a group; all when absent."),
]
AsOf = Annotated[
    str | None,
    Query(max_length=40, description="The day, YYYY-MM-DD or 'today' (the default, UTC)."),
]
KnownAt = Annotated[
    str | None,
    Query(
        max_length=64,
        description="As the log knew it then: ISO date-time (UTC unless it has an offset), "
        "or a date (the end of that day); default now.",
    ),
]
Projection = Annotated[
    str | None,
    Query(max_length=100, description="A projection of projections/; default from config."),
]
Limit = Annotated[int, Query(ge=1, le=500, description="At most this many.")]
# What `timeline show` takes; the store bounds positions to its integer type.
EventRef = Annotated[
    str,
    Path(
        max_length=200,  # an idempotency key's column
        description="A position (23), an event id or a unique prefix of it (4+ hex digits), "
        "an idempotency key or a curated entry's id.",
    ),
]
CandidateRef = Annotated[
    str,
    Path(pattern=r"^[0-9a-fA-F-]{4,36}$", description="A candidate id or unique id prefix."),
]


@dataclass(frozen=True, slots=True)
class View:
    """The day, the moment and the projection a state is asked for, parsed."""

    as_of: dt.date
    known_at: dt.datetime | None
    projection: str | None


async def _view(
    as_of: AsOf = None, known_at: KnownAt = None, projection: Projection = None
) -> View:
    return View(params.day(as_of, "as_of"), params.moment(known_at, "known_at"), projection)


WithSubdivisions = Annotated[
    bool,
    Query(
        description="Fold in the facts of the jurisdiction's subdivisions (US-TX for US); "
        "either way the state lists those with facts."
    ),
]


ViewQuery = Annotated[View, Depends(_view)]


@router.get("/status", response_model=StatusOut, summary="The log's head and the read models")
def status(service: Service) -> dict[str, Any]:
    """How far each projection's read model is behind the log, how often this server
    catches up, and the range of days the log's facts cover."""
    return service.status()


@router.get(
    "/jurisdictions",
    response_model=list[JurisdictionEntry],
    summary="Jurisdictions the log has facts about",
)
def jurisdictions(service: Service) -> list[JurisdictionEntry]:
    return service.coverage().jurisdictions


@router.get("/events", response_model=EventPage, summary="Events in log order, page by page")
def events(
    service: Service,
    jurisdiction: OptionalCode = None,
    kind: Annotated[list[str] | None, Query(description="Repeatable: any of these kinds.")] = None,
    subject: Annotated[
        str | None, Query(max_length=200, pattern=r"^[a-z0-9][a-z0-9._/-]*$")
    ] = None,
    from_: Annotated[
        str | None,
        Query(alias="from", max_length=10, description="Effective on or after: YYYY[-MM[-DD]]."),
    ] = None,
    to: Annotated[
        str | None, Query(max_length=10, description="Effective on or before: YYYY[-MM[-DD]].")
    ] = None,
    known_at: KnownAt = None,
    after: Annotated[
        int, Query(ge=0, le=2**62, description="Start after this position (the cursor).")
    ] = 0,
    limit: Limit = 100,
    current: Annotated[
        bool, Query(description="Only facts as they now stand (no retracted fact, no meta).")
    ] = False,
) -> dict[str, Any]:
    """The same filters as `timeline log`; `next_after` is the cursor of the next page.
    Each event says whether (and by what) it was superseded."""
    found = service.timeline.entries(
        current=current,
        jurisdiction=jurisdiction,
        kinds=kind,
        subject=subject,
        effective_from=params.partial_bound(from_, "from", end=False),
        effective_to=params.partial_bound(to, "to", end=True),
        known_at=params.moment(known_at, "known_at"),
        limit=limit + 1,  # one more than asked: whether there is a next page
        after_seq=after,
    )
    page = [
        entry.current_dict() if current else entry.as_dict()
        for entry in itertools.islice(found, limit + 1)
    ]
    more = len(page) > limit
    page = page[:limit]
    return {"events": page, "next_after": page[-1]["seq"] if more else None}


@router.get("/events/{ref}", response_model=EventOut, summary="One event, in full")
def event(service: Service, ref: EventRef) -> dict[str, Any]:
    return service.timeline.entry(ref).as_dict()


@router.get("/state", response_model=State, summary="A jurisdiction's state on a day")
def state(
    service: Service,
    jurisdiction: Code,
    view: ViewQuery,
    with_subdivisions: WithSubdivisions = False,
) -> Response:
    """As `timeline state --format json`: every section of the projection, its
    aggregates, and the facts still uncertain on that day."""
    return _answer(
        service.timeline.state(
            jurisdiction,
            view.as_of,
            view.known_at,
            view.projection,
            with_subdivisions=with_subdivisions,
        )
    )


@router.get("/compare", response_model=Comparison, summary="States side by side")
def compare(
    service: Service,
    jurisdiction: Annotated[
        list[str], Query(min_length=2, max_length=12, description="Two or more codes, repeated.")
    ],
    view: ViewQuery,
    with_subdivisions: WithSubdivisions = False,
) -> Response:
    """Several jurisdictions on one day, all as known at one moment; `differences`
    names the sections and aggregates that differ."""
    return _answer(
        service.timeline.compare(
            jurisdiction,
            view.as_of,
            view.known_at,
            view.projection,
            with_subdivisions=with_subdivisions,
        )
    )


@router.get("/diff", response_model=Diff, summary="What changed between two days")
def diff(
    service: Service,
    jurisdiction: Code,
    from_: Annotated[str, Query(alias="from", max_length=40, description="The earlier day.")],
    to: Annotated[str, Query(max_length=40, description="The later day, or 'today'.")],
    known_at: KnownAt = None,
    projection: Projection = None,
) -> Response:
    start, end = params.day(from_, "from"), params.day(to, "to")
    if end < start:
        raise InvalidDateError(f"to {end} is before from {start}")
    return _answer(
        service.timeline.diff(
            jurisdiction, start, end, params.moment(known_at, "known_at"), projection
        )
    )


@router.get("/history", response_model=HistoryPage, summary="The dated timeline, page by page")
def history(
    service: Service,
    jurisdiction: OptionalCode = None,
    known_at: KnownAt = None,
    after: Annotated[
        str | None,
        Query(max_length=40, description="Start after this cursor (a page's `next_after`)."),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=5000, description="At most this many facts.")] = 1000,
) -> Response:
    """Every fact (all kinds) in valid-time order, as known at a moment, a page at a
    time: pass `next_after` as `after`, and the first page's `known_at`, for the next."""
    return _answer(
        service.timeline.history_page(
            jurisdiction, params.moment(known_at, "known_at"), after=after, limit=limit
        )
    )


@router.get("/upcoming", response_model=list[FactEntry], summary="What takes effect soon")
def upcoming(
    service: Service,
    jurisdiction: OptionalCode = None,
    as_of: AsOf = None,
    days: Annotated[int, Query(ge=1, le=36_600, description="How far ahead.")] = 30,
) -> Response:
    """Facts whose interval starts after `as_of` and within `days` of it."""
    return _answer(service.timeline.upcoming(jurisdiction, params.day(as_of, "as_of"), days))


@router.get("/candidates", response_model=list[CandidateOut], summary="Candidate events")
def candidates(
    service: Service,
    status: Annotated[
        list[str] | None,
        Query(description="pending (default), accepted, rejected, duplicate, ignored."),
    ] = None,
    all_: Annotated[bool, Query(alias="all", description="Every status.")] = False,
    feed: Annotated[str | None, Query(max_length=100, pattern=r"^[a-z0-9._-]+$")] = None,
    limit: Limit = 100,
) -> list[dict[str, Any]]:
    """Read-only: found in feeds, oldest first; review them with `timeline candidates`."""
    found = service.timeline.candidates(
        statuses=None if all_ else (status or ["pending"]), feed=feed, limit=limit
    )
    return [candidate.as_dict() for candidate in found]


@router.get("/candidates/{ref}", response_model=CandidateOut, summary="One candidate")
def candidate(service: Service, ref: CandidateRef) -> dict[str, Any]:
    return service.timeline.candidate(ref).as_dict()


@router.get("/feeds", response_model=list[FeedOut], summary="Feed health")
def feeds(service: Service) -> list[dict[str, Any]]:
    """Each configured feed's health, then feeds with health rows but no config."""
    return [status.as_dict() for status in service.timeline.feed_status()]
