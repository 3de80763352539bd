"""Periodic jobs that the daemon runs beside the feed polls.

The seam through which other parts (projection catch-up, the weekly digest)
give the daemon work without the daemon knowing them: `Timeline.background_jobs`
returns these, and the daemon schedules each one like a feed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PeriodicJob:
    name: str
    run: Callable[[], object]
    every_seconds: float
    jitter_seconds: float = 0.0
