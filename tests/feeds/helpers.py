"""Settings and pollers for the feed tests."""

from __future__ import annotations

import random
from typing import Any

from tests.feeds.fakes import extract_titles, same_title
from timeline.feeds.poll import Clock, Poller, utc_now
from timeline.settings import Settings
from timeline.store import EventStore


def settings_for(url: str, feeds: list[dict[str, Any]], **polling: Any) -> Settings:
    return Settings.model_validate(
        {
            "database": {"url": url},
            "polling": {"connect_timeout": 2.0, "read_timeout": 1.0, "jitter": 0.0} | polling,
            "feeds": feeds,
        }
    )


def fake_poller(store: EventStore, settings: Settings, clock: Clock = utc_now) -> Poller:
    return Poller(
        store,
        settings,
        extract=extract_titles,
        same_event=same_title,
        rng=random.Random(7),
        clock=clock,
    )
