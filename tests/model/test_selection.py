"""The one rule for what a selection covers."""

from __future__ import annotations

import pytest

from timeline.errors import UnknownJurisdictionError
from timeline.model.jurisdictions import within
from timeline.model.selection import Selection


def test_within_is_the_code_or_its_subdivisions() -> None:
    assert within("US", "US")
    assert within("US-TX", "US")
    assert not within("US", "US-TX")
    assert not within("USX", "US")  # a prefix of letters is not a subdivision
    assert not within("FR", "EU")  # group members are not within the group


def test_empty_selection_matches_everything() -> None:
    assert Selection().matches("meeting.held", "g7/hiroshima", ["JP", "INTL"])


def test_subdivisions_only_when_asked() -> None:
    facts = ("instrument.adopted", "us-tx/responsible-ai-governance-act", ["US-TX"])
    assert not Selection.of(["US"]).matches(*facts)
    assert Selection.of(["US"], with_subdivisions=True).matches(*facts)


def test_kind_patterns_and_subjects() -> None:
    selection = Selection.of(["EU"], kinds=["instrument.*"], subjects=["eu/*"])
    assert selection.matches("instrument.in_force", "eu/ai-act", ["EU"])
    assert not selection.matches("meeting.held", "eu/ai-act", ["EU"])
    assert not selection.matches("instrument.in_force", "jp/ai-promotion-act", ["EU"])
    assert not selection.matches("instrument.in_force", "eu/ai-act", ["JP"])


def test_unknown_code_is_refused() -> None:
    with pytest.raises(UnknownJurisdictionError):
        Selection.of(["XX"])
