"""What a digest says, gathered as plain data from the API and the log (`DigestSource`).

Known-at rule: every section drawn from the log is computed as the log knew it
at `known_at`: the last instant of the week for the digest that is sent (so a
re-run later says the same, whatever was recorded since), or now for
`--as-known-now`.  The review queue and feed health are working state, not
part of the bitemporal log: they show the tables as they are when rendered,
and the digest says so.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, cast
from zoneinfo import ZoneInfo

from timeline.answers import State
from timeline.digest.sources import DigestSource
from timeline.digest.week import IsoWeek
from timeline.errors import KnownAtError
from timeline.model.dates import DateMoveKind, PartialDate, date_move
from timeline.model.events import META_KINDS, parse_event
from timeline.model.facts import (
    StandingFact,
    fact_dict,
    fact_title,
    headline,
    standing_fact,
    with_stage,
)
from timeline.projections.fold import value_text
from timeline.projections.queries import diff_states, stage_change_text
from timeline.settings import DigestListSettings, DigestSettings
from timeline.store.base import EventFilter, EventStore, RecordedEvent

if TYPE_CHECKING:
    from timeline.model.feeds import Candidate

KIND_LABELS = {
    "instrument.proposed": "proposed",
    "instrument.adopted": "adopted",
    "instrument.in_force": "in force",
    "instrument.amended": "amended",
    "instrument.repealed": "repealed",
    "body.established": "body established",
    "agreement.signed": "agreement signed",
    "meeting.held": "meeting held",
    "membership.joined": "membership",
    "office.opened": "office opened",
    "investment.announced": "investment",
    "metric.reported": "metric",
}
SECTION_NAMES = {
    "instruments": "instrument",
    "bodies": "body",
    "agreements": "agreement",
    "memberships": "membership",
    "meetings": "meeting",
    "offices": "office",
    "investments": "investment",
    "metrics": "metric",
}
_MAX_TOP_CANDIDATES = 5
_WHITESPACE = re.compile(r"\s+")


def one_line(text: object) -> str:
    """Untrusted text on one line: a title must not start a fake section of the text part."""
    return _WHITESPACE.sub(" ", str(text)).strip()


def status_label(value: object) -> str:
    return str(value).replace("_", " ") if value is not None else "none"


@dataclass(frozen=True, slots=True)
class SourceLink:
    label: str
    url: str | None


@dataclass(frozen=True, slots=True)
class EventLine:
    """An event recorded in the week, as known at the digest's known-at."""

    id: str
    kind: str
    kind_label: str
    title: str
    jurisdictions: tuple[str, ...]
    effective: str
    recorded_day: dt.date
    sources: tuple[SourceLink, ...]
    note: str | None = None
    """Set when what was recorded has since been corrected or retracted (as known)."""


@dataclass(frozen=True, slots=True)
class CorrectionLine:
    """A correction or retraction recorded in the week, and what it changed."""

    id: str
    action: Literal["correction", "retraction"]
    target: str
    title: str
    jurisdictions: tuple[str, ...]
    reason: str
    changes: tuple[str, ...]
    recorded_day: dt.date


@dataclass(frozen=True, slots=True)
class DateMove:
    title: str
    jurisdictions: tuple[str, ...]
    old: str
    new: str
    direction: DateMoveKind
    correction: str


@dataclass(frozen=True, slots=True)
class StateChange:
    jurisdiction: str
    changes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class UpcomingLine:
    effective: str
    kind_label: str
    title: str
    jurisdictions: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CandidateLine:
    id: str
    title: str
    feed: str
    confidence: float
    kind: str | None
    jurisdictions: tuple[str, ...]
    first_seen: dt.date
    link: str | None


@dataclass(frozen=True, slots=True)
class ReviewQueue:
    pending: int
    oldest: CandidateLine | None
    top: tuple[CandidateLine, ...]


@dataclass(frozen=True, slots=True)
class FeedProblem:
    name: str
    problem: str


@dataclass(frozen=True, slots=True)
class LearnedLine:
    """Something recorded after the week that changes how the week reads."""

    recorded_day: dt.date
    why: str
    kind_label: str
    title: str
    jurisdictions: tuple[str, ...]
    effective: str


@dataclass(frozen=True, slots=True)
class JurisdictionGroup:
    jurisdiction: str
    events: tuple[EventLine, ...]


@dataclass(frozen=True, slots=True)
class Digest:
    """Everything one digest shows; templates only format it."""

    week: str
    list_name: str
    timezone: str
    monday: dt.date
    sunday: dt.date
    week_known_at: dt.datetime
    known_at: dt.datetime
    as_known_now: bool
    recorded: tuple[JurisdictionGroup, ...]
    corrections: tuple[CorrectionLine, ...]
    date_moves: tuple[DateMove, ...]
    state_changes: tuple[StateChange, ...]
    upcoming: tuple[UpcomingLine, ...]
    upcoming_days: int
    review: ReviewQueue
    feed_problems: tuple[FeedProblem, ...]
    silent_feed_days: int
    learned_since: tuple[LearnedLine, ...] = field(default=())
    filters: tuple[str, ...] = field(default=())
    so_far: bool = False
    """The week so far (Monday to today, as known now): a preview of a week not over,
    never sent nor recorded in the ledger."""
    last_day: dt.date | None = None
    """The last day covered: the Sunday, or today for the week so far."""

    @property
    def event_count(self) -> int:
        return sum(len(group.events) for group in self.recorded)

    @property
    def empty(self) -> bool:
        """Nothing was recorded that week (for this list): the short digest."""
        return not self.recorded and not self.corrections


class _Filter:
    def __init__(self, spec: DigestListSettings) -> None:
        self.jurisdictions = frozenset(spec.jurisdictions)
        self.kinds = frozenset(spec.kinds)

    def keeps(self, jurisdictions: Iterable[str], kind: str) -> bool:
        if self.kinds and kind not in self.kinds:
            return False
        return not self.jurisdictions or bool(self.jurisdictions & set(jurisdictions))

    def codes(self, jurisdictions: Iterable[str]) -> list[str]:
        """The codes of an item that this list follows."""
        return [j for j in jurisdictions if not self.jurisdictions or j in self.jurisdictions]

    def describe(self) -> tuple[str, ...]:
        parts = []
        if self.jurisdictions:
            parts.append("jurisdictions: " + ", ".join(sorted(self.jurisdictions)))
        if self.kinds:
            parts.append("kinds: " + ", ".join(sorted(self.kinds)))
        return tuple(parts)


def gather(
    source: DigestSource,
    settings: DigestSettings,
    week: IsoWeek,
    spec: DigestListSettings,
    *,
    now: dt.datetime,
    as_known_now: bool = False,
    so_far: bool = False,
) -> Digest:
    """The digest of `week` for the list `spec`, known at the week's end (or `now`);
    `so_far`: `week` is the current one, from Monday to today as known `now`."""
    zone = ZoneInfo(settings.timezone)
    week_known_at = now if so_far else week.known_at(zone)
    known_at = now if as_known_now else week_known_at
    last_day = now.astimezone(zone).date() if so_far else week.sunday
    flt = _Filter(spec)
    store = source.store

    in_week = list(_recorded_between(store, week.start(zone), week_known_at))
    facts_in_week = [e for e in in_week if e.kind not in META_KINDS]
    metas_in_week = [e for e in in_week if e.kind in META_KINDS]
    known = _facts_as_known(store, facts_in_week, known_at)

    recorded: dict[str, list[EventLine]] = {}
    for event in facts_in_week:
        fact = known[event.id]
        if not flt.keeps(fact.fact["jurisdictions"], fact.fact["kind"]):
            continue
        line = _event_line(fact, zone, week_known_at)
        group = flt.codes(line.jurisdictions)[0] if flt.codes(line.jurisdictions) else "?"
        recorded.setdefault(group, []).append(line)

    corrections: list[CorrectionLine] = []
    moves: list[DateMove] = []
    for meta in metas_in_week:
        target = store.get(meta.payload["target"])
        old = _fact_before(store, target, meta)
        if not flt.keeps(old["jurisdictions"], old["kind"]):
            continue
        correction, move = _correction_line(meta, target, old, zone)
        corrections.append(correction)
        if move is not None:
            moves.append(move)

    touched = {code for group in recorded.values() for e in group for code in e.jurisdictions}
    touched |= {code for c in corrections for code in c.jurisdictions}
    if _knew_anything(store, known_at):
        previous_sunday = week.monday - dt.timedelta(days=1)
        for item in source.upcoming(None, previous_sunday, 7, known_at=known_at):
            if flt.keeps(item["jurisdictions"], item["kind"]):
                touched |= set(item["jurisdictions"])
        upcoming = [
            UpcomingLine(
                item["effective"],
                KIND_LABELS.get(item["kind"], item["kind"]),
                one_line(with_stage(item["title"], item.get("stage"))),
                tuple(item["jurisdictions"]),
            )
            for item in source.upcoming(None, last_day, settings.upcoming_days, known_at=known_at)
            if flt.keeps(item["jurisdictions"], item["kind"])
        ]
    else:
        upcoming = []
    state_changes = [
        change
        for code in sorted(flt.codes(touched))
        if (change := _state_change(source, code, week, last_day, zone, known_at)) is not None
    ]

    learned: list[LearnedLine] = []
    if as_known_now:
        horizon = week.sunday + dt.timedelta(days=settings.upcoming_days)
        learned = _learned_since(store, week, zone, horizon, now, flt, in_week)

    return Digest(
        week=str(week),
        list_name=spec.name,
        timezone=settings.timezone,
        monday=week.monday,
        sunday=week.sunday,
        week_known_at=week_known_at,
        known_at=known_at,
        as_known_now=as_known_now,
        recorded=tuple(
            JurisdictionGroup(code, tuple(lines)) for code, lines in sorted(recorded.items())
        ),
        corrections=tuple(corrections),
        date_moves=tuple(moves),
        state_changes=tuple(state_changes),
        upcoming=tuple(upcoming),
        upcoming_days=settings.upcoming_days,
        review=_review_queue(source),
        feed_problems=tuple(_feed_problems(source, now, settings.silent_feed_days)),
        silent_feed_days=settings.silent_feed_days,
        learned_since=tuple(learned),
        filters=flt.describe(),
        so_far=so_far,
        last_day=last_day,
    )


# -- the log ---------------------------------------------------------------------


def _recorded_between(
    store: EventStore, start: dt.datetime, last: dt.datetime
) -> Iterator[RecordedEvent]:
    """Events recorded in [start, last], found without scanning the log from its start."""
    first = store.position_at(start)
    if first is None:
        return iter(())
    return store.read(EventFilter(after_seq=first - 1, known_at=last))


def _knew_anything(store: EventStore, known_at: dt.datetime) -> bool:
    """Whether the log's first event was recorded by `known_at`."""
    with store.read_models.view() as view:
        first = view.first_recorded_at()
    return first is not None and first <= known_at


def _metas_of(
    store: EventStore, subjects: Iterable[str], known_at: dt.datetime
) -> dict[str, list[RecordedEvent]]:
    """Corrections and retractions known at `known_at`, by the event they name."""
    by_target: dict[str, list[RecordedEvent]] = {}
    for subject in sorted(set(subjects)):
        for meta in store.read(
            EventFilter(subject=subject, kinds=frozenset(META_KINDS), known_at=known_at)
        ):
            by_target.setdefault(meta.payload["target"], []).append(meta)
    return by_target


def _facts_as_known(
    store: EventStore, recorded: Sequence[RecordedEvent], known_at: dt.datetime
) -> dict[str, StandingFact[RecordedEvent]]:
    metas = _metas_of(store, (e.subject for e in recorded), known_at)
    return {event.id: standing_fact(event, metas.get(event.id, [])) for event in recorded}


def _fact_before(store: EventStore, target: RecordedEvent, meta: RecordedEvent) -> dict[str, Any]:
    """What the log said of `target` just before `meta` was recorded."""
    metas = _metas_of(store, [target.subject], meta.recorded_at).get(target.id, [])
    return standing_fact(target, metas, before_seq=meta.seq).fact


def _title(fact: Mapping[str, Any]) -> str:
    return one_line(fact_title(fact["kind"], fact["payload"]))


def _local_day(moment: dt.datetime, zone: ZoneInfo) -> dt.date:
    return moment.astimezone(zone).date()


def _event_line(
    fact: StandingFact[RecordedEvent], zone: ZoneInfo, week_known_at: dt.datetime
) -> EventLine:
    data = fact.fact
    note = None
    if fact.retracted_by is not None:
        note = _since("retracted", fact.retracted_by, zone, week_known_at)
        note += f": {one_line(fact.retracted_by.payload['reason'])}"
    elif fact.corrected_by:
        last = fact.corrected_by[-1]
        original = fact_dict(fact.original.to_event())
        changed = _fact_changes(original, data)
        note = _since("corrected", last, zone, week_known_at)
        if changed:
            note += f" ({'; '.join(changed)})"
    sources = tuple(
        SourceLink(one_line(f"{s['publisher']}: {s['title']}"), s.get("url"))
        for s in data.get("sources", [])
    )
    return EventLine(
        id=fact.original.id,
        kind=data["kind"],
        kind_label=KIND_LABELS.get(data["kind"], data["kind"]),
        title=one_line(headline(data["kind"], data["payload"])),
        jurisdictions=tuple(data["jurisdictions"]),
        effective=str(data["effective"]),
        recorded_day=_local_day(fact.original.recorded_at, zone),
        sources=sources,
        note=note,
    )


def _since(what: str, meta: RecordedEvent, zone: ZoneInfo, week_known_at: dt.datetime) -> str:
    when = _local_day(meta.recorded_at, zone).isoformat()
    later = ", after the week" if meta.recorded_at > week_known_at else ""
    return f"{what} on {when}{later}"


def _fact_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    changes = []
    if str(old["effective"]) != str(new["effective"]):
        changes.append(f"effective {old['effective']} -> {new['effective']}")
    if _title(old) != _title(new):
        changes.append(f"title {_title(old)!r} -> {_title(new)!r}")
    if old["kind"] != new["kind"]:
        changes.append(f"kind {old['kind']} -> {new['kind']}")
    if list(old["jurisdictions"]) != list(new["jurisdictions"]):
        changes.append(
            f"jurisdictions {' '.join(old['jurisdictions'])} -> {' '.join(new['jurisdictions'])}"
        )
    if old.get("sources") != new.get("sources"):
        changes.append("sources")
    if old.get("payload") != new.get("payload") and _title(old) == _title(new):
        changes.append("details")
    return changes


def _correction_line(
    meta: RecordedEvent, target: RecordedEvent, old: dict[str, Any], zone: ZoneInfo
) -> tuple[CorrectionLine, DateMove | None]:
    payload = meta.payload
    move = None
    if meta.kind == "event.retracted":
        changes: list[str] = [f"withdrawn: {_title(old)} ({old['effective']})"]
        action: Literal["correction", "retraction"] = "retraction"
        jurisdictions = tuple(old["jurisdictions"])
    else:
        new = fact_dict(parse_event(payload["corrected"]))
        changes = _fact_changes(old, new)
        action = "correction"
        jurisdictions = tuple(dict.fromkeys([*old["jurisdictions"], *new["jurisdictions"]]))
        before, after = PartialDate.parse(old["effective"]), PartialDate.parse(new["effective"])
        direction = date_move(before, after)
        if direction is not None:
            move = DateMove(
                title=_title(new),
                jurisdictions=tuple(new["jurisdictions"]),
                old=str(before),
                new=str(after),
                direction=direction,
                correction=meta.id,
            )
    line = CorrectionLine(
        id=meta.id,
        action=action,
        target=target.id,
        title=_title(old),
        jurisdictions=jurisdictions,
        reason=one_line(payload.get("reason", "")),
        changes=tuple(changes),
        recorded_day=_local_day(meta.recorded_at, zone),
    )
    return line, move


# -- state changes -----------------------------------------------------------------


def _state_change(
    source: DigestSource,
    code: str,
    week: IsoWeek,
    last_day: dt.date,
    zone: ZoneInfo,
    known_at: dt.datetime,
) -> StateChange | None:
    """What `code`'s state gained or lost over the week: the state on its last day (the
    Sunday, or today for the week so far) as known at `known_at`, against the state the
    Sunday before as known when that week ended (so both what took effect and what was
    learned count)."""
    definition = source.definition()
    after = source.state(code, last_day, known_at)
    before_known = week.start(zone) - dt.timedelta(microseconds=1)
    try:
        before = source.state(code, week.monday - dt.timedelta(days=1), before_known)
    except KnownAtError:  # the log began during the week: nothing was known before it
        before = _empty_state(definition.sections, [a.name for a in definition.aggregates])
    lines = [_change_text(change, after) for change in diff_states(definition, before, after)]
    lines = [line for line in lines if line]
    return StateChange(code, tuple(lines)) if lines else None


def _empty_state(sections: Sequence[str], aggregates: Sequence[str]) -> State:
    return cast("State", {section: [] for section in sections} | dict.fromkeys(aggregates))


def _item(state: Mapping[str, Any], section: str, subject: str) -> Mapping[str, Any]:
    for item in state.get(section, []):
        if item.get("subject") == subject:
            return item  # type: ignore[no-any-return]
    return {}


def _change_text(change: Mapping[str, Any], after: Mapping[str, Any]) -> str:
    section = change["section"]
    noun = SECTION_NAMES.get(section, section)
    if "title" not in change:  # an aggregate
        return f"{section.replace('_', ' ')}: {_value(change['from'])} -> {_value(change['to'])}"
    title = one_line(change["title"])
    if "stage" in change:
        return f"{title}: {one_line(stage_change_text(change))}"
    if change["change"] == "added":
        status = _item(after, section, change["subject"]).get("status")
        return f"new {noun}: {title}" + (f" ({status_label(status)})" if status else "")
    if change["change"] == "removed":
        return f"{noun} gone: {title}"
    parts: list[str] = []
    for name, values in change.get("fields", {}).items():
        old, new = values["from"], values["to"]
        if name == "status":
            parts.insert(0, f"{status_label(old)} -> {status_label(new)}")
        elif name == "dates":
            continue  # the status change says it
        elif isinstance(new, list) or isinstance(old, list):
            added = len(set(map(str, new or [])) - set(map(str, old or [])))
            removed = len(set(map(str, old or [])) - set(map(str, new or [])))
            counts = ", ".join(
                text for n, text in ((added, f"+{added}"), (removed, f"-{removed}")) if n
            )
            parts.append(f"{name.replace('_', ' ')} {counts}")
        else:
            parts.append(f"{name.replace('_', ' ')} {_value(old)} -> {_value(new)}")
    return f"{title}: {'; '.join(parts)}" if parts else ""


def _value(value: Any) -> str:
    return one_line(value_text(value))


# -- what was learned after the week ---------------------------------------------------


def _learned_since(
    store: EventStore,
    week: IsoWeek,
    zone: ZoneInfo,
    horizon: dt.date,
    now: dt.datetime,
    flt: _Filter,
    in_week: Sequence[RecordedEvent],
) -> list[LearnedLine]:
    """Events recorded after the week that change its picture: corrections and
    retractions of what the week recorded, facts dated in the week, and facts that
    would have been in its "coming up" (to `horizon`)."""
    shown = {e.id for e in in_week}
    after = week.end(zone)
    learned: list[LearnedLine] = []
    for event in _recorded_between(store, after, now):
        if event.kind in META_KINDS:
            if event.payload["target"] not in shown:
                continue
            target = store.get(event.payload["target"])
            fact = _fact_before(store, target, event)
            if event.kind == "event.retracted":
                why = f"retracted: {one_line(event.payload['reason'])}"
            else:
                new = fact_dict(parse_event(event.payload["corrected"]))
                why = "corrected: " + "; ".join(_fact_changes(fact, new) or ["details"])
        else:
            fact = fact_dict(event.to_event())
            effective = PartialDate.parse(fact["effective"])
            if effective.overlaps(week.monday, week.sunday):
                why = "dated in the week, recorded later"
            elif effective.overlaps(week.sunday + dt.timedelta(days=1), horizon):
                why = "would have been coming up"
            else:
                continue
        if not flt.keeps(fact["jurisdictions"], fact["kind"]):
            continue
        learned.append(
            LearnedLine(
                recorded_day=_local_day(event.recorded_at, zone),
                why=why,
                kind_label=KIND_LABELS.get(fact["kind"], fact["kind"]),
                title=_title(fact),
                jurisdictions=tuple(fact["jurisdictions"]),
                effective=str(fact["effective"]),
            )
        )
    return learned


# -- working state: review queue and feed health --------------------------------------


def _candidate_line(candidate: Candidate) -> CandidateLine:
    link = candidate.link if candidate.link and _is_web_link(candidate.link) else None
    return CandidateLine(
        id=candidate.id[:8],
        title=one_line(candidate.proposed_title),
        feed=candidate.feed,
        confidence=candidate.confidence,
        kind=candidate.proposed_kind,
        jurisdictions=tuple(candidate.proposed_jurisdictions),
        first_seen=candidate.first_seen_at.date(),
        link=link,
    )


def _is_web_link(url: str) -> bool:
    return url.startswith(("https://", "http://")) and not any(c.isspace() for c in url)


def _review_queue(source: DigestSource) -> ReviewQueue:
    pending = source.candidates(statuses=["pending"])
    if not pending:
        return ReviewQueue(0, None, ())
    oldest = min(pending, key=lambda c: (c.first_seen_at, c.id))
    top = sorted(pending, key=lambda c: (-c.confidence, c.first_seen_at, c.id))
    return ReviewQueue(
        len(pending),
        _candidate_line(oldest),
        tuple(_candidate_line(c) for c in top[:_MAX_TOP_CANDIDATES]),
    )


def _feed_problems(source: DigestSource, now: dt.datetime, silent_days: int) -> list[FeedProblem]:
    """Enabled feeds whose last poll failed, or that brought no new item for longer
    than `silent_days` (a feed that answers but has died or moved)."""
    silent_since = now - dt.timedelta(days=silent_days)
    newest = source.store.candidates.newest_by_feed()
    problems = []
    for status in source.feed_status():
        health = status.health
        if status.config is None or not status.config.enabled or health is None:
            continue  # removed, disabled, or never polled yet: nothing to report
        if health.consecutive_failures:
            since = health.last_success_at.date().isoformat() if health.last_success_at else "ever"
            error = one_line(health.last_error or "unknown error")
            problems.append(
                FeedProblem(
                    status.name,
                    f"failing: {health.consecutive_failures} failure(s) in a row, "
                    f"no success since {since}; last error: {error}",
                )
            )
            continue
        last_item = newest.get(status.name)
        if last_item is None:
            problems.append(FeedProblem(status.name, "silent: no item seen yet"))
        elif last_item < silent_since:
            problems.append(
                FeedProblem(status.name, f"silent: no new item since {last_item.date()}")
            )
    return problems
