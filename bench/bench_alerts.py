"""Alert latency: a fact recorded -> its webhook received, through a real daemon.

    .venv/bin/python bench/bench_alerts.py [--backends sqlite,postgresql]
        [--postgres-url URL] [--facts N] [--poll-seconds P] [--seed S]

What is measured, per backend: a fresh database, a real `timeline daemon`
subprocess with one follow (`--jurisdiction JP`, a webhook), a real HTTP
receiver in this process on 127.0.0.1 that checks each signature.  N facts
are appended one at a time, each at a random moment of the alert job's
period; the latency of each is from the append's commit (in this process) to
the receiver reading the request whose `data.event` is that fact.

Ceiling: one `alerts.poll_seconds` period (the job looks for alerts that
often, unjittered) plus one second for the scan and the POST.  The median
should sit near half a period, the maximum below the ceiling.  Only
127.0.0.1 is contacted; the PostgreSQL database `timeline_bench_alerts` is
created afresh.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
sys.path.insert(0, str(BENCH_DIR))

from bench_projections import pg_recreate, pg_urls, say  # noqa: E402

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PG_DATABASE = "timeline_bench_alerts"
SECRET_VARIABLE = "TIMELINE_BENCH_WEBHOOK_SECRET"


class Receiver:
    """Records when each alert's request arrived, by the event it is about; checks the
    signature as a receiver would (HMAC-SHA256 of id.timestamp.body)."""

    def __init__(self, key: bytes) -> None:
        self.key = key
        self.arrived: dict[str, float] = {}
        self.bad = 0
        self.got = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                now = time.time()
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                signed = f"{self.headers['webhook-id']}.{self.headers['webhook-timestamp']}."
                mac = hmac.new(receiver.key, signed.encode() + body, hashlib.sha256).digest()
                good = self.headers["webhook-signature"] == "v1," + base64.b64encode(mac).decode()
                with receiver.got:
                    if good:
                        event = json.loads(body)["data"]["event"]
                        receiver.arrived.setdefault(event, now)
                    else:
                        receiver.bad += 1
                    receiver.got.notify_all()
                self.send_response(204)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def wait_for(self, event: str, timeout: float) -> float | None:
        with self.got:
            self.got.wait_for(lambda: event in self.arrived, timeout)
            return self.arrived.get(event)


def run(url: str, facts: int, poll: float, rng: random.Random) -> list[float]:
    from timeline.store import open_store

    key = os.urandom(32)
    os.environ[SECRET_VARIABLE] = "whsec_" + base64.b64encode(key).decode()
    receiver = Receiver(key)
    store = open_store(url)
    store.initialise()
    store.alert_ledger.cursors(["jp"])
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "bench.toml"
        config.write_text(
            f'[database]\nurl = "{url}"\n[projections]\npath = "{REPO / "projections"}"\n'
            f'[logging]\nformat = "json"\nlevel = "warning"\n'
            f"[daemon]\nlease_seconds = 5.0\nrenew_seconds = 1.0\n"
            f"[alerts]\npoll_seconds = {poll}\n"
            f'[[follows]]\nname = "jp"\njurisdictions = ["JP"]\nwebhook = "{receiver.url}"\n'
            f'secret_env = "{SECRET_VARIABLE}"\n'
        )
        daemon = subprocess.Popen(
            [sys.executable, "-m", "timeline", "--config", str(config), "daemon"],
            cwd=REPO,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        latencies = []
        try:
            time.sleep(2 * poll + 1)  # the daemon is up and its job has run once
            for n in range(facts):
                time.sleep(rng.uniform(0, poll))  # a random phase of the job's period
                event = store.append(
                    [
                        {
                            "kind": "instrument.in_force",
                            "subject": f"jp/bench-{n}",
                            "jurisdictions": ["JP"],
                            "effective": "2027-01-01",
                            "sources": [{"publisher": "Bench", "title": f"fact {n}"}],
                            "payload": {"title": f"Bench Act {n}", "binding": False},
                        }
                    ]
                ).events[0]
                committed = time.time()
                arrived = receiver.wait_for(event.id, timeout=poll * 3 + 30)
                if arrived is None:
                    raise SystemExit(f"the alert of fact {n} never arrived")
                latencies.append(arrived - committed)
        finally:
            daemon.terminate()
            daemon.wait(60)
            receiver.server.shutdown()
            store.close()
    if receiver.bad:
        raise SystemExit(f"{receiver.bad} requests failed signature verification")
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument(
        "--postgres-url", default=os.environ.get("TIMELINE_TEST_POSTGRES_URL", DEFAULT_PG)
    )
    parser.add_argument("--facts", type=int, default=20)
    parser.add_argument("--poll-seconds", type=float, default=2.0)
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()
    ceiling = args.poll_seconds + 1.0
    say(
        f"{args.facts} facts per backend, alerts.poll_seconds = {args.poll_seconds:g};"
        f" ceiling {ceiling:g} s (one period + 1 s)"
    )
    print(f"{'backend':<11} {'p50':>7} {'p90':>7} {'max':>7} {'ceiling':>8}  within")
    for backend in args.backends.split(","):
        if backend == "sqlite":
            tmp = tempfile.mkdtemp()
            url = f"sqlite:///{tmp}/bench-alerts.db"
        else:
            admin, url = pg_urls(args.postgres_url, PG_DATABASE)
            pg_recreate(admin, database=PG_DATABASE)
        try:
            got = sorted(run(url, args.facts, args.poll_seconds, random.Random(args.seed)))
        finally:
            if backend != "sqlite":
                pg_recreate(admin, drop_only=True, database=PG_DATABASE)
        p50 = statistics.median(got)
        p90 = got[min(len(got) - 1, int(0.9 * len(got)))]
        print(
            f"{backend:<11} {p50:6.2f}s {p90:6.2f}s {got[-1]:6.2f}s {ceiling:7.2f}s  "
            f"{'yes' if got[-1] <= ceiling else 'NO'}"
        )


if __name__ == "__main__":
    main()
