"""The same event reported by several items: other feeds, other words, other languages."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

from timeline.feeds.extract.item import ItemExtraction
from timeline.feeds.extract.kinds import find_kinds, is_correction
from timeline.feeds.extract.languages import LANGUAGES, detect_language
from timeline.feeds.extract.places import gazetteer
from timeline.feeds.extract.text import dateline_as_name, fold
from timeline.model.dates import PartialDate


def _dates_compatible(a: str, b: str) -> bool:
    """Equal, or one interval inside the other ("2025-09" and "2025-09-01")."""
    first, second = PartialDate.parse(a), PartialDate.parse(b)
    return (first.start <= second.start and second.end <= first.end) or (
        second.start <= first.start and first.end <= second.end
    )


_STOPWORDS = frozenset(word for lang in LANGUAGES for word in lang.topic_stop_words)
_WORD = re.compile(r"[^\W\d_][\w'\u2019-]*")
_CJK_RUN = re.compile(r"[\u3040-\u9fff]+")


def _stem(word: str) -> str:
    word = re.sub(r"(?:'s|\u2019s|ing|ed|es|s)$", "", word)
    return word[:5]


def _content_tokens(item: ItemExtraction) -> set[str]:
    """Words that say what an item is about: stemmed, without stopwords, places,
    dates or the wording of the kind.

    Frame words (the country, "passed", "Tuesday") are shared by any two reports
    of one parliament's day; the topic words are what tell two events apart.
    """
    text = fold(f"{item.title}\n{dateline_as_name(item.summary[:400])}")
    frame = [(p.start, p.end) for p in gazetteer().find(text)]
    # Short kind wording ("passed", "takes effect") is frame; a long match
    # ("hosts the AI Impact Summit") carries topic words, so it stays.
    frame += [(k.start, k.end) for k in find_kinds(text) if len(k.phrase.split()) <= 3]
    for start, end in sorted(frame, reverse=True):
        text = text[:start] + " " + text[end:]
    tokens: set[str] = set()
    for run in _CJK_RUN.findall(text):
        tokens |= {run[i : i + 2] for i in range(len(run) - 1)}
    for word in _WORD.findall(_CJK_RUN.sub(" ", text).lower()):
        if word not in _STOPWORDS and word not in _DATE_WORDS and len(_stem(word)) > 1:
            tokens.add(_stem(word))
    return tokens


_DATE_WORDS = frozenset(
    """monday tuesday wednesday thursday friday saturday sunday today yesterday tomorrow
    january february march april may june july august september october november december
    jan feb mar apr jun jul aug sep sept oct nov dec week month year lundi mardi mercredi
    jeudi vendredi samedi dimanche janvier fevrier avril mai juin juillet aout septembre
    octobre novembre decembre""".split()  # noqa: SIM905 - a word list reads best as text
)


def _similarity(a: ItemExtraction, b: ItemExtraction) -> float:
    """Share of topic words in common (Jaccard of content tokens), 0..1."""
    first, second = _content_tokens(a), _content_tokens(b)
    return len(first & second) / len(first | second) if first | second else 0.0


# Jaccard thresholds on topic words: two reports of one event share a good
# part of their topic words; two events of one place and day share almost none.
SIMILAR_TOPIC = 0.2
SAME_TOPIC = 0.35


def same_event(a: ItemExtraction, b: ItemExtraction) -> bool:
    """Whether two items report the same event (other feed, wording or language).

    Kind and a shared jurisdiction are required.  Then: the same day is enough
    across languages (wording cannot be compared) and needs some shared wording
    within one; a coarser but compatible date needs more; a correction may move
    the date, so it is matched on wording alone.
    """
    if not (a.is_event and b.is_event and a.kind == b.kind and a.effective and b.effective):
        return False
    if not set(a.jurisdictions) & set(b.jurisdictions):
        return False
    same_language = detect_language(a.title + a.summary) == detect_language(b.title + b.summary)
    similarity = _similarity(a, b) if same_language else 0.0
    if is_correction(a.title) or is_correction(b.title):
        return same_language and similarity >= SIMILAR_TOPIC
    if not _dates_compatible(a.effective, b.effective):
        return False
    exact_day = a.effective == b.effective and len(a.effective) == 10
    if exact_day:
        return not same_language or similarity >= SIMILAR_TOPIC
    return same_language and similarity >= SAME_TOPIC


def link_duplicates(items: Sequence[ItemExtraction]) -> list[int | None]:
    """For each item, the index of the earliest-published item it duplicates, else None.

    Items without a publication time count as published last, in input order.
    """
    far_future = dt.datetime.max.replace(tzinfo=dt.UTC)
    order = sorted(range(len(items)), key=lambda i: (items[i].published or far_future, i))
    links: list[int | None] = [None] * len(items)
    for position, index in enumerate(order):
        for earlier in order[:position]:
            if links[earlier] is None and same_event(items[earlier], items[index]):
                links[index] = earlier
                break
    return links
