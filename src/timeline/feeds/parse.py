"""Parsing fetched bytes with feedparser, refusing what is not a usable feed."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import Any
from xml.sax import SAXParseException

import feedparser

from timeline.errors import FeedError

# A feed has no business declaring entities; a DTD that does is how entity
# expansion ("billion laughs") and external-entity attacks begin.  feedparser's
# lenient fallback parser would otherwise carry on past them.
_ENTITY_DECLARATION = re.compile(rb"<!ENTITY", re.IGNORECASE)
_SNIFF_BYTES = 65_536


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    feed: Any  # feedparser.FeedParserDict
    warning: str | None
    """feedparser's bozo exception, when the feed was flawed but still parsed."""


def parse_feed(body: bytes, content_type: str | None = None) -> ParsedFeed:
    """Parse a feed from its bytes; `FeedError` with a one-line reason when it is not one.

    feedparser is handed a byte stream, never a string: given a string it would
    fetch URLs and open local files by itself.
    """
    if _ENTITY_DECLARATION.search(body[:_SNIFF_BYTES]):
        raise FeedError("the document declares XML entities (refused: entity expansion)")
    headers = {"content-type": content_type} if content_type else {}
    parsed = feedparser.parse(io.BytesIO(body), response_headers=headers)
    problem = parsed.get("bozo_exception")
    reason = _one_line(problem) if parsed.get("bozo") and problem is not None else None
    if not parsed.get("version"):
        if body.lstrip()[:15].lower().startswith((b"<!doctype html", b"<html")):
            raise FeedError("not a feed: the server sent an HTML page")
        raise FeedError(f"not a feed: {reason or 'no RSS, Atom or RDF root element'}")
    if reason and not parsed.entries:
        raise FeedError(f"unparseable feed: {reason}")
    return ParsedFeed(parsed, reason)


def _one_line(exc: object) -> str:
    if isinstance(exc, SAXParseException):
        return (
            f"{type(exc).__name__} at line {exc.getLineNumber()}, "
            f"column {exc.getColumnNumber()}: {exc.getMessage()}"
        )
    text = str(exc).strip().splitlines()
    name = type(exc).__name__
    return f"{name}: {text[0]}" if text else name
