"""Reviewing candidates: edit, accept (append an event), reject.

Each review is one change of one candidate in the store's `candidates`
repository, which serialises changes of a candidate; what is allowed, and what
the history records, is decided here.  Accepting is idempotent across
processes: the event carries the idempotency key `candidate:<id>`, so however
many reviewers accept the same candidate at once, the store appends one event
and hands every one of them that event.  The event is appended and the
candidate marked in one transaction; an event appended by other means under
that key (or by an earlier version, which marked the candidate afterwards and
could crash in between) is found instead of appending another.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from pydantic import TypeAdapter, ValidationError

from timeline.errors import CandidateStateError, InvalidEventError, UnknownJurisdictionError
from timeline.model.dates import PartialDate
from timeline.model.events import Subject, parse_event
from timeline.model.feeds import REVIEWABLE, Candidate, iso_utc
from timeline.model.jurisdictions import validate_code
from timeline.model.kinds import KINDS, META_KINDS
from timeline.store.base import EventStore, RecordedEvent

_SUBJECT: TypeAdapter[str] = TypeAdapter(Subject)
_HTTP_PREFIXES = ("http://", "https://")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _short(candidate: Candidate) -> str:
    return candidate.id[:8]


def _kind(value: Any) -> str:
    kind = str(value)
    if kind not in KINDS or kind in META_KINDS:
        facts = ", ".join(k for k in KINDS if k not in META_KINDS)
        raise InvalidEventError(f"kind: unknown kind {kind!r}; known kinds: {facts}")
    return kind


def _jurisdictions(value: Any) -> list[str]:
    codes = list(value)
    if not codes:
        raise InvalidEventError("jurisdictions: give at least one code")
    try:
        return sorted({validate_code(code) for code in codes})
    except UnknownJurisdictionError as exc:
        raise InvalidEventError(f"jurisdictions: {exc}") from None


def _effective(value: Any) -> str:
    try:
        return str(PartialDate.parse(str(value)))
    except InvalidEventError as exc:
        raise InvalidEventError(f"effective: {exc}") from None


def _subject(value: Any) -> str:
    try:
        return _SUBJECT.validate_python(str(value))
    except ValidationError as exc:
        message = exc.errors(include_url=False)[0]["msg"].removeprefix("Value error, ")
        raise InvalidEventError(f"subject: {message}") from None


def _title(value: Any) -> str:
    title = str(value).strip()
    if not title:
        raise InvalidEventError("title: must not be empty")
    return title


_VALIDATORS: dict[str, Callable[[Any], Any]] = {
    "kind": _kind,
    "jurisdictions": _jurisdictions,
    "effective": _effective,
    "subject": _subject,
    "title": _title,
    "payload": dict,  # checked with the whole event on accept, where its kind is known
}


def validate_edits(changes: Mapping[str, Any]) -> dict[str, Any]:
    """Check an analyst's edits (None or {} means "leave as is"); one-line
    `InvalidEventError` naming the bad field."""
    unknown = sorted(set(changes) - set(_VALIDATORS))
    if unknown:
        raise InvalidEventError(
            f"cannot edit {', '.join(unknown)}; editable: {', '.join(_VALIDATORS)}"
        )
    return {
        field: _VALIDATORS[field](value)
        for field, value in changes.items()
        if value is not None and value != {}
    }


def edit(store: EventStore, ref: str, changes: Mapping[str, Any]) -> Candidate:
    """Apply edits over the extraction (kept apart, so a re-poll never undoes them)."""
    clean = validate_edits(changes)
    if not clean:
        raise InvalidEventError("nothing to edit: give at least one field")

    def edited(candidate: Candidate) -> Candidate:
        _require_reviewable(candidate, "edited")
        edits = dict(clean)
        overrides = dict(candidate.overrides)
        if "payload" in edits:
            edits["payload"] = overrides.get("payload", {}) | edits["payload"]
        now = _now()
        return replace(
            candidate,
            overrides=overrides | edits,
            updated_at=now,
            history=[*candidate.history, {"at": iso_utc(now), "by": "analyst", "edits": edits}],
        )

    return store.candidates.change(store.candidates.get(ref).id, edited)


def reject(store: EventStore, ref: str, reason: str) -> Candidate:
    """Keep the candidate, marked rejected with the reason: it is never proposed again."""
    if not reason.strip():
        raise InvalidEventError("give a reason for the rejection")

    def rejected(candidate: Candidate) -> Candidate | None:
        if candidate.status == "rejected":
            return None
        _require_reviewable(candidate, "rejected")
        now = _now()
        return replace(
            candidate,
            status="rejected",
            reason=reason.strip(),
            updated_at=now,
            history=[
                *candidate.history,
                {"at": iso_utc(now), "by": "analyst", "rejected": reason},
            ],
        )

    return store.candidates.change(store.candidates.get(ref).id, rejected)


def accept(store: EventStore, ref: str, *, by: str = "analyst") -> RecordedEvent:
    """Append the candidate's event (once, whoever else accepts it at the same time)."""
    candidate = store.candidates.get(ref)
    if candidate.status == "accepted" and candidate.event_id:
        return store.get(candidate.event_id)
    if candidate.status == "duplicate":
        raise CandidateStateError(
            f"candidate {_short(candidate)} is a duplicate of {candidate.duplicate_of}; "
            "accept that one, or reject this one"
        )
    _require_reviewable(candidate, "accepted")

    def accepted(current: Candidate, event: RecordedEvent) -> Candidate | None:
        if current.status == "accepted":
            return None
        now = _now()
        return replace(
            current,
            status="accepted",
            event_id=event.id,
            reason=None,
            updated_at=now,
            history=[*current.history, {"at": iso_utc(now), "by": by, "accepted": event.id}],
        )

    return store.candidates.accept(candidate.id, build_event(candidate), accepted)


def build_event(candidate: Candidate) -> dict[str, Any]:
    """The event a candidate proposes, validated; the error names what to edit."""
    short = _short(candidate)
    kind = candidate.proposed_kind
    if not kind:
        raise InvalidEventError(
            f"candidate {short}: no kind proposed; edit its kind before accepting"
        )
    effective = candidate.proposed_effective
    if not effective:
        raise InvalidEventError(
            f"candidate {short}: no effective date; edit its effective date "
            "(YYYY[-MM[-DD]]) before accepting"
        )
    if not candidate.proposed_jurisdictions:
        raise InvalidEventError(
            f"candidate {short}: no jurisdiction; edit its jurisdictions before accepting"
        )
    federated = candidate.federated_fact
    if federated is not None:
        # Followed from another timeline: its fact field for field, the sources
        # it cites, and the analyst's edits over them.
        payload, sources = federated["payload"], federated.get("sources", [])
        if "title" in candidate.overrides:  # an edited title names the fact
            title = candidate.proposed_title
            payload = payload | {key: title for key in ("title", "name") if key in payload}
    else:
        payload, sources = (
            default_payload(kind, candidate.proposed_title, candidate),
            [_item_source(candidate)],
        )
    data = {
        "kind": kind,
        "subject": candidate.proposed_subject,
        "jurisdictions": list(candidate.proposed_jurisdictions),
        "effective": effective,
        "payload": payload | candidate.proposed_payload,
        "sources": sources,
        "provenance": {
            "feed": candidate.feed,
            "link": candidate.link,
            "candidate": candidate.id,
            "item_guid": candidate.item_guid,
        },
        "idempotency_key": f"candidate:{candidate.id}",
    }
    try:
        parse_event(data, where=f"candidate {short}")
    except InvalidEventError as exc:
        hint = " (edit its payload fields before accepting)" if "payload" in str(exc) else ""
        raise InvalidEventError(f"{exc}{hint}") from None
    return data


def _item_source(candidate: Candidate) -> dict[str, Any]:
    """The feed item a candidate was read from, as the event's source."""
    source: dict[str, Any] = {"publisher": candidate.feed, "title": candidate.title}
    if candidate.link and candidate.link.startswith(_HTTP_PREFIXES):
        source["url"] = candidate.link
    if candidate.published:
        source["published"] = candidate.published.date().isoformat()
    return source


def default_payload(kind: str, title: str, candidate: Candidate) -> dict[str, Any]:
    """What the item itself can fill in; other required fields come from edits."""
    summary = {"summary": candidate.summary[:2000]} if candidate.summary else {}
    if kind.startswith("instrument."):
        return {"title": title} | summary
    if kind == "body.established":
        return {"name": title}
    if kind == "agreement.signed":
        return {"title": title, "parties": list(candidate.proposed_jurisdictions)} | summary
    if kind == "meeting.held":
        return {"title": title}
    return {}


def _require_reviewable(candidate: Candidate, action: str) -> None:
    if candidate.status in REVIEWABLE:
        return
    if candidate.status == "accepted":
        raise CandidateStateError(
            f"candidate {_short(candidate)} was accepted as event {candidate.event_id}; "
            f"it cannot be {action} (correct or retract the event instead)"
        )
    raise CandidateStateError(
        f"candidate {_short(candidate)} was rejected ({candidate.reason}); it cannot be {action}"
    )
