"""Importing curated event files (`events/*.toml`) idempotently, never undoing an
analyst.

Each entry has a stable `id`; its idempotency key is `curated:<id>`.  An entry
is compared three ways: the file as it reads now, what was last *imported* from
it, and the fact as the log says it now (after analysts' corrections and
retractions).  What was last imported is read from the importer's own events
for the entry: the original event, then each `event.corrected` the importer
appended (key `curated:<id>:correction:...`), whose payload carries the whole
fact imported.  No table keeps it, so a log written by any earlier version
imports by the same rule.

- file unchanged since its import: nothing, whatever analysts did since;
- file changed, fact untouched by analysts (the log still says what was
  imported): a correction from the file;
- file changed and the log changed too (corrected to something else, or
  retracted): a conflict, reported with both versions, nothing written for it,
  unless the caller prefers one side (`prefer="file"`: a correction from the
  file; `prefer="log"`: the log's version stays).  A retraction is final
  (`model/facts.py`), so preferring the file cannot bring a retracted fact back:
  it stays a conflict.  A file edited to say what the log now says is no
  conflict: there is nothing to write.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from timeline.documents import read_documents
from timeline.errors import EmptyInputError, ImportFileError
from timeline.model.events import META_KINDS, AnyEvent, canonical_json, parse_event
from timeline.model.facts import (
    CORRECTED,
    StandingFact,
    corrected_fact,
    fact_dict,
    standing_fact,
)
from timeline.store import EventStore, RecordedEvent
from timeline.store.base import CURATED_KEY_PREFIX, EventFilter

KEY_PREFIX = CURATED_KEY_PREFIX

Prefer = Literal["file", "log"]


@dataclass(frozen=True, slots=True)
class ImportConflict:
    """An entry changed in its file and, differently, in the log since its import."""

    entry_id: str
    file: str
    event: RecordedEvent
    """The entry's original event (the fact's identity)."""
    imported: dict[str, Any]
    """What was last imported from the entry."""
    in_file: dict[str, Any]
    """What the file says now."""
    in_log: dict[str, Any]
    """What the log says now (the fact before its retraction, if retracted)."""
    retracted_by: RecordedEvent | None = None


@dataclass
class ImportReport:
    files: int = 0
    entries: int = 0
    new: list[RecordedEvent] = field(default_factory=list)
    corrected: list[RecordedEvent] = field(default_factory=list)
    unchanged: int = 0
    retracted: list[str] = field(default_factory=list)
    """Entries unchanged in their file whose fact an analyst retracted (left alone)."""
    kept: list[str] = field(default_factory=list)
    """Entries in conflict where the log's version was preferred (left alone)."""
    conflicts: list[ImportConflict] = field(default_factory=list)
    """Entries in conflict for which nothing was written."""

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
    return standing_fact(original, _metas_of(store, original))


def _metas_of(store: EventStore, original: RecordedEvent) -> list[RecordedEvent]:
    return list(store.read(EventFilter(subject=original.subject, kinds=META_KINDS)))


def last_imported(
    entry_id: str, original: RecordedEvent, metas: Iterable[RecordedEvent]
) -> tuple[dict[str, Any], int]:
    """What was last imported from entry `entry_id`, and the position of the importer's
    event that said it: its last correction of `original`, or `original` itself."""
    prefix = f"{KEY_PREFIX}{entry_id}:correction:"
    fact, seq = fact_dict(original.to_event()), original.seq
    for meta in metas:
        if (
            meta.kind == CORRECTED
            and meta.payload.get("target") == original.id
            and meta.idempotency_key.startswith(prefix)
        ):
            fact, seq = corrected_fact(meta.payload), meta.seq
    return fact, seq


def load_entries(path: Path) -> tuple[list[_Entry], int]:
    """Every entry under `path`, validated; any invalid entry fails the whole import."""
    if not path.exists():
        raise ImportFileError(f"{path}: no such file or directory")
    files = sorted(path.rglob("*.toml")) if path.is_dir() else [path]
    if not files:
        raise EmptyInputError(f"nothing to import: {path} holds no .toml event files")
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
    if not entries:
        raise EmptyInputError(
            f"nothing to import: {path} holds no event entries; write [[event]] tables, "
            "each with an `id`"
        )
    return entries, len(files)


def _correction(
    entry: _Entry, original: RecordedEvent, wanted: dict[str, Any], after_seq: int, reason: str
) -> dict[str, Any]:
    digest = hashlib.sha256(canonical_json(wanted).encode()).hexdigest()[:16]
    return {
        "kind": CORRECTED,
        "subject": original.subject,
        "jurisdictions": sorted(set(original.jurisdictions) | set(entry.event.jurisdictions)),
        "effective": str(entry.event.effective),
        # The importer event it follows is part of the key: a file edited back to
        # a version imported before is a new correction, not that old one again,
        # while two imports of the same edit still write it once.
        "idempotency_key": f"{KEY_PREFIX}{entry.entry_id}:correction:{after_seq}:{digest}",
        "provenance": {"file": entry.file, "entry": entry.entry_id},
        "payload": {"target": original.id, "reason": reason, "corrected": wanted},
    }


def import_path(store: EventStore, path: Path, *, prefer: Prefer | None = None) -> ImportReport:
    """Import the entries under `path` in one transaction (see the module docstring)."""
    entries, file_count = load_entries(path)
    report = ImportReport(files=file_count, entries=len(entries))
    stored = store.find_by_keys(KEY_PREFIX + e.entry_id for e in entries)
    batch: list[AnyEvent | dict[str, Any]] = []
    kinds_of_batch: list[str] = []
    # The stream of each fact corrected, as long as it was when its standing was
    # read: a correction an analyst appends meanwhile fails the import, rather
    # than being overwritten by a decision taken without it.
    read_versions: dict[str, int] = {}
    for entry in entries:
        original = stored.get(KEY_PREFIX + entry.entry_id)
        if original is None:
            batch.append(entry.event)
            kinds_of_batch.append("new")
            continue
        stream = list(store.read(EventFilter(subject=original.subject)))
        metas = [event for event in stream if event.kind in META_KINDS]
        now = standing_fact(original, metas)
        imported, imported_seq = last_imported(entry.entry_id, original, metas)
        wanted = fact_dict(entry.event)
        if wanted == imported:
            # The file says what was imported: whatever analysts did since stands.
            if now.retracted:
                report.retracted.append(entry.entry_id)
            else:
                report.unchanged += 1
            continue
        if not now.retracted and now.fact == wanted:
            report.unchanged += 1  # the log already says what the file now says
            continue
        analysts_changed = now.retracted or now.fact != imported
        if analysts_changed and (prefer is None or (prefer == "file" and now.retracted)):
            report.conflicts.append(
                ImportConflict(
                    entry.entry_id,
                    entry.file,
                    original,
                    imported=imported,
                    in_file=wanted,
                    in_log=now.fact,
                    retracted_by=now.retracted_by,
                )
            )
            continue
        if analysts_changed and prefer == "log":
            report.kept.append(entry.entry_id)
            continue
        reason = f"curated entry {entry.entry_id!r} changed in {entry.file}"
        if analysts_changed:
            reason += " (the file preferred over the log's correction)"
        batch.append(_correction(entry, original, wanted, imported_seq, reason))
        kinds_of_batch.append("corrected")
        read_versions[original.subject] = stream[-1].stream_version
    # One transaction for the whole import: a failure leaves the log untouched.
    result = store.append(batch, read_versions)
    for what, event, written in zip(kinds_of_batch, result.events, result.written, strict=False):
        if written:
            (report.new if what == "new" else report.corrected).append(event)
        else:
            report.unchanged += 1
    return report
