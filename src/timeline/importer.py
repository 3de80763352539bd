"""Importing curated event files (`events/*.toml`) idempotently.

Each entry has a stable `id`; its idempotency key is `curated:<id>`.  A second
import of unchanged files writes nothing.  An entry edited since its import is
appended as an `event.corrected` naming the first import, never as a second
copy; the correction's key includes a hash of the new content, so importing the
edited file again writes nothing either.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from timeline.documents import read_documents
from timeline.errors import ImportFileError
from timeline.model.events import META_KINDS, AnyEvent, canonical_json, parse_event
from timeline.model.facts import StandingFact, fact_dict, standing_fact
from timeline.store import EventStore, RecordedEvent
from timeline.store.base import EventFilter

KEY_PREFIX = "curated:"


@dataclass
class ImportReport:
    files: int = 0
    entries: int = 0
    new: list[RecordedEvent] = field(default_factory=list)
    corrected: list[RecordedEvent] = field(default_factory=list)
    unchanged: int = 0
    retracted: list[str] = field(default_factory=list)

    @property
    def written(self) -> int:
        return len(self.new) + len(self.corrected)


@dataclass(frozen=True)
class _Entry:
    entry_id: str
    file: str
    event: AnyEvent


def current_fact(store: EventStore, original: RecordedEvent) -> StandingFact[RecordedEvent]:
    """The fact as the log says it now: the meta events of its subject applied."""
    metas = store.read(EventFilter(subject=original.subject, kinds=META_KINDS))
    return standing_fact(original, metas)


def load_entries(path: Path) -> tuple[list[_Entry], int]:
    """Every entry under `path`, validated; any invalid entry fails the whole import."""
    if not path.exists():
        raise ImportFileError(f"{path}: no such file or directory")
    files = sorted(path.rglob("*.toml")) if path.is_dir() else [path]
    if not files:
        raise ImportFileError(f"{path}: no .toml event files found")
    base = path if path.is_dir() else path.parent
    entries: list[_Entry] = []
    seen: dict[str, str] = {}
    for file in files:
        rel = file.relative_to(base).as_posix()
        for index, document in enumerate(read_documents(file), 1):
            raw = dict(document)
            entry_id = raw.pop("id", None)
            if not isinstance(entry_id, str) or not entry_id:
                raise ImportFileError(f"{rel}: entry {index}: every curated entry needs an `id`")
            if entry_id in seen:
                raise ImportFileError(
                    f"{rel}: entry {entry_id!r} has the same id as an entry in {seen[entry_id]}"
                )
            seen[entry_id] = rel
            if "idempotency_key" in raw or "provenance" in raw:
                raise ImportFileError(
                    f"{rel}: entry {entry_id!r}: idempotency_key and provenance are set by the "
                    "importer"
                )
            raw["idempotency_key"] = KEY_PREFIX + entry_id
            raw["provenance"] = {"file": rel, "entry": entry_id}
            entries.append(_Entry(entry_id, rel, parse_event(raw, f"{rel}: entry {entry_id!r}")))
    return entries, len(files)


def import_path(store: EventStore, path: Path) -> ImportReport:
    entries, file_count = load_entries(path)
    report = ImportReport(files=file_count, entries=len(entries))
    stored = store.find_by_keys(KEY_PREFIX + e.entry_id for e in entries)
    batch: list[AnyEvent | dict[str, Any]] = []
    kinds_of_batch: list[str] = []
    for entry in entries:
        original = stored.get(KEY_PREFIX + entry.entry_id)
        if original is None:
            batch.append(entry.event)
            kinds_of_batch.append("new")
            continue
        now = current_fact(store, original)
        wanted = fact_dict(entry.event)
        if now.retracted:
            report.retracted.append(entry.entry_id)
        elif now.fact == wanted:
            report.unchanged += 1
        else:
            digest = hashlib.sha256(canonical_json(wanted).encode()).hexdigest()[:16]
            batch.append(
                {
                    "kind": "event.corrected",
                    "subject": original.subject,
                    "jurisdictions": sorted(
                        set(original.jurisdictions) | set(entry.event.jurisdictions)
                    ),
                    "effective": str(entry.event.effective),
                    "idempotency_key": f"{KEY_PREFIX}{entry.entry_id}:correction:{digest}",
                    "provenance": {"file": entry.file, "entry": entry.entry_id},
                    "payload": {
                        "target": original.id,
                        "reason": f"curated entry {entry.entry_id!r} changed in {entry.file}",
                        "corrected": wanted,
                    },
                }
            )
            kinds_of_batch.append("corrected")
    # One transaction for the whole import: a failure leaves the log untouched.
    result = store.append(batch)
    for what, event, written in zip(kinds_of_batch, result.events, result.written, strict=False):
        if written:
            (report.new if what == "new" else report.corrected).append(event)
        else:
            report.unchanged += 1
    return report
