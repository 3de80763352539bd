"""The jurisdiction a feed speaks for, used when one of its items names none.

A ministry's own feed announces "the Government's plan" without naming its
country: the publisher is the jurisdiction.  Rules, first that answers:

1. the feed's configured jurisdiction hint (`[[feeds]] jurisdiction`);
2. the domain of the feed or of the item: a government domain
   (`.gov.au`, `.go.jp`, `.gouv.fr`, `.gc.ca`, `.bund.de`, `.europa.eu`;
   `[government_domains]` in data/places.toml);
3. the channel's own description: a title or subtitle that says it is a
   government's (ministry, cabinet office, 省, Ministerium...), with the
   country from the channel's language tag ("en-AU") or, for Japanese, the
   language itself;
4. weaker, the country of the channel's language tag ("de-DE") for a news
   site: it speaks only for an item whose actor is a government named
   without its country ("the Cabinet", "Bundeskabinett", "el Gobierno").

A news site on `example.jp` is not the Japanese government: only these rules
make a publisher, never a country-code domain alone.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

from timeline.feeds.extract.languages import LANGUAGES
from timeline.feeds.extract.text import fold
from timeline.model.jurisdictions import registry

# Words by which a channel says it is a government's own (folded, any language read).
_GOVERNMENT_CHANNEL = [
    lang.government_channel for lang in LANGUAGES if lang.government_channel is not None
]
# A language spoken as an official language in one country only.
_ONE_COUNTRY_LANGUAGES = {"ja": "JP"}


@dataclass(frozen=True, slots=True)
class Publisher:
    code: str
    rule: str  # which rule gave it, for the evidence ("feed domain www.example.gov.au")
    home_only: bool = False  # rule 4: only for a government named without its country


@cache
def _domains() -> tuple[frozenset[str], dict[str, str]]:
    text = resources.files("timeline.data").joinpath("places.toml").read_text()
    table: dict[str, Any] = tomllib.loads(text)["government_domains"]
    labels = frozenset(table.pop("labels"))
    return labels, {domain: str(code) for domain, code in table.items()}


def _country_of_tld(tld: str) -> str | None:
    code = {"uk": "GB", "eu": "EU"}.get(tld, tld.upper())
    return code if code in registry().by_code else None


def government_of(url: str | None) -> str | None:
    """The jurisdiction whose government domain `url` is on, or None."""
    if not url:
        return None
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    labels, domains = _domains()
    parts = host.split(".")
    for size in range(len(parts), 0, -1):
        suffix = ".".join(parts[-size:])
        if suffix in domains:
            return domains[suffix]
    if len(parts) >= 3 and parts[-2] in labels:
        return _country_of_tld(parts[-1])
    return None


def _channel(feed: Mapping[str, Any]) -> Publisher | None:
    described = fold(" ".join(str(feed.get(k) or "") for k in ("title", "subtitle")))
    match = next((m for p in _GOVERNMENT_CHANNEL if (m := p.search(described))), None)
    if match is None:
        return None
    tag = str(feed.get("language") or "").replace("_", "-").split("-")
    code = _country_of_tld(tag[1].lower()) if len(tag) > 1 else None
    code = code or _ONE_COUNTRY_LANGUAGES.get(tag[0].lower())
    return (
        Publisher(code, f"channel says {match.group()!r}, language {feed.get('language')}")
        if code
        else None
    )


def feed_publisher(feed: Mapping[str, Any], hint: str | None) -> Publisher | None:
    """The publisher of a whole feed (its channel element), by rules 1-3."""
    if hint:
        return Publisher(hint, f"feed hint {hint}")
    link = str(feed.get("link") or "") or None
    if code := government_of(link):
        return Publisher(code, f"feed domain {urlsplit(link or '').hostname}")
    return _channel(feed) or _home(feed)


def _home(feed: Mapping[str, Any]) -> Publisher | None:
    tag = str(feed.get("language") or "").replace("_", "-").split("-")
    code = _country_of_tld(tag[1].lower()) if len(tag) > 1 else None
    return (
        Publisher(code, f"channel language {feed.get('language')}", home_only=True)
        if code
        else None
    )


def item_publisher(feed_level: Publisher | None, link: str | None) -> Publisher | None:
    """The publisher of one item: the feed's hint, else the item's own government domain,
    else the feed's."""
    if feed_level is not None and not feed_level.home_only and feed_level.rule.startswith("feed"):
        return feed_level
    if code := government_of(link):
        return Publisher(code, f"item domain {urlsplit(link or '').hostname}")
    return feed_level
