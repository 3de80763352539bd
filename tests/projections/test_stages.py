"""Staged application: an act enters into force once and applies in stages.

The curated EU AI Act (events/eu-ai-act.toml) enters into force on 2024-08-01
and applies from 2025-02-02, 2025-08-02, 2026-08-02 and 2027-08-02; the
Digital Omnibus proposal (2025-11-19) would move the last two.  On every backend.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.factories import SOURCE
from tests.projections.oracle import reference_state
from timeline.app import Timeline
from timeline.projections.queries import stage_change_text

D = dt.date.fromisoformat
ACT = "eu/ai-act"
OMNIBUS = "eu/digital-omnibus-ai"


def _act(state: Any) -> dict[str, Any]:
    [act] = [item for item in state["instruments"] if item["subject"] == ACT]
    return dict(act)


def _stages(state: Any) -> list[tuple[str, str]]:
    return [(s["applies_from"], s["status"]) for s in _act(state)["stages"]]


def _adopt_the_omnibus(timeline: Timeline, on: str = "2026-07-20") -> None:
    timeline.append(
        [
            {
                "kind": "instrument.adopted",
                "subject": OMNIBUS,
                "jurisdictions": ["EU"],
                "effective": on,
                "sources": [SOURCE],
                "payload": {
                    "title": "Digital Omnibus on AI",
                    "amends": ACT,
                    "postpones": [{"stage": "2026-08-02", "to": "2027-12-02"}],
                },
            }
        ]
    )


def test_the_entry_into_force_stays_and_each_stage_is_listed(curated: Timeline) -> None:
    state = curated.state("EU", D("2025-09-01"))
    act = _act(state)
    assert act["status"] == "in_force"
    assert act["dates"]["in_force"] == "2024-08-01"  # not the latest stage's day
    assert _stages(state) == [
        ("2024-08-01", "applied"),
        ("2025-02-02", "applied"),
        ("2025-08-02", "applied"),
        ("2026-08-02", "next"),
        ("2027-08-02", "later"),
    ]
    annex_iii = act["stages"][3]
    assert annex_iii["summary"] == "high-risk obligations (Annex III)"
    assert "Art. 50: transparency obligations" in annex_iii["provisions"]
    assert annex_iii["events"]
    # Proposed on 2025-11-19: not yet on 2025-09-01.
    assert all("proposed" not in stage for stage in act["stages"])
    # Before the first stage, only the entry into force has applied.
    assert _stages(curated.state("EU", D("2024-12-31")))[:2] == [
        ("2024-08-01", "applied"),
        ("2025-02-02", "next"),
    ]


def test_a_proposed_postponement_shows_beside_its_stage_and_moves_nothing(
    curated: Timeline,
) -> None:
    state = curated.state("EU", D("2026-01-01"))
    by_day = {s["from"]: s for s in _act(state)["stages"]}
    [proposal] = by_day["2026-08-02"]["proposed"]
    assert (proposal["to"], proposal["by"]) == ("2027-12-02", OMNIBUS)
    assert by_day["2027-08-02"]["proposed"][0]["to"] == "2028-08-02"
    assert by_day["2026-08-02"]["status"] == "next"
    # The day comes: the stage applies as the Act says, the proposal still beside it.
    after = curated.state("EU", D("2026-09-01"))
    moved = {s["from"]: s for s in _act(after)["stages"]}["2026-08-02"]
    assert (moved["status"], moved["applies_from"]) == ("applied", "2026-08-02")
    assert moved["proposed"]
    assert "moved" not in moved
    # The proposal is an instrument of its own, proposed, not in force.
    [omnibus] = [i for i in after["instruments"] if i["subject"] == OMNIBUS]
    assert omnibus["status"] == "proposed"


def test_an_adopted_amendment_moves_the_stage(curated: Timeline) -> None:
    before_adoption = dt.datetime.now(dt.UTC)
    _adopt_the_omnibus(curated)
    state = curated.state("EU", D("2026-09-01"))
    assert _stages(state)[3:] == [("2027-08-02", "next"), ("2027-12-02", "later")]
    stage = {s["from"]: s for s in _act(state)["stages"]}["2026-08-02"]
    assert (stage["moved"]["to"], stage["moved"]["by"]) == ("2027-12-02", OMNIBUS)
    assert _act(state)["dates"]["in_force"] == "2024-08-01"
    assert _stages(curated.state("EU", D("2028-01-01")))[4] == ("2027-12-02", "applied")
    # As known before the amendment was recorded, the stage applied on its day.
    then = curated.state("EU", D("2026-09-01"), known_at=before_adoption)
    assert _stages(then)[3] == ("2026-08-02", "applied")
    # The diff says the stage moved, and not that it applied.
    changes = curated.diff("EU", D("2026-07-01"), D("2026-09-01"))["changes"]
    texts = [stage_change_text(c) for c in changes if "stage" in c]
    assert texts == ["stage of 2026-08-02 (high-risk obligations (Annex III)) moved to 2027-12-02"]


def test_diff_says_stage_applies_and_never_moves_the_in_force_date(curated: Timeline) -> None:
    changes = curated.diff("EU", D("2024-09-01"), D("2026-12-31"))["changes"]
    act = [c for c in changes if c.get("subject") == ACT]
    assert all("dates" not in c.get("fields", {}) for c in act)
    applied = [
        (c["effective"], stage_change_text(c)) for c in act if c["change"] == "stage applies"
    ]
    assert applied == [
        ("2025-02-02", "stage applies: prohibited AI practices and AI literacy"),
        ("2025-08-02", "stage applies: general-purpose AI models, governance and penalties"),
        ("2026-08-02", "stage applies: high-risk obligations (Annex III)"),
    ]
    proposed = [c["stage"]["to"] for c in act if c["change"] == "stage postponement proposed"]
    assert proposed == ["2027-12-02", "2028-08-02"]


def test_upcoming_and_history_name_the_stage(curated: Timeline) -> None:
    [coming] = curated.upcoming("EU", D("2026-07-15"), 30)
    assert coming["stage"] == "high-risk obligations (Annex III)"
    entry_into_force = [h for h in curated.history("EU") if h["effective"] == "2024-08-01"]
    assert [h.get("stage") for h in entry_into_force] == [None]


def test_the_fold_with_stages_equals_the_reference(curated: Timeline) -> None:
    _adopt_the_omnibus(curated)
    definition = curated.projections.definition("governance")
    events = list(curated.log())
    known_at = dt.datetime.now(dt.UTC)
    for day in ("2024-08-01", "2025-11-19", "2026-08-02", "2027-12-01", "2028-09-01"):
        expected = reference_state(definition, events, "EU", D(day), known_at)
        assert curated.state("EU", D(day), known_at) == expected, day
