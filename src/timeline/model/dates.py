"""Valid time: dates known to the day, the month or only the year.

A policy fact is often dated "2025-11" or "2025". We never invent precision: a
partial date is the closed interval of days it could mean, and every comparison
is made on that interval.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from enum import StrEnum
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal, Self

from timeline.errors import InvalidDateError

if TYPE_CHECKING:  # pydantic only when a model uses a partial date, not to read one
    from pydantic import GetCoreSchemaHandler
    from pydantic_core import core_schema

_PARTIAL_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


class Precision(StrEnum):
    DAY = "day"
    MONTH = "month"
    YEAR = "year"


class PartialDate:
    """A day, a month or a year, seen as the interval of days [start, end].

    Ordering (`<`, `sorted`) is a total order for display: by start, then the
    narrower interval first.  Questions about a particular day use the interval:
    `contains(d)`, `overlaps(start, end)`, or `start` and `end` themselves.
    """

    __slots__ = ("_text", "end", "end_iso", "precision", "start", "start_iso")

    def __init__(self, start: dt.date, precision: Precision) -> None:
        if precision is Precision.YEAR:
            start = start.replace(month=1, day=1)
            end = start.replace(month=12, day=31)
            text = f"{start.year:04d}"
        elif precision is Precision.MONTH:
            start = start.replace(day=1)
            last = calendar.monthrange(start.year, start.month)[1]
            end = start.replace(day=last)
            text = f"{start.year:04d}-{start.month:02d}"
        else:
            end = start
            text = start.isoformat()
        self.start: dt.date = start
        self.end: dt.date = end
        self.precision: Precision = precision
        self._text = text
        # The ISO texts the store writes for every event; instances are shared
        # (`parse_text` caches them), so each is formatted once, not per event.
        self.start_iso = start.isoformat()
        self.end_iso = end.isoformat()

    @classmethod
    def parse(cls, value: str | dt.date | int) -> Self:
        """Read `YYYY`, `YYYY-MM` or `YYYY-MM-DD` (or a date, or a year as int)."""
        if isinstance(value, dt.datetime):
            raise InvalidDateError(f"expected a date, not a date and time: {value.isoformat()}")
        if isinstance(value, dt.date):
            return cls(value, Precision.DAY)
        if isinstance(value, int) and not isinstance(value, bool):
            value = f"{value:04d}"
        if not isinstance(value, str):
            raise InvalidDateError(f"expected YYYY, YYYY-MM or YYYY-MM-DD, got {value!r}")
        match = _PARTIAL_DATE.match(value.strip())
        if match is None:
            raise InvalidDateError(f"expected YYYY, YYYY-MM or YYYY-MM-DD, got {value!r}")
        year, month, day = match.groups()
        try:
            if day is not None:
                return cls(dt.date(int(year), int(month), int(day)), Precision.DAY)
            if month is not None:
                return cls(dt.date(int(year), int(month), 1), Precision.MONTH)
            return cls(dt.date(int(year), 1, 1), Precision.YEAR)
        except ValueError:
            raise InvalidDateError(no_such_date(value.strip())) from None

    # -- interval questions ------------------------------------------------
    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end

    def overlaps(self, start: dt.date, end: dt.date) -> bool:
        return self.start <= end and start <= self.end

    # -- ordering and identity ---------------------------------------------
    @property
    def sort_key(self) -> tuple[dt.date, dt.date]:
        return (self.start, self.end)

    def __lt__(self, other: PartialDate) -> bool:
        return self.sort_key < other.sort_key

    def __le__(self, other: PartialDate) -> bool:
        return self.sort_key <= other.sort_key

    def __gt__(self, other: PartialDate) -> bool:
        return self.sort_key > other.sort_key

    def __ge__(self, other: PartialDate) -> bool:
        return self.sort_key >= other.sort_key

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PartialDate) and self._text == other._text

    def __hash__(self) -> int:
        return hash(self._text)

    def __str__(self) -> str:
        return self._text

    def __repr__(self) -> str:
        return f"PartialDate({self._text!r})"

    # -- pydantic integration ----------------------------------------------
    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: type[Any], handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        from pydantic_core import core_schema

        return core_schema.no_info_plain_validator_function(
            cls._validate,
            serialization=core_schema.plain_serializer_function_ser_schema(str),
            json_schema_input_schema=core_schema.str_schema(),
        )

    @classmethod
    def _validate(cls, value: object) -> PartialDate:
        if isinstance(value, str):  # first: what appended events carry
            return parse_text(value)
        if isinstance(value, PartialDate):
            return value
        if isinstance(value, (int, dt.date)):
            return cls.parse(value)
        raise InvalidDateError(f"expected YYYY, YYYY-MM or YYYY-MM-DD, got {value!r}")


def no_such_date(text: str) -> str:
    """Why `text`, shaped `YYYY-MM[-DD]`, names no month or day of the calendar: the one
    wording for every day, date bound and moment typed in (CLI, HTTP API, event files)."""
    year, *rest = (int(part) for part in text[:10].split("-"))
    if year == 0:
        return f"no such year {text!r} (years start at 0001)"
    if rest and not 1 <= rest[0] <= 12:
        return f"no such month {text!r} (months are 01 to 12)"
    month = rest[0] if rest else 1
    last = calendar.monthrange(year, month)[1]
    return f"no such day {text!r} ({dt.date(year, month, 1):%B %Y} has {last} days)"


DateMoveKind = Literal["postponed", "brought forward", "made more precise", "made less precise"]


def date_move(before: PartialDate, after: PartialDate) -> DateMoveKind | None:
    """How a correction moved a fact's date, as the digest and the alerts name it
    (None: it did not move).

    A date narrowed inside the interval it had ("2026-09" -> "2026-09-15") was
    made more precise: no day it could mean before is ruled in that was ruled
    out.  A date widened around the interval it had ("2024-04" -> "2024") was
    made less precise: every day it could mean before it still may mean, so it
    moved neither way.  Otherwise the later interval (by start, then end) was
    postponed."""
    if before == after:
        return None
    if before.start <= after.start and after.end <= before.end:
        return "made more precise"
    if after.start <= before.start and before.end <= after.end:
        return "made less precise"
    return "postponed" if after.sort_key > before.sort_key else "brought forward"


@lru_cache(maxsize=65536)
def parse_text(text: str) -> PartialDate:
    """`PartialDate.parse` for text, cached: dates repeat across events and
    instances are immutable, so validating and reading the log share them."""
    return PartialDate.parse(text)


_ISO_DAY = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def parse_moment(value: str, name: str) -> dt.datetime:
    """A transaction time as people write it, in UTC: an ISO date-time (UTC unless it
    has an offset), or a date meaning the end of that day.  `name` says which
    option or parameter it was, in the error."""
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        if _ISO_DAY.match(value[:10]) and not _real_day(value[:10]):
            raise InvalidDateError(f"{name}: {no_such_date(value)}") from None
        raise InvalidDateError(
            f"{name}: expected an ISO date or date-time, got {value!r}"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    if _ISO_DAY.match(value):  # a bare date means "known by the end of that day"
        moment = moment.replace(hour=23, minute=59, second=59, microsecond=999_999)
    try:
        return moment.astimezone(dt.UTC)
    except OverflowError:  # 9999-12-31T23:00-05:00 is in year 10000 in UTC
        raise InvalidDateError(f"{name}: {value!r} is outside the calendar in UTC") from None


def _real_day(text: str) -> bool:
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def utc_text(moment: dt.datetime, timespec: str = "auto") -> str:
    """A transaction time as the CLI, the API and JSON output spell it: ISO 8601 in
    UTC with a `Z` (`timespec` as for `datetime.isoformat`)."""
    return moment.astimezone(dt.UTC).isoformat(timespec=timespec).replace("+00:00", "Z")
