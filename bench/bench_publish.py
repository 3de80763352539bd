"""Publishing benchmark: the calendar and the change feed, beside a bare read of the log.

    .venv/bin/python bench/bench_publish.py [--events N] [--backends sqlite,postgresql]
        [--postgres-url URL] [--repeat R] [--seed S]

Over N synthetic events (bench_projections' fill: 200 jurisdictions, 0.5%
corrections, 0.2% retractions), per backend, each figure the median of R runs:

* `calendar J`: `Timeline.calendar(Selection.of([J]))` for the busiest
  jurisdiction J, bytes and all, asked again (each fact's VEVENT already
  written: `publish.calendar` keeps them); `cold`: the first time, every
  event written by `icalendar`;
* `calendar all` (and `cold`): the calendar of the whole log (every fact an
  event);
* `changes page`: `Timeline.changes(Selection.of([J]), limit=50)`, the first
  page of J's change feed (what a poller asks when the log moved);
* `304 check`: `Timeline.log_head()`, all a conditional GET that is answered
  `304 Not Modified` costs.

The peer, measured in the same run on the same database: `read log`, one
streaming pass over the whole log (`list(store.read())`), which every calendar
and feed page makes once; `ratio` is each figure over it: what grouping facts
with their corrections, applying the facts rule and writing iCalendar or Atom
add to reading.  Only 127.0.0.1 is contacted; the PostgreSQL database
`timeline_bench_publish` is created afresh and dropped at the end.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

from bench_projections import fill, pg_recreate, pg_urls, quiet, say  # noqa: E402

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PG_DATABASE = "timeline_bench_publish"


def median_ms(work: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def measure(url: str, repeat: int) -> dict[str, float]:
    from timeline.app import Timeline
    from timeline.model.selection import Selection
    from timeline.publish import calendar as calendar_module
    from timeline.store import open_store

    tl = Timeline(open_store(url, read_only=True), read_only=True)
    try:
        busiest = Counter(
            code for event in tl.store.read() for code in event.jurisdictions
        ).most_common(1)[0][0]
        one = Selection.of([busiest])
        say(f"  busiest jurisdiction: {busiest}")

        def cold(selection: Selection) -> Callable[[], Any]:
            def run() -> bytes:
                written_events.clear()
                return tl.calendar(selection)

            return run

        written_events = calendar_module._RENDERED._bytes
        return {
            "read log": median_ms(lambda: list(tl.store.read()), repeat),
            f"calendar {busiest} cold": median_ms(cold(one), repeat),
            f"calendar {busiest}": median_ms(lambda: tl.calendar(one), repeat),
            "calendar all cold": median_ms(cold(Selection()), repeat),
            "calendar all": median_ms(lambda: tl.calendar(Selection()), repeat),
            "changes page": median_ms(lambda: tl.changes(one, limit=50), repeat),
            "304 check": median_ms(tl.log_head, repeat * 20),
        }
    finally:
        tl.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--postgres-url", default=DEFAULT_PG)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()
    quiet()
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for backend in args.backends.split(","):
            if backend == "sqlite":
                url = f"sqlite:///{Path(tmp) / 'publish.db'}"
            else:
                admin, url = pg_urls(args.postgres_url, PG_DATABASE)
                pg_recreate(admin, database=PG_DATABASE)
            say(f"{backend}: filling {args.events:,} events")
            fill(url, args.events, args.seed, per_subject=4)
            try:
                results[backend] = measure(url, args.repeat)
            finally:
                if backend != "sqlite":
                    pg_recreate(admin, drop_only=True, database=PG_DATABASE)
    print(f"{args.events:,} events, median of {args.repeat} runs (304 check: {args.repeat * 20})")
    print(f"{'backend':<11} {'figure':<20} {'ms':>10} {'ratio to read log':>18}")
    for backend, figures in results.items():
        floor = figures["read log"]
        for name, ms in figures.items():
            ratio = "peer" if name == "read log" else f"{ms / floor:.2f}x"
            print(f"{backend:<11} {name:<20} {ms:>10.2f} {ratio:>18}")


if __name__ == "__main__":
    main()
