"""A real webhook receiver on 127.0.0.1 (stdlib HTTP server, one thread per request).

It checks every request's signature with the Standard Webhooks project's own
Python library (`standardwebhooks`), not with our code, and records what it
got.  It can be down (nothing listens on its port), answer with a chosen
status, or hold a request after reading it until released (to kill the sender
in the middle of a delivery).
"""

from __future__ import annotations

import base64
import json
import os
import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def new_secret() -> str:
    return "whsec_" + base64.b64encode(os.urandom(32)).decode()


@dataclass
class Delivery:
    webhook_id: str
    headers: dict[str, str]
    body: bytes
    verified: bool
    error: str | None

    @property
    def json(self) -> dict[str, Any]:
        return json.loads(self.body)  # type: ignore[no-any-return]


@dataclass
class Receiver:
    secret: str
    port: int = field(default_factory=free_port)
    received: list[Delivery] = field(default_factory=list)
    status: int = 204
    headers: dict[str, str] = field(default_factory=dict)
    hold: bool = False
    """Record each request, then keep it waiting without an answer until `release`."""
    held: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                headers = {k.lower(): v for k, v in self.headers.items()}
                try:
                    Webhook(receiver.secret).verify(body, headers)
                    verified, error = True, None
                except WebhookVerificationError as exc:
                    verified, error = False, str(exc)
                receiver.received.append(
                    Delivery(headers.get("webhook-id", ""), headers, body, verified, error)
                )
                if receiver.hold:
                    receiver.held.set()
                    receiver.release.wait(60)
                    return  # the connection closes with no answer at all
                self.send_response(receiver.status if verified else 401)
                for name, value in receiver.headers.items():
                    self.send_header(name, value)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self.release.set()
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def ids(self) -> list[str]:
        return [d.webhook_id for d in self.received]

    def __enter__(self) -> Receiver:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
