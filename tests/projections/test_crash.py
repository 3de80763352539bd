"""A catch-up killed with SIGKILL part-way loses nothing and repeats nothing."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys

import pytest
from sqlalchemy import func, select

from tests.factories import office
from tests.projections.conftest import PROJECTIONS, REPO, open_timeline
from tests.projections.oracle import reference_state
from timeline.store.sql.schema import fact_versions

pytestmark = pytest.mark.slow


def test_kill_9_mid_catch_up_then_resume(database_url: str) -> None:
    tl = open_timeline(database_url)
    days = [dt.date(2020, 1, 1) + dt.timedelta(days=i) for i in range(1500)]
    for start in range(0, 6000, 1000):
        tl.append(
            [
                office(n) | {"effective": days[n % 1500].isoformat()}
                for n in range(start, start + 1000)
            ]
        )
    # The repository for `tests`, then the caller's path: the child runs the code
    # under test, not whatever copy of timeline is installed.
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
    )
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.projections._catch_up", database_url, str(PROJECTIONS)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    committed = 0
    for line in child.stdout:
        if line.startswith("events"):
            committed += 1
            if committed == 3:  # two more chunks are surely on their way
                child.send_signal(signal.SIGKILL)
                break
    child.wait(timeout=60)
    assert child.returncode == -signal.SIGKILL
    with tl.store.read_connection() as conn:  # type: ignore[attr-defined]
        rows = conn.scalar(select(func.count()).select_from(fact_versions))
    assert 1500 <= rows < 6000, "killed part-way: some chunks in, not all"
    assert rows % 500 == 0, "whole chunks only"

    tl.catch_up()
    with tl.store.read_connection() as conn:  # type: ignore[attr-defined]
        assert conn.scalar(select(func.count()).select_from(fact_versions)) == 6000
    definition = tl.projections.definition("governance")
    everything = list(tl.log())
    now = dt.datetime.now(dt.UTC)
    for day in ("2020-06-30", "2021-12-31", "2024-01-01"):
        assert tl.state("JP", dt.date.fromisoformat(day), known_at=now) == reference_state(
            definition, everything, "JP", dt.date.fromisoformat(day), now
        )
    tl.close()
