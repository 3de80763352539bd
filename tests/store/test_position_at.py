"""`EventStore.position_at`: the first position recorded at or after a moment, on every
backend (the digest finds a week's events by it)."""

from __future__ import annotations

import datetime as dt
from functools import partial

from tests.factories import office
from timeline.store import EventStore


def _at(day: int) -> dt.datetime:
    return dt.datetime(2026, 3, day, 9, tzinfo=dt.UTC)


def test_position_at_finds_the_first_event_recorded_at_or_after_a_moment(
    store: EventStore,
) -> None:
    assert store.position_at(_at(1)) is None  # an empty log
    for batch, day in enumerate((2, 4, 4, 6)):
        store.clock = partial(_at, day)
        store.append([office(2 * batch), office(2 * batch + 1)])  # two events a batch
    # Positions 1-2 on the 2nd, 3-6 on the 4th, 7-8 on the 6th.
    assert store.position_at(_at(1)) == 1
    assert store.position_at(_at(2)) == 1
    assert store.position_at(_at(2) + dt.timedelta(microseconds=1)) == 3
    assert store.position_at(_at(4)) == 3
    assert store.position_at(_at(5)) == 7
    assert store.position_at(_at(6)) == 7
    assert store.position_at(_at(7)) is None
