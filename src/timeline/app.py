"""The Python API: the one thing the CLI (and later the web view and daemon) calls.

>>> from timeline.app import Timeline
>>> tl = Timeline.open()                     # config.toml + TIMELINE_* env
>>> tl.import_path(Path("events"))           # idempotent
>>> for ev in tl.log(jurisdiction="JP"): ...
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import structlog

from timeline.errors import InvalidEventError, TimelineError
from timeline.importer import ImportReport, current_fact, fact_dict, import_path
from timeline.model.events import KINDS, META_KINDS, AnyEvent, parse_event
from timeline.model.jurisdictions import validate_code
from timeline.settings import Settings, load_settings
from timeline.store import AppendResult, EventFilter, EventStore, RecordedEvent, open_store
from timeline.store.base import VerifyReport

log = structlog.get_logger("timeline")


class Timeline:
    """An event log opened on one database."""

    def __init__(self, store: EventStore) -> None:
        self.store = store

    @classmethod
    def open(cls, settings: Settings | None = None, *, read_only: bool = False) -> Timeline:
        settings = settings or load_settings()
        return cls(open_store(settings.database.url, read_only=read_only))

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
        fact, retracted = current_fact(self.store, original)
        if retracted:
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
        _, retracted = current_fact(self.store, original)
        if retracted:
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
    ) -> Iterator[RecordedEvent]:
        """Stream events in log order, filtered; validates the filters first."""
        for kind in kinds or ():
            if kind not in KINDS:
                raise InvalidEventError(f"unknown kind {kind!r}; known kinds: {', '.join(KINDS)}")
        flt = EventFilter(
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
