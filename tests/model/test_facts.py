"""The one rule for which version of a fact stands, on a real log (both backends)."""

from __future__ import annotations

from typing import Any

from tests.factories import in_force, retraction
from timeline.model.facts import describe, fact_title, standing_fact
from timeline.store import EventStore, RecordedEvent


def correction(target: RecordedEvent, effective: str, reason: str = "gazette") -> dict[str, Any]:
    fact = in_force(effective=effective)
    return {
        "kind": "event.corrected",
        "subject": target.subject,
        "jurisdictions": list(target.jurisdictions),
        "effective": effective,
        "payload": {"target": target.id, "reason": reason, "corrected": fact},
    }


def test_corrections_apply_in_log_order_and_a_retraction_is_final(store: EventStore) -> None:
    original = store.append([in_force(effective="2025-09-01")]).events[0]
    other = store.append([in_force(subject="jp/other-act", effective="2025")]).events[0]
    first = store.append([correction(original, "2025-09-02")]).events[0]
    store.append([correction(other, "2026")])  # names another fact: skipped
    second = store.append([correction(original, "2025-09-03")]).events[0]
    withdrawn = store.append([retraction(original.id)]).events[0]
    late = store.append([correction(original, "2025-09-04")]).events[0]
    metas = [e for e in store.read() if e.kind.startswith("event.")]

    standing = standing_fact(original, metas)
    assert standing.retracted_by is not None
    assert standing.retracted_by.id == withdrawn.id
    assert [e.id for e in standing.corrected_by] == [first.id, second.id]
    assert standing.fact["effective"] == "2025-09-03"  # the correction after it changes nothing
    assert late.id not in [e.id for e in standing.corrected_by]

    before_second = standing_fact(original, metas, before_seq=second.seq)
    assert before_second.fact["effective"] == "2025-09-02"
    assert not before_second.retracted
    untouched = standing_fact(original, [])
    assert untouched.fact["effective"] == "2025-09-01"
    assert "idempotency_key" not in untouched.fact


def test_titles_name_the_fact_and_log_lines_say_what_the_event_reports() -> None:
    office = {"organisation": "Anthropic", "city": "Tokyo"}
    assert fact_title("office.opened", office) == "Anthropic office in Tokyo"
    assert describe("office.opened", office) == "Anthropic office in Tokyo"
    metric = {"name": "AI adoption", "value": 42, "unit": "%", "period": "2025"}
    assert fact_title("metric.reported", metric) == "AI adoption"
    assert describe("metric.reported", metric) == "AI adoption: 42% (2025)"
    pledge = {"investor": "Acme", "amount": 5, "currency": "USD", "recipient": "JP", "up_to": True}
    assert fact_title("investment.announced", pledge) == "Acme: USD 5"
    big = pledge | {"amount": "75000000000", "currency": "EUR"}
    assert describe("investment.announced", big) == "Acme: up to EUR 75 billion into JP"
    assert describe("investment.announced", pledge) == "Acme: up to USD 5 into JP"
    meta = {"target": "0123456789abcdef", "reason": "typo"}
    assert describe("event.retracted", meta) == "retracts 01234567: typo"
    assert fact_title("body.established", {}) == "body.established"
