"""How a date pattern's match becomes a date: the readers language modules pair with patterns.

A reader is given the match, the anchor (the item's publication day in its
own time zone) and the tense of the words just before the match in its
sentence, and returns the `PartialDate` string it names (or None) and whether
it was relative.  Nothing here knows a language's words: the patterns that
find the dates are the language modules'; these say what a year, a month, a
"next" or a weekday mean once found.
"""

from __future__ import annotations

import calendar
import datetime as dt
import enum
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass

from timeline.model.dates import PartialDate, Precision


class Tense(enum.Enum):
    """The tense of the words just before a date, as the language modules read it."""

    UNKNOWN = 0  # news reports what happened: a bare weekday is the latest one
    FUTURE = 1  # "will take effect on ...": the coming one
    PRESENT = 2  # a headline's present ("opens Wednesday"): the nearest one


Reader = Callable[[re.Match[str], dt.date | None, Tense], "tuple[str | None, bool]"]
DatePattern = tuple[re.Pattern[str], Reader]

# Directions of a relative read: after the anchor, before it, or nearest it.
FORWARD, BACKWARD, NEAREST, LATEST = 1, -1, 0, 2


@dataclass(frozen=True, slots=True)
class Parts:
    """What a pattern read: a year, month and day, any of them possibly missing."""

    year: int | None
    month: int | None
    day: int | None
    direction: int = NEAREST  # FORWARD "next/prochain": after the anchor; BACKWARD "last"


def _closest_year(month: int, day: int | None, anchor: dt.date, direction: int) -> int | None:
    """The year that puts (month, day) nearest `anchor`, or strictly after/before it."""
    options: list[tuple[float, int]] = []
    for year in (anchor.year - 1, anchor.year, anchor.year + 1):
        last = calendar.monthrange(year, month)[1]
        if day is not None and day > last:
            continue
        start = dt.date(year, month, day or 1)
        end = dt.date(year, month, day or last)
        if direction == FORWARD and end <= anchor:
            continue
        if direction == BACKWARD and start >= anchor:
            continue
        middle = start + (end - start) / 2
        options.append((abs((middle - anchor).days), year))
    return min(options)[1] if options else None


def resolve(parts: Parts, anchor: dt.date | None) -> str | None:
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


def shift_month(anchor: dt.date, months: int) -> dt.date:
    index = anchor.year * 12 + anchor.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def weekday_date(anchor: dt.date, weekday: int, direction: int) -> dt.date:
    """The given weekday relative to `anchor`.

    News reports mostly what happened, so a bare "on Thursday" (`LATEST`) is
    the latest Thursday up to the publication day; "next" looks forward,
    "last" strictly back, and a headline's present tense ("opens Wednesday")
    takes the nearest, either side.
    """
    ahead = (weekday - anchor.weekday() - 1) % 7 + 1
    back = (anchor.weekday() - weekday) % 7
    if direction == FORWARD:
        return anchor + dt.timedelta(days=ahead)
    if direction == NEAREST and back and ahead < back:
        return anchor + dt.timedelta(days=ahead)
    if direction == BACKWARD and back == 0:
        back = 7
    return anchor - dt.timedelta(days=back)


def number(match: re.Match[str], name: str) -> int | None:
    """A numeric group; "1er" (French) and "元" (the first year of an era) are 1."""
    value = match.groupdict().get(name)
    if value is None:
        return None
    return 1 if value in {"1er", "元"} else int(value)


def relative_word(match: re.Match[str]) -> str:
    """The relative word, whichever of the groups `rel`, `rel2`, `rel3` matched, folded."""
    groups = match.groupdict()
    return next((groups[g] or "" for g in ("rel", "rel2", "rel3") if groups.get(g)), "").lower()


def absolute(fields: Callable[[re.Match[str]], Parts]) -> Reader:
    """A date written out; a year-less one after future wording is the coming one."""

    def read(match: re.Match[str], anchor: dt.date | None, tense: Tense) -> tuple[str | None, bool]:
        parts = fields(match)
        if parts.year is None and parts.direction == NEAREST and tense is Tense.FUTURE:
            parts = Parts(None, parts.month, parts.day, FORWARD)
        return resolve(parts, anchor), parts.year is None

    return read


def year_only(match: re.Match[str]) -> Parts:
    return Parts(int(match["y"]), None, None)


def numeric_parts(match: re.Match[str]) -> Parts:
    """Groups `y`, `m`, `d` as digits (ISO dates, 2025年9月1日)."""
    return Parts(number(match, "y"), number(match, "m"), number(match, "d"))


def named_month_parts(
    months: Mapping[str, int], next_words: Collection[str] = ()
) -> Callable[[re.Match[str]], Parts]:
    """Groups `y`, `mon` (a month name in `months`, lower-case) and `d`; a `rel` group in
    `next_words` looks forward, any other `rel` back ("le 3 mai prochain / dernier")."""

    def parts(match: re.Match[str]) -> Parts:
        rel = (match.groupdict().get("rel") or "").lower()
        direction = NEAREST if not rel else FORWARD if rel in next_words else BACKWARD
        return Parts(
            number(match, "y"), months[match["mon"].lower()], number(match, "d"), direction
        )

    return parts


def relative_year(offsets: Mapping[str, int]) -> Reader:
    """ "next year", "来年3月": the anchor's year shifted, with a month and day if written."""

    def read(match: re.Match[str], anchor: dt.date | None, _: Tense) -> tuple[str | None, bool]:
        if anchor is None:
            return None, True
        year = anchor.year + offsets[relative_word(match)]
        month, day = number(match, "m"), number(match, "d")
        return resolve(Parts(year, month, day if month else None), anchor), True

    return read


def relative_month(offsets: Mapping[str, int]) -> Reader:
    """ "later this month", "来月15日": the anchor's month shifted, with a day if written."""

    def read(match: re.Match[str], anchor: dt.date | None, _: Tense) -> tuple[str | None, bool]:
        if anchor is None:
            return None, True
        month = shift_month(anchor, offsets[relative_word(match)])
        return resolve(Parts(month.year, month.month, number(match, "d")), anchor), True

    return read


def relative_day(offsets: Mapping[str, int]) -> Reader:
    """ "yesterday", "demain", "本日": the anchor shifted by days."""

    def read(match: re.Match[str], anchor: dt.date | None, _: Tense) -> tuple[str | None, bool]:
        if anchor is None:
            return None, True
        return (anchor + dt.timedelta(days=offsets[relative_word(match)])).isoformat(), True

    return read


def day_of_anchor_month(
    match: re.Match[str], anchor: dt.date | None, _: Tense
) -> tuple[str | None, bool]:
    """A bare day ("22日"): that day of the publication month."""
    if anchor is None:
        return None, True
    return resolve(Parts(anchor.year, anchor.month, number(match, "d")), anchor), True


def season(
    starts: Mapping[str, int], forward: Collection[str], backward: Collection[str]
) -> Reader:
    """'this summer', 'next spring', "l'ete prochain": the year the season falls in.

    Groups `season` (or `season2`) and `rel`; `starts` gives each season's first
    month (northern).  "next" is the next time the season comes round after the
    current one; a season is reported as its year only.
    """

    def read(match: re.Match[str], anchor: dt.date | None, _: Tense) -> tuple[str | None, bool]:
        if anchor is None:
            return None, True
        groups = match.groupdict()
        rel = relative_word(match)
        start = starts[(groups.get("season") or groups.get("season2") or "").lower()]
        this_year_start = dt.date(anchor.year, start, 1)
        if rel in forward:
            year = anchor.year if this_year_start > anchor else anchor.year + 1
        elif rel in backward:
            year = anchor.year - 1 if this_year_start > anchor else anchor.year
            if start == 12 and anchor.month < 3:
                year = anchor.year - 2
        else:
            year = anchor.year - 1 if start == 12 and anchor.month < 3 else anchor.year
        return str(year), True

    return read


def weekday(names: list[str], forward: Collection[str], backward: Collection[str]) -> Reader:
    """Group `wd` (one of `names`, Monday first) and `rel` or `rel2` (before or after it)."""
    lowered = [name.lower() for name in names]

    def read(match: re.Match[str], anchor: dt.date | None, tense: Tense) -> tuple[str | None, bool]:
        if anchor is None:
            return None, True
        rel = relative_word(match)
        if rel in backward:
            direction = BACKWARD
        elif rel in forward or tense is Tense.FUTURE:
            direction = FORWARD
        else:
            direction = NEAREST if tense is Tense.PRESENT else LATEST
        return weekday_date(anchor, lowered.index(match["wd"].lower()), direction).isoformat(), True

    return read
