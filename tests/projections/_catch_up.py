"""Child process for the crash test: a catch-up that reports each chunk it commits.

    python -m tests.projections._catch_up DATABASE_URL PROJECTIONS_DIR

Chunks of 500 events, so that a parent can kill it between (or inside) them.
"""

from __future__ import annotations

import sys
from pathlib import Path

from timeline.projections.definition import load_definitions
from timeline.projections.runner import ProjectionRunner
from timeline.store import open_store


def main() -> None:
    url, projections = sys.argv[1], Path(sys.argv[2])
    runner = ProjectionRunner(
        open_store(url), load_definitions(projections), chunk=500, bulk_chunk=500
    )

    def progress(phase: str, done: int, total: int) -> None:
        print(f"{phase} {done} {total}", flush=True)

    runner.catch_up(progress)
    print("done", flush=True)


if __name__ == "__main__":
    main()
