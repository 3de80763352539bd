"""Feed items to proposed events, one module a concern.

`entry` reads one feedparser entry (how, step by step, is in its docstring)
with the help of `text` (plain text, sentences, language), `kinds` (the
wording of each kind of event, and of non-events), `dates` (date mentions and
how they relate to the wording) and `places` (the gazetteer); `item` is what
comes out, `duplicates` recognises one event reported twice.  This module is
the public entry: a whole feed, or a whole source (a file or an http(s) URL,
fetched by the poller's own fetcher).
"""

from __future__ import annotations

import feedparser

from timeline.errors import FeedError
from timeline.feeds.extract.duplicates import link_duplicates, same_event
from timeline.feeds.extract.entry import extract_entry, extract_feed
from timeline.feeds.extract.item import ItemExtraction
from timeline.feeds.extract.text import collapse
from timeline.feeds.fetch import Fetcher
from timeline.feeds.parse import parse_feed
from timeline.model.jurisdictions import validate_code
from timeline.settings import PollingSettings

__all__ = [
    "ItemExtraction",
    "extract_entry",
    "extract_feed",
    "extract_source",
    "link_duplicates",
    "load_feed",
    "same_event",
]


def load_feed(
    source: str, polling: PollingSettings | None = None
) -> tuple[feedparser.FeedParserDict, str | None]:
    """Fetch or read and parse a feed: (parsed feed, bozo warning or None).

    `polling` bounds the fetch (user agent, timeouts, size cap, redirects) as
    for the poller; by default, the `[polling]` defaults.  Raises FeedError for
    a missing file, a failed fetch, or bytes that yield no feed at all (an HTML
    page, truncated XML).  A feed that is malformed but still gave entries is
    returned with its warning.
    """
    parsed, warning, _body = _load(source, polling)
    return parsed, warning


def _load(
    source: str, polling: PollingSettings | None
) -> tuple[feedparser.FeedParserDict, str | None, bytes]:
    """`load_feed`, and the bytes it parsed."""
    fetcher = Fetcher(polling or PollingSettings())
    try:
        fetched = fetcher.fetch(source)
    finally:
        fetcher.close()
    if fetched.error is not None:
        raise FeedError(f"{source}: {fetched.error}")
    try:
        # The poller's parser: bytes only, and documents declaring XML entities
        # (entity expansion) refused before feedparser sees them.
        result = parse_feed(fetched.body or b"", fetched.content_type)
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
    return parsed, warning, fetched.body or b""


def extract_source(
    source: str,
    *,
    language: str | None = None,
    jurisdiction_hint: str | None = None,
    polling: PollingSettings | None = None,
) -> tuple[list[ItemExtraction], str | None]:
    """Extract every item of a feed file or http(s) URL, storing nothing; `polling`
    bounds the fetch as in `load_feed`.  Another timeline's change feed gives its
    facts as the poller reads them (`timeline.feeds.federation`)."""
    if jurisdiction_hint:
        validate_code(jurisdiction_hint)
    parsed, warning, body = _load(source, polling)
    # Imported here: federation reads this package's `item` module.
    from timeline.feeds import federation
    from timeline.publish.atom import read_feed

    if federation.is_change_feed(parsed):
        # Another timeline's change feed: its facts as written (this page), as the
        # poller reads them, with no text extraction.
        return federation.change_items(read_feed(body)[0]), warning
    return extract_feed(parsed, language=language, jurisdiction_hint=jurisdiction_hint), warning
