"""`show`, `correct`, `retract` and `candidates ...` find what they are given by any of
its names, on every backend."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.test_cli import EVENTS, Cli
from tests.store.test_refs import keyed_office, keys_sharing_a_prefix


@pytest.fixture
def cli(database_url: str, tmp_path: Path) -> Cli:
    runner = Cli(database_url, tmp_path)
    runner.ok("init")
    runner.ok("import", str(EVENTS))
    return runner


def shown_seq(cli: Cli, ref: str) -> object:
    return json.loads(cli.ok("show", ref))["seq"]


def test_show_takes_a_curated_entry_id_a_short_id_a_key_or_a_position(cli: Cli) -> None:
    [act] = [
        e for e in cli.log_json() if e["idempotency_key"] == "curated:jp-ai-promotion-act-in-force"
    ]
    for ref in (
        "jp-ai-promotion-act-in-force",
        "curated:jp-ai-promotion-act-in-force",
        str(act["id"])[:8],
        str(act["id"]),
        str(act["seq"]),
        f"#{act['seq']}",
    ):
        assert shown_seq(cli, ref) == act["seq"], ref
    short = str(act["id"])[:3]
    assert cli.error("show", short) == (
        f"Error: no event {short!r} in the log (an id prefix needs 4 characters or more)"
    )
    assert cli.error("show", "no-such-entry") == "Error: no event 'no-such-entry' in the log"


def test_an_ambiguous_prefix_lists_its_matches(cli: Cli) -> None:
    prefix, keys = keys_sharing_a_prefix(2)
    cli.append_events([keyed_office(n, key) for n, key in enumerate(keys)])
    message = cli.error("show", prefix)
    assert message.startswith(f"Error: event id prefix {prefix!r} is ambiguous: #")
    assert message.count(" office in Tokyo") == 2
    assert message.endswith("; give more characters")


def test_correct_and_retract_take_a_curated_entry_id(cli: Cli, tmp_path: Path) -> None:
    change = tmp_path / "fix.json"
    change.write_text(json.dumps({"effective": "2025-09-02", "reason": "the gazette says the 2nd"}))
    corrected = cli.ok("correct", "jp-ai-promotion-act-in-force", str(change))
    assert corrected.startswith("appended #28 ")
    assert corrected.endswith(" event.corrected jp/ai-promotion-act\n")
    retracted = cli.ok("retract", "jp-ai-basic-plan-adopted", "--reason", "not yet")
    assert retracted.endswith(" event.retracted jp/ai-basic-plan\n")


def test_candidate_prefixes_too_short_or_unknown(cli: Cli) -> None:
    assert cli.error("candidates", "accept", "7c") == (
        "Error: candidate id prefix '7c' is too short: give 4 characters or more"
    )
    assert cli.error("candidates", "show", "7c3a") == "Error: no candidate '7c3a'"
