"""A real SMTP server (aiosmtpd) on 127.0.0.1 for the digest tests.

It keeps every message it accepts, can refuse chosen recipients with a given
reply, and can hold the DATA of a chosen recipient until released, to let a
test kill the sender in the middle of a delivery.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import threading
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        parsed = BytesParser(policy=policy.default).parsebytes(self.data)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class Collector:
    """The handler: what arrived, and what to refuse or hold."""

    received: list[Received] = field(default_factory=list)
    refuse: dict[str, str] = field(default_factory=dict)
    hold_for: str | None = None
    accept_before_hold: bool = False
    held: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = Received(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.content))
        if self.hold_for is not None and self.hold_for in envelope.rcpt_tos:
            if self.accept_before_hold:  # the server has it; the client never hears 250
                self.received.append(message)
            self.held.set()
            while not self.release.is_set():
                await asyncio.sleep(0.05)
            return "451 4.3.0 released by the test"
        self.received.append(message)
        return "250 2.0.0 Message accepted"

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if address in r.rcpt_tos]


class SmtpServer:
    def __init__(
        self,
        port: int | None = None,
        login: tuple[str, str] | None = None,
        *,
        starttls: ssl.SSLContext | None = None,
        implicit_tls: ssl.SSLContext | None = None,
    ) -> None:
        """`starttls`: offer STARTTLS and refuse mail until it is used;
        `implicit_tls`: speak TLS from the first byte."""
        self.port = port or free_port()
        self.handler = Collector()
        self.login = login
        self.starttls = starttls
        self.implicit_tls = implicit_tls
        self.controller: Controller | None = None

    def _authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        given = (auth_data.login.decode(), auth_data.password.decode())
        return AuthResult(success=given == self.login, handled=False)

    def start(self) -> SmtpServer:
        auth: dict[str, Any] = {}
        if self.login is not None:  # loopback only: no TLS needed to test the login itself
            auth = {
                "authenticator": self._authenticate,
                "auth_require_tls": False,
                "auth_required": True,
            }
        if self.starttls is not None:
            auth |= {"tls_context": self.starttls, "require_starttls": True}
        if self.implicit_tls is not None:
            auth |= {"ssl_context": self.implicit_tls}
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port, **auth)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.handler.release.set()
            self.controller.stop()
            self.controller = None

    def __enter__(self) -> SmtpServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
