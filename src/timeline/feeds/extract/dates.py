"""Dates in feed text, with the precision the words support.

Every mention becomes a `PartialDate` string: "September 1, 2025" is a day,
"May 2025" or "later this month" a month, "in 2027" or "next year" a year.
Missing parts are never filled from today's date: a day without a year takes
the year that puts it nearest the item's publication date, and relative words
("on Monday", "来月15日", "mardi") are anchored on that date.  Without a
publication date, relative and year-less mentions are dropped rather than
guessed.

The patterns are the language modules' (`languages/`): written out
(`date_patterns`), or built here from their `DateWords` (month and weekday
names from the CLDR, a few templates); what a match means is read by
`languages.date_readers`.  The words around a date that make it background
("not July 1", "until 2027") are the modules' `DateContext`.  Only ISO dates
and wire datelines, which are no language's, are written here.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from functools import cache

from timeline.feeds.extract.languages import LANGUAGES, DateWords
from timeline.feeds.extract.languages import date_readers as read
from timeline.feeds.extract.languages.date_readers import DatePattern, Tense
from timeline.model.dates import PartialDate, Precision

_YEAR = r"(?P<y>(?:19|20)\d{2})"


@dataclass(frozen=True, slots=True)
class DateMention:
    """One date phrase found in the text, with what we know of its role."""

    start: int
    end: int
    phrase: str
    value: str  # PartialDate string
    relative: bool
    demoted: str | None = None  # why this date is background ("not July 1", "from X to Y")
    after_announcement: bool = False  # "announced Tuesday": the date of the telling

    @property
    def precision(self) -> Precision:
        return PartialDate.parse(self.value).precision


def _alternatives(words: Collection[str]) -> str:
    return "|".join(sorted((re.escape(w) for w in words), key=len, reverse=True))


def _language_patterns(words: DateWords) -> list[DatePattern]:
    """The patterns of one language's dates, from its `DateWords`, longest first."""
    mon = f"(?P<mon>{_alternatives(words.months)})"

    def pattern(template: str) -> re.Pattern[str]:
        body = template.format(d=r"(?P<d>\d{1,2})", mon=mon, y=_YEAR)
        return re.compile(rf"\b{body}\b", re.IGNORECASE)

    named = read.absolute(read.named_month_parts(words.months))
    relative = rf"(?P<rel>{words.next_words}|{words.last_words})"
    found: list[DatePattern] = []
    for templates in (words.day_range, words.day_month_year, words.month_year, words.day_month):
        found += [(pattern(t), named) for t in templates]
    found += [
        (re.compile(rf"\b(?:{words.before_month})\s+{mon}\b(?!\.? ?\d)", re.IGNORECASE), named),
        (
            re.compile(
                rf"\b(?:{words.before_year})\s+{_YEAR}\b(?!\s*[-\u2013/]\s*\d)", re.IGNORECASE
            ),
            read.absolute(read.year_only),
        ),
        (
            re.compile(rf"\b(?P<rel>{_alternatives(words.relative_days)})\b", re.IGNORECASE),
            read.relative_day({k.lower(): v for k, v in words.relative_days.items()}),
        ),
        (
            re.compile(
                rf"\b(?:{relative} )?(?P<wd>{_alternatives(words.weekdays)})"
                rf"{words.weekday_suffix}\b"
                rf"(?: (?P<rel2>{words.next_words}|{words.last_words})\b)?",
                re.IGNORECASE,
            ),
            read.weekday(
                list(words.weekdays),
                set(words.next_words.split("|")),
                set(words.last_words.split("|")),
            ),
        ),
    ]
    if words.relative_years:
        found.append(
            (
                re.compile(rf"\b(?P<rel>{_alternatives(words.relative_years)})\b", re.IGNORECASE),
                read.relative_year({k.lower(): v for k, v in words.relative_years.items()}),
            )
        )
    return found


# ISO dates, as official releases write them in any language.
_ISO: DatePattern = (
    re.compile(r"\b(?P<y>(?:19|20)\d{2})-(?P<m>[01]\d)-(?P<d>[0-3]\d)\b"),
    read.absolute(read.numeric_parts),
)


def _context(field: str) -> str:
    """One `DateContext` field of every language, as alternatives."""
    parts = [getattr(lang.date_context, field) for lang in LANGUAGES]
    return "|".join(f"(?:{part})" for part in parts if part) or r"(?!)"


# Tense of the words just before a date: "will take effect in September" in a
# March item is the coming September, not the last one.  Every language's
# words are read: tense words do not collide across languages.
_FUTURE = re.compile(_context("future"), re.IGNORECASE)
_PRESENT = re.compile(f"(?:{_context('present')})$", re.IGNORECASE)
_ANNOUNCED_BEFORE = re.compile(f"(?:{_context('announced')})$", re.IGNORECASE)
_DOCUMENT_OF = re.compile(f"(?:{_context('document_of')})$", re.IGNORECASE)
_NEGATED = re.compile(f"(?:{_context('negated')})$", re.IGNORECASE)
_WEEKDAY_WORDS = _alternatives(
    [w for lang in LANGUAGES for w in lang.date_context.weekdays]
    + [w for lang in LANGUAGES if lang.dates is not None for w in lang.dates.weekdays]
)
# "until 2027", "runs until Wednesday 6 March", "bis 2027", "10月まで": the end of a period.
_UNTIL_BEFORE = re.compile(
    rf"\b(?:{_context('until')})\s+(?:(?:{_WEEKDAY_WORDS}),?\s+)?$", re.IGNORECASE
)
_UNTIL_AFTER = re.compile(f"^(?:{_context('until_after')})")
# A wire dateline ("LONDON, Jan 29 (GTW) -"): the day the copy was filed, not of the event.
_DATELINE_BEFORE = re.compile(r"(?:^|\n)[A-Z][\w .'\u2019-]{1,40},\s*$")
_DATELINE_AFTER = re.compile(r"^\s*(?:\([^)]{1,30}\)\s*)?[-\u2013\u2014]")
_RANGE_FROM = re.compile(rf"\b(?:{_context('range_from')})\s+$", re.IGNORECASE)
_RANGE_TO = re.compile(rf"^,?\s+(?:{_context('range_to')})\s+$", re.IGNORECASE)


@cache
def _patterns(languages: frozenset[str] | None) -> list[DatePattern]:
    """The patterns of the given languages (all when None), longest and most specific
    first: a span taken by one pattern is not read again.  Written-out patterns come
    before those built from templates (German month names include English ones),
    relative words after all of them."""
    chosen = [lang for lang in LANGUAGES if languages is None or lang.code in languages]
    return [
        _ISO,
        *(p for lang in chosen for p in lang.date_patterns),
        *(p for lang in chosen if lang.dates is not None for p in _language_patterns(lang.dates)),
        *(p for lang in chosen for p in lang.late_date_patterns),
    ]


def _tense(before: str) -> Tense:
    if _ANNOUNCED_BEFORE.search(before):
        return Tense.UNKNOWN  # "will invest, it said on Monday": the telling's tense
    if _FUTURE.search(before):
        return Tense.FUTURE
    if _PRESENT.search(before):
        return Tense.PRESENT
    return Tense.UNKNOWN


def _raw_mentions(
    text: str,
    anchor: dt.date | None,
    sentence_start: Callable[[int], int],
    languages: frozenset[str] | None,
) -> Iterator[DateMention]:
    taken: list[tuple[int, int]] = []
    for pattern, reader in _patterns(languages):
        for match in pattern.finditer(text):
            start, end = match.span()
            if any(start < t_end and t_start < end for t_start, t_end in taken):
                continue
            before = text[max(sentence_start(start), start - 50) : start]
            value, relative = reader(match, anchor, _tense(before))
            taken.append((start, end))  # a phrase that names no date still blocks shorter reads
            if value is not None:
                yield DateMention(start, end, text[start:end], value, relative)


def find_dates(
    text: str,
    anchor: dt.date | None,
    sentence_start: Callable[[int], int] = lambda _: 0,
    languages: Collection[str] | None = None,
) -> list[DateMention]:
    """All date mentions in `text` (already passed through `fold`), in text order.

    `languages` limits the language modules read; by default, all.

    `anchor` is the publication date in the publisher's own time zone;
    `sentence_start(offset)` gives where the sentence around an offset begins
    (tense is read from the words before a date, within its sentence).
    """
    chosen = frozenset(languages) if languages is not None else None
    found = sorted(_raw_mentions(text, anchor, sentence_start, chosen), key=lambda m: m.start)
    marked: list[DateMention] = []
    for index, mention in enumerate(found):
        before = text[max(0, mention.start - 60) : mention.start]
        demoted: str | None = None
        if _NEGATED.search(before):
            demoted = "negated"
        elif _DATELINE_BEFORE.search(before) and _DATELINE_AFTER.match(text[mention.end :]):
            demoted = "dateline"
        elif _UNTIL_BEFORE.search(before) or _UNTIL_AFTER.match(text[mention.end :]):
            demoted = "end of a period"
        elif _DOCUMENT_OF.search(before):
            demoted = "date of a document"
        elif _RANGE_FROM.search(before) and index + 1 < len(found):
            following = found[index + 1]
            if _RANGE_TO.match(text[mention.end : following.start]):
                demoted = "old value of a change"
        if demoted is None and index > 0:
            previous = found[index - 1]
            if _RANGE_TO.match(text[previous.end : mention.start]) and _RANGE_FROM.search(
                text[max(0, previous.start - 20) : previous.start]
            ):
                demoted = "new value of a change"
        marked.append(
            DateMention(
                mention.start,
                mention.end,
                mention.phrase,
                mention.value,
                mention.relative,
                demoted,
                bool(_ANNOUNCED_BEFORE.search(before)),
            )
        )
    return marked
