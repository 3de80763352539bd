"""`timeline export --facts`: the facts standing on a day, corrections applied,
retractions honoured, with their sources, as JSON or CSV."""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.backup.conftest import KNOWN_AT, PROJECTIONS, open_timeline
from timeline.cli import app

DAY = "2025-09-15"


@pytest.fixture
def source(backend: str, make_populated: Callable[[str], str]) -> str:
    return make_populated(backend)


def _in_force(url: str) -> tuple[str, str]:
    """The ids of the EU facts the populated log corrects and retracts."""
    with open_timeline(url) as tl:
        corrected, retracted = [e.id for e in tl.log(kinds=["instrument.in_force"])][:2]
    return corrected, retracted


def test_facts_stand_as_the_log_knew_them(source: str) -> None:
    corrected, retracted = _in_force(source)
    day = dt.date.fromisoformat(DAY)
    with open_timeline(source) as tl:
        before = {f["fact"]: f for f in tl.facts_on(day, KNOWN_AT[0])}
        after = {f["fact"]: f for f in tl.facts_on(day, KNOWN_AT[-1])}
        today = {f["fact"]: f for f in tl.facts_on(day)}
        original = tl.show(corrected)

    assert before[corrected]["effective"] == "2024-08-01"
    assert (before[corrected]["corrections"], before[corrected]["events"]) == (0, [corrected])
    assert after[corrected]["effective"] == "2024-09-01"
    assert after[corrected]["corrections"] == 1
    assert after[corrected]["events"][0] == corrected
    assert len(after[corrected]["events"]) == 2
    assert after[corrected]["sources"] == original.sources
    assert retracted in before
    assert retracted not in after
    assert today == after
    # Only facts whose date has begun by the day; a month not over is not certain.
    assert all(f["effective_start"] <= DAY for f in after.values())
    assert all(f["certain"] == (f["effective_end"] <= DAY) for f in after.values())
    monthly = [f for f in tl_facts(source, "2025-09-10") if f["effective"] == "2025-09"]
    assert monthly
    assert {f["certain"] for f in monthly} == {False}


def tl_facts(url: str, day: str) -> list[dict[str, object]]:
    with open_timeline(url) as tl:
        return [dict(f) for f in tl.facts_on(dt.date.fromisoformat(day), KNOWN_AT[-1])]


def test_the_cli_writes_them_as_json_and_csv(source: str, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f"[projections]\npath = '{PROJECTIONS}'\n")
    env = {"TIMELINE_DATABASE__URL": source, "TIMELINE_LOGGING__FORMAT": "json"}
    runner = CliRunner()

    def run(*args: str):  # type: ignore[no-untyped-def]
        return runner.invoke(app, ["--config", str(config), *args], env=env)

    moment = KNOWN_AT[-1].isoformat()
    as_json = run("export", "--facts", "--as-of", DAY, "--known-at", moment, "-")
    assert as_json.exit_code == 0, as_json.output
    facts = json.loads(as_json.stdout)
    assert facts == json.loads(json.dumps(tl_facts(source, DAY)))

    out = tmp_path / "facts.csv"
    as_csv = run(
        "export", "--facts", "--as-of", DAY, "--known-at", moment, "--format", "csv", str(out)
    )
    assert as_csv.exit_code == 0, as_csv.output
    assert as_csv.stdout == f"exported {len(facts)} facts standing on {DAY} to {out}\n"
    with out.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [row["fact"] for row in rows] == [fact["fact"] for fact in facts]
    for row, fact in zip(rows, facts, strict=True):
        assert row["jurisdictions"].split() == fact["jurisdictions"]
        assert row["events"].split() == fact["events"]
        assert json.loads(row["payload"]) == fact["payload"]
        assert json.loads(row["sources"]) == fact["sources"]

    misplaced = run("export", "--format", "csv", str(tmp_path / "log.jsonl"))
    assert misplaced.exit_code == 2
    assert "--format goes with --facts" in misplaced.output
    assert not (tmp_path / "log.jsonl").exists()
