"""Property: the runner's incremental, snapshotted answer is the naive fold's, always.

Random logs with partial dates, corrections (of dates, payloads and
jurisdictions), retractions and facts recorded in any valid-time order; the
runner catches up after some batches and not others; snapshots every 2 facts
so that every path (snapshot found, skipped for an old known-at, invalidated
by a late fact) is taken.  For random days D and transaction times T, the
answer must equal `reference_state`, the fold of the whole log by definition.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import SOURCE
from tests.projections.conftest import open_timeline
from tests.projections.oracle import reference_state
from timeline.errors import TimelineError

CODES = ["JP", "FR", "EU"]
SUBJECTS = ["jp/act-a", "jp/act-b", "eu/act-c", "org/x/office", "org/y/office"]
# Days that stages of application and the postponements naming them share, so that
# proposals and amendments find the stages they move.
STAGE_DAYS = ["2025-06-15", "2025-09", "2026"]


@st.composite
def partial_dates(draw: st.DrawFn) -> str:
    year = draw(st.integers(2024, 2026))
    precision = draw(st.sampled_from(["year", "month", "day", "day"]))
    if precision == "year":
        return str(year)
    month = draw(st.integers(1, 12))
    if precision == "month":
        return f"{year}-{month:02d}"
    return f"{year}-{month:02d}-{draw(st.integers(1, 28)):02d}"


@st.composite
def facts(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(
        st.sampled_from(
            [
                "instrument.proposed",
                "instrument.adopted",
                "instrument.in_force",
                "instrument.repealed",
                "office.opened",
                "metric.reported",
            ]
        )
    )
    jurisdictions = draw(st.lists(st.sampled_from(CODES), min_size=1, max_size=2, unique=True))
    payload: dict[str, Any]
    if kind.startswith("instrument"):
        payload = {"title": draw(st.sampled_from(["Act A", "Act B"]))}
        if kind in ("instrument.proposed", "instrument.adopted") and draw(st.booleans()):
            payload["amends"] = draw(st.sampled_from(SUBJECTS[:3]))
            payload["postpones"] = [
                {"stage": draw(st.sampled_from(STAGE_DAYS)), "to": draw(partial_dates())}
            ]
        if kind == "instrument.in_force":
            if draw(st.booleans()):
                payload["stage"] = draw(st.sampled_from(["stage one", "stage two"]))
            payload["binding"] = draw(st.booleans())
            if draw(st.booleans()):
                payload["max_penalty"] = {
                    "amount": draw(st.integers(0, 5)) * 1000,
                    "currency": "EUR",
                }
    elif kind == "office.opened":
        payload = {"organisation": "Org", "city": draw(st.sampled_from(["Tokyo", "Paris"]))}
    else:
        payload = {
            "name": draw(st.sampled_from(["rank", "deficit"])),
            "value": draw(st.integers(0, 9)),
            "unit": "n",
            "period": "2024",
        }
    return {
        "kind": kind,
        "subject": draw(st.sampled_from(SUBJECTS)),
        "jurisdictions": jurisdictions,
        "effective": draw(st.one_of(partial_dates(), st.sampled_from(STAGE_DAYS))),
        "sources": [SOURCE],
        "payload": payload,
    }


operations = st.one_of(
    st.tuples(st.just("append"), st.lists(facts(), min_size=1, max_size=4)),
    st.tuples(st.just("correct"), st.integers(0, 99), partial_dates(), st.sampled_from(CODES)),
    st.tuples(st.just("retract"), st.integers(0, 99)),
    st.tuples(st.just("catch_up")),
)

days = st.dates(dt.date(2023, 12, 1), dt.date(2027, 1, 31))


def _run(database_url: str, ops: list[tuple[Any, ...]], queries: list[tuple[dt.date, int]]) -> None:
    tl = open_timeline(database_url, snapshot_every=2, space_by_state_size=False)
    try:
        fact_ids: list[str] = []
        moments: list[dt.datetime] = []
        for op in ops:
            try:
                if op[0] == "append":
                    result = tl.append(op[1])
                    fact_ids += [e.id for e in result.events]
                    moments.append(result.events[-1].recorded_at)
                elif op[0] == "catch_up":
                    tl.catch_up()
                elif fact_ids:
                    target = fact_ids[op[1] % len(fact_ids)]
                    if op[0] == "correct":
                        event = tl.correct(
                            target, {"effective": op[2], "jurisdictions": [op[3]]}, "moved"
                        )
                    else:
                        event = tl.retract(target, "withdrawn")
                    moments.append(event.recorded_at)
            except TimelineError:
                continue  # e.g. correcting a retracted fact: refused, nothing written
        if not moments:
            return
        everything = list(tl.log())
        definition = tl.projections.definition("governance")
        for day, moment_index in queries:
            known_at = moments[moment_index % len(moments)]
            for code in CODES:
                expected = reference_state(definition, everything, code, day, known_at)
                assert tl.state(code, day, known_at=known_at) == expected, (code, day, known_at)
    finally:
        tl.close()


@pytest.mark.slow
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    ops=st.lists(operations, min_size=1, max_size=14),
    queries=st.lists(st.tuples(days, st.integers(0, 50)), min_size=1, max_size=6),
)
def test_snapshotted_answer_equals_the_reference_fold_sqlite(
    ops: list[tuple[Any, ...]],
    queries: list[tuple[dt.date, int]],
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    path: Path = tmp_path_factory.mktemp("prop") / "t.db"
    _run(f"sqlite:///{path}", ops, queries)


@pytest.mark.slow
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    ops=st.lists(operations, min_size=1, max_size=14),
    queries=st.lists(st.tuples(days, st.integers(0, 50)), min_size=1, max_size=6),
)
def test_snapshotted_answer_equals_the_reference_fold_postgresql(
    ops: list[tuple[Any, ...]],
    queries: list[tuple[dt.date, int]],
    make_database_url: Any,
) -> None:
    _run(make_database_url("postgresql"), ops, queries)
