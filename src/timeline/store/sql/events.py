"""The event store on SQLAlchemy Core, shared by the SQLite and PostgreSQL backends.

Backends subclass `SqlEventStore` and supply what truly differs: how the engine
is made, how an appender takes the log's write lock, and how driver errors read.

How positions stay gap-free and in commit order
-----------------------------------------------
A sequence or autoincrement column hands out numbers at INSERT time, but
transactions commit in any order: a reader can see position 11 committed while
10 is still in flight, move its checkpoint to 11, and never see 10.  Here every
append first takes one log-wide write lock for the rest of its transaction
(PostgreSQL: `pg_advisory_xact_lock`; SQLite: `BEGIN IMMEDIATE`), then reads the
head and numbers its events head + 1, head + 2, ...  Appends are therefore
serialised, so positions are committed strictly in order and without holes: a
reader that has seen N can never later see a new event below N.  The same lock
gives each event its predecessor's hash for the tamper-evident chain, which
needs a total order anyway.  The cost is one writer at a time, which a policy
log (thousands of events a day at most, batched) does not notice.
"""

from __future__ import annotations

import datetime as dt
import re
from abc import abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import cached_property
from importlib import resources
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError
from sqlalchemy import (
    Connection,
    Engine,
    String,
    func,
    inspect,
    select,
    text,
    type_coerce,
    union_all,
)
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.elements import ColumnElement

from timeline.errors import (
    AmbiguousEventError,
    ConcurrencyError,
    EventNotFoundError,
    InvalidEventError,
    NotInitialisedError,
    StoreError,
    TimelineError,
)
from timeline.gc_pause import cyclic_gc_paused
from timeline.model.dates import parse_text
from timeline.model.events import (
    EVENT_ADAPTER,
    META_KINDS,
    SCHEMA_VERSION,
    AnyEvent,
    content_key,
    format_validation_error,
    serialise,
)
from timeline.model.facts import describe
from timeline.store.base import (
    AMBIGUOUS_SHOWN,
    CURATED_KEY_PREFIX,
    EVENT_COLUMNS,
    GENESIS_HASH,
    ID_PREFIX_MIN,
    AlertLedger,
    AppendResult,
    CandidateRepository,
    Clock,
    DigestLedger,
    EventFilter,
    EventStore,
    FeedHealthRepository,
    Lease,
    LogBackup,
    RecordedEvent,
    VerifyReport,
    chain_hash,
    event_id_for_key,
    format_utc,
    id_prefix,
    prefix_too_short,
)
from timeline.store.sql.alert_ledger import SqlAlertLedger
from timeline.store.sql.backup import SqlBackup
from timeline.store.sql.candidates import SqlCandidates
from timeline.store.sql.digest_ledger import SqlDigestLedger
from timeline.store.sql.feed_health import SqlFeedHealth
from timeline.store.sql.lease import SqlLease
from timeline.store.sql.prefix import starting_with
from timeline.store.sql.readmodels import SqlReadModels, SqlReadModelSession
from timeline.store.sql.revisions import head_revision
from timeline.store.sql.schema import UTCDateTime, events, legacy_event_keys

if TYPE_CHECKING:
    from alembic.config import Config

_POSITION = re.compile(r"^[0-9]+$")  # str.isdigit() also takes "²", which int() refuses


def _position(ref: str) -> int | None:
    """`23` or `#23` as a position; None for anything else."""
    digits = ref.removeprefix("#")
    return int(digits) if _POSITION.match(digits) else None


class SqlEventStore(EventStore):
    """Append-only event log on one SQLAlchemy engine."""

    read_batch = 2000

    def __init__(self, url: str, engine: Engine) -> None:
        self.url = url
        self.engine = engine
        self._checked_schema = False
        self._has_legacy_keys: bool | None = None  # see `_rows_by_key`
        # Where transaction times come from.  Only tests replace it, to record
        # events "last week"; callers still never choose an event's recorded_at.
        self.clock: Callable[[], dt.datetime] = _utc_now

    # The read models' SQL on this backend's driver (see store/sql/readmodels.py).
    _read_model_session: type[SqlReadModelSession]

    @cached_property
    def read_models(self) -> SqlReadModels:
        return SqlReadModels(self, self._read_model_session)

    # -- backend hooks ---------------------------------------------------------
    @property
    def write_engine(self) -> Engine:
        """The engine appends and migrations run on (the SQLite backend keeps a
        separate one for them)."""
        return self.engine

    def _write_connection(self) -> Connection:
        """A connection whose next transaction is an appender's."""
        return self.write_engine.connect()

    @abstractmethod
    def _take_append_lock(self, conn: Connection) -> None:
        """Serialise appenders until the transaction ends (see module docstring)."""

    def _take_read_model_lock(self, conn: Connection) -> None:
        """Serialise projection catch-ups (not appends) until the transaction ends."""
        self._take_named_lock(conn, "read-models")

    def _relax_durability(self, conn: Connection, *, relaxed: bool) -> None:
        """Around a read-model transaction, before it begins and after it ends.

        Read models are derived: a commit lost to a power cut is redone by the
        next catch-up (rows and checkpoint commit together), so they need not
        wait for the disk the way appends to the log must.
        """

    @abstractmethod
    def _take_named_lock(self, conn: Connection, name: str) -> None:
        """Serialise transactions that take the lock `name` until the transaction ends."""

    def _translate(self, exc: sa_exc.DBAPIError) -> TimelineError:
        return StoreError(f"database error: {str(exc.orig).strip().splitlines()[0]}")

    def _one_of(self, column: ColumnElement[str], values: Sequence[str]) -> ColumnElement[bool]:
        """`column IN values` for a batch's worth of values (a thousand or more)."""
        return column.in_(select(self._each(values)))

    @abstractmethod
    def _each(self, values: Sequence[str]) -> ColumnElement[str]:
        """A column of `values`, one row each, sent as one parameter, to select from."""

    def _driver_row(self, row: dict[str, Any], columns: Sequence[str]) -> Any:
        """`row` as the driver takes it for the compiled INSERT (named parameters)."""
        return row

    # -- the insert hot path -----------------------------------------------------
    @cached_property
    def _compiled_insert(self) -> tuple[str, tuple[str, ...]]:
        compiled = events.insert().compile(dialect=self.engine.dialect)
        columns = tuple(compiled.positiontup or [c.name for c in events.columns])
        return str(compiled), columns

    def _insert(self, conn: Connection, rows: list[dict[str, Any]]) -> None:
        # The INSERT is compiled by SQLAlchemy once, then run through the
        # driver's executemany.  Core's own parameter processing cost about
        # 45 us a row on 2 cores, more than the insert itself
        # (bench/bench_log.py); the backend converts values once instead.
        sql, columns = self._compiled_insert
        conn.exec_driver_sql(sql, [self._driver_row(row, columns) for row in rows])

    # -- schema ----------------------------------------------------------------
    def _alembic_config(self) -> Config:
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option(
            "script_location", str(resources.files("timeline").joinpath("migrations"))
        )
        return cfg

    def initialise(self) -> None:
        from alembic import command

        cfg = self._alembic_config()
        with self._translated(), self._write_connection() as conn, conn.begin():
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
        self._checked_schema = True

    def _check_schema(self) -> None:
        if self._checked_schema:
            return
        head = head_revision()  # read from the scripts: no Alembic to import for a query
        with self._translated(), self.engine.connect() as conn:
            current = (
                conn.scalar(text("SELECT version_num FROM alembic_version"))
                if inspect(conn).has_table("alembic_version")
                else None
            )
        if current != head:
            state = "has no timeline schema" if current is None else "has an older schema"
            raise NotInitialisedError(
                f"database {self.safe_url} {state}; run `timeline init` first"
            )
        self._checked_schema = True

    @property
    def safe_url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    @contextmanager
    def _translated(self) -> Iterator[None]:
        try:
            yield
        except sa_exc.DBAPIError as exc:
            raise self._translate(exc) from None
        except sa_exc.SQLAlchemyError as exc:
            raise StoreError(f"database error: {exc}") from None

    @contextmanager
    def read_model_transaction(self) -> Iterator[Connection]:
        """A write transaction on the projections' read models (never on `events`).

        One catch-up at a time: a second process waits here, then finds the
        work done when it re-reads the checkpoint inside its own transaction.
        """
        self._check_schema()
        with self._translated(), self._write_connection() as conn:
            self._relax_durability(conn, relaxed=True)
            try:
                with conn.begin():
                    self._take_read_model_lock(conn)
                    yield conn
            finally:
                self._relax_durability(conn, relaxed=False)

    # -- working state beside the log (feeds, candidates, leases) ---------------
    @contextmanager
    def write_transaction(self, lock_name: str) -> Iterator[Connection]:
        """One read-modify-write transaction on the mutable tables, serialised with
        every other one that names the same lock; committed when the block ends,
        rolled back if it raises.  Driver errors come out as `StoreError`."""
        self._check_schema()
        with self._translated(), self._write_connection() as conn, conn.begin():
            self._take_named_lock(conn, lock_name)
            yield conn

    @contextmanager
    def read_connection(self) -> Iterator[Connection]:
        """A connection for reading the mutable tables, in one transaction that sees
        one snapshot of the database, whatever commits meanwhile: a state query reads
        a snapshot row, then the facts after it, and must not mix two catch-ups."""
        self._check_schema()
        with self._translated(), self.engine.connect() as connection:
            conn = connection.execution_options(**self._snapshot_read_options)
            with conn.begin():
                yield conn

    # SQLite: a read transaction in WAL mode already reads one snapshot.
    _snapshot_read_options: Mapping[str, Any] = {}

    @cached_property
    def candidates(self) -> CandidateRepository:
        return SqlCandidates(self, self.append_then)

    @cached_property
    def feed_health(self) -> FeedHealthRepository:
        return SqlFeedHealth(self)

    def lease(
        self, name: str, *, seconds: float, holder: str | None = None, clock: Clock | None = None
    ) -> Lease:
        return SqlLease(self, name, seconds=seconds, holder=holder, clock=clock or _utc_now)

    # -- append ----------------------------------------------------------------
    def append(
        self,
        events_in: Sequence[AnyEvent | Mapping[str, Any]],
        expected_versions: Mapping[str, int] | None = None,
    ) -> AppendResult:
        return self._append(events_in, expected_versions or {})

    def append_then(
        self,
        events_in: Sequence[AnyEvent | Mapping[str, Any]],
        then: Callable[[Connection, AppendResult], None],
        *,
        lock_name: str,
    ) -> AppendResult:
        """`append` a batch of at least one event, then, in the same transaction,
        take the lock `lock_name` (as `write_transaction` does) and run `then`: for
        working state that commits with the events or not at all (a candidate
        marked accepted)."""
        return self._append(events_in, {}, (lock_name, then))

    def _append(
        self,
        events_in: Sequence[AnyEvent | Mapping[str, Any]],
        expected_versions: Mapping[str, int],
        then: tuple[str, Callable[[Connection, AppendResult], None]] | None = None,
    ) -> AppendResult:
        with cyclic_gc_paused():
            # Validation and serialisation happen before the write lock is taken,
            # so concurrent appenders hold it only for numbering, hashing and I/O.
            prepared = [_prepare(ev) for ev in self._validate(events_in)]
            if not prepared:
                return AppendResult([], [])
            with self.append_transaction() as conn:
                result = self._append_locked(conn, prepared, expected_versions)
                if then is not None:
                    lock_name, run = then
                    self._take_named_lock(conn, lock_name)
                    run(conn, result)
                return result

    @contextmanager
    def append_transaction(self) -> Iterator[Connection]:
        """A transaction holding the log's write lock (see the module docstring):
        committed when the block ends, rolled back whole if it raises."""
        self._check_schema()
        with self._translated(), self._write_connection() as conn, conn.begin():
            self._take_append_lock(conn)
            yield conn

    def insert_events(self, conn: Connection, rows: list[dict[str, Any]]) -> None:
        """Insert whole event rows (every column, dates and times as text) on the
        append path's fastest statement; the caller holds `append_transaction`."""
        self._insert(conn, rows)

    def event_text_columns(self) -> list[ColumnElement[Any]]:
        """The events table's columns, each read as the text the hash chain covers
        (SQLite stores dates and times as that text already)."""
        as_text = {"effective_start", "effective_end", "recorded_at"}
        return [
            type_coerce(events.c[name], String).label(name) if name in as_text else events.c[name]
            for name in EVENT_COLUMNS
        ]

    def forget_lookups(self) -> None:
        """Forget what was learnt of tables a restore may have filled."""
        self._has_legacy_keys = None

    @cached_property
    def backup(self) -> LogBackup:
        return SqlBackup(self)

    @staticmethod
    def _validate(events_in: Sequence[AnyEvent | Mapping[str, Any]]) -> list[AnyEvent]:
        # The compiled validator itself: `TypeAdapter.validate_python` is a
        # Python wrapper that only forwards its default arguments.
        validate = EVENT_ADAPTER.validator.validate_python
        validated: list[AnyEvent] = []
        for index, item in enumerate(events_in):
            if isinstance(item, BaseModel):  # already validated
                validated.append(item)
                continue
            try:
                validated.append(validate(item))
            except ValidationError as exc:
                raise InvalidEventError(
                    format_validation_error(exc, f"event {index + 1} of the batch")
                ) from None
        return validated

    def _append_locked(
        self,
        conn: Connection,
        prepared: list[dict[str, Any]],
        expected_versions: Mapping[str, int],
    ) -> AppendResult:
        # Events stored before (records) or earlier in this batch (their rows).
        stored: dict[str, RecordedEvent | dict[str, Any]] = dict(
            self._rows_by_key(
                conn, [row["idempotency_key"] for row in prepared], [row["id"] for row in prepared]
            )
        )
        fresh = [row for row in prepared if row["idempotency_key"] not in stored]
        head = conn.execute(
            select(events.c.seq, events.c.hash, events.c.recorded_at)
            .order_by(events.c.seq.desc())
            .limit(1)
        ).first()
        seq, prev_hash = (head.seq, head.hash) if head else (0, GENESIS_HASH)
        # Transaction time: one instant for the whole batch, never earlier than
        # the head's, so recorded_at never runs backwards along the log even if
        # the clock does.
        now = self.clock()
        if head is not None and head.recorded_at > now:
            now = head.recorded_at
        recorded_at_text = format_utc(now)

        # Expected versions are checked for every subject named, in the batch
        # or not (a caller may depend on a stream it only read), except where
        # the batch's events on it are all stored already: an idempotent retry.
        fresh_subjects = {row["subject"] for row in fresh}
        retried = {row["subject"] for row in prepared} - fresh_subjects
        checked = {s: v for s, v in expected_versions.items() if s not in retried}
        versions = self._stream_versions(conn, sorted(fresh_subjects | set(checked)))
        for subject, expected in checked.items():
            actual = versions.get(subject, 0)
            if actual != expected:
                raise ConcurrencyError(subject, expected, actual)
        self._check_targets(
            conn, [(row["target"], row["subject"]) for row in fresh if row["target"]]
        )

        rows: list[dict[str, Any]] = []
        for row in prepared:
            key = row["idempotency_key"]
            if key in stored:
                continue  # stored before, or earlier in this very batch
            seq += 1
            version = versions.get(row["subject"], 0) + 1
            versions[row["subject"]] = version
            row.update(
                seq=seq,
                stream_version=version,
                recorded_at=recorded_at_text,
                recorded_at_text=recorded_at_text,
            )
            prev_hash = row["hash"] = chain_hash(prev_hash, row)
            rows.append(row)
            stored[key] = row
        if rows:
            self._insert(conn, rows)
        in_order = [stored[row["idempotency_key"]] for row in prepared]

        def records() -> list[RecordedEvent]:
            return [
                item if isinstance(item, RecordedEvent) else _record_from_row(item, now)
                for item in in_order
            ]

        written = [item is row for item, row in zip(in_order, prepared, strict=True)]
        return AppendResult(records, written)

    def _rows_by_key(
        self, conn: Connection, keys: Sequence[str], ids: Sequence[str] | None = None
    ) -> dict[str, RecordedEvent]:
        """Stored events by idempotency key.  `ids` are the keys' derived ids
        (`event_id_for_key`), when the caller has them already."""
        if not keys:
            return {}
        if ids is None:
            ids = [event_id_for_key(key) for key in keys]
        # Through the unique index on id, which the key determines; events
        # stored before migration 0002 have random ids, listed by key in
        # legacy_event_keys (empty in a log begun after it).
        query = select(*_RECORD_COLUMNS).where(self._one_of(events.c.id, ids))
        if self._has_legacy_keys is None:
            # Only migration 0002 writes that table, and the schema is at head
            # by now (checked before any read or append), so once is enough.
            found = conn.execute(select(legacy_event_keys.c.event_id).limit(1)).first()
            self._has_legacy_keys = found is not None
        if self._has_legacy_keys:
            legacy = (
                select(*_RECORD_COLUMNS)
                .join(legacy_event_keys, legacy_event_keys.c.event_id == events.c.id)
                .where(self._one_of(legacy_event_keys.c.idempotency_key, keys))
            )
            query = union_all(query, legacy)  # type: ignore[assignment]
        wanted = set(keys)
        return {
            record.idempotency_key: record
            for record in _records(conn.execute(query).all(), conn.dialect)
            # The stored key is compared too: an id is only a hash of it.
            if record.idempotency_key in wanted
        }

    def _stream_versions(self, conn: Connection, subjects: Sequence[str]) -> dict[str, int]:
        if not subjects:
            return {}
        # One probe per subject for its newest version (max() on the unique
        # (subject, stream_version) index becomes a backward index scan that
        # stops at the first entry), not every version of every subject
        # grouped: on PostgreSQL each version read is a heap visit (index-only
        # scans need a vacuumed visibility map, which freshly appended pages
        # never have), so the grouped form cost three times as much at a
        # million events.
        subject = self._each(subjects)
        latest = (
            select(func.max(events.c.stream_version))
            .where(events.c.subject == subject)
            .scalar_subquery()
        )
        # `.all()` fetches in one driver call; iterating the result fetched row by
        # row, a visible share of an append with a thousand subjects a batch.
        return {s: int(v) for s, v in conn.execute(select(subject, latest)).all() if v is not None}

    def _check_targets(self, conn: Connection, targets: list[tuple[str, str]]) -> None:
        """Corrections and retractions must name an event that exists, and be on its
        subject's stream: what names a fact is found with it (`Timeline.entries`,
        the importer), and an expected version of the stream covers it."""
        if not targets:
            return
        ids = [target for target, _ in targets]
        found = dict(
            conn.execute(
                select(events.c.id, events.c.subject).where(self._one_of(events.c.id, ids))
            ).all()
        )
        for target, subject in targets:
            if target not in found:
                raise EventNotFoundError(
                    f"cannot correct or retract {target!r}: no event with that id"
                )
            if found[target] != subject:
                raise InvalidEventError(
                    f"a correction or retraction of {target!r} is on its subject "
                    f"{found[target]!r}, not {subject!r}"
                )

    # -- read ------------------------------------------------------------------
    def read(self, flt: EventFilter | None = None) -> Iterator[RecordedEvent]:
        flt = flt or EventFilter()
        self._check_schema()
        query = select(*_RECORD_COLUMNS).where(*self._conditions(flt)).order_by(events.c.seq)
        if flt.limit is not None:
            query = query.limit(flt.limit)
        with self._translated(), self.engine.connect() as conn:
            result = conn.execution_options(yield_per=self.read_batch).execute(query)
            yield from _records(result, conn.dialect)

    @staticmethod
    def _conditions(flt: EventFilter) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = []
        if flt.after_seq:
            conditions.append(events.c.seq > flt.after_seq)
        if flt.subject is not None:
            conditions.append(events.c.subject == flt.subject)
        if flt.subjects is not None:
            conditions.append(events.c.subject.in_(sorted(flt.subjects)))
        if flt.kinds is not None:
            conditions.append(events.c.kind.in_(sorted(flt.kinds)))
        if flt.jurisdiction is not None:
            conditions.append(events.c.jurisdictions.contains(f" {flt.jurisdiction} "))
        # A partial date is kept when its interval meets the requested range.
        if flt.effective_from is not None:
            conditions.append(events.c.effective_end >= flt.effective_from)
        if flt.effective_to is not None:
            conditions.append(events.c.effective_start <= flt.effective_to)
        if flt.known_at is not None:
            conditions.append(events.c.recorded_at <= flt.known_at)
        return conditions

    def get(self, ref: str | int) -> RecordedEvent:
        self._check_schema()
        text = str(ref).strip()
        position = ref if isinstance(ref, int) else _position(text)
        with self._translated(), self.engine.connect() as conn:
            found = self._by_position(conn, position) if position is not None else None
            if found is None and (position is None or _POSITION.match(text)):
                # `#23` is a position and nothing else; `2024` may also begin an id.
                found = self._by_name(conn, text) or self._by_prefix(conn, text)
        if found is None:
            raise EventNotFoundError(f"no event {text!r} in the log")
        return found

    def _by_position(self, conn: Connection, position: int) -> RecordedEvent | None:
        if not 0 < position < 2**63:  # beyond the column's type: surely not stored
            return None
        rows = conn.execute(select(*_RECORD_COLUMNS).where(events.c.seq == position)).all()
        return next(_records(rows, conn.dialect), None)

    def _by_name(self, conn: Connection, text: str) -> RecordedEvent | None:
        """By full id, idempotency key or curated entry id (its key without `curated:`)."""
        if "\x00" in text:  # no stored text holds one, and PostgreSQL refuses to compare it
            return None
        rows = conn.execute(select(*_RECORD_COLUMNS).where(events.c.id == text)).all()
        if rows:
            return next(_records(rows, conn.dialect))
        keys = [text, CURATED_KEY_PREFIX + text]
        by_key = self._rows_by_key(conn, keys)
        return next((by_key[key] for key in keys if key in by_key), None)

    def _by_prefix(self, conn: Connection, text: str) -> RecordedEvent | None:
        """The one event whose id starts with `text`; raises when `text` is too short
        to be a prefix or several ids start with it."""
        prefix = id_prefix(text)
        if prefix is None or (prefix_too_short(prefix) and _POSITION.match(text)):
            return None  # not an id's beginning; or a short number, a position not stored
        if prefix_too_short(prefix):
            raise EventNotFoundError(
                f"no event {text!r} in the log (an id prefix needs {ID_PREFIX_MIN} "
                "characters or more)"
            )
        query = (
            select(*_RECORD_COLUMNS)
            .where(starting_with(events.c.id, prefix))
            .order_by(events.c.id)
            .limit(AMBIGUOUS_SHOWN + 1)
        )
        matches = list(_records(conn.execute(query).all(), conn.dialect))
        if len(matches) > 1:
            listed = "; ".join(
                f"#{m.seq} {m.id[:8]} {describe(m.kind, m.payload)}"
                for m in matches[:AMBIGUOUS_SHOWN]
            )
            more = ", and more" if len(matches) > AMBIGUOUS_SHOWN else ""
            raise AmbiguousEventError(
                f"event id prefix {text!r} is ambiguous: {listed}{more}; give more characters"
            )
        return matches[0] if matches else None

    def find_by_keys(self, keys: Iterable[str]) -> dict[str, RecordedEvent]:
        self._check_schema()
        with self._translated(), self.engine.connect() as conn:
            return self._rows_by_key(conn, list(keys))

    def stream_version(self, subject: str) -> int:
        self._check_schema()
        with self._translated(), self.engine.connect() as conn:
            return self._stream_versions(conn, [subject]).get(subject, 0)

    def verify(self) -> VerifyReport:
        self._check_schema()
        prev_hash, expected_seq, count = GENESIS_HASH, 1, 0
        with self._translated(), self.engine.connect() as conn:
            result = conn.execution_options(yield_per=self.read_batch).execute(
                select(events).order_by(events.c.seq)
            )
            for row in result:
                data = row._asdict()
                if data["seq"] != expected_seq:
                    return VerifyReport(
                        count,
                        expected_seq - 1,
                        prev_hash,
                        expected_seq,
                        f"position {expected_seq} is missing (next stored is {data['seq']})",
                    )
                data["recorded_at_text"] = format_utc(data["recorded_at"])
                if chain_hash(prev_hash, data) != data["hash"]:
                    return VerifyReport(
                        count,
                        expected_seq - 1,
                        prev_hash,
                        data["seq"],
                        "stored content or hash does not match the chain",
                    )
                prev_hash = data["hash"]
                expected_seq += 1
                count += 1
        return VerifyReport(count, expected_seq - 1, prev_hash)

    def position_at(self, moment: dt.datetime) -> int | None:
        # A binary search over positions (gap-free from 1), a point read each:
        # recorded_at has no index of its own, and a week is found in ~20 reads.
        column = events.c
        with self.read_connection() as conn:
            head = conn.scalar(select(column.seq).order_by(column.seq.desc()).limit(1))
            if head is None:
                return None
            low, high = 1, head + 1
            while low < high:
                middle = (low + high) // 2
                recorded = conn.scalar(select(column.recorded_at).where(column.seq == middle))
                if recorded is not None and recorded >= moment:
                    high = middle
                else:
                    low = middle + 1
        return low if low <= head else None

    @cached_property
    def digest_ledger(self) -> DigestLedger:
        return SqlDigestLedger(self)

    @cached_property
    def alert_ledger(self) -> AlertLedger:
        return SqlAlertLedger(self)

    def close(self) -> None:
        self.engine.dispose()


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _record_from_row(row: Mapping[str, Any], recorded_at: dt.datetime) -> RecordedEvent:
    return RecordedEvent(
        seq=row["seq"],
        id=row["id"],
        kind=row["kind"],
        subject=row["subject"],
        stream_version=row["stream_version"],
        jurisdictions=tuple(row["jurisdictions"].split()),
        effective=parse_text(row["effective"]),
        recorded_at=recorded_at,
        idempotency_key=row["idempotency_key"],
        schema_version=row["schema_version"],
        payload_json=row["payload"],
        sources_json=row["sources"],
        provenance_json=row["provenance"],
        hash=row["hash"],
    )


# The columns a RecordedEvent is built from, in its fields' order.  The
# interval's bounds are left out (`effective` holds them), and recorded_at is
# fetched as the driver gives it (`type_coerce`: no per-row type processing),
# to be converted once per distinct value in `_records`: a batch shares one.
_RECORD_COLUMNS = (
    events.c.seq,
    events.c.id,
    events.c.kind,
    events.c.subject,
    events.c.stream_version,
    events.c.jurisdictions,
    events.c.effective,
    type_coerce(events.c.recorded_at, String).label("recorded_at"),
    events.c.idempotency_key,
    events.c.schema_version,
    events.c.payload,
    events.c.sources,
    events.c.provenance,
    events.c.hash,
)


def _records(rows: Iterable[Sequence[Any]], dialect: Dialect) -> Iterator[RecordedEvent]:
    """RecordedEvents of rows of `_RECORD_COLUMNS`: the read hot path.  Building a
    record and converting its columns cost more than the driver's fetch of the
    row, so this unpacks by position and converts recorded_at (stored text on
    SQLite, a zoned datetime from PostgreSQL) only when it differs from the
    previous row's."""
    to_utc = UTCDateTime().process_result_value
    last_raw: Any = None
    recorded_at: dt.datetime | None = None
    for row in rows:
        (seq, id_, kind, subject, version, codes, effective, raw_recorded_at, key,
         schema_version, payload, sources, provenance, hash_) = row  # fmt: skip
        if raw_recorded_at != last_raw or recorded_at is None:
            last_raw, recorded_at = raw_recorded_at, to_utc(raw_recorded_at, dialect)
            assert recorded_at is not None  # the column is NOT NULL
        yield RecordedEvent(
            seq,
            id_,
            kind,
            subject,
            version,
            tuple(codes.split()),
            parse_text(effective),
            recorded_at,
            key,
            schema_version,
            payload,
            sources,
            provenance,
            hash_,
        )


def _prepare(ev: AnyEvent) -> dict[str, Any]:
    """The row of an event, but for what only the locked append can know."""
    body = serialise(ev)
    key = ev.idempotency_key or content_key(ev, body)
    if ev.kind == "event.corrected":
        schema_version = SCHEMA_VERSION[ev.payload.corrected.kind]
    else:
        schema_version = SCHEMA_VERSION[ev.kind]
    return {
        "kind": ev.kind,
        "subject": ev.subject,
        "jurisdictions": " " + " ".join(ev.jurisdictions) + " ",
        "effective": str(ev.effective),
        # Rows reach the driver as text: dates and the transaction time in ISO
        # form, which both SQLite's text columns and PostgreSQL's typed ones take.
        "effective_start": ev.effective.start_iso,
        "effective_end": ev.effective.end_iso,
        "idempotency_key": key,
        "id": event_id_for_key(key),
        "schema_version": schema_version,
        "payload": body.payload,
        "sources": body.sources,
        "provenance": body.provenance,
        # Not a column: the event a correction or retraction names.
        "target": ev.payload.target if ev.kind in META_KINDS else None,  # type: ignore[union-attr]
    }
