"""The event store interface, the repositories beside the log, and the records
they return.

One interface, one module per backend (`sqlite.py`, `postgres.py`); the same
test suite runs against each.  Callers see only this module and
`timeline.errors`: never a driver exception.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from abc import ABC, abstractmethod
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol

from timeline.model.dates import PartialDate, utc_text
from timeline.model.feeds import Candidate, FeedHealth
from timeline.model.upcasting import upcast

if TYPE_CHECKING:
    from timeline.model.events import AnyEvent

GENESIS_HASH = "0" * 64

# The idempotency key of a curated entry is this prefix and the entry's id, so that
# an entry's id names its event (`timeline show jp-ai-promotion-act-in-force`).
CURATED_KEY_PREFIX = "curated:"

# Git-style: an id prefix names an event (or a candidate) when it is this long at
# least and exactly one id starts with it.
ID_PREFIX_MIN = 4
# How many matches an ambiguous prefix lists.
AMBIGUOUS_SHOWN = 5
_HEX = frozenset("0123456789abcdef")


def id_prefix(ref: str) -> str | None:
    """`ref` as an id prefix, lower case, or None when it cannot begin an id (ids are
    hex digits and dashes).  The caller says "too short" below `ID_PREFIX_MIN` hex digits."""
    text = ref.strip().lower()
    if not text or not set(text) <= _HEX | {"-"} or text.startswith("-"):
        return None
    return text


def prefix_too_short(prefix: str) -> bool:
    return sum(ch in _HEX for ch in prefix) < ID_PREFIX_MIN


def format_utc(moment: dt.datetime) -> str:
    """The one spelling of a transaction time: fixed width, so text sorts as time."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def read_utc(value: str | dt.datetime) -> dt.datetime:
    """A stored transaction time as a UTC datetime: SQLite keeps `format_utc`'s
    text, PostgreSQL a `timestamptz`."""
    if isinstance(value, str):
        return dt.datetime.fromisoformat(value)
    return value.astimezone(dt.UTC)


@dataclass(slots=True)
class RecordedEvent:
    """An event as stored: the fact plus its position, transaction time and hash.

    Read-only by convention: it is not frozen because a frozen dataclass pays
    for every field on construction, and the log streams millions of these.
    Payload and sources are kept as their stored JSON and decoded on access, so
    that streaming the log costs little until a caller looks inside an event.
    """

    seq: int
    id: str
    kind: str
    subject: str
    stream_version: int
    jurisdictions: tuple[str, ...]
    effective: PartialDate
    recorded_at: dt.datetime
    idempotency_key: str
    schema_version: int
    payload_json: str
    sources_json: str
    provenance_json: str | None
    hash: str

    @property
    def payload(self) -> dict[str, Any]:
        """The payload, upcast to the current schema of its kind."""
        data: dict[str, Any] = json.loads(self.payload_json)
        if self.kind == "event.corrected":
            # The schema version of a correction is that of the fact it carries.
            fact = data["corrected"]
            data["corrected"] = fact | {
                "payload": upcast(fact["kind"], self.schema_version, fact["payload"])
            }
            return data
        return upcast(self.kind, self.schema_version, data)

    @property
    def sources(self) -> list[dict[str, Any]]:
        return json.loads(self.sources_json)  # type: ignore[no-any-return]

    @property
    def provenance(self) -> dict[str, Any] | None:
        return json.loads(self.provenance_json) if self.provenance_json else None

    def to_event(self) -> AnyEvent:
        """The validated model of this event, as it would be appended today."""
        # Here, not at the top: the pydantic union costs 170 ms that a question
        # answered from the read models never needs (docs/design.md, "Start-up").
        from timeline.model.events import parse_event

        return parse_event(
            {
                "kind": self.kind,
                "subject": self.subject,
                "jurisdictions": list(self.jurisdictions),
                "effective": str(self.effective),
                "sources": self.sources,
                "provenance": self.provenance,
                "idempotency_key": self.idempotency_key,
                "payload": self.payload,
            },
            where=f"event {self.seq}",
        )

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready form, as `timeline log --format json` prints it."""
        return {
            "id": self.id,
            "seq": self.seq,
            "kind": self.kind,
            "subject": self.subject,
            "stream_version": self.stream_version,
            "jurisdictions": list(self.jurisdictions),
            "effective": str(self.effective),
            "effective_precision": self.effective.precision.value,
            "recorded_at": utc_text(self.recorded_at),
            "idempotency_key": self.idempotency_key,
            "schema_version": self.schema_version,
            "payload": self.payload,
            "sources": self.sources,
            "provenance": self.provenance,
            "hash": self.hash,
        }


def chain_hash(prev_hash: str, row: Mapping[str, Any]) -> str:
    """sha256(previous hash + canonical bytes of the row), hex.

    The canonical bytes cover every stored column but the hash itself, so a
    change to any of them behind the store's back breaks the chain there.  The
    values are joined by the ASCII unit separator, which no column can hold:
    JSON escapes control characters, and the other columns are validated
    (slugs, codes, dates, ids, keys without control characters).
    """
    canonical = "\x1f".join(
        (
            prev_hash,
            str(row["seq"]),
            row["id"],
            row["kind"],
            row["subject"],
            str(row["stream_version"]),
            row["jurisdictions"],
            row["effective"],
            str(row["effective_start"]),  # a date read back, or its ISO text on append
            str(row["effective_end"]),
            row["recorded_at_text"],
            row["idempotency_key"],
            str(row["schema_version"]),
            row["payload"],
            row["sources"],
            row["provenance"] or "",  # "" is never valid JSON, so it stands for NULL
        )
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


_EVENT_ID_NAME_SPACE = b"timeline event id\x1f"
_UUID_VARIANT = dict(zip("0123456789abcdef", "89ab89ab89ab89ab", strict=True))


def event_id_for_key(key: str) -> str:
    """The id of the event stored under an idempotency key (from schema 0002 on).

    The first 128 bits of sha256(name space + key), laid out as an RFC 9562
    version 8 UUID (the version for names hashed with something other than MD5
    or SHA-1).  Deriving the id from the key lets one unique index, on `id`,
    enforce both: equal keys give equal ids, and distinct keys colliding on 122
    bits of sha256 is not a practical event (were it to happen, the insert
    would fail on the index; nothing is ever silently merged, because a lookup
    by key also compares the stored key).  Events stored under schema 0001 have
    random ids; their keys are listed in `legacy_event_keys`.
    """
    h = hashlib.sha256(_EVENT_ID_NAME_SPACE + key.encode()).hexdigest()
    return f"{h[:8]}-{h[8:12]}-8{h[13:16]}-{_UUID_VARIANT[h[16]]}{h[17:20]}-{h[20:32]}"


@dataclass(frozen=True, slots=True)
class EventFilter:
    """What `read` selects; every field narrows, None means no restriction."""

    after_seq: int = 0
    subject: str | None = None
    subjects: frozenset[str] | None = None
    kinds: frozenset[str] | None = None
    jurisdiction: str | None = None
    effective_from: dt.date | None = None
    effective_to: dt.date | None = None
    known_at: dt.datetime | None = None
    limit: int | None = None


@dataclass(frozen=True, slots=True)
class VerifyReport:
    events: int
    head_seq: int
    head_hash: str
    broken_at: int | None = None
    detail: str | None = None

    @property
    def ok(self) -> bool:
        return self.broken_at is None


class AppendResult:
    """What an append did: the events in request order, and which were new.

    The records are built on the first look at `events`, not by the append: a
    bulk load that only counts what it wrote does not pay for a record per
    event (3% of an append on the CI machine).
    """

    __slots__ = ("_build", "_events", "written")

    def __init__(
        self,
        events: list[RecordedEvent] | Callable[[], list[RecordedEvent]],
        written: list[bool],
    ) -> None:
        self._events = events if isinstance(events, list) else None
        self._build = None if isinstance(events, list) else events
        self.written = written

    @property
    def events(self) -> list[RecordedEvent]:
        if self._events is None:
            assert self._build is not None
            self._events, self._build = self._build(), None
        return self._events

    @property
    def new_count(self) -> int:
        return sum(self.written)


class EventStore(ABC):
    """An append-only, bitemporal, hash-chained event log."""

    url: str
    clock: Callable[[], dt.datetime]
    """Where transaction times come from.  Only tests replace it, to record events
    "last week"; what compares its own "now" with them (the digest) reads it too."""

    @abstractmethod
    def initialise(self) -> None:
        """Create or upgrade the schema (Alembic migrations); safe to run twice."""

    @abstractmethod
    def append(
        self,
        events: Sequence[AnyEvent | Mapping[str, Any]],
        expected_versions: Mapping[str, int] | None = None,
    ) -> AppendResult:
        """Append a batch in one transaction: all of it, or none of it.

        `expected_versions` maps a subject to the number of events its stream
        held when the caller read it; if another writer appended since,
        `ConcurrencyError` is raised and nothing is written.  An event whose
        idempotency key is already stored is not written again: the stored
        event is returned in its place.
        """

    @abstractmethod
    def read(self, flt: EventFilter | None = None) -> Iterator[RecordedEvent]:
        """Stream events in position order, never holding the whole log in memory."""

    @abstractmethod
    def get(self, ref: str | int) -> RecordedEvent:
        """One event by reference, tried in this order: a position (`23` or `#23`),
        the full id, an idempotency key, a curated entry's id (its key without
        `curated:`), a unique id prefix of at least 4 hex digits (git-style).

        `EventNotFoundError` when nothing matches or the prefix is too short;
        `AmbiguousEventError` (listing up to 5 matches) when several ids start with
        the prefix.  The prefix lookup is a range query on the id index.
        """

    @abstractmethod
    def find_by_keys(self, keys: Iterable[str]) -> dict[str, RecordedEvent]:
        """Stored events by idempotency key (keys not stored are left out)."""

    @abstractmethod
    def stream_version(self, subject: str) -> int:
        """How many events the subject's stream holds."""

    @abstractmethod
    def verify(self) -> VerifyReport:
        """Walk the hash chain from the start; report the first broken position."""

    @abstractmethod
    def position_at(self, moment: dt.datetime) -> int | None:
        """The first position recorded at or after `moment`; None if none was.

        Transaction times never decrease along positions, so this need not scan."""

    @property
    @abstractmethod
    def digest_ledger(self) -> DigestLedger:
        """The weekly digest's rendered issues and deliveries in this database."""

    @property
    @abstractmethod
    def alert_ledger(self) -> AlertLedger:
        """The follows' cursors, their alerts and each alert's deliveries."""

    @abstractmethod
    def close(self) -> None:
        """Release connections."""

    @property
    @abstractmethod
    def read_models(self) -> ReadModels:
        """The projections' read models kept beside the log (`ReadModels`)."""

    @property
    @abstractmethod
    def backup(self) -> LogBackup:
        """The log and its working state read and written exactly as stored."""

    # -- working state beside the log ----------------------------------------------
    @property
    @abstractmethod
    def candidates(self) -> CandidateRepository:
        """The candidate events found in feeds, and their review."""

    @property
    @abstractmethod
    def feed_health(self) -> FeedHealthRepository:
        """Each polled feed's health row."""

    @abstractmethod
    def lease(
        self, name: str, *, seconds: float, holder: str | None = None, clock: Clock | None = None
    ) -> Lease:
        """The lease `name` as `holder` (default: this host and process) sees it;
        each hold lasts `seconds` by `clock` (default: the system's, in UTC)."""


# -- backup and restore: the log and its working state, exactly as stored ---------

EVENT_COLUMNS = (
    "seq",
    "id",
    "kind",
    "subject",
    "stream_version",
    "jurisdictions",  # " EU JP ", as stored
    "effective",
    "effective_start",  # ISO text
    "effective_end",
    "recorded_at",  # `format_utc` text: what the hash covers
    "idempotency_key",
    "schema_version",
    "payload",  # the stored JSON text, byte for byte
    "sources",
    "provenance",  # JSON text or None
    "hash",
)
"""An event exactly as stored, every column as the hash chain reads it (`chain_hash`)."""


class BackupSnapshot(ABC):
    """The log and its working-state tables in one snapshot of the database: what
    commits meanwhile is not seen."""

    @abstractmethod
    def head(self) -> tuple[int, str]:
        """The last position and its hash; (0, `GENESIS_HASH`) when the log is empty."""

    @abstractmethod
    def hash_at(self, seq: int) -> str | None:
        """The hash of the event at position `seq` (None: no such event)."""

    @abstractmethod
    def events(self, after: int = 0) -> Iterator[dict[str, Any]]:
        """The events after position `after`, in position order, as `EVENT_COLUMNS`
        dicts; streamed, never the whole log in memory."""

    @abstractmethod
    def count(self, table: str) -> int:
        """How many rows the working-state table `table` holds."""

    @abstractmethod
    def rows(self, table: str) -> Iterator[dict[str, Any]]:
        """The rows of `table` in key order, each value JSON-ready (times as
        `format_utc` text, bytes as base64 text)."""


class LogBackup(ABC):
    """The privileged path of backup and restore.

    Only this path writes an event with a position, an id and a transaction
    time it is given, and only when they continue the stored chain: `append`
    never takes them from a caller.  The append-only triggers still hold (a
    restore only inserts)."""

    tables: tuple[str, ...]
    """The tables restored beside the log, in the order an export lists them.  Read
    models are not among them: they are rebuilt."""

    @abstractmethod
    def snapshot(self) -> AbstractContextManager[BackupSnapshot]:
        """A read of the whole database in one snapshot, for the block's duration."""

    @abstractmethod
    def restore_batch(
        self,
        events: Sequence[Mapping[str, Any]],
        records: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
    ) -> None:
        """Insert `events` (`EVENT_COLUMNS` dicts) and then `records` (rows of
        `tables`, as `BackupSnapshot.rows` gives them) in one transaction, under the
        log's write lock: all of it or none.

        The events must continue the stored log: the first at the position after
        the head, each hash its chain's (`chain_hash`), or `RestoreTargetError` /
        `ChainBrokenError` is raised and nothing is written."""


# -- feeds: candidates and health ------------------------------------------------------

CandidateChange = Callable[[Candidate], Candidate | None]
"""The candidate as it should be, given it as stored; None to leave it as it is."""
AcceptMark = Callable[[Candidate, RecordedEvent], Candidate | None]
"""The candidate as it should be once accepted as the event; None to leave it."""


@dataclass(frozen=True, slots=True)
class CandidateFilter:
    """What `CandidateRepository.find` selects; None (or empty) means no restriction."""

    statuses: Collection[str] | None = None
    feed: str | None = None
    limit: int | None = None


class CandidateBatch(ABC):
    """The candidate writes of one poll of `feed`, inside the transaction of
    `CandidateRepository.record_poll`."""

    feed: str

    @abstractmethod
    def by_guid(self, guids: Sequence[str]) -> dict[str, Candidate]:
        """The feed's candidates of these item guids (in their stored form), by guid."""

    @abstractmethod
    def recent_events(self, since: dt.datetime) -> list[Candidate]:
        """Candidates of every feed first seen at or after `since` that report an event
        and duplicate no other, in the order first seen."""

    @abstractmethod
    def add(self, candidate: Candidate) -> Candidate:
        """Store a new candidate of the feed; it comes back as stored."""

    @abstractmethod
    def update(self, stored: Candidate, changed: Candidate) -> None:
        """Write what `changed` changes of `stored` (a candidate read in this batch)."""


class CandidateRepository(ABC):
    """Candidate events: one per item of a feed, changing until a review decides.

    Every write to one candidate is serialised with every other write to it;
    a poll's writes are serialised with the feed's other polls.
    """

    @abstractmethod
    def find(self, flt: CandidateFilter | None = None) -> list[Candidate]:
        """Candidates in the order first seen (all of them, or those `flt` selects)."""

    @abstractmethod
    def get(self, ref: str) -> Candidate:
        """One candidate by id, or by a unique id prefix of at least 4 hex digits (a
        range query on the id index); `CandidateNotFoundError` when there is none or
        the prefix is too short, `AmbiguousCandidateError` (listing up to 5) when
        several ids start with it."""

    @abstractmethod
    def record_poll(self, health: FeedHealth) -> AbstractContextManager[CandidateBatch]:
        """One poll of `health.feed`: the block's candidate writes and then the feed's
        health row, in one transaction, committed when the block ends and rolled back
        (health row included) if it raises."""

    @abstractmethod
    def change(self, candidate_id: str, change: CandidateChange) -> Candidate:
        """Read one candidate, write what `change` makes of it, in one transaction:
        `change` may raise to leave it untouched.  Returns the candidate as stored."""

    @abstractmethod
    def accept(
        self, candidate_id: str, event: Mapping[str, Any], mark: AcceptMark
    ) -> RecordedEvent:
        """Append `event` (once: an event stored under its idempotency key is
        returned instead) and write what `mark(candidate, event)` makes of the
        candidate, in one transaction.  Returns the event."""

    @abstractmethod
    def newest_by_feed(self) -> dict[str, dt.datetime]:
        """When each feed's newest candidate was first seen (feeds with none: absent)."""


class FeedHealthRepository(ABC):
    """One health row per polled feed, rewritten by each poll."""

    @abstractmethod
    def get(self, feed: str) -> FeedHealth | None:
        """The feed's health row; None when it was never polled."""

    @abstractmethod
    def by_feed(self) -> dict[str, FeedHealth]:
        """Every health row, by feed name in name order."""

    @abstractmethod
    def record(self, health: FeedHealth) -> None:
        """Write a poll's outcome that stored no candidates (a failure, a 304),
        serialised with the feed's other polls (see `CandidateRepository.record_poll`)."""


# -- the daemon's lease ---------------------------------------------------------------

Clock = Callable[[], dt.datetime]
"""Where a lease's holder reads the time (aware, UTC)."""


class Lease(ABC):
    """A named lease in one database, as one would-be `holder` sees it: at most one
    holder at a time, until it releases the lease or lets it expire."""

    name: str
    holder: str

    @abstractmethod
    def acquire(self) -> bool:
        """Take or renew the lease; False while someone else holds an unexpired one."""

    @abstractmethod
    def current_holder(self) -> str | None:
        """Who holds an unexpired lease now, if anyone."""

    @abstractmethod
    def release(self) -> None:
        """Give the lease up at once (a clean stop), so that no one need wait it out."""


# -- the digest ledger -------------------------------------------------------------

DeliveryStatus = Literal["pending", "sending", "sent", "failed", "refused"]
DeliveryKey = tuple[str, str, str]
"""One delivery: (ISO week, list name, recipient)."""


@dataclass(frozen=True, slots=True)
class DigestIssue:
    """A digest rendered once for (week, list): every delivery of it sends these bytes."""

    week: str
    list_name: str
    known_at: dt.datetime
    created_at: dt.datetime
    subject: str
    skipped: bool
    message: bytes


@dataclass(frozen=True, slots=True)
class Delivery:
    """One recipient's copy of one issue, and how far its sending got."""

    week: str
    list_name: str
    recipient: str
    status: DeliveryStatus
    attempts: int
    last_error: str | None
    next_attempt_at: dt.datetime | None
    claimed_at: dt.datetime | None
    message_id: str
    sent_at: dt.datetime | None
    known_at: dt.datetime

    @property
    def key(self) -> DeliveryKey:
        return (self.week, self.list_name, self.recipient)


class DigestLedger(ABC):
    """Each rendered digest, and one row per (week, list, recipient): exactly once, as
    far as SMTP allows.

    A sender *claims* a row (pending or due -> sending) in a transaction of its
    own, committed before it talks to the server, so two senders (two daemons, a
    daemon and a CLI run) never both send it; it records `sent` as soon as the
    server has accepted the message.  Between the server's 250 and that commit
    there is a window no protocol closes: if the process dies there, the row
    stays `sending`; once the sending timeout has passed it is taken again, sent
    with the same Message-ID, so the recipient may get a copy twice,
    recognisably the same message.  The choice is deliberate: a digest is never
    lost, and a duplicate needs a crash inside a window of milliseconds.

    Every write is serialised with every other one, on either backend.  Times
    (claims, sends, creation) come from the store's clock.
    """

    @abstractmethod
    def issue(self, week: str, list_name: str) -> DigestIssue | None:
        """The rendering kept for (week, list), if there is one."""

    @abstractmethod
    def save_issue(self, issue: DigestIssue) -> DigestIssue:
        """Keep `issue` unless another sender saved one of its week and list first;
        returns the kept one."""

    @abstractmethod
    def add_recipients(
        self, week: str, list_name: str, known_at: dt.datetime, message_ids: Mapping[str, str]
    ) -> None:
        """One pending row per recipient (to its Message-ID) not yet in the ledger for
        this digest."""

    @abstractmethod
    def claim(
        self, key: DeliveryKey, *, sending_timeout: dt.timedelta, explicit: bool = False
    ) -> Delivery | None:
        """Take the delivery for sending, or None if it is sent, refused (unless
        `explicit`), in another sender's hands (claimed less than `sending_timeout`
        ago), or not due (unless `explicit`).

        Committed before returning: from here until `sent` or `failed` is
        recorded, no other sender takes it (until the sending timeout passes)."""

    @abstractmethod
    def mark_sent(self, key: DeliveryKey) -> None:
        """The server accepted the message."""

    @abstractmethod
    def mark_failed(self, key: DeliveryKey, error: str, retry_at: dt.datetime | None) -> None:
        """The server did not take it; `retry_at` None: it refused for good (`refused`),
        not retried on its own."""

    @abstractmethod
    def due(self, *, sending_timeout: dt.timedelta) -> list[DeliveryKey]:
        """Deliveries to try now without being asked: failed and due, or claimed by a
        sender that never reported back within `sending_timeout`; in key order."""

    @abstractmethod
    def deliveries(self, week: str | None = None) -> list[Delivery]:
        """Every delivery (of `week`), in key order: who got which digest, or why not yet."""


# -- the follows' alerts ------------------------------------------------------------

AlertChannel = Literal["email", "webhook"]
AlertDeliveryKey = tuple[str, str, str]
"""One delivery: (alert id, channel, endpoint: the address or the URL)."""


@dataclass(frozen=True, slots=True)
class AlertRecord:
    """One alert of one follow, as first rendered: every delivery sends `body`."""

    id: str
    webhook_id: str
    follow: str
    type: str
    fact_id: str
    created_at: dt.datetime
    body: str


@dataclass(frozen=True, slots=True)
class AlertDelivery:
    """One endpoint's copy of one alert, and how far its sending got."""

    alert_id: str
    channel: AlertChannel
    endpoint: str
    follow: str
    status: DeliveryStatus
    attempts: int
    last_error: str | None
    next_attempt_at: dt.datetime | None
    claimed_at: dt.datetime | None
    sent_at: dt.datetime | None
    created_at: dt.datetime

    @property
    def key(self) -> AlertDeliveryKey:
        return (self.alert_id, self.channel, self.endpoint)


@dataclass(frozen=True, slots=True)
class FollowHealth:
    """What the ledger says of one follow: its alerts and how their deliveries went."""

    follow: str
    alerts: int
    last_alert_at: dt.datetime | None
    last_sent_at: dt.datetime | None
    waiting: int
    """Deliveries not sent yet: pending, being sent, or failed and to be retried."""
    failing: int
    """Deliveries whose last attempt failed and that will be retried."""
    refused: int
    """Deliveries given up: the receiver said 410 Gone, or the mail server 5xx."""
    next_retry_at: dt.datetime | None
    last_error: str | None


class AlertLedger(ABC):
    """Each follow's cursor in the log, each alert, and one row per (alert, endpoint):
    exactly once, as far as HTTP and SMTP allow.

    The digest ledger's reasoning (`DigestLedger`): a sender *claims* rows
    (pending or due -> sending) in a transaction committed before it talks to
    the receiver, records `sent` as soon as the receiver has taken them, and a
    claim left `sending` by a sender that died is taken again once the sending
    timeout has passed, and sent with the same webhook-id or Message-ID.  That
    is the one window for a duplicate.

    Every write is serialised with every other one, on either backend.  Times
    come from the store's clock.
    """

    @abstractmethod
    def cursors(self, follows: Sequence[str]) -> dict[str, int]:
        """Each follow's cursor: the last log position its alerts were looked for in.
        A follow not seen before starts at the log's head, so it alerts about what is
        recorded from then on."""

    @abstractmethod
    def record(
        self,
        alerts: Sequence[AlertRecord],
        deliveries: Sequence[AlertDeliveryKey],
        cursors: Mapping[str, int],
    ) -> int:
        """In one transaction: keep the alerts not kept yet, a pending row per delivery
        not in the ledger yet, and move the follows' cursors forward (never back).
        Returns how many alerts were new."""

    @abstractmethod
    def claim(
        self,
        channel: AlertChannel,
        *,
        sending_timeout: dt.timedelta,
        limit: int = 500,
        to: tuple[str, str] | None = None,
    ) -> list[tuple[AlertDelivery, AlertRecord]]:
        """Take up to `limit` deliveries of `channel` (to one (follow, endpoint), if
        `to`) that are due (pending; failed and due again; or claimed more than
        `sending_timeout` ago with no outcome), oldest first, with their alerts.
        Committed before returning: the caller sends them within the timeout."""

    @abstractmethod
    def due_endpoints(
        self, channel: AlertChannel, *, sending_timeout: dt.timedelta
    ) -> list[tuple[str, str]]:
        """The (follow, endpoint) pairs with deliveries of `channel` due, in name order."""

    @abstractmethod
    def mark_sent(self, keys: Sequence[AlertDeliveryKey]) -> None:
        """The receiver took them."""

    @abstractmethod
    def mark_failed(
        self, keys: Sequence[AlertDeliveryKey], error: str, retry_at: dt.datetime | None
    ) -> None:
        """The receiver did not take them; `retry_at` None: given up for good (`refused`)."""

    @abstractmethod
    def alerts(self, follow: str | None = None) -> list[AlertRecord]:
        """Every alert (of `follow`), oldest first."""

    @abstractmethod
    def deliveries(self, follow: str | None = None) -> list[AlertDelivery]:
        """Every delivery (of `follow`), oldest first."""

    @abstractmethod
    def health(self) -> dict[str, FollowHealth]:
        """Each follow the ledger has alerts for, by name."""


# -- the projections' read models ---------------------------------------------------
# Derived from the log and rebuildable at any time: the fact index (one row per
# version of a fact and jurisdiction), each projection's snapshots, and the
# checkpoints saying which log position each reflects.  Rows cross this
# interface as plain tuples, as the driver returns them: a rebuild reads every
# event and every fact version once or twice, and building objects per row
# cost about as much as the fetch.  Days are ISO text and transaction times
# `format_utc` text on both sides: both sort as time, as the columns do.

FACT_COLUMNS = (
    "fact_seq",  # position of the original event: the fact's identity
    "version_seq",  # position of the event that said this version
    "jurisdiction",  # the one this row files the version under
    "kind",
    "subject",
    "jurisdictions",  # all the version's codes, space-separated
    "effective",  # the partial date as written ("2025-11")
    "effective_start",
    "effective_end",
    "tx_from",  # recorded at
    "tx_to",  # superseded (corrected or retracted) at; None while current
    "cites",  # event ids, space-separated: the original, then the correction
    "payload",  # compact JSON, upcast to the kind's current schema
)
"""A fact index row: its fields, in the order rows are written and read whole."""

LOG_COLUMNS = (
    "seq",
    "id",
    "kind",
    "subject",
    "jurisdictions",  # " EU JP ": codes surrounded by spaces, as stored
    "effective",
    "effective_start",  # ISO text, as every day here
    "effective_end",
    "recorded_at",  # `format_utc` text
    "schema_version",
    "payload",  # the stored JSON text, not upcast
)
"""A row of `ReadModelView.log_rows`: an event as stored, but for its sources and hash."""

SCAN_COLUMNS = (
    "effective_end",
    "tx_from",
    "tx_to",
    "kind",
    "subject",
    "effective",
    "jurisdictions",
    "payload",
    "cites",
)
"""A row of `ReadModelView.fact_scan`: what folding a version and dating a snapshot need."""

Row = tuple[Any, ...]
"""A row of one of the column tuples above, as the driver returns it."""

Checkpoints = dict[str, tuple[str, int]]
"""Read model name -> (what it was built from, the last log position it reflects)."""


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A projection's folded state of one jurisdiction on a day, stored to fold from."""

    valid_date: str  # the state of every fact certain by this ISO day ...
    knowledge_since: str  # ... as known from this transaction time on
    facts: int  # versions folded into it
    state: bytes  # encoded by the projections; opaque to the store


VersionCursor = tuple[str, str, int]
"""Where a page of fact versions ends: (effective_start, effective_end, fact_seq)."""


class ReadModelView(ABC):
    """Reads of the read models (and of the log they follow), all in one snapshot of
    the database: what commits meanwhile is not seen."""

    @abstractmethod
    def head(self) -> int:
        """The log's last position (0 when it is empty)."""

    @abstractmethod
    def first_recorded_at(self) -> dt.datetime | None:
        """When the log's first event was recorded (None: the log is empty)."""

    @abstractmethod
    def checkpoints(self) -> Checkpoints:
        """Every checkpoint saved (`ReadModelTransaction.save_checkpoint`)."""

    @abstractmethod
    def log_rows(self, after: int, limit: int) -> list[Row]:
        """Up to `limit` events after position `after`, in order, as `LOG_COLUMNS` rows.

        The index reads the log here rather than through `EventStore.read`: it
        needs the stored JSON as text, not decoded records, and skipping the
        records halves the cost of a rebuild's read (bench/bench_projections.py).
        """

    @abstractmethod
    def positions_of(self, ids: Collection[str]) -> dict[str, int]:
        """The positions of the events with these ids (ids not stored are left out)."""

    @abstractmethod
    def open_versions(self, fact_seq: int) -> list[Row]:
        """The current version of a fact: a row per jurisdiction of the first
        `FACT_COLUMNS`, up to `effective_end` (none once it is retracted)."""

    @abstractmethod
    def fact_scan(
        self,
        jurisdiction: str,
        kinds: Collection[str],
        *,
        end_after: str | None = None,
        end_until: str | None = None,
        known_at: str | None = None,
    ) -> list[Row]:
        """The versions of `jurisdiction`'s facts of `kinds` whose interval ends after
        `end_after` and by `end_until` (if given), in fold order (end of interval,
        start, fact), as `SCAN_COLUMNS` rows: current and superseded ones, or with
        `known_at` only those the log held at that transaction time."""

    @abstractmethod
    def uncertain_versions(
        self, jurisdiction: str, kinds: Collection[str], day: str, known_at: str
    ) -> list[Row]:
        """The versions of `kinds` under `jurisdiction` the log held at `known_at` whose
        interval holds `day` but ends after it, by end of interval, start, fact, as
        `FACT_COLUMNS` rows."""

    @abstractmethod
    def versions(
        self,
        known_at: str,
        *,
        jurisdiction: str | None = None,
        start_after: str | None = None,
        start_until: str | None = None,
        after: VersionCursor | None = None,
        limit: int | None = None,
    ) -> list[Row]:
        """The versions the log held at `known_at` (under `jurisdiction`, or under
        any), whose interval starts after `start_after` and by `start_until` (if
        given), by start, end, fact, as `FACT_COLUMNS` rows: a fact filed under
        several jurisdictions comes once per jurisdiction.  `after` and `limit`
        page through them: the first `limit` rows past that (start, end, fact)."""

    @abstractmethod
    def fact_counts(self) -> dict[str, int]:
        """Jurisdiction -> how many facts are filed under it now (retracted ones left
        out), in code order."""

    @abstractmethod
    def valid_time_range(self, excluding: Collection[int] = ()) -> tuple[str, str] | None:
        """The first day a current version's interval starts and the last day one ends,
        leaving out the facts (by `fact_seq`) in `excluding`."""

    @abstractmethod
    def jurisdictions_with(self, kinds: Collection[str]) -> list[str]:
        """The jurisdictions with versions of any of `kinds`, in code order."""

    @abstractmethod
    def codes_held(self, codes: Collection[str], known_at: str) -> list[str]:
        """Which of `codes` the log held a fact under (of any kind) at `known_at`, in
        code order."""

    @abstractmethod
    def snapshot(
        self,
        projection: str,
        jurisdiction: str,
        *,
        on_or_before: str | None = None,
        known_at: str | None = None,
    ) -> Snapshot | None:
        """The latest snapshot of `projection` for `jurisdiction`, on or before the day
        `on_or_before` and valid for `known_at` (its `knowledge_since` not later), if
        given."""


class ReadModelTransaction(ReadModelView):
    """A write transaction on the read models (never on the log): committed when the
    block it came from ends, rolled back whole if that raises."""

    @abstractmethod
    def save_checkpoint(self, name: str, built_from: str, position: int) -> None:
        """Record that the read model `name`, built from `built_from` (a format or a
        definition's digest), reflects the log up to `position`."""

    @abstractmethod
    def clear(self) -> None:
        """Delete every read model: the fact index, the snapshots, the checkpoints."""

    @abstractmethod
    def clear_index(self) -> None:
        """Delete the fact index and every snapshot built on it (checkpoints stay)."""

    @abstractmethod
    def insert_versions(self, rows: Sequence[Sequence[Any]]) -> None:
        """Add fact index rows (`FACT_COLUMNS` order)."""

    @abstractmethod
    def drop_start_index(self) -> None:
        """Drop the fact index's index by valid-time start (if there) for a bulk build:
        one sorted build at the end costs less than keeping it up row by row."""

    @abstractmethod
    def ensure_start_index(self) -> None:
        """Create the index by valid-time start if it is not there (after a bulk
        build, or one a crash interrupted)."""

    @abstractmethod
    def close_versions(self, closures: Sequence[tuple[str, int]]) -> None:
        """Supersede the current version of each fact: (tx_to, fact_seq) pairs."""

    @abstractmethod
    def delete_snapshots(
        self, projection: str, jurisdiction: str | None = None, *, from_date: str | None = None
    ) -> None:
        """Delete `projection`'s snapshots (of `jurisdiction`; on or after `from_date`)."""

    @abstractmethod
    def insert_snapshots(
        self, projection: str, jurisdiction: str, snapshots: Sequence[Snapshot]
    ) -> None:
        """Store snapshots of `projection` for `jurisdiction` (none there on their days)."""


class ReadModels(ABC):
    """The projections' read models in one database.

    Reads go through a `view`, writes through a `transaction`; one transaction
    at a time across processes: a second waits for the first to end.
    """

    @abstractmethod
    def view(self) -> AbstractContextManager[ReadModelView]:
        """Reads in one snapshot of the database, for the block's duration."""

    @abstractmethod
    def transaction(self) -> AbstractContextManager[ReadModelTransaction]:
        """A write transaction, serialised with every other read-model transaction."""


class HoldsReadModels(Protocol):
    """What the projections need of a store: its read models.  An `EventStore`,
    or `timeline.store.sqlite_reads.SqliteReads` (reads only, no SQLAlchemy)."""

    @property
    def read_models(self) -> ReadModels: ...
