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
    language: str = ""  # the code of the module whose wording this is


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
        KindMention(m.start, m.end, m.phrase, _object_kind(text, m, found), m.weak, m.language)
        for m in found
    ]


@cache
def _triggers(languages: frozenset[str] | None) -> list[tuple[Trigger, str]]:
    """The wordings of the given languages (all when None), with their language's code,
    in kind order.

    A stable sort: within a kind each language's wordings in `LANGUAGES` order.
    """
    own = [
        (t, language.code)
        for language in LANGUAGES
        if languages is None or language.code in languages
        for t in language.triggers
    ]
    return sorted(own, key=lambda tc: tc[0].rank)


def find_kinds(text: str, languages: Collection[str] | None = None) -> list[KindMention]:
    """Trigger phrases in `text` (already folded), in order; overlaps go to the earlier rule.

    `languages` limits the language modules read; by default, all.
    """
    taken: list[tuple[int, int]] = []
    found: list[KindMention] = []
    for rule, code in _triggers(frozenset(languages) if languages is not None else None):
        for match in rule.pattern.finditer(text):
            start, end = match.span()
            if any(start < t_end and t_start < end for t_start, t_end in taken):
                continue
            taken.append((start, end))
            found.append(KindMention(start, end, match.group(), rule.kind, rule.weak, code))
    return _by_object(text, sorted(found, key=lambda k: k.start))


# -- the headline sentence's structure ----------------------------------------
#
# Which of a sentence's wordings is its event: the main verb, not a wording
# inside an adjunct ("ahead of the summit", "as ministers meet", "会合で"), a
# verb before a noun ("adopts" before "investment plan"), and not the meeting
# at which something was concluded ("meet and sign a pact": the pact).  Each
# language says how its adjuncts and nouns look (`Language.structure`); the
# rules below are the same for all.

_CLAUSE_BREAK = re.compile(r"[,;:\n\u2013\u2014()\u3000\u3001\u3002]")
_STRUCTURES = {lang.code: lang.structure for lang in LANGUAGES}
# Kinds that are the occasion of another event in the same sentence: leaders
# meet and adopt, sign or launch something; the something is the news.
_OCCASION_KINDS = frozenset({"meeting.held"})


def _clause_start(text: str, start: int, offset: int) -> int:
    """Where the clause around `offset` begins, not before `start`."""
    breaks = [m.end() for m in _CLAUSE_BREAK.finditer(text, start, offset)]
    return breaks[-1] if breaks else start


def in_adjunct(text: str, start: int, mention: KindMention) -> bool:
    """Whether a wording sits in an adjunct of its clause ("ahead of the summit",
    "as ministers meet", "首脳会談で"): background to the sentence's event."""
    return span_in_adjunct(text, start, mention.start, mention.end, mention.language)


def span_in_adjunct(
    text: str, start: int, span_start: int, span_end: int, language: str, *, wording: bool = True
) -> bool:
    """Whether `text[span_start:span_end]` (a wording, or a place when not `wording`)
    is in an adjunct of its clause by the structure of `language`; `start` is where
    its sentence begins.  The particles after a wording (`adjunct_after`) say
    nothing of a place: "中国の" is "China's"."""
    structure = _STRUCTURES.get(language)
    if structure is None:
        return False
    before = text[_clause_start(text, start, span_start) : span_start]
    after = text[span_end : span_end + 12]
    return bool(
        (structure.adjunct_before and structure.adjunct_before.search(before))
        or (wording and structure.adjunct_after and structure.adjunct_after.match(after))
    )


def is_nominal(mention: KindMention) -> bool:
    """Whether a wording is a noun ("investment", "summit") rather than a verb."""
    structure = _STRUCTURES.get(mention.language)
    nominal = structure.nominal if structure is not None else None
    return bool(nominal and nominal.fullmatch(mention.phrase))


def headline_order(text: str, start: int, mentions: list[KindMention]) -> list[KindMention]:
    """The wordings of one sentence (beginning at `start`), its event's first.

    The main verb comes first: wordings outside adjuncts before those inside
    (which are kept last, for a sentence that has nothing else); among them
    verbs before nouns, and a meeting after what it concluded.  Then by place:
    the first, or in a verb-final language (Japanese) the last of the first
    clause that has one ("会合で行動規範を採択": 採択).
    """
    adjunct = {id(m): in_adjunct(text, start, m) for m in mentions}
    main_verbs = [m for m in mentions if not adjunct[id(m)] and not is_nominal(m)]

    def key(m: KindMention) -> tuple[bool, bool, bool, int, int]:
        structure = _STRUCTURES.get(m.language)
        yields = m.kind in _OCCASION_KINDS and any(
            v.kind not in _OCCASION_KINDS and not v.weak for v in main_verbs
        )
        if structure is not None and structure.verb_final:
            clause = len(_CLAUSE_BREAK.findall(text, start, m.start))
            return (adjunct[id(m)], yields, False, clause, -m.start)
        return (adjunct[id(m)], yields, is_nominal(m), 0, m.start)

    return sorted(mentions, key=key)


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
