"""Jurisdictions named in feed text: countries, subdivisions, groups.

The gazetteer is data: pycountry's country names (official and common) and
the states/provinces of federal countries, overlaid with
`data/places.toml` (short names, demonyms, capitals and seats, French and
Japanese names).  Text is matched longest phrase first, so "New Mexico" is
not Mexico and "Latin America" (mapped to nothing) is not the United States.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

import pycountry

from timeline.feeds.extract.text import fold
from timeline.model.jurisdictions import registry


@dataclass(frozen=True, slots=True)
class PlaceMention:
    start: int
    end: int
    phrase: str
    code: str


def _french_forms(adjective: str) -> list[str]:
    stems = [adjective, adjective + "e"]
    if adjective.endswith("n"):
        stems.append(adjective + "ne")
    if adjective.endswith("e"):
        stems = [adjective]
    forms = [f for stem in stems for f in (stem, stem if stem.endswith("s") else stem + "s")]
    return forms + [f[0].upper() + f[1:] for f in forms]


@dataclass(frozen=True, slots=True)
class Gazetteer:
    latin: re.Pattern[str]  # matched on folded text, with word boundaries
    cjk: re.Pattern[str]  # Japanese: no word boundaries
    codes: dict[str, str]  # folded phrase -> code ("" for a blocking phrase)

    def find(self, text: str) -> list[PlaceMention]:
        """Place mentions in `text` (already folded), in order, blocking phrases dropped."""
        found: list[PlaceMention] = []
        for pattern in (self.latin, self.cjk):
            for match in pattern.finditer(text):
                for code in self.codes[match.group()].split():
                    found.append(PlaceMention(match.start(), match.end(), match.group(), code))
        return sorted(found, key=lambda p: p.start)


def _alternation(names: list[str]) -> str:
    return "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))


@cache
def gazetteer() -> Gazetteer:
    """Built once per process: pycountry loads slowly."""
    data = tomllib.loads(resources.files("timeline.data").joinpath("places.toml").read_text())
    known = registry().by_code
    codes: dict[str, str] = {}
    for country_code in data["subdivision_countries"]:
        types = data["subdivision_types"].get(country_code)
        subdivisions = pycountry.subdivisions.get(country_code=country_code)  # type: ignore[no-untyped-call]
        for sub in subdivisions or []:
            # Top-level states and provinces only: districts and towns are too
            # often common words or person names.
            if sub.parent_code is None and (types is None or sub.type in types):
                codes[fold(sub.name)] = sub.code
    for country in pycountry.countries:
        for attr in ("name", "common_name", "official_name"):
            name = getattr(country, attr, None)
            if name and "," not in name:
                codes[fold(name)] = country.alpha_2
    for section in ("en", "fr", "ja"):
        for phrase, code in data[section].items():
            codes[fold(phrase)] = code
    for adjective, code in data["fr_adjectives"].items():
        for form in _french_forms(adjective):
            codes[fold(form)] = code
    unknown = sorted({c for value in codes.values() for c in value.split() if c not in known})
    if unknown:
        raise ValueError(f"places.toml names unknown jurisdiction codes: {unknown}")
    latin = [p for p in codes if not re.search(r"[\u3040-\u9fff]", p)]
    cjk = [p for p in codes if re.search(r"[\u3040-\u9fff]", p)]
    # Latin names: whole words only ("US" is not inside "USB"); a Japanese
    # character next to one ("G7デジタル") does not make it part of a word.
    latin_pattern = re.compile(
        r"(?<![A-Za-z0-9\u00c0-\u024f.-])(?:"
        + _alternation(latin)
        + r")(?![A-Za-z0-9\u00c0-\u024f-])"
    )
    return Gazetteer(latin_pattern, re.compile(_alternation(cjk)), codes)


def parent_country(code: str) -> str:
    """'US-CA' -> 'US'; a country or group is its own parent."""
    return code.split("-", maxsplit=1)[0] if "-" in code else code


def is_group(code: str) -> bool:
    return registry().by_code[code].category == "group"
