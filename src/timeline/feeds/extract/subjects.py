"""What a candidate is about: the name of its instrument, body, agreement or meeting,
and the subject already in the log that it continues, if any.

A name is read from the headline (the title, then the lead sentence): a
quoted name (“...”, «...», „...“, 「...」), else a run of capitalised words
that ends in a head noun of the kind ("Responsible AI Governance Act", "AI
Safety Institute", "Digital Partnership"), else a German compound built on
one ("KI-Transparenzgesetz"), else a Japanese noun phrase ending in one
("AI基本計画").  No name: the subject falls back to the title's first words.

Linking is conservative, because a wrong link extends the wrong stream: a
subject of the log is proposed only when it shares the jurisdiction and most
of the name's distinctive words, head noun included; the score and the words
shared are the evidence.  No link is better than a wrong one.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from timeline.feeds.extract.languages import LANGUAGES
from timeline.feeds.extract.places import gazetteer
from timeline.feeds.extract.text import fold


def _alternatives(field: str) -> str:
    """One `NameWords` field of every language, as alternatives."""
    return (
        "|".join(f"(?:{part})" for lang in LANGUAGES if (part := getattr(lang.names, field)))
        or r"(?!)"
    )


_HEADS = _alternatives("heads")
_CONNECTOR = f"(?:{_alternatives('connectors')})"
_CAPITALISED = rf"(?:[A-Z][\w'\u2019.-]*|{_alternatives('abbreviations')})"
_NAMED = re.compile(
    rf"{_CAPITALISED}(?:\s+(?:{_CONNECTOR}\s+)*{_CAPITALISED})*?\s+(?:{_HEADS})\b"
    rf"(?:\s+(?:{_alternatives('after_head')})\s+{_CAPITALISED}(?:\s+{_CAPITALISED})*)?"
)
# Quotation marks are no language's: any of them around a name.
_QUOTED = re.compile(r"[“\"«„「]\s*([^”\"»“」]{3,80}?)\s*[”\"»“」]")
_COMPOUNDS = [lang.names.compound for lang in LANGUAGES if lang.names.compound is not None]
_NOUN_PHRASES = [lang.names.noun_phrase for lang in LANGUAGES if lang.names.noun_phrase is not None]
_STOP = frozenset(word for lang in LANGUAGES for word in lang.names.stop_words)
_HEAD_WORDS = frozenset(w.lower().rstrip("?s") for w in re.findall(r"[A-Za-z]+", _HEADS))


def subject_name(title: str, lead: str = "") -> str | None:
    """The name of what the headline is about, as written, or None."""
    for text in (title, lead):
        if match := _QUOTED.search(text):
            return match.group(1).strip()
        if match := _NAMED.search(text):
            return match.group().strip()
        for pattern in _COMPOUNDS + _NOUN_PHRASES:
            if match := pattern.search(text):
                return match.group()
    return None


def _words(text: str) -> set[str]:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    latin = {w for w in re.findall(r"[a-z0-9]+", ascii_text) if w not in _STOP and len(w) > 1}
    # Japanese has no spaces: its characters in pairs stand for its words.
    cjk = re.sub(r"[^\u3040-\u30ff\u4e00-\u9fff]", "", text)
    return latin | {cjk[i : i + 2] for i in range(len(cjk) - 1)}


@dataclass(frozen=True, slots=True)
class Known:
    """A subject of the log, with the titles of its events and their jurisdictions."""

    subject: str
    titles: tuple[str, ...]
    jurisdictions: frozenset[str]


@dataclass(frozen=True, slots=True)
class SubjectLink:
    subject: str
    score: float
    shared: tuple[str, ...]

    @property
    def evidence(self) -> str:
        return f"{self.subject} (score {self.score:.2f}; shared: {', '.join(self.shared)})"


# A link needs this share of the name's words, and two of them at least.
LINK_THRESHOLD = 0.7
# The name's words a linked subject may lack: abbreviations ("AI" for "Artificial
# Intelligence").  A longer word missing names another instrument ("Robot Safety
# Labelling Act" is not the "Robot Safety Act").
_ABBREVIATION = 3


def _distinctive_words(name: str) -> set[str]:
    """The words of a name without its places: a shared jurisdiction is required
    anyway, so "Vermont" says nothing about which of Vermont's acts it is."""
    folded = fold(name)
    kept = list(folded)
    for place in gazetteer().find(folded):
        kept[place.start : place.end] = " " * (place.end - place.start)
    return _words("".join(kept))


def link_subject(
    name: str | None, jurisdictions: Iterable[str], known: Iterable[Known]
) -> SubjectLink | None:
    """The known subject `name` continues, or None.

    Score: the share of the name's distinctive words (places left out) that the
    subject's slug or one of its titles has.  A link needs a shared
    jurisdiction, a score of at least `LINK_THRESHOLD`, two shared words or
    more, the name's head noun among them ("act" with "act"), no lacking word
    but an abbreviation, and a clear winner: a tie links nothing.
    """
    if not name:
        return None
    wanted = _distinctive_words(name)
    heads = {w for w in wanted if w.rstrip("s") in _HEAD_WORDS}
    if len(wanted) < 2:
        return None
    places = set(jurisdictions)
    scored: list[SubjectLink] = []
    for candidate in known:
        if not places & candidate.jurisdictions:
            continue
        best: set[str] = set()
        for text in (candidate.subject.split("/", 1)[-1].replace("-", " "), *candidate.titles):
            shared = wanted & _words(text)
            if len(shared) > len(best):
                best = shared
        score = len(best) / len(wanted)
        lacking = wanted - best
        if (
            score >= LINK_THRESHOLD
            and len(best) >= 2
            and (not heads or heads & best)
            and all(len(word) <= _ABBREVIATION for word in lacking)
        ):
            scored.append(SubjectLink(candidate.subject, round(score, 2), tuple(sorted(best))))
    scored.sort(key=lambda link: link.score, reverse=True)
    if not scored or (len(scored) > 1 and scored[1].score == scored[0].score):
        return None
    return scored[0]
