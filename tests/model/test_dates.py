"""Partial dates: parsing, intervals, ordering."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from timeline.errors import InvalidDateError
from timeline.model.dates import PartialDate, Precision, date_move


# The questions the projections ask of a fact's date on a day (its interval
# has ended by then: certain; it has begun: possible), asked here of the interval.
def certainly_by(date: PartialDate, day: dt.date) -> bool:
    """Every day `date` could mean is on or before `day`."""
    return date.end <= day


def possibly_by(date: PartialDate, day: dt.date) -> bool:
    """`date` could be on or before `day`."""
    return date.start <= day


@pytest.mark.parametrize(
    ("text", "precision", "start", "end"),
    [
        ("2025-09-01", Precision.DAY, dt.date(2025, 9, 1), dt.date(2025, 9, 1)),
        ("2025-08", Precision.MONTH, dt.date(2025, 8, 1), dt.date(2025, 8, 31)),
        ("2024-02", Precision.MONTH, dt.date(2024, 2, 1), dt.date(2024, 2, 29)),
        ("2025", Precision.YEAR, dt.date(2025, 1, 1), dt.date(2025, 12, 31)),
    ],
)
def test_parse_keeps_precision_and_spans_its_interval(
    text: str, precision: Precision, start: dt.date, end: dt.date
) -> None:
    date = PartialDate.parse(text)
    assert (date.precision, date.start, date.end, str(date)) == (precision, start, end, text)


def test_dates_and_years_from_toml_literals() -> None:
    assert str(PartialDate.parse(dt.date(2025, 9, 1))) == "2025-09-01"
    assert str(PartialDate.parse(2025)) == "2025"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2025-13", r"^no such month '2025-13' \(months are 01 to 12\)$"),
        ("2024-02-30", r"^no such day '2024-02-30' \(February 2024 has 29 days\)$"),
        ("0000", r"^no such year '0000' \(years start at 0001\)$"),
        ("2025-02-30", r"^no such day '2025-02-30' \(February 2025 has 28 days\)$"),
        ("Sept 2025", "expected YYYY, YYYY-MM or YYYY-MM-DD, got 'Sept 2025'"),
        ("2025-9-1", "expected YYYY, YYYY-MM or YYYY-MM-DD"),
    ],
)
def test_bad_dates_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(InvalidDateError, match=message):
        PartialDate.parse(text)


def test_datetime_is_not_a_date() -> None:
    with pytest.raises(InvalidDateError, match="not a date and time"):
        PartialDate.parse(dt.datetime(2025, 9, 1, 12))


def test_interval_questions_about_a_month() -> None:
    november = PartialDate.parse("2025-11")
    assert not possibly_by(november, dt.date(2025, 10, 31))
    assert possibly_by(november, dt.date(2025, 11, 15))
    assert not certainly_by(november, dt.date(2025, 11, 15))
    assert november.contains(dt.date(2025, 11, 15))
    assert certainly_by(november, dt.date(2025, 11, 30))
    assert november.overlaps(dt.date(2025, 11, 30), dt.date(2026, 1, 1))


def test_ordering_puts_wider_intervals_after_narrower_ones_that_start_together() -> None:
    texts = ["2025", "2025-09-01", "2025-01", "2024-12-31", "2025-01-01"]
    ordered = [str(d) for d in sorted(PartialDate.parse(t) for t in texts)]
    assert ordered == ["2024-12-31", "2025-01-01", "2025-01", "2025", "2025-09-01"]


partial_dates = st.dates(dt.date(1900, 1, 1), dt.date(2200, 12, 31)).flatmap(
    lambda d: st.sampled_from([d.isoformat(), d.isoformat()[:7], d.isoformat()[:4]])
)


@given(partial_dates)
def test_text_round_trips(text: str) -> None:
    assert str(PartialDate.parse(text)) == text


@given(partial_dates, st.dates(dt.date(1900, 1, 1), dt.date(2200, 12, 31)))
def test_interval_predicates_agree(text: str, day: dt.date) -> None:
    date = PartialDate.parse(text)
    assert date.contains(day) == (possibly_by(date, day) and not date.end < day)
    if certainly_by(date, day):
        assert possibly_by(date, day)
    assert date.start <= date.end


@given(partial_dates, partial_dates)
def test_order_is_total_and_consistent_with_equality(a_text: str, b_text: str) -> None:
    a, b = PartialDate.parse(a_text), PartialDate.parse(b_text)
    assert (a < b) + (b < a) + (a == b) == 1


@pytest.mark.parametrize(
    ("before", "after", "move"),
    [
        ("2026-09-01", "2026-09-01", None),
        ("2026-09-01", "2026-09-02", "postponed"),
        ("2026-09", "2026-08-31", "brought forward"),
        ("2026-09", "2026-09-15", "made more precise"),
        ("2026", "2026-03", "made more precise"),
        ("2026-09-15", "2026-09", "made less precise"),  # every day it meant, it may mean
        ("2024-04", "2024", "made less precise"),
        ("2024-04", "2025", "postponed"),
        ("2024-04-30", "2024-05", "postponed"),
        ("2026-09-01", "2026-09", "made less precise"),  # the month holds the day
        ("2026-09", "2027", "postponed"),
    ],
)
def test_date_move_names_how_a_date_moved(before: str, after: str, move: str | None) -> None:
    assert date_move(PartialDate.parse(before), PartialDate.parse(after)) == move
