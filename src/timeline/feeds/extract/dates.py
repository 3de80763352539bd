"""Dates in feed text, with the precision the words support.

Every mention becomes a `PartialDate` string: "September 1, 2025" is a day,
"May 2025" or "later this month" a month, "in 2027" or "next year" a year.
Missing parts are never filled from today's date: a day without a year takes
the year that puts it nearest the item's publication date, and relative words
("on Monday", "来月15日", "mardi") are anchored on that date.  Without a
publication date, relative and year-less mentions are dropped rather than
guessed.

English, French and Japanese patterns are written here; other languages'
are built from their `DateWords` (month and weekday names from the CLDR).
All run on every text: their words do not collide, and a mislabelled feed
language then costs nothing.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from functools import cache

from timeline.feeds.extract.languages import LANGUAGES, DateWords
from timeline.model.dates import PartialDate, Precision

_EN_MONTHS = {
    "January": 1, "Jan": 1, "February": 2, "Feb": 2, "March": 3, "Mar": 3, "April": 4,
    "Apr": 4, "May": 5, "June": 6, "Jun": 6, "July": 7, "Jul": 7, "August": 8, "Aug": 8,
    "September": 9, "Sept": 9, "Sep": 9, "October": 10, "Oct": 10, "November": 11, "Nov": 11,
    "December": 12, "Dec": 12,
}  # fmt: skip
# French month names as they read after `fold` (accents dropped).
_FR_MONTHS = {
    "janvier": 1, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6, "juillet": 7,
    "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11, "decembre": 12,
}  # fmt: skip
_EN_WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
_FR_WEEKDAYS = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]
_ERAS = {"令和": 2018, "平成": 1988}

_EN_MON = r"(?P<mon>" + "|".join(sorted(_EN_MONTHS, key=len, reverse=True)) + r")\.?"
_FR_MON = r"(?P<mon>" + "|".join(_FR_MONTHS) + r")"
_ORD = r"(?:st|nd|rd|th)?"
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


@dataclass(frozen=True, slots=True)
class _Parts:
    """What a pattern read: a year, month and day, any of them possibly missing."""

    year: int | None
    month: int | None
    day: int | None
    direction: int = 0  # +1 "next/prochain": after the anchor; -1 "last": before


def _closest_year(month: int, day: int | None, anchor: dt.date, direction: int) -> int | None:
    """The year that puts (month, day) nearest `anchor`, or strictly after/before it."""
    options: list[tuple[float, int]] = []
    for year in (anchor.year - 1, anchor.year, anchor.year + 1):
        last = calendar.monthrange(year, month)[1]
        if day is not None and day > last:
            continue
        start = dt.date(year, month, day or 1)
        end = dt.date(year, month, day or last)
        if direction > 0 and end <= anchor:
            continue
        if direction < 0 and start >= anchor:
            continue
        middle = start + (end - start) / 2
        options.append((abs((middle - anchor).days), year))
    return min(options)[1] if options else None


def _resolve(parts: _Parts, anchor: dt.date | None) -> str | None:
    year, month, day = parts.year, parts.month, parts.day
    if year is None:
        if anchor is None or month is None:
            return None
        year = _closest_year(month, day, anchor, parts.direction)
        if year is None:
            return None
    try:
        if month is None:
            return str(PartialDate(dt.date(year, 1, 1), Precision.YEAR))
        if day is None:
            return str(PartialDate(dt.date(year, month, 1), Precision.MONTH))
        return str(PartialDate(dt.date(year, month, day), Precision.DAY))
    except ValueError:
        return None  # "February 30": not a date, so not a mention


def _shift_month(anchor: dt.date, months: int) -> dt.date:
    index = anchor.year * 12 + anchor.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def _weekday(anchor: dt.date, weekday: int, direction: int) -> dt.date:
    """The given weekday relative to `anchor`: on or before it by default.

    News reports mostly what happened, so a bare "on Thursday" is the latest
    Thursday up to the publication day; "next"/"prochain" looks forward and
    "last"/"dernier" strictly back.
    """
    if direction > 0:
        return anchor + dt.timedelta(days=(weekday - anchor.weekday() - 1) % 7 + 1)
    back = (anchor.weekday() - weekday) % 7
    if direction < 0 and back == 0:
        back = 7
    return anchor - dt.timedelta(days=back)


# Tense of the words just before a date: "will take effect in September" in a
# March item is the coming September, not the last one.
_FUTURE = re.compile(
    r"\b(?:will|shall|due to|set to|expected to|to be held|"
    r"to (?:take|come|enter|apply|start|begin)|"
    r"sera|seront|aura|auront|va|vont|\w{3,}(?:eront|iront|era|ira))\b|予定|"
    + "|".join(lang.dates.future for lang in LANGUAGES if lang.dates is not None),
    re.IGNORECASE,
)


# Each reader turns one regex match into the date it names (or None), given
# the anchor and the words just before the match in its sentence (for tense).
Reader = Callable[[re.Match[str], dt.date | None, str], "tuple[str | None, bool]"]


def _absolute(fields: Callable[[re.Match[str]], _Parts]) -> Reader:
    def read(match: re.Match[str], anchor: dt.date | None, before: str) -> tuple[str | None, bool]:
        parts = fields(match)
        if parts.year is None and parts.direction == 0 and _FUTURE.search(before):
            parts = _Parts(None, parts.month, parts.day, 1)
        return _resolve(parts, anchor), parts.year is None

    return read


def _int(match: re.Match[str], name: str) -> int | None:
    value = match.groupdict().get(name)
    if value is None:
        return None
    return 1 if value in {"1er", "元"} else int(value)


def _en_parts(match: re.Match[str]) -> _Parts:
    return _Parts(_int(match, "y"), _EN_MONTHS[match["mon"]], _int(match, "d"))


def _fr_parts(match: re.Match[str]) -> _Parts:
    rel = (match.groupdict().get("rel") or "").lower()
    direction = 1 if rel == "prochain" else -1 if rel == "dernier" else 0
    return _Parts(_int(match, "y"), _FR_MONTHS[match["mon"].lower()], _int(match, "d"), direction)


def _ja_parts(match: re.Match[str]) -> _Parts:
    year = _int(match, "y")
    if match.groupdict().get("era"):
        era_year = _int(match, "ey")
        year = _ERAS[match["era"]] + (era_year or 1)
    return _Parts(year, _int(match, "m"), _int(match, "d"))


def _rel(match: re.Match[str]) -> str:
    """The relative word, whichever spelling (group rel, rel_fr, rel_fr2) matched."""
    groups = match.groupdict()
    return next((groups[g] or "" for g in ("rel", "rel_fr", "rel_fr2") if groups.get(g)), "")


def _relative_year(offsets: dict[str, int]) -> Reader:
    def read(match: re.Match[str], anchor: dt.date | None, _: str) -> tuple[str | None, bool]:
        if anchor is None:
            return None, True
        year = anchor.year + offsets[_rel(match).lower()]
        month, day = _int(match, "m"), _int(match, "d")
        return _resolve(_Parts(year, month, day if month else None), anchor), True

    return read


# First month of each season (northern): a season is reported as its year only.
_SEASONS = {
    "spring": 3, "summer": 6, "autumn": 9, "fall": 9, "winter": 12,
    "printemps": 3, "ete": 6, "automne": 9, "hiver": 12,
}  # fmt: skip


def _season(match: re.Match[str], anchor: dt.date | None, _: str) -> tuple[str | None, bool]:
    """'this summer', 'next spring', 'l'ete prochain': the year the season falls in.

    "next" is the next time the season comes round after the current one.
    """
    if anchor is None:
        return None, True
    groups = match.groupdict()
    rel = (groups.get("rel") or groups.get("rel_fr") or "this").lower()
    season = groups.get("season") or groups.get("season_fr") or groups.get("season_fr2") or ""
    start = _SEASONS[season.lower()]
    this_year_start = dt.date(anchor.year, start, 1)
    if rel in {"next", "prochain", "coming"}:
        year = anchor.year if this_year_start > anchor else anchor.year + 1
    elif rel in {"last", "dernier"}:
        year = anchor.year - 1 if this_year_start > anchor else anchor.year
        if start == 12 and anchor.month < 3:
            year = anchor.year - 2
    else:
        year = anchor.year - 1 if start == 12 and anchor.month < 3 else anchor.year
    return str(year), True


def _relative_month(offsets: dict[str, int]) -> Reader:
    def read(match: re.Match[str], anchor: dt.date | None, _: str) -> tuple[str | None, bool]:
        if anchor is None:
            return None, True
        month = _shift_month(anchor, offsets[_rel(match).lower()])
        return _resolve(_Parts(month.year, month.month, _int(match, "d")), anchor), True

    return read


def _relative_day(offsets: dict[str, int]) -> Reader:
    def read(match: re.Match[str], anchor: dt.date | None, _: str) -> tuple[str | None, bool]:
        if anchor is None:
            return None, True
        day = anchor + dt.timedelta(days=offsets[_rel(match).lower()])
        return day.isoformat(), True

    return read


def _weekday_reader(names: list[str], forward: set[str], backward: set[str]) -> Reader:
    lowered = [name.lower() for name in names]

    def read(match: re.Match[str], anchor: dt.date | None, before: str) -> tuple[str | None, bool]:
        if anchor is None:
            return None, True
        rel = (match.groupdict().get("rel") or "").lower()
        direction = 1 if rel in forward else -1 if rel in backward else 0
        if direction == 0 and _FUTURE.search(before):
            direction = 1
        weekday = lowered.index(match["wd"].lower())
        return _weekday(anchor, weekday, direction).isoformat(), True

    return read


def _day_of_anchor_month(
    match: re.Match[str], anchor: dt.date | None, _: str
) -> tuple[str | None, bool]:
    if anchor is None:
        return None, True
    return _resolve(_Parts(anchor.year, anchor.month, _int(match, "d")), anchor), True


def _alternatives(words: object) -> str:
    return "|".join(sorted((re.escape(str(w)) for w in words), key=len, reverse=True))  # type: ignore[attr-defined]


def _language_patterns(words: DateWords) -> list[tuple[re.Pattern[str], Reader]]:
    """The patterns of one language's dates, from its `DateWords`, longest first."""
    mon = f"(?P<mon>{_alternatives(words.months)})"

    def pattern(template: str) -> re.Pattern[str]:
        body = template.format(d=r"(?P<d>\d{1,2})", mon=mon, y=_YEAR)
        return re.compile(rf"\b{body}\b", re.IGNORECASE)

    def parts(match: re.Match[str]) -> _Parts:
        return _Parts(_int(match, "y"), words.months[match["mon"].lower()], _int(match, "d"))

    def year_only(match: re.Match[str]) -> _Parts:
        return _Parts(int(match["y"]), None, None)

    weekdays = [w.lower() for w in words.weekdays]
    relative = rf"(?P<rel>{words.next_words}|{words.last_words})"
    forward = re.compile(rf"^(?:{words.next_words})$", re.IGNORECASE)
    backward = re.compile(rf"^(?:{words.last_words})$", re.IGNORECASE)

    def weekday(
        match: re.Match[str], anchor: dt.date | None, before: str
    ) -> tuple[str | None, bool]:
        if anchor is None:
            return None, True
        rel = match["rel"] or match["rel_after"] or ""
        direction = 1 if forward.match(rel) else -1 if backward.match(rel) else 0
        if direction == 0 and _FUTURE.search(before):
            direction = 1
        return _weekday(anchor, weekdays.index(match["wd"].lower()), direction).isoformat(), True

    found: list[tuple[re.Pattern[str], Reader]] = []
    for templates in (words.day_range, words.day_month_year, words.month_year, words.day_month):
        found += [(pattern(t), _absolute(parts)) for t in templates]
    found += [
        (
            re.compile(rf"\b(?:{words.before_month})\s+{mon}\b(?!\.? ?\d)", re.IGNORECASE),
            _absolute(parts),
        ),
        (
            re.compile(
                rf"\b(?:{words.before_year})\s+{_YEAR}\b(?!\s*[-\u2013/]\s*\d)", re.IGNORECASE
            ),
            _absolute(year_only),
        ),
        (
            re.compile(rf"\b(?P<rel>{_alternatives(words.relative_days)})\b", re.IGNORECASE),
            _relative_day({k.lower(): v for k, v in words.relative_days.items()}),
        ),
        (
            re.compile(
                rf"\b(?:{relative} )?(?P<wd>{_alternatives(weekdays)}){words.weekday_suffix}\b"
                rf"(?: (?P<rel_after>{words.next_words}|{words.last_words})\b)?",
                re.IGNORECASE,
            ),
            weekday,
        ),
    ]
    if words.relative_years:
        found.append(
            (
                re.compile(rf"\b(?P<rel>{_alternatives(words.relative_years)})\b", re.IGNORECASE),
                _relative_year({k.lower(): v for k, v in words.relative_years.items()}),
            )
        )
    return found


_JA_YMD = r"(?:(?P<m>\d{1,2})月(?:(?P<d>\d{1,2})日)?)?"

# Longest and most specific first: a span taken by one pattern is not read again.
_CORE_FIRST: list[tuple[re.Pattern[str], Reader]] = [
    # ISO dates, as official releases write them
    (
        re.compile(r"\b(?P<y>(?:19|20)\d{2})-(?P<m>[01]\d)-(?P<d>[0-3]\d)\b"),
        _absolute(_ja_parts),
    ),
    # Ranges of days: the first day is the date ("from 14 to 16 June")
    (
        re.compile(
            rf"\b(?P<d>\d{{1,2}}){_ORD}\s*(?:to|-|\u2013|and)\s*\d{{1,2}}{_ORD} {_EN_MON}"
            rf"(?:,? {_YEAR})?\b"
        ),
        _absolute(_en_parts),
    ),
    (
        re.compile(
            rf"\b{_EN_MON} (?P<d>\d{{1,2}}){_ORD}\s*(?:-|\u2013|to)\s*\d{{1,2}}(?:,? {_YEAR})?\b"
        ),
        _absolute(_en_parts),
    ),
    (
        re.compile(
            rf"\b(?P<d>1er|\d{{1,2}})\s*(?:au|-|\u2013|et)\s*\d{{1,2}} {_FR_MON}(?: {_YEAR})?\b",
            re.IGNORECASE,
        ),
        _absolute(_fr_parts),
    ),
    # English absolute
    (re.compile(rf"\b{_EN_MON} (?P<d>\d{{1,2}}){_ORD},? {_YEAR}\b"), _absolute(_en_parts)),
    (re.compile(rf"\b(?P<d>\d{{1,2}}){_ORD} (?:of )?{_EN_MON},? {_YEAR}\b"), _absolute(_en_parts)),
    (re.compile(rf"\b{_EN_MON},? {_YEAR}\b"), _absolute(_en_parts)),
    (re.compile(rf"\b{_EN_MON} (?P<d>\d{{1,2}}){_ORD}\b(?![.,]?\d)"), _absolute(_en_parts)),
    (re.compile(rf"\b(?P<d>\d{{1,2}}){_ORD} (?:of )?{_EN_MON}(?![a-z])"), _absolute(_en_parts)),
    (
        re.compile(
            rf"\b(?:in|since|by|until|from|during|end of|beginning of|start of|early|mid|late)"
            rf"[ -](?:early |mid-|late )?{_EN_MON}(?![a-z])(?!\.? \d)"
        ),
        _absolute(_en_parts),
    ),
    (
        re.compile(
            rf"\b(?:[Ii]n|[Bb]y|[Uu]ntil|[Ff]rom|[Ss]ince|[Dd]uring|[Bb]efore|[Aa]fter|[Ee]arly|"
            rf"[Ll]ate|[Mm]id|[Ee]nd of|[Bb]eginning of|[Ss]tart of|half of|quarter of|"
            rf"Q[1-4])[ -](?:early |late |mid-)?"
            rf"{_YEAR}\b(?!\s*[-\u2013/]\s*\d)"
        ),
        _absolute(lambda m: _Parts(int(m["y"]), None, None)),
    ),
    # French absolute ("1er avril 2026", "le 2 fevrier", "en mai 2025", "en 2027")
    (
        re.compile(rf"\b(?P<d>1er|\d{{1,2}}) {_FR_MON} {_YEAR}\b", re.IGNORECASE),
        _absolute(_fr_parts),
    ),
    (
        re.compile(
            rf"\b(?P<d>1er|\d{{1,2}}) {_FR_MON}\b(?: (?P<rel>prochain|dernier)\b)?", re.IGNORECASE
        ),
        _absolute(_fr_parts),
    ),
    (re.compile(rf"\b{_FR_MON} {_YEAR}\b", re.IGNORECASE), _absolute(_fr_parts)),
    (
        re.compile(
            rf"\b(?:en|d'|des|depuis|fin|debut|mi-|jusqu'en)\s?{_FR_MON}\b"
            r"(?: (?P<rel>prochain|dernier)\b)?",
            re.IGNORECASE,
        ),
        _absolute(_fr_parts),
    ),
    (
        re.compile(
            rf"\b(?:en|d'ici|des|depuis|a partir de|avant|apres|jusqu'en|debut|fin|mi-|courant)"
            rf"\s?{_YEAR}\b"
        ),
        _absolute(lambda m: _Parts(int(m["y"]), None, None)),
    ),
    # Other languages come here (after English and French: German month names
    # include theirs), see `_patterns`.
]
_CORE_LAST: list[tuple[re.Pattern[str], Reader]] = [
    # Japanese absolute ("2025年9月1日", "令和7年4月", "9月1日", "5月")
    (re.compile(rf"(?P<era>令和|平成)(?P<ey>\d{{1,2}}|元)年{_JA_YMD}"), _absolute(_ja_parts)),
    (re.compile(rf"{_YEAR}年(?!度){_JA_YMD}"), _absolute(_ja_parts)),
    # Relative, all languages
    (
        re.compile(r"(?P<rel>来年|今年|本年|昨年|去年|年内|来春|来秋)" + _JA_YMD),
        _relative_year(
            {
                "来年": 1,
                "今年": 0,
                "本年": 0,
                "昨年": -1,
                "去年": -1,
                "年内": 0,
                "来春": 1,
                "来秋": 1,
            }
        ),
    ),
    (
        re.compile(r"(?P<rel>来月|今月|先月)(?:(?P<d>\d{1,2})日)?"),
        _relative_month({"来月": 1, "今月": 0, "先月": -1}),
    ),
    (re.compile(r"(?<![\d年])(?P<m>\d{1,2})月(?:(?P<d>\d{1,2})日)?"), _absolute(_ja_parts)),
    (re.compile(r"(?<![\d月年])(?P<d>\d{1,2})日(?!間)"), _day_of_anchor_month),
    (
        re.compile(r"(?P<rel>本日|今日|昨日|明日)"),
        _relative_day({"本日": 0, "今日": 0, "昨日": -1, "明日": 1}),
    ),
    (
        re.compile(
            r"\b(?:(?:earlier|later) )?(?P<rel>this|next|last) month\b|"
            r"\b(?:plus tard )?(?:(?P<rel_fr>ce) mois(?:-ci)?|"
            r"le mois (?P<rel_fr2>prochain|dernier))\b",
            re.IGNORECASE,
        ),
        _relative_month({"this": 0, "next": 1, "last": -1, "ce": 0, "prochain": 1, "dernier": -1}),
    ),
    (
        re.compile(
            r"\b(?:(?:earlier|later|early|late) )?(?P<rel>this|next|last) year\b|"
            r"\b(?:cette annee|l'an (?P<rel_fr>prochain|dernier)|"
            r"l'annee (?P<rel_fr2>prochaine|derniere))\b",
            re.IGNORECASE,
        ),
        _relative_year(
            {"this": 0, "next": 1, "last": -1, "": 0, "prochain": 1, "prochaine": 1}
            | {"dernier": -1, "derniere": -1}
        ),
    ),
    (
        re.compile(
            r"\b(?P<rel>today|tonight|yesterday|tomorrow)\b|\b(?P<rel_fr>aujourd'hui|hier|demain)\b",
            re.IGNORECASE,
        ),
        _relative_day(
            {"today": 0, "tonight": 0, "yesterday": -1, "tomorrow": 1}
            | {"aujourd'hui": 0, "hier": -1, "demain": 1}
        ),
    ),
    (
        re.compile(
            r"\b(?P<rel>this|next|last|coming) (?P<season>spring|summer|autumn|fall|winter)\b|"
            r"\b(?:(?:ce|cet) (?P<season_fr>printemps|ete|automne|hiver)|"
            r"(?:le |l')(?P<season_fr2>printemps|ete|automne|hiver) "
            r"(?P<rel_fr>prochain|dernier))\b",
            re.IGNORECASE,
        ),
        _season,
    ),
    (
        re.compile(
            r"\b(?:(?P<rel>last|next|this|coming|late|early) )?(?P<wd>"
            + "|".join(_EN_WEEKDAYS)
            + r")\b",
        ),
        _weekday_reader(_EN_WEEKDAYS, {"next", "coming"}, {"last"}),
    ),
    (
        re.compile(
            r"\b(?:ce )?(?P<wd>" + "|".join(_FR_WEEKDAYS) + r")\b(?: (?P<rel>prochain|dernier)\b)?",
            re.IGNORECASE,
        ),
        _weekday_reader(_FR_WEEKDAYS, {"prochain"}, {"dernier"}),
    ),
]


_ANNOUNCED_BEFORE = re.compile(
    r"(?:\b(?:announced|announces|said|says|told|unveiled|revealed|confirmed|according to)|"
    r"\b(?:a|ont) (?:annonce|indique|declare|confirme|precise)|\bannonce)\s+(?:on\s+|le\s+)?$",
    re.IGNORECASE,
)
_DOCUMENT_OF = re.compile(
    r"\b(?:order|act|law|regulation|decision|directive|resolution|decree|statute|loi|reglement|"
    r"decret|arrete)\b[^.;]{0,30}\b(?:of|du|dated)\s+$|\b(?:story|article|report|notre article|"
    r"l'article)\s+(?:published\s+|dated\s+|of\s+|du\s+|publie\s+(?:le\s+)?)?$",
    re.IGNORECASE,
)
_NEGATED = re.compile(r"\b(?:not|non|pas)\s+(?:on\s+|le\s+)?$", re.IGNORECASE)
# "until 2027", "jusqu'en 2027", "10月まで": the end of a period, not a moment.
_WEEKDAY_WORDS = "|".join(
    [*_EN_WEEKDAYS, *_FR_WEEKDAYS]
    + [w for lang in LANGUAGES if lang.dates is not None for w in lang.dates.weekdays]
)
# "until 2027", "runs until Wednesday 6 March", "bis 2027", "hasta 2027": the end of a period.
_UNTIL_BEFORE = re.compile(
    rf"\b(?:until|till|through|jusqu'(?:au|en|a)|bis (?:zum|zur|am|ende)?|hasta(?: el)?)\s+"
    rf"(?:(?:{_WEEKDAY_WORDS}),?\s+)?$",
    re.IGNORECASE,
)
# A wire dateline ("LONDON, Jan 29 (GTW) -"): the day the copy was filed, not of the event.
_DATELINE_BEFORE = re.compile(r"(?:^|\n)[A-Z][\w .'\u2019-]{1,40},\s*$")
_DATELINE_AFTER = re.compile(r"^\s*(?:\([^)]{1,30}\)\s*)?[-\u2013\u2014]")
_UNTIL_AFTER = re.compile(r"^(?:まで|迄)")
_RANGE_FROM = re.compile(r"\b(?:from|du|de)\s+$", re.IGNORECASE)
_RANGE_TO = re.compile(r"^,?\s+(?:to|until|au|a|jusqu'au)\s+$", re.IGNORECASE)


@cache
def _patterns(languages: frozenset[str] | None) -> list[tuple[re.Pattern[str], Reader]]:
    """The core patterns with those of the given languages (all when None)."""
    own = [
        p
        for lang in LANGUAGES
        if lang.dates is not None and (languages is None or lang.code in languages)
        for p in _language_patterns(lang.dates)
    ]
    return [*_CORE_FIRST, *own, *_CORE_LAST]


def _raw_mentions(
    text: str,
    anchor: dt.date | None,
    sentence_start: Callable[[int], int],
    languages: frozenset[str] | None,
) -> Iterator[DateMention]:
    taken: list[tuple[int, int]] = []
    for pattern, read in _patterns(languages):
        for match in pattern.finditer(text):
            start, end = match.span()
            if any(start < t_end and t_start < end for t_start, t_end in taken):
                continue
            before = text[max(sentence_start(start), start - 50) : start]
            value, relative = read(match, anchor, before)
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

    `languages` limits the language modules read (the core English, French
    and Japanese patterns always run); by default, all.

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
