"""Naming an event or a candidate: positions, ids, keys, curated entry ids and
git-style id prefixes, on every backend (see the `backend` fixture)."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict

import pytest
from sqlalchemy import create_engine, text

from tests.factories import office
from timeline.errors import (
    AmbiguousCandidateError,
    AmbiguousEventError,
    CandidateNotFoundError,
    EventNotFoundError,
)
from timeline.model.feeds import Candidate, FeedHealth
from timeline.store import EventStore
from timeline.store.base import event_id_for_key
from timeline.store.sql.prefix import starting_with
from timeline.store.sql.schema import events


def keys_sharing_a_prefix(count: int) -> tuple[str, list[str]]:
    """`count` idempotency keys whose event ids share their first 4 hex digits."""
    by_prefix: dict[str, list[str]] = defaultdict(list)
    for n in itertools.count():
        key = f"test:{n}"
        shared = by_prefix[event_id_for_key(key)[:4]]
        shared.append(key)
        if len(shared) == count:
            return event_id_for_key(key)[:4], shared
    raise AssertionError("unreachable")


def keyed_office(n: int, key: str) -> dict[str, object]:
    return office(n) | {"idempotency_key": key}


def test_an_event_is_named_by_position_id_key_entry_id_or_prefix(store: EventStore) -> None:
    store.append([office(1)])
    curated = store.append([office(2) | {"idempotency_key": "curated:jp-office-2"}]).events[0]
    assert store.get(2) == curated
    assert store.get("2") == curated
    assert store.get("#2") == curated
    assert store.get(curated.id) == curated
    assert store.get(f"  {curated.id.upper()} ") == curated
    assert store.get("curated:jp-office-2") == curated
    assert store.get("jp-office-2") == curated
    assert store.get(curated.id[:8]) == curated
    assert store.get(curated.id[:13].upper()) == curated  # with its dash, any case


def test_an_unknown_reference_says_what_was_asked(store: EventStore) -> None:
    store.append([office(1)])
    unknown = ("#5", "5", "nothing-here", "curated:nothing", "ffffffff", "#99999999999999999999")
    for ref in (*unknown, "nul\x00byte"):
        with pytest.raises(EventNotFoundError) as raised:
            store.get(ref)
        assert str(raised.value) == f"no event {ref!r} in the log"


def test_a_prefix_shorter_than_4_hex_digits_is_too_short(store: EventStore) -> None:
    stored = store.append([office(1)]).events[0]
    with pytest.raises(EventNotFoundError) as raised:
        store.get(stored.id[:3])
    assert str(raised.value) == (
        f"no event {stored.id[:3]!r} in the log (an id prefix needs 4 characters or more)"
    )


def test_an_ambiguous_prefix_lists_up_to_5_matches(store: EventStore) -> None:
    prefix, keys = keys_sharing_a_prefix(7)
    stored = store.append([keyed_office(n, key) for n, key in enumerate(keys)]).events
    two = sorted(stored[:2], key=lambda e: e.id)
    with pytest.raises(AmbiguousEventError) as raised:
        store.get(prefix)
    listed = sorted(stored, key=lambda e: e.id)[:5]
    assert str(raised.value) == (
        f"event id prefix {prefix!r} is ambiguous: "
        + "; ".join(f"#{e.seq} {e.id[:8]} Company {e.seq - 1} office in Tokyo" for e in listed)
        + ", and more; give more characters"
    )
    # A longer prefix that only one of them starts with names it.
    first = two[0]
    longer = next(
        first.id[:n]
        for n in range(5, 37)
        if sum(e.id.startswith(first.id[:n]) for e in stored) == 1
    )
    assert store.get(longer) == first


def test_the_prefix_query_is_answered_by_the_id_index(store: EventStore) -> None:
    store.append([office(n) for n in range(50)])
    query = events.select().where(starting_with(events.c.id, "abcd"))
    engine = create_engine(store.url)  # type: ignore[attr-defined]
    with engine.connect() as conn:
        compiled = query.compile(conn, compile_kwargs={"literal_binds": True})
        if conn.dialect.name == "sqlite":
            plan = " ".join(
                str(row[-1]) for row in conn.execute(text(f"EXPLAIN QUERY PLAN {compiled}"))
            )
            assert "USING INDEX" in plan, plan
        else:
            conn.execute(text("SET enable_seqscan = off"))
            plan = " ".join(row[0] for row in conn.execute(text(f"EXPLAIN {compiled}")))
            assert "Index" in plan, plan
            assert "Seq Scan" not in plan, plan
    engine.dispose()


def candidate(candidate_id: str, title: str) -> Candidate:
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    return Candidate(
        id=candidate_id,
        feed="veille",
        item_guid=candidate_id,
        status="pending",
        is_event=True,
        kind="instrument.adopted",
        jurisdictions=("FR",),
        effective="2025-09",
        effective_precision="month",
        title=title,
        summary="",
        link=None,
        published=None,
        confidence=0.8,
        evidence={},
        overrides={},
        reason=None,
        duplicate_of=None,
        event_id=None,
        first_seen_at=now,
        updated_at=now,
    )


def test_a_candidate_is_named_by_id_or_unique_prefix(store: EventStore) -> None:
    ids = [
        "7c3a0000-0000-4000-8000-000000000001",
        "7c3a1111-0000-4000-8000-000000000002",
        "9e000000-0000-4000-8000-000000000003",
    ]
    with store.candidates.record_poll(FeedHealth(feed="veille", url="https://x.example/")) as batch:
        for n, cid in enumerate(ids):
            batch.add(candidate(cid, f"Law {n}"))
    assert store.candidates.get(ids[2]).title == "Law 2"
    assert store.candidates.get("9E00").title == "Law 2"
    assert store.candidates.get("7c3a1").title == "Law 1"
    with pytest.raises(CandidateNotFoundError) as too_short:
        store.candidates.get("7c")
    assert (
        str(too_short.value) == "candidate id prefix '7c' is too short: give 4 characters or more"
    )
    with pytest.raises(AmbiguousCandidateError) as ambiguous:
        store.candidates.get("7c3a")
    assert str(ambiguous.value) == (
        "candidate id prefix '7c3a' is ambiguous: 7c3a0000 Law 0; 7c3a1111 Law 1; "
        "give more characters"
    )
    for ref in ("7c3b", "not-an-id", "7c3a\x00"):
        with pytest.raises(CandidateNotFoundError) as unknown:
            store.candidates.get(ref)
        assert str(unknown.value) == f"no candidate {ref!r}"
