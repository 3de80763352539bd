"""Web benchmark: HTTP API latency of `timeline serve`, beside the same calls in-process.

    .venv/bin/python bench/bench_web.py [--events N] [--backends sqlite,postgresql]
        [--postgres-url URL] [--requests R] [--seed S] [--keep]

What is measured, per backend, over N synthetic events (bench_projections'
fill: bench_log's seeded generator, 200 ISO alpha-2 jurisdictions, 0.5%
corrections and 0.2% retractions), with the read models caught up first:

* HTTP: a real `timeline serve` subprocess on 127.0.0.1 (uvicorn, read-only
  database, its catch-up thread running), one keep-alive httpx client sending
  R sequential requests per endpoint over random (jurisdiction, day) pairs,
  after an untimed warm-up: `/api/state`, `/api/compare` (two jurisdictions),
  `/api/events?jurisdiction=..&limit=100` (a page of the log).  Each request
  is timed from send to the whole body read, then JSON-decoded (untimed).
* ceiling: the same questions asked of a read-only `Timeline` in this process,
  same pairs, same order: `Timeline.state`, `Timeline.compare`,
  `list(Timeline.log(jurisdiction=.., limit=100))`.  What the answers cost
  without HTTP, routing, validation of parameters and JSON; the ratio
  (ceiling / HTTP, of medians) says how much of a request is the answer itself.

Both series run in the same minutes on the same database, interleaved
endpoint by endpoint.  Results: a table on stdout and
bench/results/web-<timestamp>.json.  Only 127.0.0.1 is contacted; the
PostgreSQL database `timeline_bench_web` is created afresh (dropped at the end
unless --keep).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
sys.path.insert(0, str(BENCH_DIR))

from bench_projections import fill, pg_recreate, pg_urls, quiet, say  # noqa: E402

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PG_DATABASE = "timeline_bench_web"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)

    def pct(p: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))], 2)

    return {
        "p50": pct(50),
        "p90": pct(90),
        "p99": pct(99),
        "mean": round(statistics.fmean(ordered), 2),
    }


def timed(call: Callable[..., object], arguments: list[tuple[Any, ...]]) -> list[float]:
    """Milliseconds of each `call(*args)`."""
    out = []
    for args in arguments:
        t0 = time.perf_counter()
        call(*args)
        out.append((time.perf_counter() - t0) * 1000)
    return out


def start_server(url: str, port: int) -> subprocess.Popen[bytes]:
    env = os.environ | {
        "TIMELINE_DATABASE__URL": url,
        "TIMELINE_PROJECTIONS__PATH": str(REPO / "projections"),
        "TIMELINE_LOGGING__LEVEL": "warning",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "timeline", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    import httpx

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            error = server.stderr.read().decode() if server.stderr else ""
            raise SystemExit(f"timeline serve exited: {error.strip()}")
        try:
            httpx.get(f"http://127.0.0.1:{port}/api/status", timeout=2).raise_for_status()
            return server
        except httpx.HTTPError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("timeline serve did not answer within 120 s")


def measure(url: str, requests: int, seed: int) -> dict[str, Any]:
    import httpx

    from timeline.app import Timeline
    from timeline.settings import Settings
    from timeline.store import open_store

    writer = Timeline(open_store(url), projections=REPO / "projections")
    started = time.perf_counter()
    writer.catch_up()
    catch_up_seconds = time.perf_counter() - started
    writer.close()

    settings = Settings(database={"url": url}, projections={"path": str(REPO / "projections")})
    reader = Timeline.open(settings, read_only=True)
    codes = [item["code"] for item in reader.jurisdictions()]
    time_range = reader.valid_time_range()
    assert time_range is not None, "no facts: nothing to ask"
    first, last = time_range
    span = (last - first).days
    rng = random.Random(seed)

    def pairs(n: int) -> list[tuple[str, str, dt.date]]:
        return [
            (*rng.sample(codes, 2), first + dt.timedelta(days=rng.randrange(span + 1)))
            for _ in range(n)
        ]

    port = free_port()
    server = start_server(url, port)
    base = f"http://127.0.0.1:{port}"
    results: dict[str, Any] = {"catch_up_seconds": round(catch_up_seconds, 1)}
    try:
        with httpx.Client(base_url=base, timeout=60) as client:

            def get(path: str, **params: Any) -> Any:
                return client.get(path, params=params).raise_for_status()

            endpoints: dict[str, tuple[Callable[..., Any], Callable[..., Any]]] = {
                "state": (
                    lambda a, _b, d: get("/api/state", jurisdiction=a, as_of=d.isoformat()),
                    lambda a, _b, d: reader.state(a, d),
                ),
                "compare": (
                    lambda a, b, d: get("/api/compare", jurisdiction=[a, b], as_of=d.isoformat()),
                    lambda a, b, d: reader.compare([a, b], d),
                ),
                "events page": (
                    lambda a, _b, _d: get("/api/events", jurisdiction=a, limit=100),
                    lambda a, _b, _d: list(reader.log(jurisdiction=a, limit=100)),
                ),
            }
            for name, (over_http, in_process) in endpoints.items():
                for a, b, d in pairs(min(50, requests)):  # warm-up, untimed
                    over_http(a, b, d)
                    in_process(a, b, d)
                chosen = pairs(requests)
                http_ms = timed(over_http, chosen)
                bare_ms = timed(in_process, chosen)
                results[name] = {
                    "http_ms": percentiles(http_ms),
                    "in_process_ms": percentiles(bare_ms),
                }
                say(
                    f"  {name}: http p50 {results[name]['http_ms']['p50']} ms, "
                    f"in-process p50 {results[name]['in_process_ms']['p50']} ms"
                )
    finally:
        server.terminate()
        server.wait(timeout=30)
        reader.close()
    return results


def report(results: dict[str, Any], events: int, requests: int) -> None:
    print(f"\n{events:,} events, {requests} sequential keep-alive requests per endpoint\n")
    print(
        "| backend | endpoint | HTTP p50 / p90 / p99 | in-process p50 / p90 / p99 | ratio of p50s |"
    )
    print("| --- | --- | --- | --- | ---: |")
    for backend, figures in results.items():
        for name in ("state", "compare", "events page"):
            h, c = figures[name]["http_ms"], figures[name]["in_process_ms"]
            ratio = c["p50"] / h["p50"] if h["p50"] else 0.0
            print(
                f"| {backend} | {name} | {h['p50']} / {h['p90']} / {h['p99']} ms "
                f"| {c['p50']} / {c['p90']} / {c['p99']} ms | {ratio:.0%} |"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument(
        "--postgres-url", default=os.environ.get("TIMELINE_TEST_POSTGRES_URL", DEFAULT_PG)
    )
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--seed", type=int, default=20260101)
    parser.add_argument("--events-per-subject", type=int, default=20)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    quiet()
    workdir = Path(tempfile.mkdtemp(prefix="timeline-bench-web-"))
    results: dict[str, Any] = {}
    for backend in args.backends.split(","):
        if backend == "sqlite":
            url = f"sqlite:///{workdir / 'web.db'}"
        else:
            pg_recreate(args.postgres_url, database=PG_DATABASE)
            url = pg_urls(args.postgres_url, PG_DATABASE)[1]
        say(f"{backend}: filling {args.events:,} events")
        filled = fill(url, args.events, args.seed, args.events_per_subject)
        say(f"{backend}: measuring")
        results[backend] = measure(url, args.requests, args.seed) | {"fill": filled}
        if backend == "postgresql" and not args.keep:
            pg_recreate(args.postgres_url, drop_only=True, database=PG_DATABASE)
    report(results, args.events, args.requests)
    out = BENCH_DIR / "results" / f"web-{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%SZ}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(
        json.dumps({"events": args.events, "requests": args.requests, **results}, indent=2)
    )
    say(f"results: {out}")


if __name__ == "__main__":
    main()
