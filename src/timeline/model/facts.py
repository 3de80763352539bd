"""Facts as the log states them: how one is named."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def fact_title(kind: str, payload: Mapping[str, Any]) -> str:
    """A one-line name for a fact, whatever its kind."""
    for field in ("title", "name", "organisation", "investor"):
        if payload.get(field):
            text = str(payload[field])
            if kind == "office.opened":
                return f"{text} office in {payload.get('city', '?')}"
            if kind == "investment.announced":
                return f"{text}: {payload.get('currency', '')} {payload.get('amount', '')}".strip()
            return text
    return kind
