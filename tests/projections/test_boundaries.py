"""The read models at their exact boundaries, each as an example on every backend
(the property test finds them too, but only after minutes of random search).

- a version is known from its `tx_from` on, and superseded from its `tx_to` on:
  at T == tx_to the correction is what the log says;
- a fact recorded late whose interval ends on day E invalidates the snapshot
  taken *on* E, not only those after it;
- a snapshot is used only by a known-at at or after its `knowledge_since`.
- `history` and `upcoming` asked with a known-at before a correction or a
  retraction answer as the log knew it then (the digest re-renders past weeks so).
"""

from __future__ import annotations

import datetime as dt
import time

from sqlalchemy import select

from tests.factories import in_force, office
from tests.projections.conftest import open_timeline
from tests.projections.oracle import reference_state
from timeline.app import Timeline
from timeline.store.base import format_utc
from timeline.store.sql.schema import projection_snapshots

MICROSECOND = dt.timedelta(microseconds=1)


def D(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def _titles(state: dict[str, object]) -> list[str]:
    return [item["title"] for item in state["instruments"]]  # type: ignore[attr-defined, index]


def _snapshot_rows(tl: Timeline) -> list[tuple[str, str]]:
    """(valid_date, knowledge_since) of JP's governance snapshots, by date."""
    ps = projection_snapshots.c
    with tl.store.read_connection() as conn:  # type: ignore[attr-defined]
        rows = conn.execute(
            select(ps.valid_date, ps.knowledge_since)
            .where(ps.projection == "governance", ps.jurisdiction == "JP")
            .order_by(ps.valid_date)
        ).all()
    return [(day, knowledge) for day, knowledge in rows]


def test_at_the_moment_of_a_correction_the_correction_is_known(timeline: Timeline) -> None:
    [act] = timeline.append([in_force(effective="2025-09-01")]).events
    time.sleep(0.01)
    correction = timeline.correct(act.id, {"effective": "2025-10-01"}, "misread")
    day = D("2025-09-15")
    just_before = correction.recorded_at - MICROSECOND
    assert _titles(timeline.state("JP", day, known_at=just_before)) == ["AI Promotion Act"]
    assert _titles(timeline.state("JP", day, known_at=correction.recorded_at)) == []
    [then] = timeline.history("JP", known_at=just_before)
    [at] = timeline.history("JP", known_at=correction.recorded_at)
    assert (then["effective"], at["effective"]) == ("2025-09-01", "2025-10-01")
    assert at["events"] == [act.id, correction.id]


def test_a_late_fact_ending_on_a_snapshot_day_invalidates_that_snapshot(
    database_url: str,
) -> None:
    tl = open_timeline(database_url, snapshot_every=2, space_by_state_size=False)
    days = [D("2024-01-01") + dt.timedelta(days=10 * i) for i in range(12)]
    tl.append([office(i) | {"effective": d.isoformat()} for i, d in enumerate(days)])
    tl.catch_up()
    snapshot_days = [day for day, _ in _snapshot_rows(tl)]
    on = snapshot_days[len(snapshot_days) // 2]
    late = office(99) | {"effective": on}  # its interval ends exactly on that day
    tl.append([late])
    tl.catch_up()
    state = tl.state("JP", D(on))
    assert "Company 99" in [item["title"] for item in state["offices"]]
    now = dt.datetime.now(dt.UTC)
    definition = tl.projections.definition("governance")
    assert tl.state("JP", D(on), known_at=now) == reference_state(
        definition, list(tl.log()), "JP", D(on), now
    )
    tl.close()


def test_a_snapshot_serves_only_a_known_at_from_its_knowledge_on(database_url: str) -> None:
    tl = open_timeline(database_url, snapshot_every=2, space_by_state_size=False)
    tl.append([office(i) | {"effective": f"2024-0{i + 1}-01"} for i in range(8)])
    tl.catch_up()
    time.sleep(0.01)
    # Recorded later and ending before most facts: the snapshots from its end on
    # are rebuilt knowing it, so their knowledge starts at its transaction time.
    [late] = tl.append([office(9) | {"effective": "2024-01-15"}]).events
    tl.catch_up()
    learned = late.recorded_at
    rebuilt = [day for day, known in _snapshot_rows(tl) if known == format_utc(learned)]
    assert rebuilt, "a snapshot whose knowledge starts exactly when the late fact was recorded"
    as_of = D("2024-08-15")
    assert as_of.isoformat() >= rebuilt[-1]
    for known_at, has_late in ((learned - MICROSECOND, False), (learned, True)):
        offices = tl.state("JP", as_of, known_at=known_at)["offices"]
        assert ("Company 9" in [item["title"] for item in offices]) is has_late, known_at
        assert len(offices) == 8 + has_late
    tl.close()


def test_history_and_upcoming_answer_as_known_before_a_correction_or_retraction(
    timeline: Timeline,
) -> None:
    act, opened = timeline.append(
        [in_force(effective="2026-03-01"), office(1) | {"effective": "2026-02-10"}]
    ).events
    time.sleep(0.01)
    timeline.correct(act.id, {"effective": "2026-05-01"}, "postponed")
    timeline.retract(opened.id, "never opened")
    then = opened.recorded_at

    past = timeline.history("JP", known_at=then)
    assert [(f["subject"], f["effective"]) for f in past] == [
        ("org/company-1/office", "2026-02-10"),
        ("jp/ai-promotion-act", "2026-03-01"),
    ]
    assert [(f["subject"], f["effective"]) for f in timeline.history("JP")] == [
        ("jp/ai-promotion-act", "2026-05-01")
    ]
    assert [f["events"] for f in timeline.history(known_at=then)] == [[opened.id], [act.id]]

    coming = timeline.upcoming("JP", D("2026-01-01"), 90, known_at=then)
    assert [f["effective"] for f in coming] == ["2026-02-10", "2026-03-01"]
    assert timeline.upcoming("JP", D("2026-01-01"), 90) == []
    assert [
        f["effective"] for f in timeline.upcoming(None, D("2026-01-01"), 90, known_at=then)
    ] == [
        "2026-02-10",
        "2026-03-01",
    ]
