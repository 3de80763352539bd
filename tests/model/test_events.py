"""The event model: kinds, payloads, jurisdictions, and one-line errors."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.factories import in_force, office, retraction
from timeline.errors import InvalidEventError, UnknownJurisdictionError
from timeline.model.events import KINDS, content_key, parse_event
from timeline.model.jurisdictions import registry, validate_code


def test_all_required_kinds_exist() -> None:
    assert set(KINDS) == {
        "instrument.proposed", "instrument.adopted", "instrument.in_force",
        "instrument.amended", "instrument.repealed", "body.established",
        "agreement.signed", "meeting.held", "membership.joined", "office.opened",
        "investment.announced", "metric.reported", "event.corrected", "event.retracted",
    }  # fmt: skip


def test_jurisdictions_are_normalised_sorted_and_unique() -> None:
    event = parse_event(office(1) | {"jurisdictions": ["jp", "EU", "JP", "jp-13"]})
    assert event.jurisdictions == ["EU", "JP", "JP-13"]


def test_unknown_kind_names_the_known_ones() -> None:
    with pytest.raises(InvalidEventError, match=r"^unknown kind 'law.passed'; known kinds: instr"):
        parse_event(in_force() | {"kind": "law.passed"})


def test_unknown_field_is_named_with_its_path() -> None:
    with pytest.raises(InvalidEventError) as info:
        parse_event(in_force(colour="red"), "events/x.toml: entry 'a'")
    assert str(info.value) == "events/x.toml: entry 'a': payload.colour: unknown field"


def test_in_force_must_say_whether_it_binds() -> None:
    data = in_force()
    del data["payload"]["binding"]
    with pytest.raises(
        InvalidEventError,
        match=r"^payload.binding: missing \(an instrument.in_force event needs it\)$",
    ):
        parse_event(data)


def test_penalty_amount_needs_a_currency() -> None:
    with pytest.raises(InvalidEventError, match="a penalty amount needs a currency"):
        parse_event(in_force(max_penalty={"amount": 35_000_000}))
    with pytest.raises(InvalidEventError, match="unknown ISO 4217 currency code 'EUX'"):
        parse_event(in_force(max_penalty={"amount": 1, "currency": "EUX"}))
    ok = parse_event(in_force(max_penalty={"amount": 35e6, "currency": "eur", "turnover_pct": 7}))
    assert ok.payload.max_penalty.currency == "EUR"  # type: ignore[union-attr]


def test_facts_need_sources_but_retractions_do_not() -> None:
    with pytest.raises(InvalidEventError, match=r"sources: List should have at least 1 item"):
        parse_event(in_force() | {"sources": []})
    assert parse_event(retraction("abc")).kind == "event.retracted"


def test_agreement_parties_written_as_codes_must_be_real_codes() -> None:
    agreement = {
        "kind": "agreement.signed",
        "subject": "jp-fr/ai-joint-statement",
        "jurisdictions": ["JP", "FR"],
        "effective": "2026-04-01",
        "sources": [{"publisher": "MOFA", "title": "Joint statement"}],
        "payload": {"title": "AI Joint Statement", "parties": ["JP", "FR"]},
    }
    assert parse_event(agreement).payload.parties == ["JP", "FR"]  # type: ignore[union-attr]
    with_org = agreement | {"payload": {"title": "MoC", "parties": ["Anthropic", "JP"]}}
    assert parse_event(with_org).kind == "agreement.signed"
    with pytest.raises(
        InvalidEventError, match=r"payload.parties.1: unknown jurisdiction code 'FX'"
    ):
        parse_event(agreement | {"payload": {"title": "x", "parties": ["JP", "FX"]}})


def test_subject_must_be_a_slug() -> None:
    with pytest.raises(InvalidEventError, match="subject: 'JP AI Act' is not a subject slug"):
        parse_event(in_force(subject="JP AI Act"))


def test_all_errors_come_on_one_line() -> None:
    with pytest.raises(InvalidEventError) as info:
        parse_event(
            {
                "kind": "office.opened",
                "subject": "x",
                "jurisdictions": ["ZZ"],
                "effective": "2025-13",
                "payload": {},
            }
        )
    assert "\n" not in str(info.value)
    for field in ("jurisdictions.0", "effective", "sources", "payload.organisation"):
        assert field in str(info.value)


def test_unknown_code_suggests_the_nearest_known_ones() -> None:
    with pytest.raises(UnknownJurisdictionError) as info:
        validate_code("UK")
    assert info.value.suggestions[0] == "GB (United Kingdom)"
    assert "G7 (Group of Seven)" in registry().suggest("G8")
    assert registry().suggest("Japan")[0] == "JP (Japan)"


def test_groups_come_from_the_data_file() -> None:
    for code in ("EU", "ASEAN", "G7", "G20", "OECD", "UN"):
        assert registry().get(code).category == "group"
    assert "JP" in registry().get("G7").members
    assert registry().get("JP-13").category == "subdivision"


@given(st.sampled_from(["2025", "2025-09", "2025-09-01"]), st.sampled_from(["JP", "EU", "FR"]))
def test_content_key_depends_on_content_only(effective: str, code: str) -> None:
    a = parse_event(in_force(effective=effective, jurisdictions=[code]))
    b = parse_event(
        in_force(effective=effective, jurisdictions=[code]) | {"provenance": {"file": "x.toml"}}
    )
    assert content_key(a) == content_key(b)
    assert content_key(a) != content_key(parse_event(in_force(effective="1999")))


def test_idempotency_key_cannot_hold_control_characters() -> None:
    # The hash chain joins columns with the unit separator (store/base.py).
    with pytest.raises(InvalidEventError, match="idempotency_key: String should match pattern"):
        parse_event(office(1) | {"idempotency_key": "a\x1fb"})
    assert parse_event(office(1) | {"idempotency_key": "curated:x"}).idempotency_key == "curated:x"
