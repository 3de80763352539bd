"""Periodic jobs that the daemon runs beside the feed polls.

The seam through which other parts (projection catch-up, the weekly digest)
give the daemon work without the daemon knowing them: `timeline.bootstrap`
hands it these, and the daemon schedules each one like a feed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PeriodicJob:
    """Run every `every_seconds`, or at the times of a `cron` expression (five fields,
    `minute hour day month day-of-week`) in `timezone`; exactly one of the two."""

    name: str
    run: Callable[[], object]
    every_seconds: float | None = None
    jitter_seconds: float = 0.0
    cron: str | None = None
    timezone: str = "UTC"

    def __post_init__(self) -> None:
        if (self.every_seconds is None) == (self.cron is None):
            raise ValueError(f"job {self.name}: give every_seconds or cron, not both or neither")
