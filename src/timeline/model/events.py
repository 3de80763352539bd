"""The event model: what a caller hands the store, validated by pydantic.

An event is a dated fact about a *subject* (a stable slug such as
`jp/ai-promotion-act`), in one or more jurisdictions, with sources.  `kind`
selects the payload model through a discriminated union, so an unknown kind or
an unknown field is refused with the field's path.

Nothing here knows about storage: the store adds the position (`seq`), the
transaction time (`recorded_at`) and the hash chain.
"""

from __future__ import annotations

import hashlib
import json
import re
from decimal import Decimal
from functools import cache
from typing import Annotated, Any, Literal, NamedTuple

import pycountry
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails

from timeline.errors import InvalidEventError
from timeline.model.dates import PartialDate
from timeline.model.jurisdictions import validate_code

# -- small vocabulary types ---------------------------------------------------

_SLUG = re.compile(r"^[a-z0-9][a-z0-9._-]*(/[a-z0-9][a-z0-9._-]*)*$")


def _check_slug(value: str) -> str:
    if not _SLUG.match(value):
        raise ValueError(
            f"{value!r} is not a subject slug: lower-case words separated by '/', e.g. "
            "'jp/ai-promotion-act'"
        )
    return value


@cache
def _currency_codes() -> frozenset[str]:
    return frozenset(c.alpha_3 for c in pycountry.currencies)


def _check_currency(value: str) -> str:
    code = value.strip().upper()
    if code not in _currency_codes():
        raise ValueError(f"unknown ISO 4217 currency code {value!r}")
    return code


Subject = Annotated[str, AfterValidator(_check_slug)]
JurisdictionCode = Annotated[str, AfterValidator(validate_code)]
Currency = Annotated[str, AfterValidator(_check_currency)]
NonEmptyText = Annotated[str, Field(min_length=1)]
EventId = Annotated[str, Field(min_length=1, max_length=64)]


class _Model(BaseModel):
    """Strict about shape: unknown fields are errors, instances are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(_Model):
    """Where a fact was read: a web page, or a printed or undated piece (no url)."""

    publisher: NonEmptyText
    title: NonEmptyText
    url: Annotated[str, Field(pattern=r"^https?://\S+$")] | None = None
    published: PartialDate | None = None


class Provenance(_Model):
    """Where an event came from when it was not typed in by an analyst."""

    feed: str | None = None
    link: str | None = None
    candidate: str | None = None
    item_guid: str | None = None
    file: str | None = None
    entry: str | None = None


class Penalty(_Model):
    """A maximum penalty: a fixed amount, a share of turnover, or both ("whichever is higher")."""

    amount: Annotated[Decimal, Field(ge=0)] | None = None
    currency: Currency | None = None
    turnover_pct: Annotated[Decimal, Field(ge=0, le=100)] | None = None

    @model_validator(mode="after")
    def _amount_needs_currency(self) -> Penalty:
        if self.amount is None and self.turnover_pct is None:
            raise ValueError("a penalty needs an amount, a turnover_pct, or both")
        if self.amount is not None and self.currency is None:
            raise ValueError("a penalty amount needs a currency")
        return self


# -- payloads, one per kind ----------------------------------------------------

InstrumentType = Literal[
    "act",
    "regulation",
    "directive",
    "plan",
    "strategy",
    "code_of_conduct",
    "guideline",
    "executive_order",
    "other",
]


class StagePostponement(_Model):
    """A stage of application an amending instrument moves: the stage is named by the
    day it applies from in the amended act (its `instrument.in_force` event's
    `effective`), `to` is the day it would apply from instead."""

    stage: PartialDate
    to: PartialDate


class InstrumentPayload(_Model):
    """An act, plan, strategy or code moving through its life."""

    title: NonEmptyText
    instrument_type: InstrumentType = "act"
    binding: bool | None = None
    max_penalty: Penalty | None = None
    provisions: list[NonEmptyText] = []
    amends: Subject | None = None
    # With `amends`: the stages of the amended act this one moves (proposed while the
    # event is an `instrument.proposed`, adopted once it is adopted or in force).
    # None rather than []: a default that is dumped would change what every
    # instrument stored before it says (and so the importer's comparison).
    postpones: list[StagePostponement] | None = None
    summary: str | None = None


class InstrumentInForcePayload(InstrumentPayload):
    """In force: whether it binds is part of the fact, never left unsaid.

    An instrument that applies in stages has one `instrument.in_force` event per
    stage: the first is its entry into force, each later one names in `stage`
    what starts to apply (a few words; the full list goes in `provisions`)."""

    binding: bool
    stage: NonEmptyText | None = None


class InstrumentAmendedPayload(InstrumentPayload):
    amendment: NonEmptyText


class BodyPayload(_Model):
    name: NonEmptyText
    parent: str | None = None
    mandate: str | None = None


_CODE_LIKE = re.compile(r"[A-Z0-9-]{2,8}")


def _check_party(value: str) -> str:
    # Parties are jurisdictions (validated codes) or organisations (free names).
    # Anything written like a code, all capitals without spaces, must be a real one.
    if _CODE_LIKE.fullmatch(value):
        return validate_code(value)
    return value


Party = Annotated[NonEmptyText, AfterValidator(_check_party)]


class AgreementPayload(_Model):
    title: NonEmptyText
    parties: Annotated[list[Party], Field(min_length=2)]
    agreement_type: str | None = None
    pillars: list[NonEmptyText] = []
    summary: str | None = None


class MeetingPayload(_Model):
    title: NonEmptyText
    meeting_type: str | None = None
    location: str | None = None
    participants: list[NonEmptyText] = []
    outcome: str | None = None


class MembershipPayload(_Model):
    organisation: NonEmptyText
    members: Annotated[list[JurisdictionCode], Field(min_length=1)]
    role: str | None = None


class OfficePayload(_Model):
    organisation: NonEmptyText
    city: NonEmptyText
    role: str | None = None


class InvestmentPayload(_Model):
    investor: NonEmptyText
    amount: Annotated[Decimal, Field(ge=0)]
    currency: Currency
    recipient: NonEmptyText
    up_to: bool = False
    purpose: str | None = None


class MetricPayload(_Model):
    name: NonEmptyText
    value: Decimal
    unit: NonEmptyText
    period: PartialDate
    source_organisation: str | None = None


class RetractionPayload(_Model):
    target: EventId
    reason: NonEmptyText


# -- events --------------------------------------------------------------------


class _EventBase(_Model):
    subject: Subject
    jurisdictions: Annotated[list[JurisdictionCode], Field(min_length=1)]
    effective: PartialDate
    sources: list[Source] = []
    provenance: Provenance | None = None
    # No control characters: the hash chain joins columns with one (store/base.py).
    idempotency_key: Annotated[str, Field(pattern=r"^[^\x00-\x1f]{1,200}$")] | None = None

    @field_validator("jurisdictions")
    @classmethod
    def _sorted_unique(cls, codes: list[str]) -> list[str]:
        if len(codes) == 1:  # most events have one code; spares a set and a list
            return codes
        return sorted(set(codes))


class _FactBase(_EventBase):
    """A fact about the world: it must say where it comes from."""

    sources: Annotated[list[Source], Field(min_length=1)]


class InstrumentProposed(_FactBase):
    kind: Literal["instrument.proposed"]
    payload: InstrumentPayload


class InstrumentAdopted(_FactBase):
    kind: Literal["instrument.adopted"]
    payload: InstrumentPayload


class InstrumentInForce(_FactBase):
    kind: Literal["instrument.in_force"]
    payload: InstrumentInForcePayload


class InstrumentAmended(_FactBase):
    kind: Literal["instrument.amended"]
    payload: InstrumentAmendedPayload


class InstrumentRepealed(_FactBase):
    kind: Literal["instrument.repealed"]
    payload: InstrumentPayload


class BodyEstablished(_FactBase):
    kind: Literal["body.established"]
    payload: BodyPayload


class AgreementSigned(_FactBase):
    kind: Literal["agreement.signed"]
    payload: AgreementPayload


class MeetingHeld(_FactBase):
    kind: Literal["meeting.held"]
    payload: MeetingPayload


class MembershipJoined(_FactBase):
    kind: Literal["membership.joined"]
    payload: MembershipPayload


class OfficeOpened(_FactBase):
    kind: Literal["office.opened"]
    payload: OfficePayload


class InvestmentAnnounced(_FactBase):
    kind: Literal["investment.announced"]
    payload: InvestmentPayload


class MetricReported(_FactBase):
    kind: Literal["metric.reported"]
    payload: MetricPayload


AnyFact = (
    InstrumentProposed
    | InstrumentAdopted
    | InstrumentInForce
    | InstrumentAmended
    | InstrumentRepealed
    | BodyEstablished
    | AgreementSigned
    | MeetingHeld
    | MembershipJoined
    | OfficeOpened
    | InvestmentAnnounced
    | MetricReported
)
Fact = Annotated[AnyFact, Field(discriminator="kind")]


class CorrectionPayload(_Model):
    """Replaces what an earlier event said; the original stays in the log."""

    target: EventId
    reason: NonEmptyText
    corrected: Fact


class EventCorrected(_EventBase):
    kind: Literal["event.corrected"]
    payload: CorrectionPayload


class EventRetracted(_EventBase):
    kind: Literal["event.retracted"]
    payload: RetractionPayload


AnyEvent = AnyFact | EventCorrected | EventRetracted
Event = Annotated[AnyEvent, Field(discriminator="kind")]
"""Any event a caller may append."""

EVENT_ADAPTER: TypeAdapter[AnyEvent] = TypeAdapter(Event)
KINDS: tuple[str, ...] = tuple(
    cls.model_fields["kind"].annotation.__args__[0] for cls in AnyEvent.__args__
)
META_KINDS = frozenset({"event.corrected", "event.retracted"})

SCHEMA_VERSION: dict[str, int] = dict.fromkeys(KINDS, 1) | {"instrument.in_force": 2}
"""Current payload schema version of each kind; see `timeline.model.upcasting`."""


def format_validation_error(exc: ValidationError, where: str = "") -> str:
    """One line naming each failing field and what it should be, in plain words:
    'payload.binding: missing (an instrument.in_force event needs it)'."""
    parts = []
    for err in exc.errors(include_url=False):
        tag = next((p for p in err["loc"] if _is_union_tag(p)), None)
        loc = ".".join(str(p) for p in err["loc"] if not _is_union_tag(p))
        msg = _plain(err, tag)
        parts.append(f"{loc}: {msg}" if loc else msg)
    prefix = f"{where}: " if where else ""
    return prefix + "; ".join(parts)


_SHOULD_BE = "Input should be "


def _plain(err: ErrorDetails, kind: object) -> str:
    """What one validation error means, for someone writing an event by hand."""
    found = err["type"]
    if found == "union_tag_not_found":
        return f"kind: missing; every event names its kind, one of {', '.join(KINDS)}"
    if found == "union_tag_invalid":
        return f"unknown kind {err.get('ctx', {}).get('tag')!r}; known kinds: {', '.join(KINDS)}"
    if found == "missing":
        article = "an" if str(kind)[:1] in tuple("aeiou") else "a"
        return f"missing ({article} {kind} event needs it)" if kind else "missing"
    msg = "unknown field" if found == "extra_forbidden" else err["msg"]
    msg = msg.removeprefix("Value error, ")
    if msg.startswith(_SHOULD_BE):  # a type or choice pydantic checked: say what came
        got = repr(err["input"])
        got = got if len(got) <= 40 else got[:37] + "..."
        return f"expected {msg.removeprefix(_SHOULD_BE)}, got {got}"
    return msg


def _is_union_tag(part: object) -> bool:
    return isinstance(part, str) and part in KINDS


def parse_event(data: Any, where: str = "") -> AnyEvent:
    """Validate one event from plain data, raising `InvalidEventError` in one line."""
    try:
        return EVENT_ADAPTER.validate_python(data)
    except ValidationError as exc:
        raise InvalidEventError(format_validation_error(exc, where)) from None


def canonical_json(value: Any) -> str:
    """The one JSON spelling of a value: sorted keys, no spaces, UTF-8 kept."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


SOURCES_ADAPTER: TypeAdapter[list[Source]] = TypeAdapter(list[Source])


class SerialisedEvent(NamedTuple):
    """The JSON texts an event is stored as (pydantic's compiled serialiser,
    fields in model order, None fields left out)."""

    payload: str
    sources: str
    provenance: str | None


_SOURCES_TO_JSON = SOURCES_ADAPTER.serializer.to_json


def serialise(event: AnyEvent) -> SerialisedEvent:
    # The compiled serialisers are called directly: `dump_json` and
    # `model_dump_json` are Python wrappers that cost about 1 us an event on
    # the append path for nothing but argument forwarding (bytes are the same).
    payload = event.payload
    provenance = event.provenance
    return SerialisedEvent(
        payload.__pydantic_serializer__.to_json(payload, exclude_none=True).decode(),
        _SOURCES_TO_JSON(event.sources, exclude_none=True).decode(),
        provenance.__pydantic_serializer__.to_json(provenance, exclude_none=True).decode()
        if provenance
        else None,
    )


def content_key(event: AnyEvent, serialised: SerialisedEvent | None = None) -> str:
    """Idempotency key derived from what an event says (not from when, or who sent it).

    Stable for a given schema version of the kind: the hash covers the
    serialised fields, whose order the model fixes.
    """
    body = serialised or serialise(event)
    text = "\x1f".join(
        (event.kind, event.subject, " ".join(event.jurisdictions), str(event.effective),
         body.payload, body.sources)
    )  # fmt: skip
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()
