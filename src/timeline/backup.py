"""The export format: a log and its working state as JSON Lines, and its verification.

An export is one header line, then every event exactly as stored in position
order, then the rows of the tables kept beside the log (`LogBackup.tables`),
and nothing else (see docs/backup.md):

    {"type": "header", "format": "timeline-export", "format_version": 1, ...}
    {"type": "event", "seq": 1, "id": "...", ..., "hash": "..."}
    {"type": "candidates", "row": {...}, "hash": "..."}

An event line carries every stored column as the hash chain reads it, the
payload, sources and provenance as their stored JSON text: the bytes, not a
re-encoding of them, so the hashes can be checked and the restored log is the
same log.  Rows of the other tables carry a hash too, chained on from the log's
head hash, so every line of the file is covered and the header's
`records_hash` closes the chain.

Writing and checking both stream: memory stays flat whatever the log's length.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import shutil
import tempfile
import zlib
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import IO, Any, Protocol

from timeline.errors import BackupFileError, RestoreTargetError, TimelineError
from timeline.store.base import EVENT_COLUMNS, GENESIS_HASH, BackupSnapshot, LogBackup, chain_hash

FORMAT = "timeline-export"
FORMAT_VERSION = 1
GZIP_MAGIC = b"\x1f\x8b"
BATCH = 5000  # events a restore commits at a time: a kill loses at most one batch

Progress = Callable[[str, int, int], None]
"""progress(phase, done, total)"""


class Writable(Protocol):
    """Where an export is written: a binary file, stdout's buffer, a gzip stream."""

    def write(self, data: bytes, /) -> int: ...
    def flush(self) -> None: ...


_EVENT_KEYS = frozenset(("type", *EVENT_COLUMNS))
_INTEGERS = frozenset(("seq", "stream_version", "schema_version"))


def timeline_version() -> str:
    try:
        return metadata.version("timeline")
    except metadata.PackageNotFoundError:  # run from a source tree, not installed
        return "unknown"


def record_hash(prev_hash: str, table: str, row: dict[str, Any]) -> str:
    """sha256(previous line's hash, table, the row's canonical JSON), hex."""
    canonical = json.dumps(row, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256("\x1f".join((prev_hash, table, canonical)).encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Header:
    """What an export holds: checked against every line that follows it."""

    events: int
    head_hash: str
    records: dict[str, int]
    records_hash: str
    format_version: int = FORMAT_VERSION
    timeline_version: str = field(default_factory=timeline_version)

    def line(self) -> str:
        return _line(
            {
                "type": "header",
                "format": FORMAT,
                "format_version": self.format_version,
                "timeline_version": self.timeline_version,
                "events": self.events,
                "head_seq": self.events,
                "head_hash": self.head_hash,
                "records": self.records,
                "records_hash": self.records_hash,
            }
        )


def _line(item: dict[str, Any]) -> str:
    return json.dumps(item, ensure_ascii=False) + "\n"


# -- writing -------------------------------------------------------------------------


def _records(snapshot: BackupSnapshot, tables: Sequence[str], prev_hash: str) -> Iterator[str]:
    for table in tables:
        for row in snapshot.rows(table):
            prev_hash = record_hash(prev_hash, table, row)
            yield _line({"type": table, "row": row, "hash": prev_hash})


def _records_hash(snapshot: BackupSnapshot, tables: Sequence[str], head_hash: str) -> str:
    # A first pass over the (small) working-state tables, in the same snapshot,
    # so the header can close the chain before the lines it covers.
    last = head_hash
    for table in tables:
        for row in snapshot.rows(table):
            last = record_hash(last, table, row)
    return last


def export_header(snapshot: BackupSnapshot, tables: Sequence[str]) -> Header:
    head, head_hash = snapshot.head()
    return Header(
        events=head,
        head_hash=head_hash,
        records={table: snapshot.count(table) for table in tables},
        records_hash=_records_hash(snapshot, tables, head_hash),
    )


def export_lines(
    snapshot: BackupSnapshot, tables: Sequence[str], progress: Progress | None = None
) -> Iterator[str]:
    """The whole export of `snapshot`, line by line."""
    header = export_header(snapshot, tables)
    yield header.line()
    done = 0
    for row in snapshot.events():
        yield _line({"type": "event", **row})
        done += 1
        if progress and done % BATCH == 0:
            progress("exporting", done, header.events)
    if progress:
        progress("exporting", done, header.events)
    yield from _records(snapshot, tables, header.head_hash)


def write_export(
    backup: LogBackup, destination: Path | Writable, progress: Progress | None = None
) -> Header:
    """Write the export of `backup`'s database to a file (`.gz`: compressed) or a
    binary stream.  A file is written beside its name and renamed when complete, so
    a failed export never leaves a truncated file under the name asked for."""
    if not isinstance(destination, Path):
        return _write_lines(backup, destination, progress)
    partial = destination.with_name(destination.name + ".partial")
    try:
        with _create(partial) as raw:
            if _gz(destination):
                with gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0) as packed:
                    header = _write_lines(backup, packed, progress)
            else:
                header = _write_lines(backup, raw, progress)
        partial.replace(destination)
    finally:
        partial.unlink(missing_ok=True)
    return header


def _write_lines(backup: LogBackup, out: Writable, progress: Progress | None) -> Header:
    with backup.snapshot() as snapshot:
        lines = export_lines(snapshot, backup.tables, progress)
        first = next(lines)
        out.write(first.encode())
        for line in lines:
            out.write(line.encode())
    out.flush()
    return _parse_header(json.loads(first))


def _create(path: Path) -> IO[bytes]:
    try:
        return path.open("wb")
    except OSError as exc:
        raise TimelineError(f"cannot write {path}: {exc.strerror}") from None


def _gz(path: Path) -> bool:
    return path.suffix == ".gz"


# -- reading and checking --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Record:
    """A verified row of a table kept beside the log."""

    table: str
    row: dict[str, Any]


def _parse_header(item: Any) -> Header:
    if not isinstance(item, dict) or item.get("type") != "header":
        raise BackupFileError("line 1: not a timeline export (no header line)")
    if item.get("format") != FORMAT:
        raise BackupFileError(f"line 1: not a timeline export (format {item.get('format')!r})")
    version = item.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION or version < 1:
        raise BackupFileError(
            f"line 1: export format version {version!r}; this timeline reads up to {FORMAT_VERSION}"
        )
    events, head_hash = item.get("events"), item.get("head_hash")
    records, records_hash = item.get("records"), item.get("records_hash")
    if (
        not isinstance(events, int)
        or events < 0
        or not isinstance(head_hash, str)
        or not isinstance(records, dict)
        or not all(isinstance(k, str) and isinstance(v, int) for k, v in records.items())
        or not isinstance(records_hash, str)
    ):
        raise BackupFileError("line 1: the header lacks a count, a hash or the record counts")
    return Header(
        events, head_hash, records, records_hash, version, str(item.get("timeline_version"))
    )


class ExportReader:
    """The items of an export, each checked as it is read: the header first
    (`header`), then events (dicts of `EVENT_COLUMNS`), then `Record`s.

    Iterating raises `BackupFileError` naming the first bad line; only a
    complete iteration has checked the counts and the closing hashes."""

    def __init__(self, lines: Iterable[bytes], known_tables: Sequence[str]) -> None:
        self._lines = iter(lines)
        self._number = 0
        first = self._next()
        if first is None:
            raise BackupFileError("line 1: the file is empty")
        self.header = _parse_header(first)
        unknown = [t for t in self.header.records if t not in known_tables]
        if unknown:
            raise BackupFileError(
                f"line 1: the file holds {', '.join(unknown)} records, which this version "
                "of timeline does not restore"
            )

    def _next(self) -> Any | None:
        """The next line, parsed; None at the end of the file."""
        try:
            raw = next(self._lines, None)
        except (OSError, EOFError, zlib.error) as exc:  # gzip: corrupt or truncated
            raise BackupFileError(
                f"line {self._number + 1}: the compressed file is corrupt or truncated ({exc})"
            ) from None
        if raw is None:
            return None
        self._number += 1
        if not raw.endswith(b"\n"):
            raise self._bad("the line is cut short (the file is truncated)")
        try:
            return json.loads(raw)
        except (UnicodeDecodeError, ValueError) as exc:
            if self._number == 1:
                raise self._bad("not a timeline export (not JSON Lines)") from None
            raise self._bad(f"not valid JSON ({exc})") from None

    def _bad(self, what: str) -> BackupFileError:
        return BackupFileError(f"line {self._number}: {what}")

    def __iter__(self) -> Iterator[dict[str, Any] | Record]:
        prev_hash = yield from self._events()
        yield from self._records(prev_hash)

    def _events(self) -> Generator[dict[str, Any], None, str]:
        header = self.header
        prev_hash = GENESIS_HASH
        for seq in range(1, header.events + 1):
            item = self._next()
            if item is None:
                raise BackupFileError(
                    f"line {self._number + 1}: the file ends after {seq - 1} events; "
                    f"its header announces {header.events}"
                )
            prev_hash = self._check_event(item, seq, prev_hash)
            yield item
        return prev_hash

    def _records(self, prev_hash: str) -> Iterator[Record]:
        header = self.header
        item = self._next()
        if isinstance(item, dict) and item.get("type") == "event":
            raise self._bad(f"an event after the {header.events} the header announces")
        if prev_hash != header.head_hash:
            raise BackupFileError(
                f"line {header.events + 1}: the last event's hash is not the header's head hash"
            )
        counts = dict.fromkeys(header.records, 0)
        order = list(header.records)
        at = 0  # the table being read: records come table by table, in header order
        while item is not None:
            table = self._record_table(item, order, at)
            at = order.index(table)
            prev_hash = record_hash(prev_hash, table, item["row"])
            if item["hash"] != prev_hash:
                raise self._bad(f"the {table} record's hash does not match its content")
            counts[table] += 1
            if counts[table] > header.records[table]:
                raise self._bad(
                    f"more {table} records than the {header.records[table]} the header announces"
                )
            yield Record(table, item["row"])
            item = self._next()
        short = [t for t, n in counts.items() if n != header.records[t]]
        if short:
            t = short[0]
            raise BackupFileError(
                f"line {self._number + 1}: the file ends after {counts[t]} {t} records; "
                f"its header announces {header.records[t]}"
            )
        if prev_hash != header.records_hash:
            raise BackupFileError(
                f"line {self._number}: the last line's hash is not the header's records hash"
            )

    def _record_table(self, item: Any, order: list[str], at: int) -> str:
        """The table of a record line, once the line is a well-formed one in its place."""
        table = item.get("type") if isinstance(item, dict) else None
        if table == "event":
            raise self._bad("an event among the records that follow the log")
        if table not in order:
            raise self._bad(f"unknown record type {table!r}")
        if order.index(table) < at:
            raise self._bad(f"a record of {table} out of order")
        if set(item) != {"type", "row", "hash"} or not isinstance(item["row"], dict):
            raise self._bad(f"a record of {table} that is not {{type, row, hash}}")
        return str(table)

    def _check_event(self, item: Any, seq: int, prev_hash: str) -> str:
        if not isinstance(item, dict) or item.get("type") != "event":
            kind = item.get("type") if isinstance(item, dict) else type(item).__name__
            raise self._bad(f"expected event {seq}, found a line of type {kind!r}")
        if set(item) != _EVENT_KEYS:
            wrong = sorted(set(item) ^ _EVENT_KEYS)
            raise self._bad(f"event {seq} has wrong fields: {', '.join(wrong)}")
        for name in EVENT_COLUMNS:
            value = item[name]
            if name in _INTEGERS:
                ok = isinstance(value, int) and not isinstance(value, bool)
            else:
                ok = isinstance(value, str) or (name == "provenance" and value is None)
            if not ok:
                raise self._bad(f"event {seq}: {name} has the wrong type")
        if item["seq"] != seq:
            raise self._bad(f"expected event {seq}, found event {item['seq']}")
        if chain_hash(prev_hash, item | {"recorded_at_text": item["recorded_at"]}) != item["hash"]:
            raise self._bad(f"event {seq}'s hash does not match its content and predecessor")
        return str(item["hash"])


def open_lines(path: Path) -> Iterator[bytes]:
    """The lines of an export file, decompressed if it is gzip (by its first bytes).
    A file that cannot be opened is refused now, not on the first line."""
    try:
        raw = path.open("rb")
    except FileNotFoundError:
        raise TimelineError(f"no file {path}") from None
    except IsADirectoryError:
        raise TimelineError(f"{path} is a folder, not an export file") from None
    except OSError as exc:
        raise TimelineError(f"cannot read {path}: {exc.strerror}") from None
    return _lines(raw)


def _lines(raw: IO[bytes]) -> Iterator[bytes]:
    with raw:
        compressed = raw.read(2) == GZIP_MAGIC
        raw.seek(0)
        if compressed:
            with gzip.GzipFile(fileobj=raw, mode="rb") as unpacked:
                yield from unpacked
        else:
            yield from raw


@dataclass(frozen=True, slots=True)
class RestoreReport:
    """What a restore or copy did."""

    events: int  # the log's length now, as the file's header said
    restored: int  # events written by this run
    already_present: int  # events the target held already (a resumed restore)
    records: int  # working-state rows written by this run
    head_hash: str


def _target_start(target: LogBackup, header: Header, hash_at: Callable[[int], str | None]) -> int:
    """How many of the export's events the target holds already: 0, or a prefix of
    them (a restore or copy cut short); `RestoreTargetError` for anything else."""
    with target.snapshot() as snap:
        head, head_hash = snap.head()
        filled = [t for t in target.tables if snap.count(t)]
    if head > header.events:
        raise RestoreTargetError(
            f"the target database holds {head} events, more than the {header.events} "
            "being restored; restore only into an empty database"
        )
    if head and hash_at(head) != head_hash:
        raise RestoreTargetError(
            f"the target database holds {head} events that are not the first {head} "
            "of the log being restored; restore only into an empty database"
        )
    if filled and head < header.events:
        raise RestoreTargetError(
            f"the target database holds working state of its own ({', '.join(filled)}); "
            "restore only into an empty database"
        )
    if filled and head == header.events:
        return -1  # restored already, working state included: nothing to do
    return head


def restore_items(
    target: LogBackup,
    header: Header,
    items: Iterable[dict[str, Any] | Record],
    start: int,
    progress: Progress | None = None,
) -> RestoreReport:
    """Write checked items into `target`, skipping its first `start` events, in
    batches; the last batch commits with every working-state row."""
    batch: list[dict[str, Any]] = []
    records: dict[str, list[dict[str, Any]]] = {t: [] for t in header.records}
    written = 0
    for item in items:
        if isinstance(item, Record):
            records[item.table].append(item.row)
            continue
        if item["seq"] <= start:
            continue
        batch.append(item)
        if len(batch) >= BATCH:
            target.restore_batch(batch)
            written += len(batch)
            batch = []
            if progress:
                progress("writing", start + written, header.events)
    if batch or any(records.values()):
        target.restore_batch(batch, records)
        written += len(batch)
    if progress:
        progress("writing", header.events, header.events)
    return RestoreReport(
        header.events,
        written,
        start,
        sum(len(rows) for rows in records.values()),
        header.head_hash,
    )


def restore_file(target: LogBackup, path: Path, progress: Progress | None = None) -> RestoreReport:
    """Check the whole export at `path`, then write it into `target` (see
    `Timeline.restore`)."""
    reader = ExportReader(open_lines(path), target.tables)
    header = reader.header
    hashes: dict[int, str] = {}
    with target.snapshot() as snap:
        wanted = snap.head()[0]
    for item in reader:  # the whole file is checked before anything is written
        if isinstance(item, Record):
            continue
        seq = item["seq"]
        if seq == wanted:
            hashes[wanted] = item["hash"]
        if progress and (seq % BATCH == 0 or seq == header.events):
            progress("checking", seq, header.events)
    start = _target_start(target, header, hashes.get)
    if start < 0:
        return RestoreReport(header.events, 0, header.events, 0, header.head_hash)
    # Read and checked again as it is written: the file is not trusted to be the
    # one checked a moment ago.
    again = ExportReader(open_lines(path), target.tables)
    if again.header != header:
        raise BackupFileError("line 1: the file changed while being restored")
    return restore_items(target, header, again, start, progress)


def spooled(stream: IO[bytes]) -> IO[bytes]:
    """A stream copied into a temporary file: a restore reads its input twice."""
    spool = tempfile.NamedTemporaryFile(prefix="timeline-restore-", suffix=".jsonl")  # noqa: SIM115
    shutil.copyfileobj(stream, spool)
    spool.flush()
    return spool


def copy_log(
    source: LogBackup, target: LogBackup, progress: Progress | None = None
) -> RestoreReport:
    """Stream `source`'s log and working state into `target`, checked line by line
    as a restore checks a file, committed in batches: a copy cut short continues
    from the target's head when run again."""
    with source.snapshot() as snap:
        lines = export_lines(snap, source.tables)
        reader = ExportReader((line.encode() for line in lines), target.tables)
        header = reader.header
        start = _target_start(target, header, snap.hash_at)
        if start < 0:
            return RestoreReport(header.events, 0, header.events, 0, header.head_hash)
        return restore_items(target, header, reader, start, progress)
