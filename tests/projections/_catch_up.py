"""Child process for the crash test: a catch-up that reports each chunk it commits.

    python -m tests.projections._catch_up DATABASE_URL PROJECTIONS_DIR

Chunks of 500 events, so that a parent can kill it between (or inside) them.
"""

from __future__ import annotations

import sys
from pathlib import Path

from timeline.app import Timeline
from timeline.projections import runner
from timeline.store import open_store


def main() -> None:
    url, projections = sys.argv[1], Path(sys.argv[2])
    runner.BULK_CHUNK = runner.CHUNK = 500
    timeline = Timeline(open_store(url), projections=projections)

    def progress(phase: str, done: int, total: int) -> None:
        print(f"{phase} {done} {total}", flush=True)

    timeline.catch_up(progress)
    print("done", flush=True)


if __name__ == "__main__":
    main()
