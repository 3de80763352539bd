"""The governance state of the curated events, and how the runner keeps it, on every backend."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.factories import SOURCE, in_force, office
from tests.projections.conftest import PROJECTIONS, open_timeline
from tests.projections.oracle import reference_state
from timeline.app import Timeline
from timeline.bootstrap import background_jobs
from timeline.errors import KnownAtError, UnknownJurisdictionError, UnknownProjectionError
from timeline.model.jurisdictions import is_jurisdiction
from timeline.projections.definition import load_definitions
from timeline.projections.snapshots import decode_state, snapshot_tag
from timeline.store import open_store
from timeline.store.sql.schema import fact_versions, projection_snapshots

D = dt.date.fromisoformat


def _subjects(state: dict[str, Any], section: str) -> set[str]:
    return {item["subject"] for item in state[section]}


def _item(state: dict[str, Any], section: str, subject: str) -> dict[str, Any]:
    [found] = [item for item in state[section] if item["subject"] == subject]
    return found


def test_japan_act_takes_effect_on_2025_09_01(curated: Timeline) -> None:
    before = curated.state("JP", D("2025-08-31"))
    assert "jp/ai-promotion-act" not in _subjects(before, "instruments")
    assert "jp/ai-strategic-headquarters" not in _subjects(before, "bodies")
    assert before["max_penalty"] is None

    on = curated.state("JP", D("2025-09-01"))
    act = _item(on, "instruments", "jp/ai-promotion-act")
    assert act["status"] == "in_force"
    assert act["binding"] is False
    assert act["dates"]["in_force"] == "2025-09-01"
    assert act["events"], "every item names its events"
    assert on["max_penalty"]["value"] == {"amount": "0", "currency": "JPY"}
    assert on["max_penalty"]["subject"] == "jp/ai-promotion-act"
    assert "jp/ai-strategic-headquarters" in _subjects(on, "bodies")
    for key in (
        "jurisdiction",
        "as_of",
        "known_at",
        "instruments",
        "bodies",
        "agreements",
        "memberships",
        "meetings",
        "offices",
        "investments",
        "metrics",
        "max_penalty",
        "uncertain",
    ):
        assert key in on
    for section in ("instruments", "bodies", "agreements", "offices", "metrics"):
        for item in on[section]:
            assert {"subject", "title", "effective", "events"} <= item.keys()


def test_compare_japan_and_the_eu_in_mid_2026(curated: Timeline) -> None:
    result = curated.compare(["JP", "EU"], D("2026-06-30"))
    jp, eu = result["states"]["JP"], result["states"]["EU"]
    assert jp["max_penalty"]["value"] == {"amount": "0", "currency": "JPY"}
    assert eu["max_penalty"]["value"] == {
        "amount": "35000000",
        "currency": "EUR",
        "turnover_pct": "7",
    }
    assert "max_penalty" in result["differences"]
    ai_act = _item(eu, "instruments", "eu/ai-act")
    assert ai_act["status"] == "in_force"
    # The Digital Omnibus is a proposal: it postpones nothing.
    assert _item(eu, "instruments", "eu/digital-omnibus-ai")["status"] == "proposed"


def test_a_month_precise_office_is_uncertain_within_its_month(curated: Timeline) -> None:
    office_subject = "org/anthropic/tokyo-office"
    absent = curated.state("JP", D("2025-10-31"))
    assert office_subject not in _subjects(absent, "offices")
    assert office_subject not in {u["subject"] for u in absent["uncertain"]}
    within = curated.state("JP", D("2025-11-15"))
    assert office_subject not in _subjects(within, "offices")
    [entry] = [u for u in within["uncertain"] if u["subject"] == office_subject]
    assert entry["section"] == "offices"
    assert entry["effective"] == "2025-11"
    assert entry["certain_from"] == "2025-11-30"
    after = curated.state("JP", D("2025-12-01"))
    assert office_subject in _subjects(after, "offices")
    assert office_subject not in {u["subject"] for u in after["uncertain"]}


def test_known_at_reproduces_what_was_seen_then(timeline: Timeline) -> None:
    first = timeline.append([in_force(effective="2025-09-01")]).events[0]
    seen_then = first.recorded_at
    then_state = timeline.state("JP", D("2025-12-31"))
    timeline.retract(first.id, "wrong act")
    assert "jp/ai-promotion-act" not in _subjects(
        timeline.state("JP", D("2025-12-31")), "instruments"
    )
    again = timeline.state("JP", D("2025-12-31"), known_at=seen_then)
    assert _subjects(again, "instruments") == {"jp/ai-promotion-act"}
    assert again["instruments"] == then_state["instruments"]


def test_corrections_apply_from_when_they_were_recorded(timeline: Timeline) -> None:
    event = timeline.append([office(1)]).events[0]  # effective 2025-11
    before_correction = event.recorded_at
    correction = timeline.correct(event.id, {"effective": "2026-03-01"}, "opened later")
    now = timeline.state("JP", D("2025-12-31"))
    assert now["offices"] == []
    old = timeline.state("JP", D("2025-12-31"), known_at=before_correction)
    assert [o["subject"] for o in old["offices"]] == ["org/company-1/office"]
    later = timeline.state("JP", D("2026-03-01"))
    [item] = later["offices"]
    assert item["effective"] == "2026-03-01"
    assert item["events"] == [event.id, correction.id]


def test_a_correction_can_move_a_fact_to_another_jurisdiction(timeline: Timeline) -> None:
    event = timeline.append([office(1)]).events[0]
    timeline.correct(event.id, {"jurisdictions": ["KR"]}, "it was Seoul")
    assert timeline.state("JP", D("2026-01-01"))["offices"] == []
    assert [o["subject"] for o in timeline.state("KR", D("2026-01-01"))["offices"]] == [
        "org/company-1/office"
    ]


def test_bad_questions_are_clear_errors(curated: Timeline) -> None:
    with pytest.raises(UnknownJurisdictionError, match="did you mean"):
        curated.state("JPN", D("2025-09-01"))
    with pytest.raises(KnownAtError, match="before the first event"):
        curated.state("JP", D("2025-09-01"), known_at=dt.datetime(2001, 1, 1, tzinfo=dt.UTC))
    with pytest.raises(UnknownProjectionError, match="governance"):
        curated.state("JP", D("2025-09-01"), projection="nope")


def test_diff_history_and_upcoming(curated: Timeline) -> None:
    diff = curated.diff("JP", D("2025-08-31"), D("2025-09-01"))
    act = [c for c in diff["changes"] if c.get("subject") == "jp/ai-promotion-act"]
    assert act
    assert act[0]["change"] == "added"
    assert act[0]["events"]
    assert any(c["section"] == "max_penalty" for c in diff["changes"])
    eu = curated.diff("EU", D("2025-02-02"), D("2025-08-02"))
    [change, stage] = [c for c in eu["changes"] if c.get("subject") == "eu/ai-act"]
    assert change["change"] == "changed"
    assert change["fields"]["max_penalty"]["to"]["turnover_pct"] == "7"
    assert "dates" not in change["fields"]  # a stage never moves the entry into force
    assert stage["change"] == "stage applies"

    history = curated.history("EU")
    dates = [h["effective"] for h in history]
    assert dates == sorted(dates)
    assert "2026-08-02" in dates

    upcoming = curated.upcoming("EU", D("2026-07-15"), 30)
    assert [(u["subject"], u["effective"]) for u in upcoming] == [("eu/ai-act", "2026-08-02")]
    assert curated.upcoming("EU", D("2026-07-15"), 10) == []


def test_partners_projection_from_its_file(curated: Timeline) -> None:
    partners = curated.state("JP", D("2026-06-30"), projection="partners")
    codes = {p["key"] for p in partners["partners"]}
    assert {"FR", "IN"} <= codes
    assert "JP" not in codes
    assert partners["partner_count"] == len(partners["partners"])


def test_partners_are_jurisdictions_and_organisations_are_listed_apart(
    curated: Timeline,
) -> None:
    partners = curated.state("JP", D("2026-06-30"), projection="partners")
    codes = {p["key"] for p in partners["partners"]}
    assert "Japan AI Safety Institute" not in codes
    assert "Anthropic" not in codes
    assert {"FR", "IN", "ASEAN"} <= codes
    assert all(is_jurisdiction(code) for code in codes)
    organisations = {o["key"]: o for o in partners["organisations"]}
    assert {"Anthropic", "Japan AI Safety Institute"} <= set(organisations)
    assert organisations["Anthropic"]["agreements"] == [
        "Memorandum of Cooperation between Anthropic and the Japan AI Safety Institute"
    ]
    assert partners["partner_count"] == len(codes)


def test_a_new_definition_file_is_queryable_and_an_edit_rebuilds(
    database_url: str, tmp_path: Path
) -> None:
    folder = tmp_path / "projections"
    shutil.copytree(PROJECTIONS, folder)
    (folder / "offices_by_city.toml").write_text(
        'name = "offices_by_city"\nsections = ["cities"]\n\n[[rule]]\non = "office.opened"\n'
        'section = "cities"\nkey = "$payload.city"\nset = { title = "$payload.city" }\n'
        'add = { organisations = "$payload.organisation" }\n'
    )
    tl = open_timeline(database_url, folder)
    tl.append([office(1), office(2)])
    cities = tl.state("JP", D("2026-01-01"), projection="offices_by_city")
    assert cities["cities"][0]["organisations"] == ["Company 1", "Company 2"]
    tl.close()

    governance = folder / "governance.toml"
    governance.write_text(
        governance.read_text().replace('"instruments", "bodies"', '"bodies", "instruments"')
    )
    tl = open_timeline(database_url, folder)
    report = tl.catch_up()
    assert report.applied == 0
    with tl.store.read_models.view() as view:
        digest, _position = view.checkpoints()["governance"]
    assert digest == snapshot_tag(load_definitions(folder)["governance"])
    tl.close()


def _snapshots(tl: Timeline, jurisdiction: str) -> dict[str, str]:
    with tl.store.read_connection() as conn:  # type: ignore[attr-defined]
        rows = conn.execute(
            select(projection_snapshots.c.valid_date, projection_snapshots.c.state).where(
                projection_snapshots.c.projection == "governance",
                projection_snapshots.c.jurisdiction == jurisdiction,
            )
        ).all()
    return {day: json.dumps(decode_state(blob)) for day, blob in rows}


def _dated_office(n: int, effective: str) -> dict[str, Any]:
    return office(n) | {"effective": effective}


def test_a_late_event_invalidates_exactly_the_later_snapshots(database_url: str) -> None:
    timeline = open_timeline(database_url, snapshot_every=3, space_by_state_size=False)
    days = [dt.date(2024, 1, 1) + dt.timedelta(days=15 * i) for i in range(30)]
    timeline.append([_dated_office(i, d.isoformat()) for i, d in enumerate(days)])
    timeline.catch_up()
    before = _snapshots(timeline, "JP")
    assert len(before) >= 8
    late = "2024-07-15"
    timeline.append([_dated_office(99, late)])
    timeline.catch_up()
    after = _snapshots(timeline, "JP")
    kept = {d: s for d, s in before.items() if d < late}
    assert kept
    assert all(after[d] == s for d, s in kept.items()), "earlier snapshots untouched"
    changed = [d for d in after if d >= late]
    assert changed
    for d in changed:
        assert "Company 99" in after[d]
    # ... and the answer is the full fold's.
    definition = timeline.projections.definition("governance")
    everything = list(timeline.log())
    now = dt.datetime.now(dt.UTC)
    for day in ("2024-07-14", "2024-07-15", "2025-01-01", "2025-03-01"):
        assert timeline.state("JP", D(day), known_at=now) == reference_state(
            definition, everything, "JP", D(day), now
        )
    timeline.close()


def test_incremental_and_rebuilt_answers_equal_the_reference(curated: Timeline) -> None:
    definition = curated.projections.definition("governance")
    everything = list(curated.log())
    now = dt.datetime.now(dt.UTC)
    days = [dt.date(2023, 1, 1) + dt.timedelta(days=45 * i) for i in range(32)]
    for code in ("JP", "EU", "FR", "IN", "G7"):
        for day in days:
            expected = reference_state(definition, everything, code, day, now)
            assert curated.state(code, day, known_at=now) == expected, (code, day)
    curated.rebuild()
    for day in days[::4]:
        assert curated.state("JP", day, known_at=now) == reference_state(
            definition, everything, "JP", day, now
        )


def test_two_catch_ups_at_once_write_each_fact_once(database_url: str) -> None:
    writer = open_timeline(database_url)
    writer.append([_dated_office(i, "2025-05-01") for i in range(200)])
    errors: list[BaseException] = []

    def catch_up() -> None:
        # No initialise() here: Alembic's command API is not thread-safe.
        tl = Timeline(open_store(database_url), projections=PROJECTIONS)
        try:
            tl.catch_up()
        except BaseException as exc:  # reported below, with the thread's traceback lost
            errors.append(exc)
        finally:
            tl.close()

    threads = [threading.Thread(target=catch_up) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with writer.store.read_connection() as conn:  # type: ignore[attr-defined]
        assert conn.scalar(select(func.count()).select_from(fact_versions)) == 200
    assert len(writer.state("JP", D("2025-05-01"))["offices"]) == 200
    writer.close()


def test_state_json_round_trips(curated: Timeline) -> None:
    state = curated.state("EU", D("2026-08-02"))
    assert json.loads(json.dumps(state)) == state
    assert SOURCE  # factories' source is what the events cite


def test_the_daemon_job_catches_projections_up(timeline: Timeline) -> None:
    [job] = [j for j in background_jobs(timeline) if j.name == "projections.catch_up"]
    assert job.every_seconds == timeline.settings.projections.catch_up_seconds
    timeline.append([office(1)])
    job.run()
    report = timeline.catch_up()
    assert report.applied == 0  # the job already applied the new event


def test_an_empty_log_answers_with_empty_states(timeline: Timeline) -> None:
    result = timeline.compare(["JP", "EU"], D("2026-01-01"))
    assert result["differences"] == []
    assert result["states"]["JP"]["instruments"] == []
    assert timeline.diff("JP", D("2025-01-01"), D("2026-01-01"))["changes"] == []


def test_subdivisions_are_left_out_unless_asked_and_the_state_says_so(
    timeline: Timeline,
) -> None:
    timeline.append(
        [
            in_force("us/ai-order", "2025-01-20", ["US"], title="Federal AI order"),
            in_force("us-tx/traiga", "2026-01-01", ["US-TX"], title="Texas AI Act"),
            in_force("us-ca/sb-53", "2026-01", ["US-CA"], title="California SB 53"),
            # Named under the country and a state: one fact, folded once.
            in_force("us/joint-code", "2025-06-01", ["US", "US-CA"], title="Joint code"),
            in_force("usa-not-a-subdivision", "2025-02-01", ["UY"], title="Uruguay act"),
        ]
    )
    day = D("2026-01-15")
    alone = timeline.state("US", day)
    assert {i["title"] for i in alone["instruments"]} == {"Federal AI order", "Joint code"}
    assert (alone["with_subdivisions"], alone["subdivisions"]) == (False, ["US-CA", "US-TX"])

    whole = timeline.state("US", day, with_subdivisions=True)
    titles = [i["title"] for i in whole["instruments"]]
    assert sorted(titles) == ["Federal AI order", "Joint code", "Texas AI Act"]
    assert [u["title"] for u in whole["uncertain"]] == ["California SB 53"]  # "2026-01"
    assert (whole["with_subdivisions"], whole["subdivisions"]) == (True, ["US-CA", "US-TX"])

    texas = timeline.state("US-TX", day, with_subdivisions=True)
    assert texas["subdivisions"] == []  # US is not within US-TX
    definition = timeline.projections.definition("governance")
    everything = list(timeline.log())
    now = dt.datetime.now(dt.UTC)
    for as_of in ("2025-01-01", "2025-06-01", "2026-01-15", "2026-02-01"):
        for flag in (False, True):
            assert timeline.state(
                "US", D(as_of), known_at=now, with_subdivisions=flag
            ) == reference_state(
                definition, everything, "US", D(as_of), now, with_subdivisions=flag
            )

    side_by_side = timeline.compare(["US", "UY"], day, with_subdivisions=True)
    assert "Texas AI Act" in {i["title"] for i in side_by_side["states"]["US"]["instruments"]}
