"""Reviewing candidates: edit, accept (append an event), reject.

Accepting is idempotent across processes: the event carries the idempotency
key `candidate:<id>`, so however many reviewers accept the same candidate at
once, the store appends one event and hands every one of them that event.
The candidate row is marked afterwards; a crash in between leaves it pending,
and accepting it again finds the stored event instead of appending another.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from pydantic import TypeAdapter, ValidationError

from timeline.errors import CandidateStateError, InvalidEventError, UnknownJurisdictionError
from timeline.feeds.candidates import (
    REVIEWABLE,
    Candidate,
    get_candidate,
    update_candidate,
)
from timeline.model.dates import PartialDate
from timeline.model.events import KINDS, META_KINDS, Subject, parse_event
from timeline.model.jurisdictions import validate_code
from timeline.store.base import RecordedEvent
from timeline.store.sql.events import SqlEventStore

_SUBJECT: TypeAdapter[str] = TypeAdapter(Subject)
_HTTP_PREFIXES = ("http://", "https://")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _lock(candidate_id: str) -> str:
    return f"candidate:{candidate_id}"


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


def edit(store: SqlEventStore, ref: str, changes: Mapping[str, Any]) -> Candidate:
    """Apply edits over the extraction (kept apart, so a re-poll never undoes them)."""
    clean = validate_edits(changes)
    if not clean:
        raise InvalidEventError("nothing to edit: give at least one field")
    with store.read_connection() as conn:
        candidate_id = get_candidate(conn, ref).id
    with store.write_transaction(_lock(candidate_id)) as conn:
        candidate = get_candidate(conn, candidate_id)
        _require_reviewable(candidate, "edited")
        overrides = dict(candidate.overrides)
        if "payload" in clean:
            clean["payload"] = overrides.get("payload", {}) | clean["payload"]
        overrides |= clean
        now = _now()
        update_candidate(
            conn,
            candidate.id,
            overrides=overrides,
            updated_at=now,
            history=[
                *candidate.history,
                {"at": _iso(now), "by": "analyst", "edits": clean},
            ],
        )
        return get_candidate(conn, candidate.id)


def reject(store: SqlEventStore, ref: str, reason: str) -> Candidate:
    """Keep the candidate, marked rejected with the reason: it is never proposed again."""
    if not reason.strip():
        raise InvalidEventError("give a reason for the rejection")
    with store.read_connection() as conn:
        candidate_id = get_candidate(conn, ref).id
    with store.write_transaction(_lock(candidate_id)) as conn:
        candidate = get_candidate(conn, candidate_id)
        if candidate.status == "rejected":
            return candidate
        _require_reviewable(candidate, "rejected")
        now = _now()
        update_candidate(
            conn,
            candidate.id,
            status="rejected",
            reason=reason.strip(),
            updated_at=now,
            history=[*candidate.history, {"at": _iso(now), "by": "analyst", "rejected": reason}],
        )
        return get_candidate(conn, candidate.id)


def accept(store: SqlEventStore, ref: str, *, by: str = "analyst") -> RecordedEvent:
    """Append the candidate's event (once, whoever else accepts it at the same time)."""
    with store.read_connection() as conn:
        candidate = get_candidate(conn, ref)
    if candidate.status == "accepted" and candidate.event_id:
        return store.get(candidate.event_id)
    if candidate.status == "duplicate":
        raise CandidateStateError(
            f"candidate {_short(candidate)} is a duplicate of {candidate.duplicate_of}; "
            "accept that one, or reject this one"
        )
    _require_reviewable(candidate, "accepted")
    event = store.append([build_event(candidate)]).events[0]
    with store.write_transaction(_lock(candidate.id)) as conn:
        current = get_candidate(conn, candidate.id)
        if current.status != "accepted":
            now = _now()
            update_candidate(
                conn,
                candidate.id,
                status="accepted",
                event_id=event.id,
                reason=None,
                updated_at=now,
                history=[*current.history, {"at": _iso(now), "by": by, "accepted": event.id}],
            )
    return event


def build_event(candidate: Candidate) -> dict[str, Any]:
    """The event a candidate proposes, validated; the error names what to edit."""
    short = _short(candidate)
    kind = candidate.proposed_kind
    if not kind:
        raise InvalidEventError(
            f"candidate {short}: no kind proposed; set one with "
            f"`timeline candidates edit {short} --kind KIND`"
        )
    effective = candidate.proposed_effective
    if not effective:
        raise InvalidEventError(
            f"candidate {short}: no effective date; set one with "
            f"`timeline candidates edit {short} --effective YYYY[-MM[-DD]]`"
        )
    if not candidate.proposed_jurisdictions:
        raise InvalidEventError(
            f"candidate {short}: no jurisdiction; set one with "
            f"`timeline candidates edit {short} --jurisdiction CODE`"
        )
    title = candidate.proposed_title
    source: dict[str, Any] = {"publisher": candidate.feed, "title": candidate.title}
    if candidate.link and candidate.link.startswith(_HTTP_PREFIXES):
        source["url"] = candidate.link
    if candidate.published:
        source["published"] = candidate.published.date().isoformat()
    data = {
        "kind": kind,
        "subject": candidate.proposed_subject,
        "jurisdictions": list(candidate.proposed_jurisdictions),
        "effective": effective,
        "payload": default_payload(kind, title, candidate) | candidate.proposed_payload,
        "sources": [source],
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
        hint = (
            f" (set payload fields with `timeline candidates edit {short} --payload KEY=VALUE`)"
            if "payload" in str(exc)
            else ""
        )
        raise InvalidEventError(f"{exc}{hint}") from None
    return data


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


def _iso(moment: dt.datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")
