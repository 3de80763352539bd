"""Fetching a feed politely, from wherever it is: one fetcher for the poller and
`timeline extract`.

The source's form picks how its bytes arrive: an http(s) URL is one GET,
bounded in time, size and redirects; a `file:` URL or a plain path is read
from disk under the same size cap.  The user agent, timeouts and cap are the
`[polling]` settings for both.  A fetch never raises for anything the remote
side (or the file system) does: every outcome (a body, a 304, an HTTP error,
a timeout, an oversized body, too many redirects, an unreadable file) comes
back as a `FetchResult`, which the poller records in the feed's health row.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import re
import threading
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from timeline.settings import PollingSettings

if TYPE_CHECKING:
    import httpx

PROJECT_URL = "https://github.com/timeline-policy/timeline"


def default_user_agent() -> str:
    """`timeline/<version> (+<project url>)`: who we are and where to complain."""
    try:
        version = metadata.version("timeline")
    except metadata.PackageNotFoundError:
        version = "dev"
    return f"timeline/{version} (+{PROJECT_URL})"


@dataclass(frozen=True, slots=True)
class FetchResult:
    """What one GET (or file read) gave.  `body` is set only for a 200 (or a file
    read whole); `error` for any failure."""

    http_status: int | None
    body: bytes | None = None
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    retry_after: float | None = None
    """Seconds the server asked us to wait (Retry-After), counted from its response."""
    error: str | None = None

    @property
    def not_modified(self) -> bool:
        return self.http_status == 304


def parse_retry_after(value: str | None, now: dt.datetime) -> float | None:
    """`Retry-After` in seconds from `now`: delay-seconds or an HTTP-date (RFC 9110 10.2.3)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:  # an HTTP-date is GMT by definition
        moment = moment.replace(tzinfo=dt.UTC)
    return max((moment - now).total_seconds(), 0.0)


HTTP = re.compile(r"^https?://", re.IGNORECASE)
"""What an http(s) source starts with; anything else is read as a file."""


def _client(settings: PollingSettings) -> httpx.Client:
    import httpx

    return httpx.Client(
        headers={"User-Agent": settings.user_agent or default_user_agent()},
        timeout=httpx.Timeout(settings.read_timeout, connect=settings.connect_timeout),
        follow_redirects=True,
        max_redirects=settings.max_redirects,
    )


def file_path(source: str) -> Path:
    """The path a `file:` URL (`file:///srv/feed.xml`) or a plain path names."""
    if source[:5].lower() == "file:":
        return Path(unquote(urlsplit(source).path))
    return Path(source)


class Fetcher:
    """One HTTP client for many feeds (connections are pooled per host), made on
    the first http(s) fetch: reading files needs neither it nor httpx's import."""

    def __init__(self, settings: PollingSettings) -> None:
        self.settings = settings
        self._client: httpx.Client | None = None
        self._client_lock = threading.Lock()  # the daemon's workers share one fetcher

    def _http(self) -> httpx.Client:
        if self._client is None:
            with self._client_lock:
                if self._client is None:
                    self._client = _client(self.settings)
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

    def fetch(
        self, source: str, *, etag: str | None = None, last_modified: str | None = None
    ) -> FetchResult:
        """GET an http(s) `source`, sending the validators of the last 200 so that an
        unchanged feed costs a 304; read any other `source` as a file."""
        if HTTP.match(source):
            return self._get(source, etag=etag, last_modified=last_modified)
        return self._read_file(file_path(source))

    def _read_file(self, path: Path) -> FetchResult:
        cap = self.settings.max_body_bytes
        try:
            with path.open("rb") as file:
                body = file.read(cap + 1)
        except OSError as exc:
            return FetchResult(None, error=f"cannot read: {exc.strerror or exc}")
        if len(body) > cap:
            return FetchResult(None, error=f"file exceeds the {cap}-byte cap")
        return FetchResult(None, body=body)

    def _get(self, url: str, *, etag: str | None, last_modified: str | None) -> FetchResult:
        import httpx

        headers = {"Accept": "application/atom+xml, application/rss+xml, application/xml;q=0.9"}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        try:
            with self._http().stream("GET", url, headers=headers) as response:
                return self._read(response)
        except httpx.TooManyRedirects:
            return FetchResult(None, error=f"more than {self.settings.max_redirects} redirects")
        except httpx.ConnectTimeout:
            return FetchResult(
                None, error=f"connect timed out after {self.settings.connect_timeout:g}s"
            )
        except httpx.ReadTimeout:
            return FetchResult(None, error=f"read timed out after {self.settings.read_timeout:g}s")
        except (httpx.HTTPError, httpx.InvalidURL) as exc:  # InvalidURL is no HTTPError
            return FetchResult(None, error=f"{type(exc).__name__}: {exc}".splitlines()[0])

    def _read(self, response: httpx.Response) -> FetchResult:
        now = dt.datetime.now(dt.UTC)
        status = response.status_code
        etag = response.headers.get("ETag")
        last_modified = response.headers.get("Last-Modified")
        retry_after = parse_retry_after(response.headers.get("Retry-After"), now)
        if status == 304:
            return FetchResult(status, etag=etag, last_modified=last_modified)
        if status != 200:
            reason = response.reason_phrase or "error"
            return FetchResult(status, retry_after=retry_after, error=f"HTTP {status} {reason}")
        cap = self.settings.max_body_bytes
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > cap:
            return FetchResult(status, error=f"body of {declared} bytes exceeds the {cap}-byte cap")
        # The read timeout bounds each read; a server that drips a byte at a
        # time would never trip it, so the whole download has a deadline too.
        deadline = time.monotonic() + 4 * self.settings.read_timeout
        chunks: list[bytes] = []
        size = 0
        # iter_bytes decodes gzip/deflate, so the cap also stops compression bombs.
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > cap:
                return FetchResult(status, error=f"body exceeds the {cap}-byte cap (aborted)")
            if time.monotonic() > deadline:
                return FetchResult(
                    status,
                    error=f"download took longer than {4 * self.settings.read_timeout:g}s",
                )
            chunks.append(chunk)
        return FetchResult(
            status,
            body=b"".join(chunks),
            content_type=response.headers.get("Content-Type"),
            etag=etag,
            last_modified=last_modified,
        )
