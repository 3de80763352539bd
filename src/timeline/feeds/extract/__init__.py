"""Feed items to proposed events, one module a concern.

`entry` reads one feedparser entry (how, step by step, is in its docstring)
with the help of `text` (plain text, sentences, language), `kinds` (the
wording of each kind of event, and of non-events), `dates` (date mentions and
how they relate to the wording) and `places` (the gazetteer); `item` is what
comes out, `duplicates` recognises one event reported twice.  This module is
the public entry: a whole feed, or a whole source (a file or an http(s) URL).
"""

from __future__ import annotations

from timeline.feeds.extract.duplicates import link_duplicates, same_event
from timeline.feeds.extract.entry import extract_entry, extract_feed
from timeline.feeds.extract.item import ItemExtraction
from timeline.feeds.extract_fetch import load_feed
from timeline.model.jurisdictions import validate_code

__all__ = [
    "ItemExtraction",
    "extract_entry",
    "extract_feed",
    "extract_source",
    "link_duplicates",
    "load_feed",
    "same_event",
]


def extract_source(
    source: str, *, language: str | None = None, jurisdiction_hint: str | None = None
) -> tuple[list[ItemExtraction], str | None]:
    """Extract every item of a feed file or http(s) URL, storing nothing."""
    if jurisdiction_hint:
        validate_code(jurisdiction_hint)
    parsed, warning = load_feed(source)
    return extract_feed(parsed, language=language, jurisdiction_hint=jurisdiction_hint), warning
