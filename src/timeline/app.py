"""The Python API: the one thing the CLI (and later the web view and daemon) calls.

>>> from timeline.app import Timeline
>>> tl = Timeline.open()                     # config.toml + TIMELINE_* env
>>> tl.import_path(Path("events"))           # idempotent
>>> for ev in tl.log(jurisdiction="JP"): ...
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, cast

from timeline.answers import (
    Change,
    Comparison,
    Diff,
    FactEntry,
    HistoryPage,
    JurisdictionEntry,
    ProjectionStatus,
    ReadModelsCaughtUp,
    StandingFactEntry,
    State,
)
from timeline.backup import (
    Header,
    RestoreReport,
    Writable,
    copy_log,
    restore_file,
    spooled,
    write_export,
)
from timeline.errors import (
    InvalidDateError,
    InvalidEventError,
    ReadOnlyDatabaseError,
    TimelineError,
)
from timeline.feeds import review
from timeline.gc_pause import cyclic_gc_paused
from timeline.importer import ImportReport, Prefer, current_fact, import_path
from timeline.logging import get_logger
from timeline.model.dates import parse_text, utc_text
from timeline.model.events import AnyEvent, parse_event
from timeline.model.facts import (
    CORRECTED,
    RETRACTED,
    StandingFact,
    fact_dict,
    fact_title,
    stage_of,
    standing_fact,
)
from timeline.model.feeds import STATUSES, Candidate, FeedHealth
from timeline.model.jurisdictions import registry, validate_code
from timeline.model.kinds import KINDS, META_KINDS
from timeline.model.selection import Selection
from timeline.projections.definition import ProjectionDefinition, load_definitions
from timeline.projections.fold import FactVersion
from timeline.projections.queries import diff_states
from timeline.projections.runner import (
    CatchUpReport,
    Progress,
    ProjectionRunner,
    checked_known_at,
)
from timeline.settings import FeedSettings, FollowSettings, Settings, load_settings
from timeline.store import AppendResult, EventFilter, EventStore, RecordedEvent, open_store
from timeline.store.base import (
    CandidateFilter,
    FollowHealth,
    VerifyReport,
    VersionCursor,
    format_utc,
)

if TYPE_CHECKING:
    from timeline.feeds.poll import Poller, PollOutcome
    from timeline.publish.changes import ChangesPage

log = get_logger("timeline")


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


@dataclass(frozen=True, slots=True)
class LogEntry:
    """An event as `log` and `show` list it: the event, and for a fact, how it stands
    after the corrections and retractions naming it (None for those meta events)."""

    event: RecordedEvent
    standing: StandingFact[RecordedEvent] | None

    @property
    def mark(self) -> str | None:
        """ "retracted by #N (reason)", "corrected by #N", or None."""
        return self.standing.mark() if self.standing else None

    def as_dict(self) -> dict[str, Any]:
        """The event's JSON form (`RecordedEvent.as_dict`) and `superseded`: null, or
        how, by which event (`by`: its position, `id`), why (`reason`) and `text`."""
        return self.event.as_dict() | {
            "superseded": self.standing.superseded() if self.standing else None
        }

    def current_dict(self) -> dict[str, Any]:
        """`as_dict` with the fact as it now stands (a corrected fact's fields are
        those of its last correction; position and id stay the original's)."""
        row = self.as_dict()
        if self.standing is None:
            return row
        fact = self.standing.fact
        effective = parse_text(fact["effective"])
        return row | {
            "kind": fact["kind"],
            "subject": fact["subject"],
            "jurisdictions": fact["jurisdictions"],
            "effective": str(effective),
            "effective_precision": effective.precision.value,
            "payload": fact["payload"],
            "sources": fact.get("sources", []),
        }


@dataclass(frozen=True, slots=True)
class FollowStatus:
    """A follow as configured (None once removed from config.toml) and what the alert
    ledger says of it."""

    name: str
    config: FollowSettings | None
    health: FollowHealth | None

    def as_dict(self) -> dict[str, Any]:
        """The follow as `follow list --format json` and `/api/status` show it."""
        config = self.config
        health = self.health
        return {
            "follow": self.name,
            "configured": config is not None,
            "enabled": bool(config and config.enabled),
            "jurisdictions": config.jurisdictions if config else [],
            "with_subdivisions": bool(config and config.with_subdivisions),
            "kinds": config.kinds if config else [],
            "subjects": config.subjects if config else [],
            "to": config.to if config else [],
            "webhook": config.webhook if config else None,
            "alerts": health.alerts if health else 0,
            "last_alert_at": _utc_or_none(health.last_alert_at if health else None),
            "last_sent_at": _utc_or_none(health.last_sent_at if health else None),
            "waiting": health.waiting if health else 0,
            "failing": health.failing if health else 0,
            "refused": health.refused if health else 0,
            "next_retry_at": _utc_or_none(health.next_retry_at if health else None),
            "last_error": health.last_error if health else None,
        }


def _utc_or_none(moment: dt.datetime | None) -> str | None:
    return utc_text(moment, "seconds") if moment is not None else None


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

    def import_path(self, path: Path, *, prefer: Prefer | None = None) -> ImportReport:
        """Import curated TOML files: entries unchanged since their import are skipped
        (whatever analysts did since), edited ones corrected unless an analyst changed
        the fact too; those are `report.conflicts`, with nothing written for them,
        unless `prefer` names the side that wins ("file" or "log")."""
        report = import_path(self.store, path, prefer=prefer)
        log.info(
            "events.imported",
            path=str(path),
            entries=report.entries,
            new=len(report.new),
            corrected=len(report.corrected),
            unchanged=report.unchanged,
            conflicts=len(report.conflicts),
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
            what = "a correction" if event.kind == "event.corrected" else "a retraction"
            raise TimelineError(
                f"event {event.id} is {what} ({event.kind}); correct or retract the event it "
                f"names ({event.payload['target']})"
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
        _check_kinds(kinds)
        _check_range(effective_from, effective_to)
        if known_at is not None:
            known_at = checked_known_at(self.store, known_at)
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
        """One event by reference: a position (`23`, `#23`), an id or a unique id prefix
        (4+ hex digits), an idempotency key, or a curated entry's id (see `EventStore.get`)."""
        return self.store.get(ref)

    def entries(
        self,
        *,
        current: bool = False,
        jurisdiction: str | None = None,
        kinds: Sequence[str] | None = None,
        subject: str | None = None,
        effective_from: dt.date | None = None,
        effective_to: dt.date | None = None,
        known_at: dt.datetime | None = None,
        limit: int | None = None,
        after_seq: int = 0,
    ) -> Iterator[LogEntry]:
        """`log` with each fact's standing (marked when corrected or retracted, as
        known at `known_at`); `current`: only facts as they now stand, the filters
        applied to what they now say, with no retracted fact and no meta event.

        The filters are validated before the first entry.  The meta events that
        can name the events listed (those after the first of them) are read once,
        up front: they are few next to facts.  With `current` every fact after
        `after_seq` is read and filtered here, on what its corrections say."""
        _check_kinds(kinds)
        code = validate_code(jurisdiction) if jurisdiction else None
        _check_range(effective_from, effective_to)
        if known_at is not None:
            known_at = checked_known_at(self.store, known_at)
        if current:
            return self._current_entries(
                code, kinds, subject, effective_from, effective_to, known_at, limit, after_seq
            )
        events: Iterable[RecordedEvent] = self.log(
            jurisdiction=code,
            kinds=kinds,
            subject=subject,
            effective_from=effective_from,
            effective_to=effective_to,
            known_at=known_at,
            limit=limit,
            after_seq=after_seq,
        )
        if limit is None:
            metas = self._metas_by_target(known_at, after_seq)
        else:  # a page: only the metas on its facts' streams, after its first event
            events = list(events)
            subjects = frozenset(e.subject for e in events if e.kind not in META_KINDS)
            metas = self._metas_by_target(
                known_at, events[0].seq if events else after_seq, subjects
            )
        return (_entry(event, metas) for event in events)

    def _current_entries(
        self,
        code: str | None,
        kinds: Sequence[str] | None,
        subject: str | None,
        effective_from: dt.date | None,
        effective_to: dt.date | None,
        known_at: dt.datetime | None,
        limit: int | None,
        after_seq: int,
    ) -> Iterator[LogEntry]:
        metas = self._metas_by_target(known_at, after_seq)
        facts = self.log(
            kinds=[k for k in KINDS if k not in META_KINDS], known_at=known_at, after_seq=after_seq
        )
        found = 0
        for event in facts:
            if limit is not None and found >= limit:
                return
            entry = _entry(event, metas)
            assert entry.standing is not None
            fact = entry.standing.fact
            if entry.standing.retracted or (kinds and fact["kind"] not in kinds):
                continue
            if (subject and fact["subject"] != subject) or (
                code and code not in fact["jurisdictions"]
            ):
                continue
            effective = parse_text(fact["effective"])
            if effective_from and effective.end < effective_from:
                continue
            if effective_to and effective.start > effective_to:
                continue
            found += 1
            yield entry

    def entry(self, ref: str) -> LogEntry:
        """One event by reference (as `show`), with its standing now."""
        event = self.store.get(ref)
        metas = self.store.read(
            EventFilter(subject=event.subject, kinds=META_KINDS, after_seq=event.seq)
        )
        return _entry(event, self._by_target(metas))

    def _metas_by_target(
        self,
        known_at: dt.datetime | None,
        after_seq: int,
        subjects: frozenset[str] | None = None,
    ) -> dict[str, list[RecordedEvent]]:
        """The corrections and retractions after `after_seq` recorded by `known_at` (on
        `subjects` only, if given), by the event they name.  One names an event
        before it, never after, and is on its subject's stream (the store checks)."""
        if subjects is not None and not subjects:
            return {}
        metas = self.store.read(
            EventFilter(kinds=META_KINDS, known_at=known_at, after_seq=after_seq, subjects=subjects)
        )
        return self._by_target(metas)

    @staticmethod
    def _by_target(metas: Iterable[RecordedEvent]) -> dict[str, list[RecordedEvent]]:
        by_target: dict[str, list[RecordedEvent]] = {}
        for meta in metas:
            by_target.setdefault(meta.payload["target"], []).append(meta)
        return by_target

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
        *,
        with_subdivisions: bool = False,
    ) -> State:
        """`jurisdiction`'s state on `as_of`, as the log knew it at `known_at` (default: now).

        The facts of its subdivisions (`US-TX` for `US`) are folded in only with
        `with_subdivisions`; either way the state lists those that have facts."""
        code = validate_code(jurisdiction)
        runner = self._fresh()
        name = projection or self.default_projection
        found = runner.state(
            name,
            code,
            as_of,
            known_at,
            with_subdivisions=with_subdivisions,
            fold_tail=not self._can_catch_up,
        )
        return cast("State", found)

    def compare(
        self,
        jurisdictions: Sequence[str],
        as_of: dt.date,
        known_at: dt.datetime | None = None,
        projection: str | None = None,
        *,
        with_subdivisions: bool = False,
    ) -> Comparison:
        """Several jurisdictions' states on one date, and which parts differ (each with
        its subdivisions' facts folded in, with `with_subdivisions`)."""
        runner = self._fresh()
        found = runner.compare(
            projection or self.default_projection,
            jurisdictions,
            as_of,
            known_at,
            with_subdivisions=with_subdivisions,
            fold_tail=not self._can_catch_up,
        )
        return cast("Comparison", found)

    def diff(
        self,
        jurisdiction: str,
        date_from: dt.date,
        date_to: dt.date,
        known_at: dt.datetime | None = None,
        projection: str | None = None,
    ) -> Diff:
        """What changed in `jurisdiction`'s state between two dates, citing events."""
        _check_range(date_from, date_to)
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
        """The dated timeline of a jurisdiction (or of all): every fact in valid-time
        order, in one list (`iter_history` streams it, `history_page` pages it)."""
        return list(self.iter_history(jurisdiction, known_at))

    def iter_history(
        self, jurisdiction: str | None = None, known_at: dt.datetime | None = None
    ) -> Iterator[FactEntry]:
        """`history`, streamed a page of the fact index at a time, all as known at one
        moment: memory stays flat on any log.  Arguments are checked, and the read
        models caught up, when it is called, not when first read."""
        code = validate_code(jurisdiction) if jurisdiction else None
        runner = self._fresh()
        moment = runner.known_moment(known_at)  # one moment for every page
        facts = runner.iter_facts(code, moment, fold_tail=not self._can_catch_up)
        return (_fact_entry(f) for f in facts)

    def history_page(
        self,
        jurisdiction: str | None = None,
        known_at: dt.datetime | None = None,
        *,
        after: str | None = None,
        limit: int = 1000,
    ) -> HistoryPage:
        """One page of `history`: up to `limit` facts after the cursor `after` (the
        `next_after` of the page before), and the cursor of the next page (None: the
        last).  Pass the first page's `known_at` to the next ones for one picture."""
        code = validate_code(jurisdiction) if jurisdiction else None
        cursor = _parse_cursor(after) if after else None
        runner = self._fresh()
        moment = runner.known_moment(known_at)
        found = runner.iter_facts(
            code, moment, after=cursor, fold_tail=not self._can_catch_up, page=limit + 1
        )
        facts = list(itertools.islice(found, limit + 1))
        more = len(facts) > limit
        return {
            "facts": [_fact_entry(f) for f in facts[:limit]],
            "next_after": _cursor_text(facts[limit - 1]) if more else None,
            "known_at": format_utc(moment),
        }

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
        runner = self._fresh()
        # A window holding 1 January (where every fact known only to its year
        # starts) is tens of thousands of entries of new containers and no
        # cycles: without the pause, collections walk the whole heap meanwhile.
        with cyclic_gc_paused():
            facts = runner.iter_facts(
                code,
                known_at,
                start_after=as_of,
                start_until=until,
                fold_tail=not self._can_catch_up,
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
            for code, count in self._fresh().fact_counts(fold_tail=not self._can_catch_up).items()
        ]

    def valid_time_range(self) -> tuple[dt.date, dt.date] | None:
        """The first day any fact's interval starts and the last day one ends (None: no
        facts)."""
        runner = self._fresh()
        return runner.valid_time_range(fold_tail=not self._can_catch_up)

    # -- backup, restore, copy ---------------------------------------------------
    def export(self, destination: Path | Writable, progress: Progress | None = None) -> Header:
        """Write the whole log, exactly as stored, and the working state beside it
        (candidates, feed health, the digest ledger) to `destination`: a file
        (compressed when its name ends in `.gz`) or a binary stream.  One consistent
        snapshot, streamed.  Read models are left out: a restore rebuilds them."""
        return write_export(self.store.backup, destination, progress)

    def restore(self, source: Path | IO[bytes], progress: Progress | None = None) -> RestoreReport:
        """Restore an export into this database, then rebuild the read models.

        The whole file is checked first (header, every line's hash, the chain, the
        counts): a bad file raises `BackupFileError` naming its first bad line and
        writes nothing.  The database must be empty, or hold exactly a prefix of the
        file's log (a restore cut short), whose rest is then appended; ids,
        positions and transaction times are kept exactly."""
        self.store.initialise()
        # The definitions load first: a mistake in one stops the restore before it writes.
        _ = self.projections
        if isinstance(source, Path):
            report = restore_file(self.store.backup, source, progress)
        else:
            with spooled(source) as spool:
                report = restore_file(self.store.backup, Path(spool.name), progress)
        if report.restored or report.records:
            self.rebuild(progress)
        return report

    def copy_to(self, target: Timeline, progress: Progress | None = None) -> RestoreReport:
        """Copy this log and its working state into `target`'s database, checked as a
        restore checks a file, committed in batches: if it is cut short, a second
        copy continues from the target's head.  Then `target` rebuilds its read
        models."""
        target.store.initialise()
        _ = target.projections  # as in `restore`: a bad definition stops it before it writes
        report = copy_log(self.store.backup, target.store.backup, progress)
        if report.restored or report.records:
            target.rebuild(progress)
        return report

    def facts_on(
        self, as_of: dt.date, known_at: dt.datetime | None = None
    ) -> list[StandingFactEntry]:
        """Every fact whose date has begun by `as_of`, as the log knew it at `known_at`
        (default: now): one entry per fact, corrections applied, retracted ones left
        out, with its sources; in valid-time order."""
        versions = self._fresh().facts(None, known_at, start_until=as_of)
        originals = {version.cites[0]: version for version in versions}
        found: dict[str, RecordedEvent] = {}
        metas: dict[str, list[RecordedEvent]] = {}
        # One pass over the log as known then, keeping only these facts' events.
        for event in self.log(known_at=known_at or dt.datetime.now(dt.UTC)):
            if event.id in originals:
                found[event.id] = event
            elif event.kind in (CORRECTED, RETRACTED):
                target = event.payload["target"]
                if target in originals:
                    metas.setdefault(target, []).append(event)
        entries: list[StandingFactEntry] = []
        for fact_id, version in originals.items():
            standing = standing_fact(found[fact_id], metas.get(fact_id, []))
            fact = standing.fact
            entries.append(
                {
                    "fact": fact_id,
                    "kind": fact["kind"],
                    "subject": fact["subject"],
                    "title": fact_title(fact["kind"], fact["payload"]),
                    "jurisdictions": list(fact["jurisdictions"]),
                    "effective": fact["effective"],
                    "effective_start": version.start.isoformat(),
                    "effective_end": version.end.isoformat(),
                    "certain": version.end <= as_of,
                    "recorded_at": utc_text(found[fact_id].recorded_at),
                    "corrections": len(standing.corrected_by),
                    "events": list(version.cites),
                    "payload": fact["payload"],
                    "sources": fact.get("sources", []),
                }
            )
        return entries

    # -- publishing ----------------------------------------------------------------
    def log_head(self) -> tuple[int, dt.datetime | None]:
        """The last position of the log and when it was recorded ((0, None): empty).

        Everything published is a function of the log up to its head, so this is
        what a conditional GET compares, without reading the log."""
        with self.store.read_models.view() as view:
            head = view.head()
        return head, (self.store.get(head).recorded_at if head else None)

    def calendar(self, selection: Selection, name: str | None = None) -> bytes:
        """The RFC 5545 calendar of the facts `selection` covers: an all-day event per
        fact, its UID stable, moved (SEQUENCE raised) when its date is corrected and
        cancelled when it is retracted; see `timeline.publish.calendar`."""
        from timeline.publish.calendar import calendar
        from timeline.publish.lives import fact_lives

        lives = fact_lives(self.store.read(), selection.checked())
        return calendar(lives, name or f"timeline: {selection_title(selection)}")

    def changes(
        self, selection: Selection, *, before: int | None = None, after: int = 0, limit: int = 50
    ) -> ChangesPage:
        """A page of the change feed: the events (facts, corrections, retractions) of
        the facts `selection` covers, newest first, recorded after position `after`
        and before position `before` (the cursor of the previous page)."""
        from timeline.publish.changes import MAX_PAGE_SIZE, changes_page
        from timeline.publish.lives import fact_lives

        if not 1 <= limit <= MAX_PAGE_SIZE:
            raise TimelineError(f"limit must be between 1 and {MAX_PAGE_SIZE}, not {limit}")
        lives = fact_lives(self.store.read(), selection.checked())
        return changes_page(lives, before=before, after=after, limit=limit)

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

    # -- follows -------------------------------------------------------------------
    def follow_status(self) -> list[FollowStatus]:
        """Every configured follow with what the alert ledger says of it (last alert,
        deliveries waiting and failing, next retry), then follows with alerts but no
        config."""
        health = self.store.alert_ledger.health()
        configured = [FollowStatus(f.name, f, health.get(f.name)) for f in self.settings.follows]
        names = {f.name for f in self.settings.follows}
        return configured + [
            FollowStatus(name, None, row) for name, row in health.items() if name not in names
        ]

    def start_follow(self, name: str) -> int:
        """Begin the alerts of the follow `name` at the log's head, if they have not
        begun: it alerts about what is recorded from now on.  Returns the position."""
        return self.store.alert_ledger.cursors([name])[name]

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


def _check_range(start: dt.date | None, end: dt.date | None) -> None:
    """A range of days that ends before it starts is a mistake, never an empty answer:
    the one rule for the log's listing (`entries`) and `diff`."""
    if start is not None and end is not None and end < start:
        raise InvalidDateError(f"the range ends on {end}, before it starts on {start}")


def _check_kinds(kinds: Sequence[str] | None) -> None:
    for kind in kinds or ():
        if kind not in KINDS:
            raise InvalidEventError(f"unknown kind {kind!r}; known kinds: {', '.join(KINDS)}")


def _entry(event: RecordedEvent, metas: Mapping[str, list[RecordedEvent]]) -> LogEntry:
    if event.kind in META_KINDS:
        return LogEntry(event, None)
    return LogEntry(event, standing_fact(event, metas.get(event.id, ())))


def selection_title(selection: Selection) -> str:
    """What a selection covers, for a calendar's or a feed's title."""
    places = ", ".join(selection.jurisdictions) or "all jurisdictions"
    if selection.jurisdictions and selection.with_subdivisions:
        places += " (with subdivisions)"
    parts = [places, ", ".join(selection.kinds), ", ".join(selection.subjects)]
    return "; ".join(part for part in parts if part)


_CURSOR = re.compile(r"^(\d{4}-\d{2}-\d{2})_(\d{4}-\d{2}-\d{2})_(\d{1,18})$")


def _cursor_text(fact: FactVersion) -> str:
    return f"{fact.start.isoformat()}_{fact.end.isoformat()}_{fact.fact_seq}"


def _parse_cursor(text: str) -> VersionCursor:
    match = _CURSOR.match(text)
    if match is None:
        raise TimelineError(f"after: {text!r} is not a cursor this API gave (START_END_POSITION)")
    return match.group(1), match.group(2), int(match.group(3))


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
