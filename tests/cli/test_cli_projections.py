"""`timeline state|compare|diff|history|upcoming|rebuild` on every backend."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.cli.test_cli import EVENTS, REPO, Cli
from tests.factories import in_force


@pytest.fixture
def cli(database_url: str, tmp_path: Path) -> Cli:
    runner = Cli(database_url, tmp_path)
    runner.env["TIMELINE_PROJECTIONS__PATH"] = str(REPO / "projections")
    runner.ok("init")
    runner.ok("import", str(EVENTS))
    return runner


def _json(cli: Cli, *args: str) -> Any:
    return json.loads(cli.ok(*args, "--format", "json"))


def test_state_json_and_table(cli: Cli) -> None:
    before = _json(cli, "state", "JP", "--as-of", "2025-08-31")
    on = _json(cli, "state", "JP", "--as-of", "2025-09-01")
    assert [i["subject"] for i in before["instruments"]] == []
    [act] = on["instruments"]
    assert (act["subject"], act["status"], act["binding"]) == (
        "jp/ai-promotion-act",
        "in_force",
        False,
    )
    table = cli.ok("state", "JP", "--as-of", "2025-09-01")
    assert "AI Strategic Headquarters" in table
    assert "max_penalty: JPY 0" in table


def test_compare_highlights_the_penalty_gap(cli: Cli) -> None:
    result = _json(cli, "compare", "JP", "EU", "--as-of", "2026-06-30")
    assert result["states"]["EU"]["max_penalty"]["value"]["turnover_pct"] == "7"
    table = cli.ok("compare", "JP", "EU", "--as-of", "2026-06-30")
    assert "* max_penalty" in table
    assert "EUR 35 million or 7% of turnover" in table
    assert "JPY 0" in table


def test_diff_history_upcoming_and_rebuild(cli: Cli) -> None:
    text = cli.ok("diff", "JP", "--from", "2025-08-31", "--to", "2025-09-01")
    assert "+ instruments: Act on the Promotion" in text
    assert "(AI Promotion Act): added (2025-09-01; f9722117)\n" in text
    history = _json(cli, "history", "JP")
    assert history[0]["effective"] <= history[-1]["effective"]
    upcoming = _json(cli, "upcoming", "EU", "--as-of", "2026-07-15", "--days", "30")
    assert [u["effective"] for u in upcoming] == ["2026-08-02"]
    assert "rebuilt up to #27" in cli.ok("rebuild")
    assert _json(cli, "state", "JP", "--as-of", "2025-09-01")["instruments"]


def test_known_at_and_partners(cli: Cli) -> None:
    log = json.loads(cli.ok("log", "--format", "json", "--limit", "1"))
    first_recorded = log[0]["recorded_at"]
    seen = _json(cli, "state", "EU", "--as-of", "2026-01-01", "--known-at", first_recorded)
    assert seen["known_at"].startswith(first_recorded[:19])
    partners = _json(cli, "state", "JP", "--projection", "partners", "--as-of", "2026-06-30")
    assert "FR" in {p["key"] for p in partners["partners"]}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("state", "XX", "--as-of", "2025-09-01"), "unknown jurisdiction code 'XX'"),
        (("state", "JP", "--as-of", "2025-09"), "--as-of: expected a day"),
        (("state", "JP", "--as-of", "yesterday-ish"), "--as-of: expected a day"),
        (("state", "JP", "--known-at", "2001-01-01"), "before the first event was recorded"),
        (("state", "JP", "--known-at", "soon"), "--known-at: expected an ISO"),
        (("state", "JP", "--projection", "nope"), "no projection named 'nope'"),
        (("compare", "JP", "--as-of", "2025-09-01"), "at least two"),
        (
            ("diff", "JP", "--from", "2025-09-01", "--to", "2025-01-01"),
            "the range ends on 2025-01-01, before it starts on 2025-09-01",
        ),
        (("upcoming", "--days", "0"), "days must be at least 1, not 0"),
    ],
)
def test_bad_questions_are_one_line_errors(cli: Cli, args: tuple[str, ...], message: str) -> None:
    assert message in cli.error(*args)


def test_a_broken_definition_names_file_and_line(cli: Cli, tmp_path: Path) -> None:
    folder = tmp_path / "projections"
    folder.mkdir()
    (folder / "bad.toml").write_text('name = "bad"\nsections = ["x"]\n[[rule]]\non = "nope"\n')
    cli.env["TIMELINE_PROJECTIONS__PATH"] = str(folder)
    assert f"{folder / 'bad.toml'}:4: unknown event kind 'nope'" in cli.error("state", "JP")


def test_a_staged_act_reads_as_stages(cli: Cli) -> None:
    diff = cli.ok("diff", "EU", "--from", "2025-09-01", "--to", "2026-12-31")
    assert "stage applies: high-risk obligations (Annex III)" in diff
    assert "in_force" not in diff  # the entry into force never moves
    state = cli.ok("state", "EU", "--as-of", "2025-12-01")
    assert "in_force since 2024-08-01" in state
    assert "stages of Regulation (EU) 2024/1689" in state
    assert "to 2027-12-02 (eu/digital-omnibus-ai)" in state
    upcoming = cli.ok("upcoming", "EU", "--as-of", "2026-07-15", "--days", "30")
    assert "stage applies: high-risk obligations (Annex III)" in upcoming.replace("\n", " ")


def test_state_and_compare_say_whether_subdivisions_are_folded_in(cli: Cli) -> None:
    cli.append_events(
        [
            in_force("us/ai-order", "2025-01-20", ["US"], title="Federal AI order"),
            in_force("us-tx/traiga", "2026-01-01", ["US-TX"], title="Texas AI Act"),
        ]
    )
    alone = cli.ok("state", "US", "--as-of", "2026-02-01")
    assert "Texas AI Act" not in alone
    assert "without subdivisions: US-TX have facts of their own (--with-subdivisions)" in alone
    whole = cli.ok("state", "US", "--as-of", "2026-02-01", "--with-subdivisions")
    assert "Texas AI Act" in whole
    assert "with subdivisions: US-TX" in whole
    as_json = _json(cli, "state", "US", "--as-of", "2026-02-01", "--with-subdivisions")
    assert (as_json["with_subdivisions"], as_json["subdivisions"]) == (True, ["US-TX"])
    side = cli.ok("compare", "US", "JP", "--as-of", "2026-02-01", "--with-subdivisions")
    assert "Texas AI Act" in side
    assert "US with subdivisions: US-TX" in side
    assert "JP with subdivisions: JP-13, JP-34" in side  # the curated Tokyo and Hiroshima facts
