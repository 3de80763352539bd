"""Build feed items the way feedparser hands them over, from invented text."""

from __future__ import annotations

from html import escape
from typing import Any

import feedparser

from timeline.feeds.extract import ItemExtraction, extract_entry


def rss(*items: tuple[str, str, str], language: str = "en") -> bytes:
    """An RSS 2.0 feed of (title, description HTML, pubDate) items, guids item-0, item-1..."""
    body = "".join(
        f"<item><title>{escape(title)}</title><guid>item-{n}</guid>"
        f"<link>https://news.example.org/{n}</link>"
        f"<pubDate>{published}</pubDate><description>{escape(html)}</description></item>"
        for n, (title, html, published) in enumerate(items)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        f"<title>Invented wire</title><language>{language}</language>{body}</channel></rss>"
    ).encode()


def entry(title: str, html: str = "", published: str = "Wed, 11 Mar 2026 10:00:00 +0000") -> Any:
    parsed = feedparser.parse(rss((title, html, published)))
    assert parsed.entries, parsed
    return parsed.entries[0]


def extract(
    title: str, html: str = "", published: str = "Wed, 11 Mar 2026 10:00:00 +0000", **kwargs: Any
) -> ItemExtraction:
    return extract_entry(entry(title, html, published), **kwargs)
