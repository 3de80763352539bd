"""CLI start-up benchmark: whole `timeline` processes beside `sqlite-utils --help`.

    .venv/bin/python bench/bench_cli.py [--runs N]

What is measured, as whole processes (start to exit, output read and thrown
away), each median of N runs taken in turn, pair by pair, so that all three
see the same moments of a shared machine:

* peer: `sqlite-utils --help` (a Click CLI over SQLite; the `bench` extra
  installs it): what starting a Python command line costs here.
* `timeline --help`: ceiling 1.5x the peer.
* `timeline state JP --as-of 2025-09-01` on the curated log (a temporary
  folder with the repository's projections/ and a config, `timeline init`,
  `timeline import events/`, then one state query that catches the read
  models up, untimed): ceiling 2.5x the peer.

The console scripts beside this Python are run (`timeline`, `sqlite-utils`),
with this checkout's src/ first on PYTHONPATH.  Prints each figure beside its
ceiling and the ratio, and writes bench/results/cli-<timestamp>.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
BIN = Path(sys.executable).parent

# Ceilings, as multiples of the peer's median.
CEILINGS = {"timeline --help": 1.5, "timeline state JP --as-of 2025-09-01": 2.5}


def _env() -> dict[str, str]:
    path = os.environ.get("PYTHONPATH")
    src = str(REPO / "src")
    return {**os.environ, "PYTHONPATH": f"{src}{os.pathsep}{path}" if path else src}


def _run(command: list[str], cwd: Path) -> float:
    """Seconds from start to exit of one whole process; a failure stops the benchmark."""
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=_env(), capture_output=True, check=False)
    took = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)}: exit {done.returncode}: {done.stderr.decode()[-500:]}")
    return took


def _curated(folder: Path) -> None:
    shutil.copytree(REPO / "projections", folder / "projections")
    (folder / "config.toml").write_text('[database]\nurl = "sqlite:///timeline.db"\n')
    timeline = str(BIN / "timeline")
    for args in (["init"], ["import", str(REPO / "events")], ["state", "JP"]):
        _run([timeline, *args], folder)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15, help="timed runs of each command")
    args = parser.parse_args()
    timeline = str(BIN / "timeline")
    commands = {
        "sqlite-utils --help": [str(BIN / "sqlite-utils"), "--help"],
        "timeline --help": [timeline, "--help"],
        "timeline state JP --as-of 2025-09-01": [timeline, "state", "JP", "--as-of", "2025-09-01"],
    }
    with tempfile.TemporaryDirectory(prefix="bench-cli-") as tmp:
        folder = Path(tmp)
        _curated(folder)
        for command in commands.values():  # warm the page cache, untimed
            _run(command, folder)
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.runs):
            for name, command in commands.items():
                times[name].append(_run(command, folder))
    peer_name = "sqlite-utils --help"
    peer = statistics.median(times[peer_name])
    rows = []
    print(
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}, {args.runs} runs each, in turn"
    )
    print(f"{'command':40} {'median':>8} {'ceiling':>8} {'ratio':>6}")
    print(f"{peer_name:40} {peer * 1000:6.0f}ms {'':>8} {1:6.2f}")
    for name, ceiling in CEILINGS.items():
        median = statistics.median(times[name])
        ratio = median / peer
        verdict = "ok" if ratio <= ceiling else "OVER"
        print(
            f"{name:40} {median * 1000:6.0f}ms {peer * ceiling * 1000:6.0f}ms {ratio:6.2f}"
            f"  (ceiling {ceiling}x: {verdict})"
        )
        rows.append({"command": name, "median_s": median, "ratio": ratio, "ceiling": ceiling})
    results = BENCH_DIR / "results"
    results.mkdir(exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    (results / f"cli-{stamp}.json").write_text(
        json.dumps(
            {
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                "sqlite": sqlite3.sqlite_version,
                "runs": args.runs,
                "peer": {"command": peer_name, "median_s": peer},
                "figures": rows,
                "times_s": times,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
