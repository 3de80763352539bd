"""A stand-in extractor for tests about polling mechanics, not extraction quality.

It reads the title only: "Opinion: ..." is not an event, anything else an
adopted instrument in the feed's hinted jurisdiction, effective September 2025.
Two items are the same event when their titles match, ignoring case.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from timeline.feeds.extract import ItemExtraction
from timeline.settings import FeedSettings


def extract_titles(parsed: Any, feed: FeedSettings) -> list[ItemExtraction]:
    items = []
    for entry in parsed.entries:
        title = entry.get("title", "")
        is_event = not title.startswith("Opinion")
        published = entry.get("published_parsed")
        items.append(
            ItemExtraction(
                guid=entry.get("id") or entry.get("link") or title,
                title=title,
                summary=entry.get("summary", ""),
                link=entry.get("link"),
                published=dt.datetime(*published[:6], tzinfo=dt.UTC) if published else None,
                is_event=is_event,
                kind="instrument.adopted" if is_event else None,
                jurisdictions=(feed.jurisdiction or "FR",) if is_event else (),
                effective="2025-09" if is_event else None,
                confidence=0.9 if "certain" in title else 0.6,
                evidence={"kind": title} if is_event else {},
            )
        )
    return items


def same_title(a: ItemExtraction, b: ItemExtraction) -> bool:
    return a.title.lower() == b.title.lower()
