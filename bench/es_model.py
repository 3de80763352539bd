"""Domain events for the eventsourcing-library side of `bench_log.py`.

Kept in their own module, imported only by the eventsourcing phases, for two
reasons: eventsourcing stores a class's *topic* ("module:QualName") with each
event and re-imports it on read, so the classes need a stable importable home;
and importing eventsourcing patches `dataclasses` process-wide, which the
timeline phases should not run under.

One `DomainEvent` subclass per timeline kind (the topic plays the role of our
`kind`), each carrying the same fields as a timeline event dict: subject,
jurisdictions, effective, sources, provenance, idempotency key and payload.
The library turns every event into JSON with its mapper (`JSONTranscoder`, with
the UUID/Decimal/datetime transcodings an `Application` registers), which is
the serialisation cost we put against timeline's validation cost.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eventsourcing.domain import DomainEvent
from eventsourcing.persistence import (
    DatetimeAsISO,
    DecimalAsStr,
    JSONTranscoder,
    UUIDAsHex,
)


@dataclass(frozen=True)  # what the metaclass makes of it anyway; said here for type checkers
class PolicyEvent(DomainEvent):
    """Fields shared by every kind; `DomainEvent` adds originator id/version and timestamp."""

    subject: str
    jurisdictions: list[str]
    effective: str
    sources: list[dict[str, Any]]
    provenance: dict[str, Any] | None
    idempotency_key: str | None
    payload: dict[str, Any]


class InstrumentProposed(PolicyEvent):
    pass


class InstrumentAdopted(PolicyEvent):
    pass


class InstrumentInForce(PolicyEvent):
    pass


class InstrumentAmended(PolicyEvent):
    pass


class OfficeOpened(PolicyEvent):
    pass


class AgreementSigned(PolicyEvent):
    pass


class MetricReported(PolicyEvent):
    pass


class InvestmentAnnounced(PolicyEvent):
    pass


EVENT_CLASSES: dict[str, type[PolicyEvent]] = {
    "instrument.proposed": InstrumentProposed,
    "instrument.adopted": InstrumentAdopted,
    "instrument.in_force": InstrumentInForce,
    "instrument.amended": InstrumentAmended,
    "office.opened": OfficeOpened,
    "agreement.signed": AgreementSigned,
    "metric.reported": MetricReported,
    "investment.announced": InvestmentAnnounced,
}


def application_transcoder() -> JSONTranscoder:
    """The transcoder `eventsourcing.application.Application` builds by default."""
    transcoder = JSONTranscoder()
    transcoder.register(UUIDAsHex())
    transcoder.register(DecimalAsStr())
    transcoder.register(DatetimeAsISO())
    return transcoder
