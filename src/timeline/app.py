"""The Python API: the one thing the CLI (and later the web view and daemon) calls.

>>> from timeline.app import Timeline
>>> tl = Timeline.open()                     # config.toml + TIMELINE_* env
>>> tl.import_path(Path("events"))           # idempotent
>>> for ev in tl.log(jurisdiction="JP"): ...
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import structlog

from timeline.answers import (
    Change,
    Comparison,
    Diff,
    FactEntry,
    JurisdictionEntry,
    ProjectionStatus,
    ReadModelsCaughtUp,
    State,
)
from timeline.errors import (
    InvalidDateError,
    InvalidEventError,
    ReadOnlyDatabaseError,
    TimelineError,
)
from timeline.feeds import review
from timeline.importer import ImportReport, current_fact, import_path
from timeline.model.events import KINDS, META_KINDS, AnyEvent, parse_event
from timeline.model.facts import fact_dict, fact_title, stage_of
from timeline.model.feeds import STATUSES, Candidate, FeedHealth
from timeline.model.jurisdictions import registry, validate_code
from timeline.projections.definition import ProjectionDefinition, load_definitions
from timeline.projections.fold import FactVersion
from timeline.projections.queries import compare_states, diff_states
from timeline.projections.runner import CatchUpReport, Progress, ProjectionRunner
from timeline.settings import FeedSettings, Settings, load_settings
from timeline.store import AppendResult, EventFilter, EventStore, RecordedEvent, open_store
from timeline.store.base import CandidateFilter, VerifyReport

if TYPE_CHECKING:
    from timeline.feeds.poll import Poller, PollOutcome

log = structlog.get_logger("timeline")


@dataclass(frozen=True, slots=True)
class FeedStatus:
    """A feed as configured (None once removed from config.toml) and its health row."""

    name: str
    config: FeedSettings | None
    health: FeedHealth | None

    def as_dict(self) -> dict[str, Any]:
        """The feed as `feeds status --format json` and `/api/feeds` show it."""
        row: dict[str, Any] = {
            "feed": self.name,
            "configured": self.config is not None,
            "enabled": bool(self.config and self.config.enabled),
            "url": self.config.url if self.config else None,
            "state": "never polled",
        }
        return row | self.health.as_dict() if self.health else row


class Timeline:
    """An event log opened on one database, with its projections."""

    def __init__(
        self,
        store: EventStore,
        settings: Settings | None = None,
        *,
        projections: Path | None = None,
        read_only: bool = False,
    ) -> None:
        self.store = store
        self.settings = settings or Settings()
        self.projections_path = projections or Path(self.settings.projections.path)
        self.default_projection = self.settings.projections.default
        self.read_only = read_only
        # Whether the read models can be caught up before an answer; once a write is
        # refused (a read-only file or role), answers fold the log's tail in memory.
        self._can_catch_up = not read_only

    @classmethod
    def open(cls, settings: Settings | None = None, *, read_only: bool = False) -> Timeline:
        settings = settings or load_settings()
        return cls(
            open_store(settings.database.url, read_only=read_only), settings, read_only=read_only
        )

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Timeline:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing -----------------------------------------------------------------
    def init(self) -> None:
        """Create or upgrade the database schema."""
        self.store.initialise()
        log.info("database.initialised", url=getattr(self.store, "safe_url", "?"))

    def append(
        self,
        events: Sequence[AnyEvent | Mapping[str, Any]],
        expected_versions: Mapping[str, int] | None = None,
    ) -> AppendResult:
        """Append events in one transaction (see `EventStore.append`)."""
        result = self.store.append(events, expected_versions)
        log.info(
            "events.appended",
            written=result.new_count,
            already_stored=len(result.events) - result.new_count,
        )
        return result

    def import_path(self, path: Path) -> ImportReport:
        """Import curated TOML files; unchanged entries are skipped, edited ones corrected."""
        report = import_path(self.store, path)
        log.info(
            "events.imported",
            path=str(path),
            entries=report.entries,
            new=len(report.new),
            corrected=len(report.corrected),
            unchanged=report.unchanged,
        )
        return report

    def correct(self, ref: str, changes: Mapping[str, Any], reason: str) -> RecordedEvent:
        """Record a correction of event `ref`: `changes` replace fields of what it says.

        `changes` may hold any of kind, subject, jurisdictions, effective,
        sources and payload (whose keys replace the payload's keys).
        """
        original = self._fact_event(ref)
        standing = current_fact(self.store, original)
        fact = standing.fact
        if standing.retracted:
            raise TimelineError(f"event {original.id} was retracted; it cannot be corrected")
        unknown = set(changes) - {
            "kind",
            "subject",
            "jurisdictions",
            "effective",
            "sources",
            "payload",
        }
        if unknown:
            raise InvalidEventError(f"cannot correct field(s) {', '.join(sorted(unknown))}")
        corrected = fact | {k: v for k, v in changes.items() if k != "payload"}
        if "payload" in changes:
            corrected["payload"] = fact["payload"] | dict(changes["payload"])
        replacement = parse_event(corrected, "correction")
        if fact_dict(replacement) == fact:
            raise TimelineError("the correction changes nothing")
        return self._append_one(
            {
                "kind": "event.corrected",
                "subject": original.subject,
                "jurisdictions": sorted(
                    set(original.jurisdictions) | set(replacement.jurisdictions)
                ),
                "effective": str(replacement.effective),
                "payload": {
                    "target": original.id,
                    "reason": reason,
                    "corrected": fact_dict(replacement),
                },
            }
        )

    def retract(self, ref: str, reason: str) -> RecordedEvent:
        """Record that event `ref` should not have been recorded; it stays in the log."""
        original = self._fact_event(ref)
        if current_fact(self.store, original).retracted:
            raise TimelineError(f"event {original.id} is already retracted")
        return self._append_one(
            {
                "kind": "event.retracted",
                "subject": original.subject,
                "jurisdictions": list(original.jurisdictions),
                "effective": str(original.effective),
                "payload": {"target": original.id, "reason": reason},
            }
        )

    def _fact_event(self, ref: str) -> RecordedEvent:
        event = self.store.get(ref)
        if event.kind in META_KINDS:
            raise TimelineError(
                f"event {event.id} is a {event.kind}; correct or retract the event it names "
                f"({event.payload['target']})"
            )
        return event

    def _append_one(self, event: Mapping[str, Any]) -> RecordedEvent:
        return self.append([event]).events[0]

    # -- reading -----------------------------------------------------------------
    def log(
        self,
        *,
        jurisdiction: str | None = None,
        kinds: Sequence[str] | None = None,
        subject: str | None = None,
        effective_from: dt.date | None = None,
        effective_to: dt.date | None = None,
        known_at: dt.datetime | None = None,
        limit: int | None = None,
        after_seq: int = 0,
    ) -> Iterator[RecordedEvent]:
        """Stream events in log order, filtered; validates the filters first.

        `after_seq` starts after that position: a cursor for reading page by page."""
        for kind in kinds or ():
            if kind not in KINDS:
                raise InvalidEventError(f"unknown kind {kind!r}; known kinds: {', '.join(KINDS)}")
        flt = EventFilter(
            after_seq=after_seq,
            subject=subject,
            kinds=frozenset(kinds) if kinds else None,
            jurisdiction=validate_code(jurisdiction) if jurisdiction else None,
            effective_from=effective_from,
            effective_to=effective_to,
            known_at=known_at,
            limit=limit,
        )
        return self.store.read(flt)

    def show(self, ref: str) -> RecordedEvent:
        """One event by id or position."""
        return self.store.get(ref)

    def verify(self) -> VerifyReport:
        """Walk the hash chain; the report names the first broken position, if any."""
        return self.store.verify()

    # -- projections -------------------------------------------------------------
    @cached_property
    def projections(self) -> ProjectionRunner:
        """The runner over every definition in the projections folder."""
        return ProjectionRunner(self.store, load_definitions(self.projections_path))

    def definition(self, projection: str | None = None) -> ProjectionDefinition:
        """A projection's definition (default: the configured one): its sections and
        aggregates, in the order answers list them."""
        return self.projections.definition(projection or self.default_projection)

    def catch_up(self, progress: Progress | None = None) -> CatchUpReport:
        """Bring every projection's read model up to the end of the log."""
        report = self.projections.catch_up(progress)
        if report.applied or report.snapshots:
            log.info(
                "projections.caught_up",
                position=report.position,
                events=report.applied,
                snapshots=report.snapshots,
            )
        return report

    def rebuild(self, progress: Progress | None = None) -> CatchUpReport:
        """Rebuild every read model from the whole log."""
        report = self.projections.rebuild(progress)
        log.info("projections.rebuilt", position=report.position, snapshots=report.snapshots)
        return report

    def _fresh(self) -> ProjectionRunner:
        runner = self.projections
        if self._can_catch_up:
            try:
                runner.catch_up()
            except ReadOnlyDatabaseError as exc:
                self._can_catch_up = False
                log.info("projections.read_only", reason=str(exc))
        return runner

    def read_models_caught_up(self) -> ReadModelsCaughtUp:
        """How far the read models reflect the log: `indexed` of `head`.  When they
        cannot be caught up (a read-only database), answers fold the `in_memory`
        events after `indexed` in memory; `--format json` of state, compare and diff
        shows this."""
        head, indexed = self.projections.indexed()
        return {"head": head, "indexed": indexed, "in_memory": head - indexed}

    def state(
        self,
        jurisdiction: str,
        as_of: dt.date,
        known_at: dt.datetime | None = None,
        projection: str | None = None,
    ) -> State:
        """`jurisdiction`'s state on `as_of`, as the log knew it at `known_at` (default: now)."""
        code = validate_code(jurisdiction)
        runner = self._fresh()
        found = runner.state(
            projection or self.default_projection,
            code,
            as_of,
            known_at,
            fold_tail=not self._can_catch_up,
        )
        return cast("State", found)

    def compare(
        self,
        jurisdictions: Sequence[str],
        as_of: dt.date,
        known_at: dt.datetime | None = None,
        projection: str | None = None,
    ) -> Comparison:
        """Several jurisdictions' states on one date, and which parts differ."""
        codes = list(dict.fromkeys(validate_code(j) for j in jurisdictions))
        if len(codes) < 2:
            raise TimelineError("compare needs at least two different jurisdictions")
        runner = self._fresh()
        name = projection or self.default_projection
        known_at = known_at or dt.datetime.now(dt.UTC)  # one T for every state compared
        fold_tail = not self._can_catch_up
        states = {
            code: cast("State", runner.state(name, code, as_of, known_at, fold_tail=fold_tail))
            for code in codes
        }
        first = next(iter(states.values()))
        return {
            "projection": name,
            "as_of": first["as_of"],
            "known_at": first["known_at"],
            "jurisdictions": codes,
            "states": states,
            "differences": compare_states(runner.definition(name), cast("Any", states)),
        }

    def diff(
        self,
        jurisdiction: str,
        date_from: dt.date,
        date_to: dt.date,
        known_at: dt.datetime | None = None,
        projection: str | None = None,
    ) -> Diff:
        """What changed in `jurisdiction`'s state between two dates, citing events."""
        if date_to < date_from:
            raise InvalidDateError(f"the end day {date_to} is before the start day {date_from}")
        code = validate_code(jurisdiction)
        runner = self._fresh()
        name = projection or self.default_projection
        known_at = known_at or dt.datetime.now(dt.UTC)  # both days as known at one T
        fold_tail = not self._can_catch_up
        before = runner.state(name, code, date_from, known_at, fold_tail=fold_tail)
        after = runner.state(name, code, date_to, known_at, fold_tail=fold_tail)
        return {
            "projection": name,
            "jurisdiction": code,
            "from": before["as_of"],
            "to": after["as_of"],
            "known_at": after["known_at"],
            "changes": cast("list[Change]", diff_states(runner.definition(name), before, after)),
        }

    def history(
        self, jurisdiction: str | None = None, known_at: dt.datetime | None = None
    ) -> list[FactEntry]:
        """The dated timeline of a jurisdiction (or of all): every fact in valid-time order."""
        code = validate_code(jurisdiction) if jurisdiction else None
        facts = self._fresh().facts(code, known_at, fold_tail=not self._can_catch_up)
        return [_fact_entry(f) for f in facts]

    def upcoming(
        self,
        jurisdiction: str | None,
        as_of: dt.date,
        days: int,
        known_at: dt.datetime | None = None,
    ) -> list[FactEntry]:
        """What takes effect after `as_of` and within `days` days of it, as known at
        `known_at` (default: now)."""
        if days < 1:
            raise TimelineError(f"days must be at least 1, not {days}")
        code = validate_code(jurisdiction) if jurisdiction else None
        # Clamped at the last representable day: year 9999 is a question, not an overflow.
        until = dt.date.max if days > (dt.date.max - as_of).days else as_of + dt.timedelta(days)
        facts = self._fresh().facts(
            code, known_at, start_after=as_of, start_until=until, fold_tail=not self._can_catch_up
        )
        return [_fact_entry(f) for f in facts]

    def projection_status(self) -> ProjectionStatus:
        """How far each projection's read model is behind the log (never catches up).

        `{"head": N, "projections": {name: position}}`; a position of -1 means
        not built yet for the definition as it now reads."""
        head, positions = self.projections.positions()
        return {"head": head, "projections": positions}

    def jurisdictions(self) -> list[JurisdictionEntry]:
        """The jurisdictions the log has facts about, with their names and fact counts."""
        known = registry().by_code
        return [
            {
                "code": code,
                "name": known[code].name if code in known else code,
                "category": known[code].category if code in known else "unknown",
                "facts": count,
            }
            for code, count in self._fresh().fact_counts().items()
        ]

    def valid_time_range(self) -> tuple[dt.date, dt.date] | None:
        """The first day any fact's interval starts and the last day one ends (None: no
        facts)."""
        return self._fresh().valid_time_range()

    # -- feeds -------------------------------------------------------------------
    def poller(self) -> Poller:
        """A `Poller` over the configured feeds; the caller closes it."""
        from timeline.feeds.poll import Poller

        return Poller(self.store, self.settings)

    def poll(self, feed: str | None = None, *, force: bool = False) -> list[PollOutcome]:
        """One round: every enabled feed that is due, or only `feed`; `force` ignores
        backoff and Retry-After."""
        poller = self.poller()
        try:
            return poller.poll(feed, force=force)
        finally:
            poller.close()

    def feed_status(self) -> list[FeedStatus]:
        """Every configured feed with its health, then feeds with health but no config."""
        health = self.store.feed_health.by_feed()
        configured = [FeedStatus(f.name, f, health.get(f.name)) for f in self.settings.feeds]
        names = {f.name for f in self.settings.feeds}
        return configured + [
            FeedStatus(name, None, row) for name, row in health.items() if name not in names
        ]

    # -- candidates ----------------------------------------------------------------
    def candidates(
        self,
        *,
        statuses: Sequence[str] | None = ("pending",),
        feed: str | None = None,
        limit: int | None = None,
    ) -> list[Candidate]:
        """Candidates in the order first seen; by default those awaiting review."""
        for status in statuses or ():
            if status not in STATUSES:
                raise InvalidEventError(
                    f"unknown candidate status {status!r}; known: {', '.join(STATUSES)}"
                )
        return self.store.candidates.find(CandidateFilter(statuses, feed, limit))

    def candidate(self, ref: str) -> Candidate:
        """One candidate by id or unique id prefix."""
        return self.store.candidates.get(ref)

    def edit_candidate(self, ref: str, changes: Mapping[str, Any]) -> Candidate:
        """Fix kind, jurisdictions, effective, subject, title or payload fields before
        accepting; validated now, kept apart from what the feed said."""
        return review.edit(self.store, ref, changes)

    def accept_candidate(self, ref: str) -> RecordedEvent:
        """Append the candidate's event with its provenance; accepting again (or
        concurrently) returns the same event."""
        event = review.accept(self.store, ref)
        log.info("candidate.accepted", candidate=ref, event_id=event.id)
        return event

    def reject_candidate(self, ref: str, reason: str) -> Candidate:
        """Mark the candidate rejected with `reason`; it is never proposed again."""
        return review.reject(self.store, ref, reason)


def _fact_entry(fact: FactVersion) -> FactEntry:
    entry: FactEntry = {
        "effective": fact.effective,
        "kind": fact.kind,
        "subject": fact.subject,
        "title": fact_title(fact.kind, fact.payload),
        "jurisdictions": list(fact.jurisdictions),
        "events": list(fact.cites),
    }
    if (stage := stage_of(fact.kind, fact.payload)) is not None:
        entry["stage"] = stage
    return entry
