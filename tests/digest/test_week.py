"""ISO weeks in the digest's time zone, across the changes of daylight saving time."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from timeline.digest.week import IsoWeek

BRUSSELS = ZoneInfo("Europe/Brussels")
UTC = dt.UTC


def test_a_week_spans_monday_to_monday_local_time() -> None:
    week = IsoWeek.parse("2026-W25")
    assert (week.monday, week.sunday) == (dt.date(2026, 6, 15), dt.date(2026, 6, 21))
    assert week.start(BRUSSELS) == dt.datetime(2026, 6, 14, 22, tzinfo=UTC)
    assert week.end(BRUSSELS) == dt.datetime(2026, 6, 21, 22, tzinfo=UTC)
    assert week.known_at(BRUSSELS) == dt.datetime(2026, 6, 21, 21, 59, 59, 999999, tzinfo=UTC)


def test_the_week_daylight_saving_ends_has_169_hours() -> None:
    week = IsoWeek.parse("2026-W43")  # clocks go back on Sunday 25 October 2026
    assert week.start(BRUSSELS) == dt.datetime(2026, 10, 18, 22, tzinfo=UTC)
    assert week.end(BRUSSELS) == dt.datetime(2026, 10, 25, 23, tzinfo=UTC)
    assert week.end(BRUSSELS) - week.start(BRUSSELS) == dt.timedelta(hours=169)


def test_the_last_complete_week_depends_on_the_zone() -> None:
    # Sunday 21 June 22:30 UTC is already Monday 00:30 in Brussels, still Sunday in UTC.
    now = dt.datetime(2026, 6, 21, 22, 30, tzinfo=UTC)
    assert str(IsoWeek.last_complete(now, BRUSSELS)) == "2026-W25"
    assert str(IsoWeek.last_complete(now, ZoneInfo("UTC"))) == "2026-W24"
    # Across a year boundary: 2026 has 53 ISO weeks.
    assert str(IsoWeek.last_complete(dt.datetime(2027, 1, 5, tzinfo=UTC), BRUSSELS)) == "2026-W53"
