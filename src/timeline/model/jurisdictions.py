"""Jurisdiction codes: ISO 3166-1 alpha-2, ISO 3166-2, and groups kept as data.

ISO codes come from pycountry, so the list follows the standard without us
maintaining it; groups (EU, ASEAN, G7, ...) come from `data/groups.toml`.
"""

from __future__ import annotations

import difflib
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

import pycountry

from timeline.errors import UnknownJurisdictionError


@dataclass(frozen=True, slots=True)
class Jurisdiction:
    code: str
    name: str
    category: str  # "country", "subdivision" or "group"
    members: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class JurisdictionRegistry:
    by_code: dict[str, Jurisdiction]
    aliases: dict[str, str]

    def validate(self, code: str) -> str:
        """Return the canonical (upper-case) code, or raise with suggestions."""
        if code in self.by_code:  # already canonical: the common case, one lookup
            return code
        canonical = code.strip().upper()
        if canonical in self.by_code:
            return canonical
        raise UnknownJurisdictionError(code, self.suggest(code))

    def get(self, code: str) -> Jurisdiction:
        return self.by_code[self.validate(code)]

    def suggest(self, text: str, limit: int = 3) -> list[str]:
        """Nearest known codes to `text`, each with its name, best first."""
        key = text.strip().upper()
        found: list[str] = []
        if key in self.aliases:
            found.append(self.aliases[key])
        by_name = {j.name.upper(): j.code for j in self.by_code.values()}
        if key in by_name:
            found.append(by_name[key])
        # Codes: string similarity, nudged towards codes that start alike and
        # that have digits where the input has (people mistype the end of a
        # code far more often than its first letter; "G8" means G7 or G20).
        prefix = key.split("-")[0]
        has_digit = any(ch.isdigit() for ch in key)
        scored = [
            (
                difflib.SequenceMatcher(None, key, c).ratio()
                + 0.1 * (c[0] == key[:1])
                + 0.1 * (has_digit == any(ch.isdigit() for ch in c)),
                c,
            )
            for c in self.by_code
            if "-" not in c or c.startswith(prefix)
        ]
        found += [c for score, c in sorted(scored, key=lambda sc: -sc[0])[:limit] if score >= 0.5]
        found += [by_name[n] for n in difflib.get_close_matches(key, list(by_name), limit, 0.8)]
        unique = list(dict.fromkeys(found))[:limit]
        return [f"{c} ({self.by_code[c].name})" for c in unique]


@cache
def registry() -> JurisdictionRegistry:
    """The registry, built once per process (pycountry loads lazily and slowly)."""
    by_code: dict[str, Jurisdiction] = {}
    for country in pycountry.countries:
        by_code[country.alpha_2] = Jurisdiction(country.alpha_2, country.name, "country")
    for sub in pycountry.subdivisions:
        by_code[sub.code] = Jurisdiction(sub.code, sub.name, "subdivision")
    data = tomllib.loads(resources.files("timeline.data").joinpath("groups.toml").read_text())
    for code, group in data["groups"].items():
        by_code[code] = Jurisdiction(code, group["name"], "group", tuple(group["members"]))
    return JurisdictionRegistry(by_code, dict(data.get("aliases", {})))


def validate_code(code: str) -> str:
    # Every event validates its codes, so the canonical ones skip the call chain.
    if code in _known_codes():
        return code
    return registry().validate(code)


@cache
def _known_codes() -> frozenset[str]:
    return frozenset(registry().by_code)


def is_jurisdiction(text: str) -> bool:
    """Whether `text` is a jurisdiction code as stored (canonical): a country, a
    subdivision or a group, rather than the name of an organisation.  Event
    parties are either (`model.events`), and codes are validated on the way in."""
    return text in _known_codes()


def within(code: str, parent: str) -> bool:
    """Whether `code` is `parent` itself or one of its ISO 3166-2 subdivisions.

    The one rule for "does a question about `parent` cover `code`": `US-TX` is
    within `US`, `US` is not within `US-TX`, and a group's members are not
    within the group (a fact about France is not a fact about the EU).
    Subdivision codes are the country's code, a hyphen and the local part, so
    the test needs no registry lookup.
    """
    return code == parent or code.startswith(f"{parent}-")


@cache
def subdivisions_of(parent: str) -> tuple[str, ...]:
    """Every known code `within` `parent` but `parent` itself, in code order (ISO
    3166-2 lists them: a country's subdivisions, and theirs)."""
    return tuple(sorted(c for c in _known_codes() if c != parent and within(c, parent)))
