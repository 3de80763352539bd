"""When a feed is due again: its interval when healthy, backoff after failures.

Backoff after failures is exponential from the feed's interval, randomised by
the configured jitter (so that feeds failing together do not retry together)
and capped at the ceiling, so that no feed is ever abandoned for good.  The
health rows themselves are `timeline.model.feeds.FeedHealth`, kept by the
store's `feed_health` repository.
"""

from __future__ import annotations

import random


def backoff_seconds(
    failures: int, interval: float, ceiling: float, jitter: float, rng: random.Random
) -> float:
    """Delay before the next attempt after `failures` consecutive failures (>= 1)."""
    base = interval * 2.0 ** min(failures - 1, 32)
    return min(ceiling, base * rng.uniform(1 - jitter, 1 + jitter))


def jittered(seconds: float, jitter: float, rng: random.Random) -> float:
    return seconds * rng.uniform(1 - jitter, 1 + jitter)
