"""The calendar, parsed with `icalendar`: stable UIDs, moves, cancellations, precision."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import icalendar
import pytest

from tests.publish.conftest import meeting
from timeline.app import Timeline
from timeline.errors import InvalidEventError, UnknownJurisdictionError
from timeline.model.selection import Selection
from timeline.store import RecordedEvent

EU_IN_FORCE = Selection.of(["EU"], kinds=["instrument.in_force"])


def events_of(body: bytes) -> dict[str, icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(body)
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def start_and_end(event: icalendar.Event) -> tuple[dt.date, dt.date]:
    return event.decoded("DTSTART"), event.decoded("DTEND")


def test_each_stage_is_an_all_day_event_with_its_sources(
    timeline: Timeline, recorded: list[RecordedEvent]
) -> None:
    found = events_of(timeline.calendar(EU_IN_FORCE))
    stages = recorded[:3]
    assert sorted(found) == sorted(f"{e.id}@timeline" for e in stages)
    first = found[f"{stages[0].id}@timeline"]
    assert start_and_end(first) == (dt.date(2025, 2, 2), dt.date(2025, 2, 3))
    assert not isinstance(first.decoded("DTSTART"), dt.datetime)  # a date: all day
    assert str(first["SUMMARY"]) == "AI Act: in force (EU)"
    assert str(first["URL"]) == "https://eur-lex.europa.eu/eli/reg/2024/1689/oj"
    assert "Official Journal: Regulation (EU) 2024/1689 (2024-07-12)" in str(first["DESCRIPTION"])
    assert str(first["STATUS"]) == "CONFIRMED"
    assert first.decoded("SEQUENCE") == 0
    assert first.decoded("LAST-MODIFIED") == stages[0].recorded_at.replace(microsecond=0)


def test_a_postponement_moves_the_same_uid_with_a_higher_sequence(
    timeline: Timeline, recorded: list[RecordedEvent]
) -> None:
    stage = recorded[2]
    uid = f"{stage.id}@timeline"
    before = events_of(timeline.calendar(EU_IN_FORCE))[uid]
    correction = timeline.correct(stage.id, {"effective": "2027-12-02"}, "postponed by omnibus")
    after = events_of(timeline.calendar(EU_IN_FORCE))[uid]
    assert start_and_end(after) == (dt.date(2027, 12, 2), dt.date(2027, 12, 3))
    assert after.decoded("SEQUENCE") == before.decoded("SEQUENCE") + 1
    assert after.decoded("LAST-MODIFIED") == correction.recorded_at.replace(microsecond=0)
    assert after.decoded("LAST-MODIFIED") > before.decoded("LAST-MODIFIED")
    assert "postponed by omnibus" in str(after["DESCRIPTION"])
    # A correction that leaves the date alone changes the entry, not its place.
    timeline.correct(stage.id, {"payload": {"summary": "general-purpose AI"}}, "summary added")
    again = events_of(timeline.calendar(EU_IN_FORCE))[uid]
    assert again.decoded("SEQUENCE") == after.decoded("SEQUENCE")
    assert "general-purpose AI" in str(again["DESCRIPTION"])


def test_a_retraction_cancels_the_entry(timeline: Timeline, recorded: list[RecordedEvent]) -> None:
    stage = recorded[1]
    timeline.retract(stage.id, "no such stage")
    found = events_of(timeline.calendar(EU_IN_FORCE))
    entry = found.pop(f"{stage.id}@timeline")
    assert str(entry["STATUS"]) == "CANCELLED"
    assert entry.decoded("SEQUENCE") == 1
    assert {str(e["STATUS"]) for e in found.values()} == {"CONFIRMED"}


def test_a_fact_corrected_out_of_the_selection_is_cancelled_there(
    timeline: Timeline, recorded: list[RecordedEvent]
) -> None:
    fact = recorded[3]  # the meeting in FR
    timeline.correct(fact.id, {"jurisdictions": ["DE"]}, "it was in Berlin")
    entry = events_of(timeline.calendar(Selection.of(["FR"])))[f"{fact.id}@timeline"]
    assert str(entry["STATUS"]) == "CANCELLED"
    moved = events_of(timeline.calendar(Selection.of(["DE"])))[f"{fact.id}@timeline"]
    assert str(moved["STATUS"]) == "CONFIRMED"


@pytest.mark.parametrize(
    ("effective", "span", "marked"),
    [
        ("2025-11", (dt.date(2025, 11, 1), dt.date(2025, 12, 1)), "(FR, month)"),
        ("2024-02", (dt.date(2024, 2, 1), dt.date(2024, 3, 1)), "(FR, month)"),
        ("2026", (dt.date(2026, 1, 1), dt.date(2027, 1, 1)), "(FR, year)"),
    ],
)
def test_month_and_year_precision_span_the_interval_not_a_made_up_day(
    timeline: Timeline, effective: str, span: tuple[dt.date, dt.date], marked: str
) -> None:
    timeline.append([meeting(effective)])
    (entry,) = events_of(timeline.calendar(Selection.of(["FR"]))).values()
    assert start_and_end(entry) == span
    assert str(entry["SUMMARY"]).endswith(marked)
    assert str(entry["X-TIMELINE-PRECISION"]) == ("year" if len(effective) == 4 else "month")
    assert str(entry["X-TIMELINE-EFFECTIVE"]) == effective
    assert "no day is implied" in str(entry["DESCRIPTION"])
    assert str(entry["TRANSP"]) == "TRANSPARENT"


def test_filters_subdivisions_and_subjects(timeline: Timeline) -> None:
    from tests.factories import in_force

    texas = timeline.append([in_force("us-tx/traiga", "2026-01-01", ["US-TX"], title="TRAIGA")])
    assert events_of(timeline.calendar(Selection.of(["US"]))) == {}
    with_states = events_of(timeline.calendar(Selection.of(["US"], with_subdivisions=True)))
    assert list(with_states) == [f"{texas.events[0].id}@timeline"]
    by_subject = events_of(timeline.calendar(Selection.of(subjects=["us-tx/*"])))
    assert list(by_subject) == list(with_states)


def test_a_calendar_is_the_same_bytes_for_the_same_log(
    timeline: Timeline, recorded: list[RecordedEvent]
) -> None:
    assert timeline.calendar(EU_IN_FORCE) == timeline.calendar(EU_IN_FORCE)


def test_bad_filters_are_one_line_errors(timeline: Timeline) -> None:
    with pytest.raises(InvalidEventError, match=r"^kind 'instrumnt\.\*' matches no kind of fact"):
        timeline.calendar(Selection.of(kinds=["instrumnt.*"]))
    with pytest.raises(InvalidEventError, match=r"^subject 'eu/\\n' is not a subject or pattern"):
        timeline.calendar(Selection.of(subjects=["eu/\n"]))
    with pytest.raises(InvalidEventError, match=r"^kind '\[\\ni\]nstrument\.\*' matches no"):
        timeline.calendar(Selection.of(kinds=["[\ni]nstrument.*"]))
    with pytest.raises(UnknownJurisdictionError):
        Selection.of(["UK"])


def test_cli_writes_the_calendar_to_stdout(
    database_url: str, recorded: list[RecordedEvent], tmp_path: Path
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f"[database]\nurl = '{database_url}'\n")
    run = subprocess.run(
        [sys.executable, "-m", "timeline", "--config", str(config), "calendar",
         "--jurisdiction", "EU", "--kind", "instrument.in_force"],
        capture_output=True, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert sorted(events_of(run.stdout)) == sorted(f"{e.id}@timeline" for e in recorded[:3])
    bad = subprocess.run(
        [sys.executable, "-m", "timeline", "--config", str(config), "calendar",
         "--jurisdiction", "UK"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert bad.returncode == 1
    assert bad.stdout == ""
    assert bad.stderr.startswith("Error: ")
    assert len(bad.stderr.strip().splitlines()) == 1
