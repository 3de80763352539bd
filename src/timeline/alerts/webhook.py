"""Webhooks as the Standard Webhooks specification says (spec/standard-webhooks.md of
github.com/standard-webhooks/standard-webhooks): a POST of the alert's JSON with

- `webhook-id`: the alert's id (`msg_...`), the same on every attempt, so a receiver
  can drop a copy it already has;
- `webhook-timestamp`: the attempt's time, integer seconds since the epoch;
- `webhook-signature`: `v1,` and the base64 HMAC-SHA256 of `id.timestamp.body` under
  the secret, which is `whsec_` and base64 bytes, read from the environment.

A 2xx answer is success; 410 Gone means the receiver wants no more (refused, not
retried); anything else, a redirect included, is a failure retried later, no
sooner than a `Retry-After` asks.  The signing is a few lines of the standard
library; the tests check it against the specification's own Python library.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import os
import time
from dataclasses import dataclass

import httpx

from timeline.errors import ConfigError
from timeline.feeds.fetch import default_user_agent, parse_retry_after

SECRET_PREFIX = "whsec_"


def secret_bytes(secret: str, variable: str) -> bytes:
    """The key of a `whsec_<base64>` secret; `ConfigError` naming `variable` otherwise."""
    if not secret.startswith(SECRET_PREFIX):
        raise ConfigError(f"{variable}: a webhook secret starts with {SECRET_PREFIX}")
    try:
        key = base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)
    except (binascii.Error, ValueError):
        raise ConfigError(f"{variable}: the part after {SECRET_PREFIX} is not base64") from None
    if len(key) < 24:  # the spec: at least 24 random bytes
        raise ConfigError(f"{variable}: a webhook secret holds at least 24 bytes")
    return key


def secret_from_environment(variable: str) -> bytes:
    value = os.environ.get(variable)
    if not value:
        raise ConfigError(f"{variable} is not set (the webhook's whsec_... secret)")
    return secret_bytes(value, variable)


def signature(key: bytes, webhook_id: str, timestamp: int, body: bytes) -> str:
    """`v1,<base64 HMAC-SHA256 of id.timestamp.body>`."""
    signed = f"{webhook_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def signed_headers(
    key: bytes, webhook_id: str, body: bytes, now: int | None = None
) -> dict[str, str]:
    timestamp = int(time.time()) if now is None else now
    return {
        "content-type": "application/json",
        "webhook-id": webhook_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature(key, webhook_id, timestamp, body),
    }


@dataclass(frozen=True, slots=True)
class PostOutcome:
    ok: bool
    detail: str
    permanent: bool = False
    retry_after: float | None = None


class WebhookSender:
    """One HTTP client for a round of posts; use as a context manager."""

    def __init__(self, timeout: float) -> None:
        self.client = httpx.Client(
            timeout=timeout,
            follow_redirects=False,  # the spec: a redirect is a failure, fix the URL instead
            headers={"user-agent": default_user_agent()},
        )

    def __enter__(self) -> WebhookSender:
        return self

    def __exit__(self, *exc: object) -> None:
        self.client.close()

    def post(self, url: str, key: bytes, webhook_id: str, body: bytes) -> PostOutcome:
        try:
            response = self.client.post(
                url, content=body, headers=signed_headers(key, webhook_id, body)
            )
        except httpx.HTTPError as exc:
            return PostOutcome(False, f"{url}: {type(exc).__name__}: {exc}".rstrip(": "))
        if 200 <= response.status_code < 300:
            return PostOutcome(True, f"{response.status_code}")
        detail = f"{url} answered {response.status_code}"
        if response.status_code == 410:
            return PostOutcome(False, detail + " (Gone: no more alerts)", permanent=True)
        wait = parse_retry_after(response.headers.get("retry-after"), dt.datetime.now(dt.UTC))
        return PostOutcome(False, detail, retry_after=wait)
