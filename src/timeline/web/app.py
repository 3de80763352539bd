"""The FastAPI application: the HTTP API, the analysts' page and its static files.

`create_app(settings)` opens nothing until the app starts (its lifespan), so it
can be built anywhere; `timeline serve` starts the service itself first, so
that a database problem is a one-line error before a socket is opened.

Every error a client can cause comes back as JSON `{"error": "..."}` with a
4xx status: a `TimelineError` by what it means (not found -> 404, bad input ->
422), FastAPI's own validation errors reshaped to one line.  A database that
cannot be reached is a 503.  Anything else is a bug: a 500 with its traceback
in the server's log.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import metadata, resources
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from timeline.errors import (
    CandidateNotFoundError,
    EventNotFoundError,
    StoreError,
    TimelineError,
    UnknownFeedError,
    UnknownProjectionError,
)
from timeline.settings import Settings
from timeline.web import api, pages, publish
from timeline.web.service import WebService

NOT_FOUND = (EventNotFoundError, CandidateNotFoundError, UnknownProjectionError, UnknownFeedError)


def create_app(source: Settings | WebService) -> FastAPI:
    """The web app over the database of `source` (settings, or a service already started)."""
    service = source if isinstance(source, WebService) else WebService(source)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await run_in_threadpool(service.start)  # nothing happens if it was started already
        try:
            yield
        finally:
            await run_in_threadpool(service.stop)

    app = FastAPI(
        title="timeline",
        version=metadata.version("timeline"),
        summary="Read-only HTTP API over the policy event log and its projections.",
        lifespan=lifespan,
        docs_url="/api/docs",
        redoc_url=None,
    )
    app.state.service = service
    app.include_router(api.router)
    app.include_router(pages.router)
    app.include_router(publish.router)
    app.mount(
        "/static",
        StaticFiles(directory=str(resources.files("timeline.web").joinpath("static"))),
        name="static",
    )
    app.add_exception_handler(TimelineError, _timeline_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    return app


def status_for(exc: TimelineError) -> int:
    """The HTTP status that says what kind of problem `exc` is."""
    if isinstance(exc, NOT_FOUND):
        return 404
    if isinstance(exc, StoreError):  # unreachable, locked, not initialised
        return 503
    return 422


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


async def _timeline_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, TimelineError)
    return _error(status_for(exc), str(exc))


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return _error(422, validation_message(exc.errors()))


def validation_message(errors: Any) -> str:
    """FastAPI's list of validation errors as one line naming the first parameter."""
    first = next(iter(errors), None)
    if not first:
        return "invalid request"
    where, *path = first.get("loc", ()) or ("request",)
    name = ".".join(str(part) for part in path)
    place = f"{where} parameter {name!r}" if name else str(where)
    return f"{place}: {first.get('msg', 'invalid')}"


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    message = exc.detail if isinstance(exc.detail, str) else "request refused"
    return JSONResponse(
        {"error": message.lower() if message == "Not Found" else message},
        status_code=exc.status_code,
        headers=exc.headers,
    )
