"""Whole-log answers stream, on every backend: `history` reads the fact index a
page at a time, all pages as known at one moment, and a whole-log read is an
index range, never a sort of the index."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import text

from tests.factories import office
from tests.projections.conftest import EVENTS, open_timeline
from timeline.app import Timeline
from timeline.store.sql.events import SqlEventStore
from timeline.store.sql.readmodels import SqlReadModelSession


def test_pages_fit_together_as_known_at_one_moment(curated: Timeline) -> None:
    whole = curated.history()
    runner = curated.projections
    pages = runner.iter_facts(None, page=3)
    first = [next(pages) for _ in range(3)]
    # A fact appended (and indexed) mid-read, dated after the cursor: not in this
    # answer, which is as known when it began.
    curated.append([office(1) | {"effective": "2099-01-01"}])
    curated.catch_up()
    rest = list(pages)
    assert [f.cites for f in first + rest] == [tuple(e["events"]) for e in whole]
    assert len(curated.history()) == len(whole) + 1
    # Facts filed under several jurisdictions come once, across page ends too.
    assert len({f.fact_seq for f in first + rest}) == len(whole)


def _crowded_new_year(timeline: Timeline) -> None:
    """Facts known only to their year, all starting on 2025-01-01 (some under two
    jurisdictions), among facts of days before and after it."""
    timeline.append(
        [office(n) | {"effective": "2025"} for n in range(12)]
        + [office(n) | {"effective": "2025", "jurisdictions": ["JP", "KR"]} for n in range(12, 18)]
        + [office(n) | {"effective": f"2024-12-{20 + n % 10}"} for n in range(18, 24)]
        + [office(n) | {"effective": f"2025-01-{2 + n % 20:02d}"} for n in range(24, 30)]
    )
    timeline.catch_up()


def test_a_window_read_page_by_page_is_the_window(timeline: Timeline) -> None:
    _crowded_new_year(timeline)
    runner = timeline.projections
    window: dict[str, Any] = {
        "start_after": dt.date(2024, 12, 24),
        "start_until": dt.date(2025, 1, 10),
    }
    whole = list(runner.iter_facts(None, **window, page=1000))
    for page in (1, 2, 5):
        paged = list(runner.iter_facts(None, **window, page=page))
        assert [f.cites for f in paged] == [f.cites for f in whole]
    starts = [f.start for f in whole]
    assert starts == sorted(starts)
    assert starts.count(dt.date(2025, 1, 1)) == 18
    assert min(starts) > dt.date(2024, 12, 24)
    assert max(starts) <= dt.date(2025, 1, 10)


def test_a_page_of_a_window_reads_on_from_its_cursor(
    timeline: Timeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    # With the window's first day as the index range's start beside the cursor,
    # SQLite read every row before the cursor again on every page: a window
    # holding 1 January cost its row count squared over the page size.
    _crowded_new_year(timeline)
    statements: list[tuple[str, tuple[Any, ...]]] = []
    read = SqlReadModelSession._driver_rows

    def recorded(self: SqlReadModelSession, sql: str, parameters: Any) -> Any:
        statements.append((sql, tuple(parameters)))
        return read(self, sql, parameters)

    monkeypatch.setattr(SqlReadModelSession, "_driver_rows", recorded)
    window = {"start_after": dt.date(2024, 12, 24), "start_until": dt.date(2025, 1, 10)}
    assert len(list(timeline.projections.iter_facts(None, **window, page=4))) > 8
    pages = [
        (sql, p) for sql, p in statements if "effective_start, effective_end, fact_seq)" in sql
    ]
    assert len(pages) > 2
    store = timeline.store
    assert isinstance(store, SqlEventStore)
    with store.read_connection() as conn:
        for sql, parameters in pages:
            if conn.dialect.name == "sqlite":
                plan = " ".join(
                    str(r[-1])
                    for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", parameters)
                )
                assert "(effective_start,effective_end,fact_seq)>(?,?,?)" in plan, plan
            else:
                conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
                conn.exec_driver_sql("SET LOCAL enable_bitmapscan = off")
                plan = " ".join(r[0] for r in conn.exec_driver_sql(f"EXPLAIN {sql}", parameters))
                assert "Index Cond: ((ROW((effective_start)::text" in plan, plan
                assert "(effective_start)::text > " not in plan, plan  # the cursor only
            assert "TEMP B-TREE" not in plan, plan
            assert "Sort" not in plan, plan


def test_history_streams_from_the_cli_entry(curated: Timeline) -> None:
    streamed = curated.iter_history()
    assert next(streamed) == curated.history()[0]
    assert list(streamed) == curated.history()[1:]


def test_a_whole_log_read_is_an_index_range_not_a_sort(timeline: Timeline) -> None:
    timeline.import_path(EVENTS)
    timeline.catch_up()
    _assert_start_index_used(timeline)


def test_a_bulk_build_puts_the_start_index_back(database_url: str) -> None:
    # A backlog above bulk_backlog is built without the index, which comes back at
    # the end; and a catch-up brings it back if a crash left it dropped.
    tl = open_timeline(database_url, bulk_backlog=5)
    try:
        tl.import_path(EVENTS)
        tl.catch_up()
        _assert_start_index_used(tl)
        with tl.store.read_models.transaction() as tx:
            tx.drop_start_index()
        tl.append([office(2)])
        tl.catch_up()
        _assert_start_index_used(tl)
    finally:
        tl.close()


def _assert_start_index_used(timeline: Timeline) -> None:
    store = timeline.store
    assert isinstance(store, SqlEventStore)
    query = (
        "SELECT * FROM fact_versions WHERE effective_start > '2025-01-01' "
        "AND effective_start <= '2025-02-01' "
        "ORDER BY effective_start, effective_end, fact_seq LIMIT 10"
    )
    with store.read_connection() as conn:
        if conn.dialect.name == "sqlite":
            plan = " ".join(str(r[-1]) for r in conn.execute(text(f"EXPLAIN QUERY PLAN {query}")))
            assert "ix_fact_versions_start" in plan, plan
            assert "TEMP B-TREE" not in plan, plan
        else:
            conn.execute(text("SET LOCAL enable_seqscan = off"))
            plan = " ".join(r[0] for r in conn.execute(text(f"EXPLAIN {query}")))
            assert "ix_fact_versions_start" in plan, plan
            assert "Sort" not in plan, plan
