"""The languages extraction reads, one module each (see `base`).

Adding a language: write `xx.py` defining `LANGUAGE`, add it to `LANGUAGES`
below, and give it a `[xx]` (and `[xx_adjectives]`) section in
`data/places.toml` for the demonyms no library carries.  docs/feeds.md has
the steps.
"""

from __future__ import annotations

import re

from timeline.feeds.extract.languages import de, en, es, fr, ja
from timeline.feeds.extract.languages.base import (
    DateWords,
    Language,
    NameWords,
    PlaceWords,
    Structure,
    Trigger,
    trigger,
)
from timeline.feeds.extract.text import fold

LANGUAGES: tuple[Language, ...] = (en.LANGUAGE, fr.LANGUAGE, ja.LANGUAGE, de.LANGUAGE, es.LANGUAGE)
BY_CODE = {language.code: language for language in LANGUAGES}

__all__ = [
    "BY_CODE",
    "LANGUAGES",
    "DateWords",
    "Language",
    "NameWords",
    "PlaceWords",
    "Structure",
    "Trigger",
    "detect_language",
    "languages_in",
    "normalise_language",
    "trigger",
]


_KANA = re.compile(r"[\u3040-\u30ff]")
_CJK = re.compile(r"[\u4e00-\u9fff]")


def detect_language(text: str) -> str:
    """The code of the language whose function words `text` uses most (Japanese by its
    kana): enough to report which language was read, not a general detector."""
    if _KANA.search(text) or len(_CJK.findall(text)) > 10:
        return "ja"
    folded = fold(text)
    counts = [
        (len(language.function_words.findall(folded)), -index, language.code)
        for index, language in enumerate(LANGUAGES)
        if language.code != "ja"
    ]
    return max(counts)[2]


def languages_in(text: str) -> set[str]:
    """Every language of which `text` has a function word (or kana): the modules worth
    reading it with.  Generous on purpose: a short text may have one word of its own."""
    found = {"ja"} if _KANA.search(text) or _CJK.search(text) else set()
    folded = fold(text)
    found |= {
        lang.code for lang in LANGUAGES if lang.code != "ja" and lang.function_words.search(folded)
    }
    return found


def normalise_language(tag: str | None) -> str | None:
    """'fr-CA' -> 'fr'; None or a language not read here -> None (detect instead)."""
    if not tag:
        return None
    primary = tag.strip().lower().replace("_", "-").split("-")[0]
    return primary if primary in BY_CODE else None
