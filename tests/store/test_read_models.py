"""The read-model repository (`EventStore.read_models`), run against every backend."""

from __future__ import annotations

import pytest

from tests.factories import office, retraction
from timeline.store import EventStore
from timeline.store.base import FACT_COLUMNS, LOG_COLUMNS, Snapshot, format_utc


def _fact_row(fact_seq: int, end: str, tx_from: str) -> list[object]:
    row: dict[str, object] = {
        "fact_seq": fact_seq,
        "version_seq": fact_seq,
        "jurisdiction": "JP",
        "kind": "office.opened",
        "subject": f"org/company-{fact_seq}/office",
        "jurisdictions": "JP",
        "effective": end[:7],
        "effective_start": end[:8] + "01",
        "effective_end": end,
        "tx_from": tx_from,
        "tx_to": None,
        "cites": f"id-{fact_seq}",
        "payload": '{"city":"Tokyo"}',
    }
    return [row[c] for c in FACT_COLUMNS]


def test_log_rows_are_the_stored_text_on_every_backend(store: EventStore) -> None:
    with store.read_models.view() as view:
        assert view.first_recorded_at() is None  # an empty log
    [first, second] = store.append([office(1), office(2)]).events
    store.append([office(3)])
    with store.read_models.view() as view:
        assert view.head() == 3
        assert view.first_recorded_at() == first.recorded_at
        rows = view.log_rows(0, 10)
        assert [row[0] for row in view.log_rows(1, 10)] == [2, 3]
        assert view.positions_of([second.id, "no-such-id"]) == {second.id: 2}
    row = dict(zip(LOG_COLUMNS, rows[0], strict=True))
    assert row["id"] == first.id
    assert row["jurisdictions"] == " JP "
    assert (row["effective"], row["effective_start"], row["effective_end"]) == (
        "2025-11",
        "2025-11-01",
        "2025-11-30",
    )
    # The same spelling as the index writes transaction times in, whatever the column type.
    assert row["recorded_at"] == format_utc(first.recorded_at)
    assert row["schema_version"] == first.schema_version
    assert row["payload"] == first.payload_json


def test_versions_are_opened_closed_and_seen_as_of_a_time(store: EventStore) -> None:
    store.append([office(1)])  # a log to be past: the checks read its head
    early, late = "2026-01-01T00:00:00.000000Z", "2026-02-01T00:00:00.000000Z"
    with store.read_models.transaction() as tx:
        tx.insert_versions([_fact_row(2, "2025-12-31", early), _fact_row(1, "2025-11-30", early)])
        tx.close_versions([(late, 2)])
        tx.save_checkpoint("facts", "fact-index-1", 1)
        tx.save_checkpoint("facts", "fact-index-1", 2)  # saved again: replaced
    with store.read_models.view() as view:
        assert view.checkpoints() == {"facts": ("fact-index-1", 2)}
        assert [r[0] for r in view.versions(early)] == [1, 2]
        assert [r[0] for r in view.versions(late)] == [1], "closed at `late`"
        assert view.open_versions(2) == []
        assert view.open_versions(1) == [tuple(_fact_row(1, "2025-11-30", early)[:9])]
        assert view.fact_counts() == {"JP": 1}
        assert view.valid_time_range() == ("2025-11-01", "2025-11-30")
        assert view.jurisdictions_with({"office.opened"}) == ["JP"]
        scan = view.fact_scan("JP", {"office.opened"})
        assert [(r[0], r[2]) for r in scan] == [("2025-11-30", None), ("2025-12-31", late)]
        assert view.fact_scan("JP", {"office.opened"}, end_after="2025-11-30", known_at=late) == []
        # December holds the 15th but ends after it; November is certain by then.
        [uncertain] = view.uncertain_versions("JP", {"office.opened"}, "2025-12-15", early)
        closed = _fact_row(2, "2025-12-31", early)
        closed[FACT_COLUMNS.index("tx_to")] = late
        assert list(uncertain) == closed
        assert view.uncertain_versions("JP", {"office.opened"}, "2025-12-15", late) == []
        assert view.uncertain_versions("JP", {"office.opened"}, "9999-12-31", early) == []


def test_snapshots_are_found_by_day_and_knowledge(store: EventStore) -> None:
    store.append([office(1)])
    older = Snapshot("2025-01-31", "2026-01-01T00:00:00.000000Z", 3, b"older")
    newer = Snapshot("2025-06-30", "2026-03-01T00:00:00.000000Z", 9, b"newer")
    with store.read_models.transaction() as tx:
        tx.insert_snapshots("governance", "JP", [older, newer])
    with store.read_models.view() as view:
        assert view.snapshot("governance", "JP") == newer
        assert view.snapshot("governance", "JP", on_or_before="2025-06-29") == older
        assert view.snapshot("governance", "JP", known_at="2026-02-01T00:00:00.000000Z") == older
        assert view.snapshot("governance", "FR") is None
    with store.read_models.transaction() as tx:
        tx.delete_snapshots("governance", "JP", from_date="2025-02-01")
    with store.read_models.view() as view:
        assert view.snapshot("governance", "JP") == older
    with store.read_models.transaction() as tx:
        tx.clear()
    with store.read_models.view() as view:
        assert view.snapshot("governance", "JP") is None
        assert view.checkpoints() == {}


def test_a_read_model_transaction_that_raises_writes_nothing(store: EventStore) -> None:
    [fact] = store.append([office(1)]).events
    store.append([retraction(fact.id) | {"subject": fact.subject}])

    def fail_mid_batch() -> None:
        with store.read_models.transaction() as tx:
            tx.save_checkpoint("facts", "fact-index-1", 2)
            raise RuntimeError("mid-batch")

    with pytest.raises(RuntimeError, match="mid-batch"):
        fail_mid_batch()
    with store.read_models.view() as view:
        assert view.checkpoints() == {}
