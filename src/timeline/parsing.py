"""Days, moments and partial-date bounds as people type them: one parser for the
CLI's options and the HTTP API's query values, with the option's or
parameter's name (`name`) in every message.

The web parses them here rather than typing them as `date`/`datetime` for
FastAPI: pydantic's lax mode would take `as_of=1` as 1970-01-01 and any offset
a date-time can carry, and a day at either end of the calendar must come back
as a 422, never as an overflow inside a query.
"""

from __future__ import annotations

import datetime as dt
import re

from timeline.errors import InvalidDateError
from timeline.model.dates import PartialDate, no_such_date, parse_moment

_DAY = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def day(value: str | None, name: str) -> dt.date:
    """`YYYY-MM-DD` or `today` (UTC); absent means today."""
    if value is None or value == "today":
        return dt.datetime.now(dt.UTC).date()
    if _DAY.match(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise InvalidDateError(f"{name}: {no_such_date(value)}") from None
    raise InvalidDateError(f"{name}: expected a day YYYY-MM-DD or 'today', got {value!r}")


def moment(value: str | None, name: str) -> dt.datetime | None:
    """An ISO date-time (UTC unless it says otherwise), or a date: the end of that day."""
    return parse_moment(value, name) if value else None


def partial_bound(value: str | None, name: str, *, end: bool) -> dt.date | None:
    """`YYYY`, `YYYY-MM` or `YYYY-MM-DD`: its first day, or its last when `end`."""
    if value is None or value == "":
        return None
    try:
        partial = PartialDate.parse(value)
    except InvalidDateError as exc:
        raise InvalidDateError(f"{name}: {exc}") from None
    return partial.end if end else partial.start
