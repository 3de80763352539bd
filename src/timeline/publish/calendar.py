"""The facts of a selection as an RFC 5545 calendar, written with `icalendar`.

One all-day VEVENT per fact (each stage of a staged act is a fact of its own):

- `UID` is derived from the fact's first event id, so it survives corrections
  and never depends on the fact's place in the calendar;
- `SEQUENCE` counts the moves a calendar client must apply (a date moved, a
  retraction) and `LAST-MODIFIED` / `DTSTAMP` are when the log last changed
  the fact, so the same log always gives the same bytes;
- a retracted fact (or one corrected out of the selection) stays, with
  `STATUS:CANCELLED`, so subscribed clients remove it rather than keep a stale
  copy;
- a date known only to the month or the year is not pinned to a made-up day:
  the event spans the whole month or year (`DTEND` is the day after its last
  day, as RFC 5545 counts), its SUMMARY says "(month)" or "(year)", and
  `X-TIMELINE-PRECISION` / `X-TIMELINE-EFFECTIVE` carry the precision and the
  date as recorded.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from icalendar import Calendar, Event

from timeline.model.dates import PartialDate, Precision
from timeline.model.facts import fact_title
from timeline.publish.lives import FactLife

PRODID = "-//timeline//calendar of policy facts//EN"
UID_DOMAIN = "timeline"


def uid_of(first_event_id: str) -> str:
    """The calendar UID of the fact first recorded as `first_event_id`."""
    return f"{first_event_id}@{UID_DOMAIN}"


def kind_words(kind: str) -> str:
    """`instrument.in_force` -> `in force`: what happens on the day."""
    return kind.rpartition(".")[2].replace("_", " ")


def _month_or_year(effective: PartialDate) -> str:
    if effective.precision is Precision.MONTH:
        return effective.start.strftime("%B %Y")
    return str(effective.start.year)


def summary(fact: Mapping[str, Any], effective: PartialDate) -> str:
    """`AI Act: in force (EU)`, with `, month` or `, year` when the day is not known."""
    places = ", ".join(fact["jurisdictions"])
    known = "" if effective.precision is Precision.DAY else f", {effective.precision.value}"
    return (
        f"{fact_title(fact['kind'], fact['payload'])}: {kind_words(fact['kind'])} ({places}{known})"
    )


def _source_line(source: Mapping[str, Any]) -> str:
    parts = [f"{source['publisher']}: {source['title']}"]
    if source.get("published"):
        parts.append(f"({source['published']})")
    if source.get("url"):
        parts.append(source["url"])
    return "- " + " ".join(parts)


def description(life: FactLife, effective: PartialDate) -> str:
    fact = life.standing.fact
    lines = [f"{fact['kind']} of {fact['subject']} in {', '.join(fact['jurisdictions'])}."]
    if effective.precision is Precision.DAY:
        lines.append(f"Effective {effective}.")
    else:
        lines.append(
            f"Effective in {_month_or_year(effective)} (known to the {effective.precision.value}; "
            f"the event spans {effective.start} to {effective.end}, no day is implied)."
        )
    if fact["payload"].get("summary"):
        lines.append(str(fact["payload"]["summary"]))
    for change in life.changes:
        verb = "Retracted" if change.kind == "event.retracted" else "Corrected"
        lines.append(f"{verb} on {change.recorded_at.date()}: {change.payload['reason']}")
    if not life.selected and not life.standing.retracted:
        lines.append("No longer in this selection as corrected.")
    lines.append("Sources:")
    lines.extend(_source_line(source) for source in fact.get("sources", []))
    return "\n".join(lines)


def vevent(life: FactLife) -> Event:
    fact = life.standing.fact
    effective = PartialDate.parse(fact["effective"])
    event = Event()
    event.add("uid", uid_of(life.original.id))
    event.add("dtstamp", life.last_modified)
    event.add("created", life.original.recorded_at)
    event.add("last-modified", life.last_modified)
    event.add("sequence", life.sequence)
    event.add("dtstart", effective.start)  # a date: an all-day event (VALUE=DATE)
    event.add("dtend", effective.end + dt.timedelta(days=1))  # DTEND is exclusive
    event.add("summary", summary(fact, effective))
    event.add("description", description(life, effective))
    url = next((s["url"] for s in fact.get("sources", []) if s.get("url")), None)
    if url:
        event.add("url", url)
    event.add("categories", [fact["kind"]])
    event.add("status", "CANCELLED" if life.cancelled else "CONFIRMED")
    # A month-long entry must not mark a month busy.
    event.add("transp", "TRANSPARENT")
    event.add("x-timeline-precision", effective.precision.value)
    event.add("x-timeline-effective", str(effective))
    event.add("x-timeline-subject", fact["subject"])
    return event


def calendar(lives: Iterable[FactLife], name: str) -> bytes:
    """The calendar of these facts, named `name` (clients show `X-WR-CALNAME`)."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    for life in lives:
        cal.add_component(vevent(life))
    body: bytes = cal.to_ical()
    return body
