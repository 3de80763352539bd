"""The event store contract, run against every backend (see the `backend` fixture)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, text

from tests.factories import SOURCE, in_force, office, retraction
from timeline.errors import (
    ConcurrencyError,
    EventNotFoundError,
    InvalidEventError,
    NotInitialisedError,
    StoreError,
)
from timeline.model.events import parse_event
from timeline.store import EventFilter, EventStore, open_store
from timeline.store.base import GENESIS_HASH, chain_hash
from timeline.store.sql.events import SqlEventStore
from timeline.store.sql.schema import events, format_utc, metadata


def count(store: EventStore) -> int:
    return sum(1 for _ in store.read())


def tamper(url: str, sql: str) -> None:
    """Run `sql` on the events table with the append-only triggers out of the way."""
    engine = create_engine(url)
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.execute(text("DROP TRIGGER events_no_update"))
            conn.execute(text("DROP TRIGGER events_no_delete"))
            conn.execute(text(sql))
        else:
            conn.execute(text("ALTER TABLE events DISABLE TRIGGER USER"))
            conn.execute(text(sql))
            conn.execute(text("ALTER TABLE events ENABLE TRIGGER USER"))
    engine.dispose()


def test_appended_events_read_back_as_written(store: EventStore) -> None:
    draft = parse_event(in_force(max_penalty={"amount": 0, "currency": "JPY"}))
    before = dt.datetime.now(dt.UTC)
    stored = store.append([draft]).events[0]
    after = dt.datetime.now(dt.UTC)

    [read] = list(store.read())
    assert read == stored
    assert read.to_event() == draft.model_copy(update={"idempotency_key": read.idempotency_key})
    assert read.seq == 1
    assert read.stream_version == 1
    assert read.jurisdictions == ("JP",)
    assert str(read.effective) == "2025-09-01"
    assert read.payload["max_penalty"] == {"amount": "0", "currency": "JPY"}
    assert read.recorded_at.tzinfo is not None
    assert read.recorded_at.utcoffset() == dt.timedelta(0)
    assert before - dt.timedelta(seconds=1) <= read.recorded_at <= after


def test_caller_cannot_set_recorded_at(store: EventStore) -> None:
    with pytest.raises(InvalidEventError, match="recorded_at: unknown field"):
        store.append([in_force() | {"recorded_at": "2020-01-01T00:00:00Z"}])
    assert count(store) == 0


def test_positions_are_contiguous_across_batches(store: EventStore) -> None:
    store.append([office(n) for n in range(3)])
    store.append([office(n) for n in range(3, 10)])
    events = list(store.read())
    assert [e.seq for e in events] == list(range(1, 11))
    times = [e.recorded_at for e in events]
    assert times == sorted(times)


def test_every_read_path_gives_each_batch_its_own_transaction_time(store: EventStore) -> None:
    """Reads convert recorded_at once per run of equal values: a batch's time must
    not leak into the next batch's events, whichever way they are read."""
    assert isinstance(store, SqlEventStore)
    moments = [dt.datetime(2026, 3, d, 9, 30, 15, 123456, tzinfo=dt.UTC) for d in (1, 2, 3)]
    appended = []
    real_clock = store.clock
    try:
        for n, moment in enumerate(moments):
            store.clock = lambda moment=moment: moment  # type: ignore[misc]
            appended += store.append([office(3 * n + k) for k in range(3)]).events
    finally:
        store.clock = real_clock
    expected = [moments[n // 3] for n in range(9)]
    read = list(store.read())
    assert [e.recorded_at for e in read] == expected
    assert all(e.recorded_at.utcoffset() == dt.timedelta(0) for e in read)
    assert [e.recorded_at for e in appended] == expected
    assert [store.get(e.id).recorded_at for e in read] == expected
    assert [store.get(e.seq).recorded_at for e in read] == expected
    by_key = store.find_by_keys(e.idempotency_key for e in read)
    assert [by_key[e.idempotency_key].recorded_at for e in read] == expected
    assert read == appended
    assert [e.seq for e in store.read(EventFilter(known_at=moments[1]))] == list(range(1, 7))


def test_same_idempotency_key_returns_stored_event_and_writes_nothing(store: EventStore) -> None:
    first = store.append([in_force() | {"idempotency_key": "k-1"}]).events[0]
    again = store.append([in_force(effective="2025-10") | {"idempotency_key": "k-1"}])
    assert again.written == [False]
    assert again.events[0] == first
    assert count(store) == 1


def test_derived_key_makes_identical_content_idempotent(store: EventStore) -> None:
    first = store.append([in_force()])
    second = store.append([in_force()])
    third = store.append([in_force(effective="2025-10-01")])
    assert first.written == [True]
    assert second.written == [False]
    assert second.events[0].id == first.events[0].id
    assert third.written == [True]
    assert count(store) == 2


def test_duplicate_inside_one_batch_is_written_once(store: EventStore) -> None:
    result = store.append([office(1), office(1), office(2)])
    assert result.written == [True, False, True]
    assert result.events[0].id == result.events[1].id
    assert count(store) == 2


def test_expected_version_guards_the_subject_stream(store: EventStore) -> None:
    store.append([in_force()], expected_versions={"jp/ai-promotion-act": 0})
    assert store.stream_version("jp/ai-promotion-act") == 1
    with pytest.raises(ConcurrencyError, match="at version 1, not the expected 0"):
        store.append(
            [in_force(effective="2025-10"), office(7)],
            expected_versions={"jp/ai-promotion-act": 0},
        )
    assert count(store) == 1  # the whole batch was refused, office(7) included
    store.append([in_force(effective="2025-10")], expected_versions={"jp/ai-promotion-act": 1})
    assert store.stream_version("jp/ai-promotion-act") == 2


@pytest.mark.parametrize(("stored", "expected"), [(0, 1), (1, 2), (1, 5)])
def test_an_expected_version_ahead_of_the_stream_is_refused(
    store: EventStore, stored: int, expected: int
) -> None:
    store.append([in_force(effective=f"2025-0{n + 1}") for n in range(stored)])
    with pytest.raises(
        ConcurrencyError,
        match=f"at version {stored}, not the expected {expected}: the expected version is "
        "ahead of the stream",
    ):
        store.append(
            [in_force(effective="2026-01"), office(7)],
            expected_versions={"jp/ai-promotion-act": expected},
        )
    assert count(store) == stored  # nothing of the batch was written
    assert store.stream_version("jp/ai-promotion-act") == stored


def test_expected_version_of_a_stream_only_read_is_checked_too(store: EventStore) -> None:
    store.append([in_force()])
    with pytest.raises(ConcurrencyError, match="'jp/ai-promotion-act' is at version 1"):
        store.append([office(1)], expected_versions={"jp/ai-promotion-act": 0})
    store.append([office(1)], expected_versions={"jp/ai-promotion-act": 1})
    assert count(store) == 2


def test_idempotent_retry_passes_a_stale_expected_version(store: EventStore) -> None:
    store.append([in_force()], expected_versions={"jp/ai-promotion-act": 0})
    retry = store.append([in_force()], expected_versions={"jp/ai-promotion-act": 0})
    assert retry.written == [False]


def test_invalid_event_in_batch_writes_nothing(store: EventStore) -> None:
    bad = office(2) | {"jurisdictions": ["XX"]}
    with pytest.raises(InvalidEventError, match=r"event 2 of the batch: jurisdictions.0: unknown"):
        store.append([office(1), bad, office(3)])
    assert count(store) == 0


def test_correction_must_name_an_existing_event(store: EventStore) -> None:
    with pytest.raises(EventNotFoundError, match="no-such-id"):
        store.append([office(1), retraction("no-such-id")])
    assert count(store) == 0


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE events SET subject = 'x/y' WHERE seq = 1",
        "DELETE FROM events WHERE seq = 1",
    ],
)
def test_database_refuses_update_and_delete(
    store: EventStore, database_url: str, statement: str
) -> None:
    store.append([in_force()])
    engine = create_engine(database_url)
    with pytest.raises(Exception, match="append-only"), engine.begin() as conn:
        conn.execute(text(statement))
    engine.dispose()
    [event] = list(store.read())
    assert event.subject == "jp/ai-promotion-act"


def test_postgres_refuses_truncate(make_database_url: Any) -> None:
    database_url = make_database_url("postgresql")
    store = open_store(database_url)
    store.initialise()
    store.append([in_force()])
    engine = create_engine(database_url)
    with pytest.raises(Exception, match="append-only"), engine.begin() as conn:
        conn.execute(text("TRUNCATE events"))
    engine.dispose()
    assert count(store) == 1
    store.close()


def test_verify_accepts_an_intact_chain(store: EventStore) -> None:
    store.append([office(n) for n in range(5)])
    report = store.verify()
    assert report.ok
    assert (report.events, report.head_seq) == (5, 5)
    assert report.head_hash == list(store.read())[-1].hash


def test_verify_names_the_first_tampered_position(store: EventStore, database_url: str) -> None:
    store.append([office(n) for n in range(6)])
    tamper(database_url, 'UPDATE events SET payload = \'{"city":"Osaka"}\' WHERE seq = 3')
    report = store.verify()
    assert not report.ok
    assert report.broken_at == 3
    assert report.events == 2


# One forgery per stored column, behind the triggers' back: each must break the
# chain at the row it was made on.  (`seq` moves the row: the position is missing.)
_FORGERIES = {
    "seq": "seq = 100",
    "id": "id = '00000000-0000-8000-8000-000000000000'",
    "kind": "kind = 'body.established'",
    "subject": "subject = 'org/forged/office'",
    "stream_version": "stream_version = 7",
    "jurisdictions": "jurisdictions = ' FR '",
    "effective": "effective = '2025-12'",
    "effective_start": "effective_start = '2025-11-02'",
    "effective_end": "effective_end = '2025-11-29'",
    "recorded_at": None,  # per backend, below
    "idempotency_key": "idempotency_key = 'forged'",
    "schema_version": "schema_version = 9",
    "payload": """payload = '{"city":"Osaka","organisation":"Company 2"}'""",
    "sources": "sources = '[]'",
    "provenance": """provenance = '{"by":"someone else"}'""",
    "hash": "hash = '" + "f" * 64 + "'",
}


def test_every_stored_column_is_forged_in_the_tamper_test() -> None:
    assert set(_FORGERIES) == {column.name for column in events.columns}


@pytest.mark.parametrize("column", sorted(_FORGERIES))
def test_verify_names_the_position_of_a_forged_column(
    store: EventStore, database_url: str, backend: str, column: str
) -> None:
    store.append([office(n) for n in range(5)])
    forgery = _FORGERIES[column] or (
        "recorded_at = '2020-01-01T00:00:00.000000Z'"
        if backend == "sqlite"
        else "recorded_at = recorded_at - interval '1 second'"
    )
    tamper(database_url, f"UPDATE events SET {forgery} WHERE seq = 3")
    report = store.verify()
    assert (report.broken_at, report.events) == (3, 2), column
    assert not report.ok


def test_verify_notices_a_removed_event(store: EventStore, database_url: str) -> None:
    store.append([office(n) for n in range(4)])
    tamper(database_url, "DELETE FROM events WHERE seq = 2")
    report = store.verify()
    assert report.broken_at == 2
    assert "missing" in (report.detail or "")


def test_hash_chain_links_each_event_to_the_previous(store: EventStore) -> None:
    store.append([office(1), office(2)])
    first, second = store.read()
    row = {
        "seq": second.seq,
        "id": second.id,
        "kind": second.kind,
        "subject": second.subject,
        "stream_version": second.stream_version,
        "jurisdictions": " " + " ".join(second.jurisdictions) + " ",
        "effective": str(second.effective),
        "effective_start": second.effective.start,
        "effective_end": second.effective.end,
        "recorded_at_text": format_utc(second.recorded_at),
        "idempotency_key": second.idempotency_key,
        "schema_version": second.schema_version,
        "payload": second.payload_json,
        "sources": second.sources_json,
        "provenance": second.provenance_json,
    }
    assert second.hash == chain_hash(first.hash, row)
    assert first.hash != chain_hash(GENESIS_HASH, row)


def test_filters_select_by_jurisdiction_kind_subject_and_dates(store: EventStore) -> None:
    store.append(
        [
            in_force(),  # JP 2025-09-01
            in_force("eu/ai-act", "2024-08-01", ["EU"], title="AI Act", binding=True),
            office(1),  # JP 2025-11
            in_force("fr/x", "2025", ["FR"], title="Loi", binding=True),
        ]
    )

    def subjects(**kwargs: Any) -> list[str]:
        return [e.subject for e in store.read(EventFilter(**kwargs))]

    assert subjects(jurisdiction="JP") == ["jp/ai-promotion-act", "org/company-1/office"]
    assert subjects(jurisdiction="J") == []  # whole codes only
    assert subjects(kinds=frozenset({"office.opened"})) == ["org/company-1/office"]
    assert subjects(subject="eu/ai-act") == ["eu/ai-act"]
    # Partial dates are intervals: "2025-11" meets November, "2025" meets any 2025 day.
    assert subjects(effective_from=dt.date(2025, 11, 15), effective_to=dt.date(2025, 11, 15)) == [
        "org/company-1/office",
        "fr/x",
    ]
    assert subjects(effective_to=dt.date(2024, 12, 31)) == ["eu/ai-act"]
    assert subjects(after_seq=3) == ["fr/x"]
    assert subjects(limit=2) == ["jp/ai-promotion-act", "eu/ai-act"]


def test_known_at_hides_what_was_recorded_later(store: EventStore) -> None:
    first = store.append([office(1)]).events[0]
    store.append([office(2)])
    seen = [e.seq for e in store.read(EventFilter(known_at=first.recorded_at))]
    assert seen == [1]


def test_reads_stream_in_batches(store: EventStore) -> None:
    store.append([office(n) for n in range(250)])
    store.read_batch = 16  # type: ignore[attr-defined]
    reader = store.read()
    assert next(reader).seq == 1
    assert [e.seq for e in reader] == list(range(2, 251))


def test_get_by_id_or_position(store: EventStore) -> None:
    stored = store.append([office(1)]).events[0]
    assert store.get(stored.id) == stored
    assert store.get(1) == stored
    assert store.get("1") == stored
    with pytest.raises(EventNotFoundError, match="no event '2' in the log"):
        store.get(2)


def test_uninitialised_database_is_a_clear_error(database_url: str) -> None:
    fresh = open_store(database_url)
    with pytest.raises(NotInitialisedError, match="run `timeline init` first"):
        list(fresh.read())
    fresh.close()


def test_initialise_twice_is_harmless(store: EventStore) -> None:
    store.append([office(1)])
    store.initialise()
    assert count(store) == 1


def test_migrations_match_the_table_metadata(store: EventStore, database_url: str) -> None:
    engine = create_engine(database_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    engine.dispose()
    assert diff == []


def test_read_only_store_refuses_appends(store: EventStore, database_url: str) -> None:
    store.append([office(1)])
    reader = open_store(database_url, read_only=True)
    assert [e.seq for e in reader.read()] == [1]
    with pytest.raises(StoreError, match=r"read-only|readonly"):
        reader.append([office(2)])
    reader.close()


def test_payload_stored_under_an_old_schema_is_upcast(store: EventStore, database_url: str) -> None:
    """Version 1 of instrument.in_force held `max_penalty_eur`; it loads as today's model."""
    row = {
        "seq": 1,
        "id": "00000000-0000-0000-0000-000000000001",
        "kind": "instrument.in_force",
        "subject": "eu/ai-act",
        "stream_version": 1,
        "jurisdictions": " EU ",
        "effective": "2025-08-02",
        "effective_start": dt.date(2025, 8, 2),
        "effective_end": dt.date(2025, 8, 2),
        "recorded_at": dt.datetime(2025, 8, 3, tzinfo=dt.UTC),
        "idempotency_key": "legacy-1",
        "schema_version": 1,
        "payload": '{"binding":true,"max_penalty_eur":35000000,"title":"AI Act"}',
        "sources": '[{"publisher":"EUR-Lex","title":"Regulation (EU) 2024/1689"}]',
        "provenance": None,
        "hash": "0" * 64,
    }
    engine = create_engine(database_url)
    with engine.begin() as conn:
        conn.execute(events.insert(), row)
    engine.dispose()

    event = store.get(1)
    assert event.payload["max_penalty"] == {"amount": "35000000", "currency": "EUR"}
    model = event.to_event()
    assert model.payload.max_penalty is not None  # type: ignore[union-attr]
    assert model.payload.max_penalty.currency == "EUR"  # type: ignore[union-attr]
    assert SOURCE["publisher"] != model.sources[0].publisher  # the stored source, untouched


def test_append_restores_the_garbage_collector_as_it_found_it(store: EventStore) -> None:
    import gc

    assert gc.isenabled()
    store.append([office(1)])
    assert gc.isenabled()
    with pytest.raises(InvalidEventError):
        store.append([office(2), {"kind": "office.opened"}])
    assert gc.isenabled(), "a failed append must give the collector back too"
    gc.disable()
    try:
        store.append([office(3)])
        assert not gc.isenabled(), "a collector the caller turned off stays off"
    finally:
        gc.enable()


def test_gc_pause_counts_nested_and_concurrent_users() -> None:
    import gc
    import threading

    from timeline.gc_pause import cyclic_gc_paused

    inside, release = threading.Event(), threading.Event()

    def other_appender() -> None:
        with cyclic_gc_paused():
            inside.set()
            release.wait(10)

    worker = threading.Thread(target=other_appender)
    with cyclic_gc_paused():
        worker.start()
        assert inside.wait(10)
        assert not gc.isenabled()
    assert not gc.isenabled(), "the other thread is still appending"
    release.set()
    worker.join(10)
    assert gc.isenabled()


def test_records_returned_by_an_append_equal_what_is_read_back(store: EventStore) -> None:
    store.append([office(1)])
    result = store.append([office(1), office(2), office(2), office(3)])
    assert result.written == [False, True, False, True]
    read = {e.seq: e for e in store.read()}
    assert [e.seq for e in result.events] == [1, 2, 2, 3]
    assert result.events == [read[e.seq] for e in result.events]
    assert result.events is result.events  # built once


def test_sqlite_appender_connection_checkpoints_less_often_than_readers(
    make_database_url: Any,
) -> None:
    from timeline.store.sqlite import SqliteEventStore

    store = open_store(make_database_url("sqlite"))
    assert isinstance(store, SqliteEventStore)
    store.initialise()
    store.append([office(1)])
    pragmas = ("wal_autocheckpoint", "cache_size", "journal_mode", "synchronous")

    def settings(engine: Any) -> dict[str, Any]:
        with engine.connect() as conn:
            return {p: conn.exec_driver_sql(f"PRAGMA {p}").scalar() for p in pragmas}

    # synchronous 2 = FULL: every commit is still fsynced on both.
    assert settings(store.write_engine) == {
        "wal_autocheckpoint": 10000,
        "cache_size": -262144,
        "journal_mode": "wal",
        "synchronous": 2,
    }
    assert settings(store.engine) == {
        "wal_autocheckpoint": 1000,
        "cache_size": -2000,
        "journal_mode": "wal",
        "synchronous": 2,
    }
    store.close()


def test_a_read_connection_sees_one_snapshot_while_others_commit(
    store: EventStore, database_url: str
) -> None:
    # Projections read a snapshot row and then the facts after it on one read
    # connection; a commit in between must not show up in the second read.
    store.append([office(1)])
    other = open_store(database_url)
    try:
        with store.read_connection() as conn:  # type: ignore[attr-defined]
            first = conn.execute(text("SELECT count(*) FROM events")).scalar_one()
            other.append([office(2)])
            again = conn.execute(text("SELECT count(*) FROM events")).scalar_one()
        assert (first, again) == (1, 1)
        with store.read_connection() as conn:  # type: ignore[attr-defined]
            assert conn.execute(text("SELECT count(*) FROM events")).scalar_one() == 2
    finally:
        other.close()
