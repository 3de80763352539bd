"""Small builders of valid events for tests and benchmarks."""

from __future__ import annotations

from typing import Any

SOURCE = {"publisher": "Test Gazette", "title": "A report", "url": "https://news.example/a"}


def in_force(
    subject: str = "jp/ai-promotion-act",
    effective: str = "2025-09-01",
    jurisdictions: list[str] | None = None,
    **payload: Any,
) -> dict[str, Any]:
    return {
        "kind": "instrument.in_force",
        "subject": subject,
        "jurisdictions": jurisdictions or ["JP"],
        "effective": effective,
        "sources": [SOURCE],
        "payload": {"title": "AI Promotion Act", "binding": False} | payload,
    }


def retraction(target: str, reason: str = "recorded by mistake") -> dict[str, Any]:
    return {
        "kind": "event.retracted",
        "subject": "jp/ai-promotion-act",
        "jurisdictions": ["JP"],
        "effective": "2025-09-01",
        "payload": {"target": target, "reason": reason},
    }


def office(n: int, subject: str | None = None) -> dict[str, Any]:
    return {
        "kind": "office.opened",
        "subject": subject or f"org/company-{n}/office",
        "jurisdictions": ["JP"],
        "effective": "2025-11",
        "sources": [SOURCE],
        "payload": {"organisation": f"Company {n}", "city": "Tokyo"},
    }
