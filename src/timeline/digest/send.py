"""SMTP: one connection per run, one transaction (MAIL, RCPT, DATA) per recipient, so a
refused recipient never holds up the others.

Security follows `smtp.security`: `starttls` upgrades a plain connection before
anything else is said, `tls` speaks TLS from the start, `none` is for a relay
on the same host or network.  Certificates are always checked (host name
included), against the system's CA store plus `smtp.ca_file` when set.  The
password comes only from TIMELINE_SMTP_PASSWORD.
"""

from __future__ import annotations

import os
import smtplib
import ssl
from email.message import EmailMessage

from timeline.errors import ConfigError
from timeline.settings import SmtpSettings

PASSWORD_VARIABLE = "TIMELINE_SMTP_PASSWORD"


class DeliveryFailure(Exception):
    """One recipient's message was not taken.  `permanent`: the server said 5xx to it."""

    def __init__(self, reply: str, *, permanent: bool) -> None:
        super().__init__(reply)
        self.reply = reply
        self.permanent = permanent


class SmtpSender:
    """A lazily opened connection, reopened after a failure; use as a context manager."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self.password = os.environ.get(PASSWORD_VARIABLE, "")
        if settings.user and not self.password:
            raise ConfigError(f"smtp.user is set but {PASSWORD_VARIABLE} is not")
        # Built before anything is claimed, so a bad CA file stops the run up front.
        self.context = ssl.create_default_context()
        if settings.ca_file:
            try:
                self.context.load_verify_locations(cafile=settings.ca_file)
            except (OSError, ssl.SSLError) as exc:
                reason = exc.strerror or str(exc) if isinstance(exc, OSError) else str(exc)
                raise ConfigError(f"smtp.ca_file {settings.ca_file!r}: {reason}") from None
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> SmtpSender:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                self._smtp.close()
            self._smtp = None

    def _where(self) -> str:
        return f"{self.settings.host}:{self.settings.port}"

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        context = self.context
        smtp: smtplib.SMTP
        if s.security == "tls":
            smtp = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=context)
        else:
            smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
        try:
            if s.security == "starttls":
                smtp.starttls(context=context)
            if s.user:
                smtp.login(s.user, self.password)
        except BaseException:
            smtp.close()
            raise
        return smtp

    def send(self, message: EmailMessage, recipient: str) -> None:
        """Hand `message` to the server for `recipient` alone; returns once it is accepted."""
        try:
            if self._smtp is None:
                self._smtp = self._connect()
            self._smtp.send_message(message, from_addr=self.settings.sender, to_addrs=[recipient])
        except smtplib.SMTPRecipientsRefused as exc:
            code, reply = exc.recipients.get(recipient, (0, b""))
            self._reset()
            raise _failure(code, reply, f"{recipient} refused") from None
        except smtplib.SMTPResponseException as exc:  # sender refused, data refused, auth ...
            self.close_quietly()
            auth = isinstance(exc, smtplib.SMTPAuthenticationError)
            raise _failure(exc.smtp_code, exc.smtp_error, "server said", transient=auth) from None
        except smtplib.SMTPNotSupportedError as exc:
            self.close_quietly()
            raise DeliveryFailure(f"{self._where()}: {exc}", permanent=False) from None
        except (smtplib.SMTPException, OSError) as exc:
            self.close_quietly()
            reason = str(exc) or type(exc).__name__
            raise DeliveryFailure(
                f"mail server {self._where()} unreachable: {reason}", permanent=False
            ) from None

    def _reset(self) -> None:
        # The transaction failed but the connection is fine: start the next one clean.
        if self._smtp is not None:
            try:
                self._smtp.rset()
            except (smtplib.SMTPException, OSError):
                self.close_quietly()

    def close_quietly(self) -> None:
        if self._smtp is not None:
            self._smtp.close()
            self._smtp = None


def _failure(
    code: int, reply: bytes | str, what: str, *, transient: bool = False
) -> DeliveryFailure:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    text = " ".join(text.split())
    # 5xx is the server's final word on this message; 4xx and the rest may pass later.
    # A refused login is 5xx too, but a fixed password cures it: keep retrying.
    permanent = 500 <= code < 600 and not transient
    return DeliveryFailure(f"{what}: {code} {text}".strip(), permanent=permanent)
