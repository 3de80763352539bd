"""`timeline daemon` as a real child process, for the feed and digest tests.

Its stderr (JSON log lines) is read by a thread all the time, so the daemon can
never block on a full pipe however long a test leaves it running.  A daemon
that does not stop when asked gets SIGABRT, which faulthandler turns into a
dump of every thread's stack: the failure then says where it was stuck.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
TIMEOUT_S = 30.0
# A clean stop waits for running jobs; on a loaded CI machine a PostgreSQL
# commit alone has been seen to take seconds, so this is generous on purpose.
STOP_TIMEOUT_S = 90.0


class Daemon:
    """One `timeline daemon` process; its JSON log lines are collected as they come."""

    def __init__(self, config: Path, name: str) -> None:
        self.name = name
        self.lines: list[dict[str, Any]] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        env = dict(os.environ) | {"TIMELINE_LOGGING__FORMAT": "json", "PYTHONFAULTHANDLER": "1"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "timeline", "--config", str(config), "daemon"],
            cwd=REPO_ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stderr is not None
        threading.Thread(target=self._pump, args=(self.proc.stderr,), daemon=True).start()

    def _pump(self, stream: IO[str]) -> None:
        for line in stream:
            self._queue.put(line)
        self._queue.put(None)

    def _drain(self, timeout: float) -> bool:
        try:
            line = self._queue.get(timeout=timeout)
        except queue.Empty:
            return True
        if line is None:
            return False
        try:
            self.lines.append(json.loads(line))
        except json.JSONDecodeError:
            self.lines.append({"event": "non-json", "text": line})
        return True

    def wait_for(
        self, event: str, where: Callable[[dict[str, Any]], bool] = lambda _l: True
    ) -> dict[str, Any]:
        deadline = time.monotonic() + TIMEOUT_S
        while True:
            for line in self.lines:
                if line.get("event") == event and where(line):
                    return line
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not self._drain(min(remaining, 0.2)):
                if not self._queue.empty():
                    continue
                for line in self.lines:
                    if line.get("event") == event and where(line):
                        return line
                pytest.fail(f"daemon {self.name} never logged {event}: {self.lines[-20:]}")

    def events(self, name: str) -> list[dict[str, Any]]:
        while not self._queue.empty():
            self._drain(0)
        return [line for line in self.lines if line.get("event") == name]

    def wait_stopped(self, timeout: float = STOP_TIMEOUT_S) -> int:
        """The exit code once the process has ended; a failure with its stacks if it
        has not within `timeout`."""
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            pass
        self.proc.send_signal(signal.SIGABRT)  # faulthandler: every thread's stack
        try:
            self.proc.wait(TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(TIMEOUT_S)
        deadline = time.monotonic() + TIMEOUT_S
        while time.monotonic() < deadline and self._drain(0.2):
            pass  # to the end of its output (the pump's None), or the deadline
        tail = [line.get("text") or json.dumps(line) + "\n" for line in self.lines[-80:]]
        pytest.fail(
            f"daemon {self.name} still running {timeout:g} s after it was asked to stop;"
            " its last output:\n" + "".join(tail)
        )

    def terminate(self, sig: signal.Signals = signal.SIGTERM) -> int:
        """Ask for a clean stop; its exit code."""
        self.proc.send_signal(sig)
        return self.wait_stopped()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(TIMEOUT_S)
