"""Figures in words (babel, CLDR English): what tables, titles, the digest and the page show."""

from __future__ import annotations

import pytest

from timeline.model.numbers import figure, money, quantity


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (6600000000000, "JPY", "JPY 6.6 trillion"),
        ("75000000000", "EUR", "EUR 75 billion"),
        ("35000000", "EUR", "EUR 35 million"),
        (1234567, "USD", "USD 1.23 million"),
        (0, "JPY", "JPY 0"),
        (12500, "USD", "USD 12,500"),  # below a million: grouped digits, nothing rounded
        (12, "rank", "rank 12"),
        (98, "percent", "98%"),
        ("42.5", "%", "42.5%"),
        (2400000, "people", "2.4 million people"),
        (3, "", "3"),
        ("n/a", "JPY", "JPY n/a"),  # not a number: as written
    ],
)
def test_quantities_read_as_people_say_them(value: object, unit: str, expected: str) -> None:
    assert quantity(value, unit) == expected


def test_a_lower_case_unit_is_not_taken_for_a_currency() -> None:
    assert quantity(5, "eur") == "5 eur"


def test_figures_and_money() -> None:
    assert figure("1500000000") == "1.5 billion"
    assert figure(-2500000) == "-2.5 million"
    assert figure(True) == "True"
    assert money("7", None) == "7"
