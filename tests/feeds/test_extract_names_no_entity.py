"""The extractor's rules and data never name an entity of a corpus item.

Rules fitted to the development corpora would name what those items are
about: an organisation, a law, a person, a programme.  This test takes the
proper nouns of every title of both corpora (capitalised words that are not
the first of the title, acronyms, and Japanese 「quoted」 names), keeps those
that are not places (the gazetteer reads them as none) and not common words
(written in lower case somewhere in the corpora, or in the short list below
of nouns German capitalises and title case may capitalise), and requires
that none of them appears in src/timeline/feeds/extract/ or its data.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from babel.dates import get_day_names, get_month_names

from timeline.feeds.extract import load_feed
from timeline.feeds.extract.places import gazetteer
from timeline.feeds.extract.text import fold, html_to_text

REPO = Path(__file__).resolve().parents[2]
CORPORA = [REPO / "tests" / "feeds" / "corpus", REPO / "tests" / "feeds" / "corpus-more"]
RULES = [
    *sorted((REPO / "src" / "timeline" / "feeds" / "extract").rglob("*.py")),
    REPO / "src" / "timeline" / "data" / "places.toml",
    REPO / "src" / "timeline" / "data" / "groups.toml",
]
# Common nouns and adjectives that German capitalises or headlines write in
# title case and the corpora never write in lower case: words, not names.
COMMON = {
    "kabinettsbeschluss", "behorde", "bundesregierung", "kraft", "offensive", "aktionsplan",
    "aufsicht", "verordnung", "verwaltung", "politik", "kommunen", "jahre", "labor",
    "forschungsstandort", "council", "assembly", "bureau", "conseil", "official", "process",
    "park", "director", "friends", "journal", "royal", "assent", "recomendacion",
    "absichtserklarung", "behorden", "gipfel", "leitlinien", "neue", "regeln", "strategie",
    "unternehmen", "politica", "consejo", "less", "asian", "latin", "jedes",
    # rubrics that head non-events
    "analysis", "explainer", "opinion", "podcast", "careers", "chronique", "correction",
    "rectificatif", "kommentar", "hintergrund", "mercados", "historia",
}  # fmt: skip
# Month and weekday names (CLDR), which English and German capitalise.
DATE_WORDS = {
    fold(name).lower().rstrip(".")
    for locale in ("en", "fr", "de", "es")
    for names in (
        get_month_names("wide", locale=locale),
        get_month_names("abbreviated", locale=locale),
        get_day_names("wide", locale=locale),
    )
    for name in names.values()
}
_WORD = re.compile(r"[A-Za-z\u00c0-\u024f][A-Za-z0-9\u00c0-\u024f'\u2019]*")


def _titles_and_texts() -> tuple[list[str], str]:
    titles: list[str] = []
    texts: list[str] = []
    for corpus in CORPORA:
        feeds = {label["feed"] for label in json.loads((corpus / "labels.json").read_text())}
        for feed in sorted(feeds):
            parsed, _ = load_feed(str(corpus / feed))
            for entry in parsed.entries:
                titles.append(html_to_text(str(entry.get("title") or "")))
                texts.append(html_to_text(str(entry.get("summary") or "")))
    return titles, "\n".join(titles + texts)


def proper_nouns() -> set[str]:
    titles, everything = _titles_and_texts()
    lower_words = {w for w in _WORD.findall(fold(everything)) if w[:1].islower()}
    found: set[str] = set()
    for title in titles:
        folded = fold(title)
        places = gazetteer().find(folded)
        for quoted in re.findall(r"「([^」]+)」", folded):
            if not gazetteer().find(quoted):
                found.add(quoted)
        for word in _WORD.finditer(folded):
            text = word.group().rstrip("'\u2019")
            if not text[:1].isupper() or len(text) < 3 or text in gazetteer().codes:
                continue  # a word, or a place (or a phrase marked as none: "Latin")
            if any(p.start <= word.start() < p.end for p in places):
                continue
            if text.lower() in lower_words or text.lower() in COMMON | DATE_WORDS:
                continue
            found.add(text)
    return found


def test_the_corpora_have_proper_nouns_to_check() -> None:
    nouns = proper_nouns()
    # The check must have something to check: names of bodies, laws and firms.
    assert len(nouns) >= 15, sorted(nouns)
    assert {"Bundestag", "Destatis", "OpenAI", "GDPR"} <= nouns


def test_no_rule_or_datum_names_an_entity_of_a_corpus_item() -> None:
    rules = "\n".join(fold(path.read_text(encoding="utf-8")).lower() for path in RULES)
    named = sorted(
        noun
        for noun in proper_nouns()
        if re.search(rf"(?<![a-z0-9]){re.escape(noun.lower())}(?![a-z0-9])", rules)
    )
    assert named == [], f"rules or data name entities of corpus items: {named}"
