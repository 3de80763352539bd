"""Event kinds from wording, and the marks of items that report no event.

The wordings are the language modules' (`languages/`): each trigger is a
pattern for one fact kind.  Where two triggers overlap, the one of the kind
listed first in `KIND_ORDER` wins ("moves the effective date" is an
amendment, not an entry into force).  A "weak" trigger (unveil, release)
names a kind only when no strong trigger is found.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from functools import cache

from timeline.feeds.extract.languages import LANGUAGES, Trigger
from timeline.feeds.extract.text import fold


@dataclass(frozen=True, slots=True)
class KindMention:
    start: int
    end: int
    phrase: str
    kind: str
    weak: bool


# What the object of an adoption can make of it: a draft approved ("aprueba el
# anteproyecto", "approves the draft") is still a proposal; an updated or revised
# policy presented is an amendment of the existing one.
_OBJECT_WINDOW = 40
_UPDATED_OBJECTS = [lang.updated_object for lang in LANGUAGES if lang.updated_object is not None]


def _updated(text: str) -> bool:
    return any(pattern.search(text) for pattern in _UPDATED_OBJECTS)


def _object_kind(text: str, mention: KindMention, found: list[KindMention]) -> str:
    """The kind an adoption reports, read from its object in the clause after the verb."""
    if mention.kind != "instrument.adopted" or mention.weak:
        return mention.kind
    clause = re.split(r"[.,;\n。、]", text[mention.end : mention.end + _OBJECT_WINDOW])[0]
    clause_end = mention.end + len(clause)
    if any(m.kind == "instrument.proposed" and mention.end <= m.start < clause_end for m in found):
        return "instrument.proposed"
    if _updated(mention.phrase) or _updated(clause):
        return "instrument.amended"
    return mention.kind


def _by_object(text: str, found: list[KindMention]) -> list[KindMention]:
    """Adoptions re-read by their object ("approves the draft" is a proposal)."""
    return [
        KindMention(m.start, m.end, m.phrase, _object_kind(text, m, found), m.weak) for m in found
    ]


@cache
def _triggers(languages: frozenset[str] | None) -> list[Trigger]:
    """The wordings of the given languages (all when None), in kind order.

    A stable sort: within a kind each language's wordings in `LANGUAGES` order.
    """
    own = [
        t
        for language in LANGUAGES
        if languages is None or language.code in languages
        for t in language.triggers
    ]
    return sorted(own, key=lambda t: t.rank)


def find_kinds(text: str, languages: Collection[str] | None = None) -> list[KindMention]:
    """Trigger phrases in `text` (already folded), in order; overlaps go to the earlier rule.

    `languages` limits the language modules read; by default, all.
    """
    taken: list[tuple[int, int]] = []
    found: list[KindMention] = []
    for rule in _triggers(frozenset(languages) if languages is not None else None):
        for match in rule.pattern.finditer(text):
            start, end = match.span()
            if any(start < t_end and t_start < end for t_start, t_end in taken):
                continue
            taken.append((start, end))
            found.append(KindMention(start, end, match.group(), rule.kind, rule.weak))
    return _by_object(text, sorted(found, key=lambda k: k.start))


# Genres that report no event (labels' "events and non-events"), recognised by
# how each language heads such items: a rubric before a colon or in 【】, or
# stock phrases; and a correction that changes no date.  Every language's
# marks are read: a rubric is short and its words do not collide.
_NON_EVENT_TITLES = [lang.non_event_title for lang in LANGUAGES if lang.non_event_title]
_NON_EVENT_BODIES = [lang.non_event_body for lang in LANGUAGES if lang.non_event_body]
_CORRECTION_TITLES = [lang.correction_title for lang in LANGUAGES if lang.correction_title]
_UNCHANGED = [lang.unchanged for lang in LANGUAGES if lang.unchanged]


def non_event_reason(title: str, body: str) -> str | None:
    """Why an item is not an event by its genre, or None when it may be one.

    Matched on the folded text, quoted as written (folding keeps offsets).
    """
    folded_title, folded_body = fold(title), fold(body)
    for pattern in _NON_EVENT_TITLES:
        if match := pattern.search(folded_title):
            return f"title marks a non-event: {title[match.start() : match.end()].strip()!r}"
    for pattern in _NON_EVENT_BODIES:
        if match := pattern.search(folded_body):
            return f"text marks a non-event: {body[match.start() : match.end()].strip()!r}"
    if is_correction(folded_title):
        for pattern in _UNCHANGED:
            if match := pattern.search(folded_body):
                return f"correction that changes no date: {body[match.start() : match.end()]!r}"
    return None


def is_correction(title: str) -> bool:
    return any(pattern.search(title) for pattern in _CORRECTION_TITLES)
