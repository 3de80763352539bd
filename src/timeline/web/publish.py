"""`/calendar.ics` and `/changes.atom`: what other programs subscribe to.

Both are a function of the log up to its head (the log is append-only), so
each response carries an ETag naming the head and the request, and the time
the head was recorded as Last-Modified; a client that sends either back gets
`304 Not Modified` without the log being read.  A response built while an
append lands may hold that event under the older head's ETag; the next
request then sends it again, which costs a body, never a missed change.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from timeline.app import selection_title
from timeline.model.selection import Selection
from timeline.publish.atom import FeedLinks, write_feed
from timeline.publish.changes import MAX_PAGE_SIZE, PAGE_SIZE
from timeline.web.api import ERROR_RESPONSES, Service

router = APIRouter(responses=ERROR_RESPONSES, tags=["subscribe"])

Codes = Annotated[
    list[str] | None,
    Query(max_length=12, description="ISO 3166 codes or groups; repeatable; all when absent."),
]
Kinds = Annotated[
    list[str] | None,
    Query(max_length=20, description="Kinds or patterns (instrument.*); repeatable."),
]
Subjects = Annotated[
    list[str] | None,
    Query(max_length=20, description="Subjects or patterns (eu/*); repeatable."),
]
Subdivisions = Annotated[
    bool, Query(description="Also the subdivisions of each jurisdiction (US: US-TX...).")
]
Position = Annotated[int | None, Query(ge=0, le=2**62)]


async def _selection(  # async: no thread-pool hop for parsing (see api._service)
    jurisdiction: Codes = None,
    kind: Kinds = None,
    subject: Subjects = None,
    with_subdivisions: Subdivisions = False,
) -> Selection:
    return Selection.of(
        jurisdiction or (),
        with_subdivisions=with_subdivisions,
        kinds=kind or (),
        subjects=subject or (),
    )


Selected = Annotated[Selection, Depends(_selection)]


def _http_date(moment: dt.datetime) -> str:
    return email.utils.format_datetime(moment.astimezone(dt.UTC), usegmt=True)


def _not_modified(request: Request, etag: str, modified: dt.datetime | None) -> bool:
    """RFC 9110 section 13.2.2: If-None-Match decides when present, else If-Modified-Since."""
    if (match := request.headers.get("if-none-match")) is not None:
        tags = {tag.strip().removeprefix("W/") for tag in match.split(",")}
        return "*" in tags or etag in tags
    since = request.headers.get("if-modified-since")
    if since is None or modified is None:
        return False
    try:
        client_has = email.utils.parsedate_to_datetime(since)
    except (TypeError, ValueError):
        return False  # an unreadable date is ignored, as the RFC asks
    if client_has.tzinfo is None:
        client_has = client_has.replace(tzinfo=dt.UTC)
    return modified.replace(microsecond=0) <= client_has


def conditional(
    request: Request, service: Service, media_type: str, body: Callable[[], bytes]
) -> Response:
    """`body()` with validators, or a 304 when the client already has it."""
    head, modified = service.timeline.log_head()
    request_key = hashlib.sha256(str(request.url).encode()).hexdigest()[:16]
    etag = f'"{head}-{request_key}"'
    headers = {"ETag": etag, "Cache-Control": "no-cache"}
    if modified is not None:
        headers["Last-Modified"] = _http_date(modified)
    if _not_modified(request, etag, modified):
        return Response(status_code=304, headers=headers)
    return Response(body(), media_type=media_type, headers=headers)


@router.get(
    "/calendar.ics",
    summary="The selected facts as an iCalendar file",
    response_class=Response,
    responses={200: {"content": {"text/calendar": {}}}, 304: {"description": "Not modified."}},
)
def calendar_ics(
    request: Request,
    service: Service,
    selection: Selected,
) -> Response:
    """RFC 5545: an all-day event per fact with a stable UID; a corrected date raises
    its SEQUENCE, a retraction sets STATUS:CANCELLED; a month or year is spanned."""
    return conditional(
        request,
        service,
        "text/calendar; charset=utf-8",
        lambda: service.timeline.calendar(selection),
    )


@router.get(
    "/changes.atom",
    summary="The change feed: every recorded event of the selected facts",
    response_class=Response,
    responses={
        200: {"content": {"application/atom+xml": {}}},
        304: {"description": "Not modified."},
    },
)
def changes_atom(
    request: Request,
    service: Service,
    selection: Selected,
    before: Annotated[
        Position, Query(description="Only events before this position: the cursor of a page.")
    ] = None,
    after: Annotated[
        int, Query(ge=0, le=2**62, description="Only events after this position.")
    ] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="Entries a page.")] = PAGE_SIZE,
) -> Response:
    """Atom 1.0, newest first, paged (RFC 5005: `next` links to older entries); each
    entry's `tl:event` (namespace https://timeline.example/ns/1) holds the event's fields."""

    def body() -> bytes:
        page = service.timeline.changes(selection, before=before, after=after, limit=limit)
        first = request.url.remove_query_params("before")
        links = FeedLinks(
            feed_id=str(first),
            self_url=str(request.url),
            first_url=str(first),
            next_url=(
                str(request.url.include_query_params(before=page.next_before))
                if page.next_before is not None
                else None
            ),
            event_url=f"{request.base_url}api/events/{{id}}",
        )
        updated = page.updated or service.timeline.log_head()[1] or dt.datetime.now(dt.UTC)
        return write_feed(
            page.entries,
            title=f"timeline changes: {selection_title(selection)}",
            updated=updated,
            links=links,
        )

    return conditional(request, service, "application/atom+xml; charset=utf-8", body)
