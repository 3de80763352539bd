"""`timeline serve` as a real process: it serves over HTTP on 127.0.0.1, stops
cleanly on SIGTERM and SIGINT, and says what is wrong in one line otherwise."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.projections.conftest import PROJECTIONS
from timeline.cli.serve import listening_socket

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def write_config(tmp_path: Path, database_url: str) -> Path:
    config = tmp_path / "config.toml"
    config.write_text(
        f"[database]\nurl = '{database_url}'\n"
        f"[projections]\npath = '{PROJECTIONS}'\n"
        "[logging]\nformat = 'json'\n"
    )
    return config


def start(config: Path, *args: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TIMELINE_")}
    return subprocess.Popen(
        [sys.executable, "-m", "timeline", "--config", str(config), "serve", *args],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_until_serving(process: subprocess.Popen[str], base: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        try:
            if httpx.get(f"{base}/api/status", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError("timeline serve did not answer within 60 s")


@pytest.fixture
def config(curated_url: str, tmp_path: Path) -> Path:
    return write_config(tmp_path, curated_url)


@pytest.fixture
def served(config: Path) -> Iterator[tuple[subprocess.Popen[str], str]]:
    port = free_port()
    process = start(config, "--port", str(port))
    try:
        yield process, f"http://127.0.0.1:{port}"
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_serve_answers_and_stops_cleanly(
    served: tuple[subprocess.Popen[str], str], stop: signal.Signals
) -> None:
    process, base = served
    wait_until_serving(process, base)
    response = httpx.get(
        f"{base}/api/state", params={"jurisdiction": "JP", "as_of": "2025-09-01"}, timeout=10
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    subjects = {i["subject"]: i["status"] for i in response.json()["instruments"]}
    assert subjects["jp/ai-promotion-act"] == "in_force"
    assert httpx.get(f"{base}/", timeout=10).status_code == 200
    process.send_signal(stop)
    _, stderr = process.communicate(timeout=90)  # generous: a loaded CI machine
    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr
    assert f"serving {base}/" in stderr


def one_line_error(config: Path, *args: str, env: dict[str, str] | None = None) -> str:
    process = start(config, *args)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 1, stderr
    assert "Traceback" not in stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    return lines[0]


def test_bad_port_is_one_line(tmp_path: Path) -> None:
    # The port is checked and bound before the database is opened.
    config = write_config(tmp_path, f"sqlite:///{tmp_path / 'never-opened.db'}")
    assert one_line_error(config, "--port", "70000") == (
        "Error: --port must be between 1 and 65535, not 70000"
    )
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert one_line_error(config, "--port", str(port)) == (
            f"Error: cannot listen on 127.0.0.1:{port}: Address already in use"
        )


def test_unreachable_database_is_one_line(tmp_path: Path) -> None:
    config = write_config(tmp_path, "postgresql+psycopg://nobody@127.0.0.1:1/none")
    message = one_line_error(config, "--port", str(free_port()))
    assert message.startswith(
        "Error: cannot reach database postgresql+psycopg://nobody@127.0.0.1:1"
    )
    missing = write_config(tmp_path, f"sqlite:///{tmp_path / 'missing.db'}")
    assert one_line_error(missing, "--port", str(free_port())) == (
        f"Error: database {tmp_path / 'missing.db'} does not exist; run `timeline init`"
    )


def test_served_connections_send_without_waiting_for_acks() -> None:
    """Kept-alive connections must have Nagle's algorithm off: with it on, every
    response (headers and body written apart) waited for the client's delayed ACK,
    40 ms each on Linux."""
    listener = listening_socket("127.0.0.1", 0)
    seen: dict[str, int] = {}

    async def main() -> None:
        def on_connection(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            connection = writer.get_extra_info("socket")
            seen["nodelay"] = connection.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
            writer.close()

        server = await asyncio.start_server(on_connection, sock=listener)
        reader, writer = await asyncio.open_connection(*listener.getsockname()[:2])
        await reader.read()
        writer.close()
        server.close()
        await server.wait_closed()

    asyncio.run(main())
    assert seen["nodelay"] == 1
