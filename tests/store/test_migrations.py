"""Migration 0002 (event ids derived from keys) on logs begun under 0001, on both backends."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, func, select, text

from tests.factories import in_force, office
from timeline.errors import StoreError
from timeline.model.events import parse_event
from timeline.store import EventStore, open_store
from timeline.store.base import GENESIS_HASH, chain_hash, event_id_for_key
from timeline.store.sql.events import SqlEventStore, _prepare
from timeline.store.sql.schema import events, format_utc, legacy_event_keys, metadata


def test_event_id_is_a_version_8_uuid_of_the_keys_sha256() -> None:
    key = "feed:urn:example:1"
    digest = bytearray(hashlib.sha256(b"timeline event id\x1f" + key.encode()).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x80  # version 8
    digest[8] = (digest[8] & 0x3F) | 0x80  # RFC 9562 variant
    expected = uuid.UUID(bytes=bytes(digest))
    assert event_id_for_key(key) == str(expected)
    assert uuid.UUID(event_id_for_key(key)).version == 8
    # Ids are stored and cited (corrections name them): the mapping must never
    # change between releases.
    assert event_id_for_key("k-1") == "d9ebb3b5-08a8-8d52-898c-cc3e884a0800"
    assert event_id_for_key("k-1") != event_id_for_key("k-2")


def test_appended_event_ids_are_derived_from_their_keys(store: EventStore) -> None:
    given, derived = store.append([office(1) | {"idempotency_key": "k-1"}, office(2)]).events
    assert given.id == event_id_for_key("k-1")
    assert derived.id == event_id_for_key(derived.idempotency_key)
    assert derived.idempotency_key.startswith("sha256:")


def _upgrade(store: SqlEventStore, revision: str) -> None:
    cfg = store._alembic_config()
    with store._write_connection() as conn, conn.begin():
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def _append_as_0001_did(store: SqlEventStore, drafts: list[dict[str, Any]]) -> list[str]:
    """Rows as the store wrote them under schema 0001: random (version 4) ids,
    chained and numbered the same way.  Returns the ids."""
    now = format_utc(dt.datetime.now(dt.UTC))
    rows, prev_hash = [], GENESIS_HASH
    for seq, draft in enumerate(drafts, start=1):
        row = _prepare(parse_event(draft))
        row.update(
            seq=seq,
            id=str(uuid.uuid4()),
            stream_version=1,
            recorded_at=now,
            recorded_at_text=now,
        )
        prev_hash = row["hash"] = chain_hash(prev_hash, row)
        rows.append(row)
    with store._write_connection() as conn, conn.begin():
        store._insert(conn, rows)
    return [row["id"] for row in rows]


def test_log_begun_under_0001_keeps_its_ids_and_keys_after_0002(database_url: str) -> None:
    store = open_store(database_url)
    assert isinstance(store, SqlEventStore)
    _upgrade(store, "0001")
    old_drafts = [office(1) | {"idempotency_key": "feed:old-1"}, office(2), office(3)]
    old_ids = _append_as_0001_did(store, old_drafts)

    store.initialise()  # 0001 -> head

    engine = create_engine(database_url)
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []
        assert conn.execute(select(func.count()).select_from(legacy_event_keys)).scalar() == 3
    # The old events: same ids, found by key, never stored twice.
    assert [e.id for e in store.read()] == old_ids
    assert store.get(old_ids[0]).idempotency_key == "feed:old-1"
    keys = [e.idempotency_key for e in store.read()]
    assert {k: e.id for k, e in store.find_by_keys(keys).items()} == dict(
        zip(keys, old_ids, strict=True)
    )
    again = store.append([*old_drafts, office(4)])
    assert again.written == [False, False, False, True]
    assert [e.id for e in again.events[:3]] == old_ids
    new = again.events[3]
    assert (new.seq, new.id) == (4, event_id_for_key(new.idempotency_key))
    # Corrections may name old and new events alike; the chain runs on across the migration.
    store.append([{"kind": "event.retracted", "subject": "org/company-2/office",
                   "jurisdictions": ["JP"], "effective": "2025-10",
                   "payload": {"target": old_ids[1], "reason": "wrong office"}}])  # fmt: skip
    report = store.verify()
    assert (report.ok, report.events) == (True, 5), report
    assert store.append([in_force()]).written == [True]

    # The key list is as append-only as the log.
    refused = pytest.raises(Exception, match="legacy_event_keys is written only by migration 0002")
    with refused, engine.begin() as conn:
        conn.execute(text("DELETE FROM legacy_event_keys"))
    engine.dispose()
    store.close()


def test_0002_on_an_empty_log_leaves_no_legacy_keys(store: EventStore, database_url: str) -> None:
    store.append([office(1)])
    engine = create_engine(database_url)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(legacy_event_keys)).scalar() == 0
    engine.dispose()


def test_store_refuses_a_log_still_at_0001(database_url: str) -> None:
    store = open_store(database_url)
    assert isinstance(store, SqlEventStore)
    _upgrade(store, "0001")
    with pytest.raises(StoreError, match="older schema; run `timeline init`"):
        store.append([office(1)])
    store.close()


def test_an_id_held_by_another_key_fails_the_append_instead_of_merging(
    store: EventStore, database_url: str
) -> None:
    """Stands in for a hash collision: the row holding the id has another key."""
    key = "feed:urn:example:collide"
    row = {
        "seq": 1,
        "id": event_id_for_key(key),
        "kind": "office.opened",
        "subject": "org/other/office",
        "stream_version": 1,
        "jurisdictions": " JP ",
        "effective": "2025",
        "effective_start": dt.date(2025, 1, 1),
        "effective_end": dt.date(2025, 12, 31),
        "recorded_at": dt.datetime(2025, 8, 3, tzinfo=dt.UTC),
        "idempotency_key": "some other key",
        "schema_version": 1,
        "payload": '{"organisation":"Other","city":"Osaka"}',
        "sources": "[]",
        "provenance": None,
        "hash": "0" * 64,
    }
    engine = create_engine(database_url)
    with engine.begin() as conn:
        conn.execute(events.insert(), row)
    engine.dispose()
    assert store.find_by_keys([key]) == {}
    with pytest.raises(StoreError, match=r"(?i)unique|duplicate"):
        store.append([office(1) | {"idempotency_key": key}, office(2)])
    assert [e.idempotency_key for e in store.read()] == ["some other key"]
