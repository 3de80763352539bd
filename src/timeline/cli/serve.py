"""`timeline serve`: the web view and read-only HTTP API, under uvicorn.

Registered on the `timeline` app when `timeline.cli` imports this module.
"""

from __future__ import annotations

import contextlib
import signal
import socket
from collections.abc import Iterator
from typing import Annotated

import typer

from timeline.cli._common import command, settings_of
from timeline.errors import ConfigError


@command()
def serve(
    ctx: typer.Context,
    host: Annotated[
        str | None, typer.Option(help="Address to listen on (default: web.host, 127.0.0.1).")
    ] = None,
    port: Annotated[int | None, typer.Option(help="Port (default: web.port, 8080).")] = None,
) -> None:
    """Serve the web view and the read-only HTTP API until SIGTERM or Ctrl-C."""
    from timeline.web.app import create_app
    from timeline.web.service import WebService

    settings = settings_of(ctx)
    host = host or settings.web.host
    port = settings.web.port if port is None else port
    if not 1 <= port <= 65535:
        raise ConfigError(f"--port must be between 1 and 65535, not {port}")
    listener = listening_socket(host, port)  # first: a taken port fails before any other work
    service = WebService(settings)
    try:
        service.start()  # a missing or unreachable database stops us here, in one line
        typer.echo(f"serving http://{_url_host(host)}:{port}/ (Ctrl-C to stop)", err=True)
        _run(create_app(service), listener)
    finally:
        service.stop()
        listener.close()


def listening_socket(host: str, port: int) -> socket.socket:
    """The listening socket, opened here so that a taken port or a bad address is a
    one-line error rather than uvicorn's log and exit."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        # With the protocol said (IPPROTO_TCP, not 0), asyncio turns Nagle's
        # algorithm off on each connection; without it a kept-alive connection
        # waited 40 ms on every response (headers and body are two writes).
        listener = socket.socket(family, kind, proto)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(address)
        listener.listen(128)
    except OSError as exc:
        raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    return listener


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _run(app: object, listener: socket.socket) -> None:
    import uvicorn

    class Server(uvicorn.Server):
        """uvicorn's server, for which SIGTERM or SIGINT is a clean stop (exit 0).

        uvicorn re-raises the signal it caught once it has shut down, so that the
        process ends "by" it; here a stop asked for is the normal end of `timeline
        serve`, as it is of `timeline daemon`.
        """

        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            previous = {
                sig: signal.signal(sig, self.handle_exit) for sig in (signal.SIGTERM, signal.SIGINT)
            }
            try:
                yield
            finally:
                for sig, handler in previous.items():
                    signal.signal(sig, handler)

    config = uvicorn.Config(app, log_config=None, access_log=False, timeout_graceful_shutdown=10)  # type: ignore[arg-type]
    Server(config).run(sockets=[listener])
