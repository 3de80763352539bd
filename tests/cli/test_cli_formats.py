"""One output convention: `-f table|json|csv` on every command that prints rows,
`--output FILE` written whole or not at all, figures in words, diffs as lines."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from tests.cli import test_cli_projections
from tests.cli.test_cli import REPO, Cli
from timeline.cli.render import output

CORPUS = REPO / "tests" / "feeds" / "corpus"

cli = test_cli_projections.cli  # the fixture: the curated log, with the projections

ROW_COMMANDS = [
    ("log",),
    ("history", "JP"),
    ("upcoming", "EU", "--as-of", "2026-07-15"),
    ("state", "JP", "--as-of", "2025-09-01"),
    ("compare", "JP", "EU", "--as-of", "2026-06-30"),
    ("diff", "JP", "--from", "2024-01-01", "--to", "2026-06-30"),
    ("candidates", "list"),
    ("feeds", "list"),
    ("feeds", "status"),
    ("follow", "list"),
    ("extract", str(CORPUS / "kaigai-ai-news-ja.xml")),
]


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.parametrize("command", ROW_COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_every_row_command_prints_table_json_and_csv(cli: Cli, command: tuple[str, ...]) -> None:
    help_text = " ".join(cli.ok(*command[:2], "--help").split())
    assert "-f" in help_text
    assert "table" in help_text
    assert "csv" in help_text
    table = cli(*command, "-f", "table")  # an empty list says how to begin, on stderr
    assert table.exit_code == 0, table.output
    assert table.stdout.strip() or table.stderr.strip()
    answer = json.loads(cli.ok(*command, "--format", "json"))
    assert isinstance(answer, list | dict)
    printed = cli.ok(*command, "-f", "csv")
    header = next(csv.reader(io.StringIO(printed)), None)
    assert header, printed


def test_state_csv_has_one_row_per_item_with_exact_and_worded_values(cli: Cli) -> None:
    rows = csv_rows(cli.ok("state", "JP", "--as-of", "2025-09-01", "-f", "csv"))
    by_title = {row["title"]: row for row in rows}
    deficit = by_title["digital trade deficit"]
    assert (deficit["section"], deficit["figure"], deficit["value"], deficit["unit"]) == (
        "metrics",
        "JPY 6.6 trillion",
        "6600000000000",
        "JPY",
    )
    [penalty] = [row for row in rows if row["section"] == "max_penalty"]
    assert penalty["figure"] == "JPY 0"
    assert json.loads(penalty["value"]) == {"amount": "0", "currency": "JPY"}
    assert {row["section"] for row in rows} >= {"instruments", "bodies", "metrics", "uncertain"}


def test_compare_csv_says_which_sections_differ(cli: Cli) -> None:
    rows = csv_rows(cli.ok("compare", "JP", "EU", "--as-of", "2026-06-30", "-f", "csv"))
    assert {row["jurisdiction"] for row in rows} == {"JP", "EU"}
    eu_penalty = next(
        r for r in rows if r["jurisdiction"] == "EU" and r["section"] == "max_penalty"
    )
    assert eu_penalty["figure"] == "EUR 35 million or 7% of turnover"
    assert eu_penalty["differs"] == "True"
    memberships = [r for r in rows if r["section"] == "memberships"]
    assert {r["differs"] for r in memberships} == {"False"}


def test_tables_show_figures_in_words_and_json_keeps_them_exact(cli: Cli) -> None:
    log = cli.ok("log", "-k", "metric.reported", "-k", "investment.announced")
    for words in ("JPY 6.6 trillion", "EUR 75 billion", "rank 12", "98%"):
        assert words in log, words
    assert "6600000000000" not in log
    [deficit] = cli.log_json("-k", "metric.reported", "--subject", "jp/digital-trade-balance")
    assert deficit["payload"]["value"] == "6600000000000"  # type: ignore[index]
    state = cli.ok("state", "JP", "--as-of", "2026-06-30")
    assert "digital trade deficit: JPY 6.6 trillion" in state
    assert "SoftBank Group: EUR 75 billion" in state
    compare = cli.ok("compare", "JP", "EU", "--as-of", "2026-06-30")
    assert "digital trade deficit: JPY 6.6 trillion" in compare


def test_diff_prints_one_readable_line_per_change_citing_its_events(cli: Cli) -> None:
    jp = cli.ok("diff", "JP", "--from", "2024-01-01", "--to", "2026-06-30").splitlines()
    assert jp[0] == "JP: 2024-01-01 -> 2026-06-30"
    assert "  ~ max penalty: none -> JPY 0 (since f9722117)" in jp
    assert "  + metrics: digital trade deficit: added (2024; 2bdaa842)" in jp
    assert all(line.startswith(("  + ", "  ~ ", "  - ", "  > ")) for line in jp[1:])
    assert not any("[]" in line for line in jp)
    eu = cli.ok("diff", "EU", "--from", "2024-09-01", "--to", "2025-09-01").splitlines()
    act = "instruments: Regulation (EU) 2024/1689 (Artificial Intelligence Act)"
    assert eu[1:] == [
        f"  ~ {act}: max penalty none -> EUR 35 million or 7% of turnover "
        "(2025-08-02; cf684811, 478db54f)",
        f"  > {act}: stage applies: prohibited AI practices and AI literacy (2025-02-02; cf684811)",
        f"  > {act}: stage applies: general-purpose AI models, governance and penalties "
        "(2025-08-02; 478db54f)",
        "  ~ max penalty: none -> EUR 35 million or 7% of turnover "
        "(since 23baa237, 326ca7e7, cf684811 and 1 more)",
    ]
    rows = csv_rows(cli.ok("diff", "EU", "--from", "2024-09-01", "--to", "2025-09-01", "-f", "csv"))
    assert [row["text"] for row in rows] == [line[4:] for line in eu[1:]]
    assert json.loads(rows[0]["to"]) == {
        "max_penalty": {"amount": "35000000", "currency": "EUR", "turnover_pct": "7"}
    }


def test_extract_table_shows_the_evidence(cli: Cli) -> None:
    feed = str(CORPUS / "kaigai-ai-news-ja.xml")
    table = cli.ok("extract", feed, "-f", "table")
    header = table.splitlines()[0].split()
    assert header[:4] == ["event", "kind", "where", "where"]
    assert "from" in header
    assert "subject" in header
    first = table.splitlines()[1]
    assert "instrument.in_force" in first
    assert " title " in first  # the jurisdiction came from the title
    assert "AI基本法" in first  # the subject it names
    rows = csv_rows(cli.ok("extract", feed, "-f", "csv"))
    assert rows[0]["jurisdictions_from"] == "title"
    assert json.loads(rows[0]["evidence"])["jurisdictions_from"] == "title"


@pytest.mark.parametrize(
    "command",
    [
        ("log", "-f", "json"),
        ("history", "JP", "-f", "csv"),
        ("candidates", "list", "-f", "json"),
        ("extract", str(CORPUS / "kaigai-ai-news-ja.xml"), "-f", "csv"),
    ],
    ids=lambda c: c[0],
)
def test_output_writes_the_file_whole(cli: Cli, tmp_path: Path, command: tuple[str, ...]) -> None:
    target = tmp_path / "out" / "answer.txt"
    target.parent.mkdir()
    printed = cli.ok(*command)
    assert cli.ok(*command, "--output", str(target)) == ""
    assert target.read_text(encoding="utf-8") == printed
    assert [p.name for p in target.parent.iterdir()] == ["answer.txt"]


def test_a_failing_command_leaves_no_file_and_an_old_one_untouched(
    cli: Cli, tmp_path: Path
) -> None:
    folder = tmp_path / "answers"
    folder.mkdir()
    fresh = folder / "fresh.json"
    assert cli.error("log", "-k", "instrument.enforced", "--output", str(fresh)).startswith(
        "Error: unknown kind 'instrument.enforced'"
    )
    assert not fresh.exists()
    kept = folder / "kept.csv"
    kept.write_text("what was there\n")
    cli.error("extract", str(tmp_path / "missing.xml"), "--output", str(kept))
    assert kept.read_text() == "what was there\n"
    assert [p.name for p in folder.iterdir()] == ["kept.csv"]
    assert cli.error("log", "--output", str(tmp_path / "no" / "such" / "dir.json")).startswith(
        f"Error: cannot write {tmp_path / 'no' / 'such' / 'dir.json'}: "
    )


def test_a_write_cut_short_leaves_nothing_behind(tmp_path: Path) -> None:
    target = tmp_path / "log.json"

    def write_then_interrupt() -> None:
        with output(target) as out:
            out.write('[{"seq": 1}')
            raise KeyboardInterrupt  # as Ctrl-C in the middle of a long log

    with pytest.raises(KeyboardInterrupt):
        write_then_interrupt()
    assert list(tmp_path.iterdir()) == []
