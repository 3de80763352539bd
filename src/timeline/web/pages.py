"""The analysts' page: server-rendered HTML (Jinja2, autoescaped), light JavaScript.

The side-by-side states are rendered here, by one template, both into the
whole page and as a fragment the page's script fetches when a control moves;
so the page works as a plain form without JavaScript, and there is one
renderer of a state, not one in Python and another in the script.  The
timeline chart is drawn by the script from /api/history.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

import jinja2
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from timeline import answers
from timeline import parsing as params
from timeline.answers import Comparison
from timeline.errors import TimelineError
from timeline.projections.fold import penalty_text as penalty_parts
from timeline.projections.fold import shows_stages, stage_summary
from timeline.web.api import AsOf, KnownAt, Service
from timeline.web.service import WebService

router = APIRouter(include_in_schema=False)

_environment = jinja2.Environment(
    loader=jinja2.PackageLoader("timeline.web", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
templates = Jinja2Templates(env=_environment)
Codes = Annotated[list[str], Query(alias="j", max_length=12)]
MAX_JURISDICTIONS = 12


def _text(value: Any) -> str:
    return value.replace("_", " ") if isinstance(value, str) else str(value)


def penalty_text(value: Any) -> str:
    """A penalty as a person reads it: `EUR 35 million or 7% of turnover`."""
    if not isinstance(value, dict):
        return _text(value)
    return penalty_parts(value) or "-"


_environment.filters["words"] = _text
_environment.filters["penalty"] = penalty_text
_environment.filters["figure"] = answers.item_figure
_environment.filters["stage"] = stage_summary
_environment.tests["staged"] = shows_stages


def comparison(
    service: WebService,
    codes: list[str],
    as_of: str | None,
    known_at: str | None,
    *,
    with_subdivisions: bool = False,
) -> dict[str, Any]:
    """What the states template shows: one column per jurisdiction, one row per
    aggregate and section of the default projection, the differing rows marked."""
    timeline = service.timeline
    day = params.day(as_of, "date")
    moment = params.moment(known_at, "known at")
    if len(codes) > MAX_JURISDICTIONS:
        raise TimelineError(f"pick at most {MAX_JURISDICTIONS} jurisdictions")
    if len(codes) == 1:
        single = timeline.state(codes[0], day, moment, with_subdivisions=with_subdivisions)
        result: Comparison = {
            "projection": single["projection"],
            "as_of": single["as_of"],
            "known_at": single["known_at"],
            "jurisdictions": [single["jurisdiction"]],
            "states": {single["jurisdiction"]: single},
            "differences": [],
        }
    else:
        result = timeline.compare(codes, day, moment, with_subdivisions=with_subdivisions)
    definition = timeline.definition(result["projection"])
    states = [result["states"][code] for code in result["jurisdictions"]]
    differing = set(result["differences"])
    rows = [
        {
            "name": aggregate.name,
            "aggregate": True,
            "differs": aggregate.name in differing,
            "cells": [answers.aggregate(state, aggregate.name) for state in states],
        }
        for aggregate in definition.aggregates
    ] + [
        {
            "name": section,
            "aggregate": False,
            "differs": section in differing,
            "cells": [answers.section(state, section) for state in states],
        }
        for section in definition.sections
    ]
    return {
        "result": result,
        "rows": rows,
        "uncertain": [state["uncertain"] for state in states],
        "with_subdivisions": with_subdivisions,
        "subdivisions": {
            state["jurisdiction"]: state["subdivisions"]
            for state in states
            if state["subdivisions"]
        },
        "known_now": moment is None,
    }


@dataclass(frozen=True, slots=True)
class Selection:
    """What the page's form asks for, as typed (the page shows it back)."""

    codes: list[str]
    as_of: str
    known_at: str
    with_subdivisions: bool = False


async def _selection(  # async: no thread-pool hop for parsing (see api._service)
    codes: Codes = [],  # noqa: B006 - FastAPI copies defaults per request
    as_of: AsOf = None,
    known_at: KnownAt = None,
    with_subdivisions: Annotated[bool, Query(alias="sub")] = False,
) -> Selection:
    return Selection(
        codes,
        as_of or dt.datetime.now(dt.UTC).date().isoformat(),
        known_at or "",
        with_subdivisions,
    )


Selected = Annotated[Selection, Depends(_selection)]


def subscribe_links(codes: list[str]) -> dict[str, str] | None:
    """The calendar and change feed of the jurisdictions picked (None: none picked)."""
    if not codes:
        return None
    query = urlencode([("jurisdiction", code) for code in codes])
    return {"calendar": f"/calendar.ics?{query}", "changes": f"/changes.atom?{query}"}


def _states_context(service: WebService, chosen: Selection) -> tuple[dict[str, Any], int]:
    subscribe = subscribe_links(chosen.codes)
    if not chosen.codes:
        return {"table": None, "error": None, "subscribe": subscribe}, 200
    try:
        table = comparison(
            service,
            chosen.codes,
            chosen.as_of,
            chosen.known_at or None,
            with_subdivisions=chosen.with_subdivisions,
        )
    except TimelineError as exc:
        return {"table": None, "error": str(exc), "subscribe": None}, 422
    return {"table": table, "error": None, "subscribe": subscribe}, 200


@router.get("/", response_class=HTMLResponse)
def page(request: Request, service: Service, chosen: Selected) -> HTMLResponse:
    """The whole page; its form is a plain GET of the same URL, so it works unscripted."""
    context, status = _states_context(service, chosen)
    context |= {
        "coverage": service.coverage(),
        "selected": chosen.codes,
        "as_of": chosen.as_of,
        "known_at": chosen.known_at,
        "with_subdivisions": chosen.with_subdivisions,
        "status": service.status(),
    }
    return templates.TemplateResponse(request, "page.html", context, status_code=status)


@router.get("/fragments/states", response_class=HTMLResponse)
def states_fragment(request: Request, service: Service, chosen: Selected) -> HTMLResponse:
    """The side-by-side states alone, for the page's script to swap in."""
    context, status = _states_context(service, chosen)
    return templates.TemplateResponse(request, "_states.html", context, status_code=status)
