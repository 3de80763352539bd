"""Upcasters: read payloads stored under an older schema as the current model.

The log is never rewritten.  When a payload model changes shape, its kind's
version in `SCHEMA_VERSION` goes up and a function here turns a stored payload
of version N into version N + 1.  Reading applies them in a chain, so an event
written years ago loads as today's model.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from timeline.model.kinds import SCHEMA_VERSION

Payload = dict[str, Any]
Upcaster = Callable[[Payload], Payload]

_UPCASTERS: dict[tuple[str, int], Upcaster] = {}


def upcaster(kind: str, from_version: int) -> Callable[[Upcaster], Upcaster]:
    """Register `fn` to turn `kind` payloads of `from_version` into the next version."""

    def register(fn: Upcaster) -> Upcaster:
        _UPCASTERS[(kind, from_version)] = fn
        return fn

    return register


def upcast(kind: str, version: int, payload: Payload) -> Payload:
    """Bring a stored payload up to the current schema version of its kind."""
    current = SCHEMA_VERSION.get(kind, 1)
    while version < current:
        payload = _UPCASTERS[(kind, version)](payload)
        version += 1
    return payload


@upcaster("instrument.in_force", 1)
def _penalty_in_euros_to_penalty(payload: Payload) -> Payload:
    # Version 1 held a bare `max_penalty_eur` number; version 2 holds a
    # `max_penalty` with amount, currency and share of turnover, because
    # Japan's penalties are in yen and the EU's are "EUR 35M or 7%".
    payload = dict(payload)
    eur = payload.pop("max_penalty_eur", None)
    if eur is not None:
        payload["max_penalty"] = {"amount": str(eur), "currency": "EUR"}
    return payload
