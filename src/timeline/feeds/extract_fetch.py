"""Reading one feed for `timeline extract`: a file, or an http(s) URL fetched with caps.

Deliberately simple (one GET, a timeout, a redirect limit, a body-size cap);
the polling side has its own polite fetcher with conditional GET and backoff.
"""

from __future__ import annotations

import re
from pathlib import Path

import feedparser

from timeline.errors import FeedError
from timeline.feeds.extract.text import collapse
from timeline.feeds.parse import parse_feed

MAX_FEED_BYTES = 10 * 1024 * 1024
FETCH_TIMEOUT_SECONDS = 15.0


def _fetch(url: str) -> bytes:
    import httpx

    try:
        with (
            httpx.Client(
                timeout=FETCH_TIMEOUT_SECONDS,
                follow_redirects=True,
                max_redirects=5,
                headers={"User-Agent": "timeline-extract/0.1 (+feed extraction preview)"},
            ) as client,
            client.stream("GET", url) as response,
        ):
            if response.status_code >= 400:
                raise FeedError(f"{url}: HTTP {response.status_code}")
            body = bytearray()
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > MAX_FEED_BYTES:
                    raise FeedError(f"{url}: larger than {MAX_FEED_BYTES} bytes")
            return bytes(body)
    except httpx.HTTPError as exc:
        raise FeedError(f"{url}: {type(exc).__name__}: {exc}") from None


def load_feed(source: str) -> tuple[feedparser.FeedParserDict, str | None]:
    """Fetch or read and parse a feed: (parsed feed, bozo warning or None).

    Raises FeedError for a missing file, a failed fetch, or bytes that yield no
    feed at all (an HTML page, truncated XML).  A feed that is malformed but
    still gave entries is returned with its warning.
    """
    if re.match(r"^https?://", source, re.IGNORECASE):
        data = _fetch(source)
    else:
        path = Path(source)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise FeedError(f"{source}: cannot read: {exc.strerror or exc}") from None
    try:
        # The poller's parser: bytes only, and documents declaring XML entities
        # (entity expansion) refused before feedparser sees them.
        result = parse_feed(data)
    except FeedError as exc:
        raise FeedError(f"{source}: not a readable feed ({exc})") from None
    parsed = result.feed
    # Truncated XML can leave a husk of an entry with nothing in it: no entry.
    readable = [
        e for e in parsed.entries if any(e.get(k) for k in ("title", "summary", "link", "id"))
    ]
    if not readable and (parsed.get("bozo") or not parsed.get("version")):
        problem = result.warning or "no feed elements"
        raise FeedError(f"{source}: not a readable feed ({collapse(problem)})")
    warning = collapse(result.warning) if result.warning else None
    return parsed, warning
