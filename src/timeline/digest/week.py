"""ISO weeks in the digest's time zone, and the transaction times they span.

A week runs from Monday 00:00 to the next Monday 00:00 in the configured zone;
its digest knows what was recorded up to the last microsecond before that
(`known_at`), the same "end of the day" rule `--known-at DATE` follows.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from timeline.errors import InvalidWeekError

_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
_LAST_MICROSECOND = dt.timedelta(microseconds=1)


@dataclass(frozen=True, slots=True, order=True)
class IsoWeek:
    year: int
    week: int

    @classmethod
    def parse(cls, text: str) -> IsoWeek:
        """`2026-W25`; an error naming the problem otherwise."""
        match = _WEEK.match(text.strip())
        if match is None:
            raise InvalidWeekError(f"week: expected an ISO week like 2026-W25, got {text!r}")
        year, week = int(match[1]), int(match[2])
        weeks_in_year = dt.date(year, 12, 28).isocalendar().week
        if not 1 <= week <= weeks_in_year:
            raise InvalidWeekError(
                f"week: {year} has weeks 1 to {weeks_in_year}, not {week} ({text!r})"
            )
        return cls(year, week)

    @classmethod
    def containing(cls, day: dt.date) -> IsoWeek:
        iso = day.isocalendar()
        return cls(iso.year, iso.week)

    @classmethod
    def last_complete(cls, now: dt.datetime, zone: ZoneInfo) -> IsoWeek:
        """The latest week that has ended at `now` in `zone`."""
        return cls.containing(now.astimezone(zone).date() - dt.timedelta(days=7))

    def __str__(self) -> str:
        return f"{self.year}-W{self.week:02d}"

    @property
    def monday(self) -> dt.date:
        return dt.date.fromisocalendar(self.year, self.week, 1)

    @property
    def sunday(self) -> dt.date:
        return dt.date.fromisocalendar(self.year, self.week, 7)

    @property
    def days(self) -> list[dt.date]:
        return [self.monday + dt.timedelta(days=n) for n in range(7)]

    def start(self, zone: ZoneInfo) -> dt.datetime:
        """Monday 00:00 in `zone`, in UTC."""
        return _local_midnight(self.monday, zone)

    def end(self, zone: ZoneInfo) -> dt.datetime:
        """The next Monday 00:00 in `zone`, in UTC: the first instant after the week."""
        return _local_midnight(self.sunday + dt.timedelta(days=1), zone)

    def known_at(self, zone: ZoneInfo) -> dt.datetime:
        """The last instant of the week: what its digest knows."""
        return self.end(zone) - _LAST_MICROSECOND

    def require_complete(self, now: dt.datetime, zone: ZoneInfo) -> None:
        """Refuse a week that has not ended: its digest could not be reproduced later."""
        end = self.end(zone)
        if end > now:
            local = end.astimezone(zone).strftime("%Y-%m-%d %H:%M")
            raise InvalidWeekError(
                f"week: {self} is not over yet (it ends {local} {zone.key}); "
                "a digest covers a complete week"
            )


def _local_midnight(day: dt.date, zone: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=zone).astimezone(dt.UTC)
