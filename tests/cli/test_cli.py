"""The `timeline` command, on every backend: exit codes, exact messages, no partial writes."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from tests.factories import in_force, office
from tests.store.test_store import tamper
from timeline.cli import app

REPO = Path(__file__).resolve().parents[2]
EVENTS = REPO / "events"


class Cli:
    def __init__(self, database_url: str, tmp_path: Path) -> None:
        self.env = {"TIMELINE_DATABASE__URL": database_url, "TIMELINE_LOGGING__FORMAT": "json"}
        self.config = tmp_path / "config.toml"
        self.config.write_text("[database]\nurl = 'sqlite:///unused.db'\n")
        self.runner = CliRunner()

    def __call__(self, *args: str, input: str | None = None) -> Result:
        return self.runner.invoke(
            app, ["--config", str(self.config), *args], env=self.env, input=input
        )

    def ok(self, *args: str, input: str | None = None) -> str:
        result = self(*args, input=input)
        assert result.exit_code == 0, result.output
        return result.stdout

    def error(self, *args: str, input: str | None = None) -> str:
        """Run a command that must fail as a user error: one line, exit 1."""
        result = self(*args, input=input)
        assert result.exit_code == 1, result.output
        assert "Traceback" not in result.output
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr
        return lines[0]

    def append_events(self, events: list[dict[str, object]]) -> None:
        self.ok("append", "-", input=json.dumps(events))

    def log_json(self, *args: str) -> list[dict[str, object]]:
        return json.loads(self.ok("log", "--format", "json", *args))  # type: ignore[no-any-return]


@pytest.fixture
def cli(database_url: str, tmp_path: Path) -> Cli:
    runner = Cli(database_url, tmp_path)
    runner.ok("init")
    return runner


def test_import_is_idempotent(cli: Cli) -> None:
    first = cli.ok("import", str(EVENTS))
    count = len(cli.log_json())
    assert count >= 25
    assert first.startswith(f"{count} entries in ")
    assert f"{count} new, 0 corrected, 0 unchanged" in first
    second = cli.ok("import", str(EVENTS))
    assert f"0 new, 0 corrected, {count} unchanged" in second
    assert len(cli.log_json()) == count
    assert cli.ok("verify").startswith(f"ok: {count} events")


def test_changed_entry_is_imported_as_a_correction(cli: Cli, tmp_path: Path) -> None:
    folder = tmp_path / "events"
    shutil.copytree(EVENTS, folder)
    cli.ok("import", str(folder))
    path = folder / "jp-domestic.toml"
    path.write_text(
        path.read_text().replace('effective = "2025-12-23"', 'effective = "2025-12-24"')
    )

    out = cli.ok("import", str(folder))
    assert "0 new, 1 corrected" in out
    [correction] = cli.log_json("--kind", "event.corrected")
    assert correction["subject"] == "jp/ai-basic-plan"
    assert correction["effective"] == "2025-12-24"
    payload = correction["payload"]
    assert isinstance(payload, dict)
    assert payload["corrected"]["effective"] == "2025-12-24"
    assert "0 new, 0 corrected" in cli.ok("import", str(folder))


def test_import_keeps_an_analysts_correction_and_reports_a_conflict(
    cli: Cli, tmp_path: Path
) -> None:
    folder = tmp_path / "events"
    shutil.copytree(EVENTS, folder)
    cli.ok("import", str(folder))
    [plan] = cli.log_json("--subject", "jp/ai-basic-plan")
    fix = tmp_path / "fix.toml"
    fix.write_text('effective = "2025-12"\nreason = "the day is not in the source"\n')
    cli.ok("correct", str(plan["seq"]), str(fix))

    assert "0 new, 0 corrected" in cli.ok("import", str(folder))  # the file did not change
    [correction] = cli.log_json("--kind", "event.corrected")
    assert correction["payload"]["reason"] == "the day is not in the source"  # type: ignore[index]

    path = folder / "jp-domestic.toml"
    path.write_text(
        path.read_text().replace('effective = "2025-12-23"', 'effective = "2025-12-24"')
    )
    result = cli("import", str(folder))
    assert result.exit_code == 1, result.output
    assert "1 in conflict" in result.stdout
    assert (
        f"conflict: entry 'jp-ai-basic-plan-adopted' (jp-domestic.toml), event #{plan['seq']}: "
        "corrected in the log, and changed differently in the file\n"
        '  effective: file "2025-12-24" | log "2025-12"\n'
    ) in result.stdout
    assert result.stderr.strip().splitlines()[-1:] == [
        "Error: 1 entries changed both in their file and in the log since their import; "
        "nothing written for them (the rest is imported): choose with --prefer-file or "
        "--prefer-log, or edit the file to match the log"
    ]
    assert len(cli.log_json("--kind", "event.corrected")) == 1
    assert "1 kept as the log has them" in cli.ok("import", str(folder), "--prefer-log")
    assert "0 new, 1 corrected" in cli.ok("import", str(folder), "--prefer-file")
    [_, from_file] = cli.log_json("--kind", "event.corrected")
    assert from_file["effective"] == "2025-12-24"
    assert cli("import", str(folder), "--prefer-file", "--prefer-log").exit_code == 2


def test_log_json_has_the_documented_keys(cli: Cli) -> None:
    cli.ok("import", str(EVENTS))
    events = cli.log_json("--jurisdiction", "jp", "--kind", "instrument.in_force")
    [act] = [e for e in events if e["subject"] == "jp/ai-promotion-act"]
    for key in ("id", "seq", "kind", "subject", "jurisdictions", "effective", "recorded_at",
                "payload", "sources"):  # fmt: skip
        assert key in act
    assert act["effective"] == "2025-09-01"
    assert act["payload"]["max_penalty"] == {"amount": "0", "currency": "JPY"}  # type: ignore[index]


def test_log_filters_by_partial_date_range(cli: Cli) -> None:
    cli.ok("import", str(EVENTS))
    in_2023 = cli.log_json("--from", "2023", "--to", "2023")
    assert in_2023
    assert all(str(e["effective"]).startswith("2023") for e in in_2023)


def test_log_csv_and_table(cli: Cli) -> None:
    cli.ok("import", str(EVENTS))
    csv_out = cli.ok("log", "--format", "csv", "--subject", "eu/ai-act")
    assert csv_out.splitlines()[0].startswith("seq,id,kind,subject,jurisdictions,effective")
    table = cli.ok("log", "--subject", "jp/ai-promotion-act")
    assert "instrument.in_force" in table
    assert "2025-09-01" in table


def test_log_and_show_mark_superseded_facts_and_current_leaves_them_out(
    cli: Cli, tmp_path: Path
) -> None:
    cli.append_events([in_force(), office(1), office(2)])
    fix = tmp_path / "fix.toml"
    fix.write_text('effective = "2025-10-01"\nreason = "misread"\n')
    cli.ok("correct", "1", str(fix))  # #4
    cli.ok("retract", "2", "--reason", "no such office")  # #5

    table = cli.ok("log")
    [act] = [line for line in table.splitlines() if line.split()[:1] == ["1"]]
    assert act.rstrip().endswith("corrected by #4")
    [retracted] = [line for line in table.splitlines() if line.split()[:1] == ["2"]]
    assert retracted.rstrip().endswith("retracted by #5 (no such office)")
    [standing] = [line for line in table.splitlines() if line.split()[:1] == ["3"]]
    assert "by #" not in standing
    offices = cli.ok("log", "--kind", "office.opened", "--format", "csv").splitlines()
    assert offices[0].split(",")[8] == "superseded"
    assert "retracted by #5 (no such office)" in offices[1]

    shown = json.loads(cli.ok("show", "2"))
    assert shown["superseded"]["text"] == "retracted by #5 (no such office)"
    assert cli("show", "2").stderr.strip().endswith("#2 is retracted by #5 (no such office)")
    assert json.loads(cli.ok("show", "3"))["superseded"] is None

    current = cli.log_json("--current")
    assert [e["seq"] for e in current] == [1, 3]
    assert current[0]["effective"] == "2025-10-01"
    assert current[0]["superseded"]["text"] == "corrected by #4"  # type: ignore[index]
    september = cli.log_json("--current", "--from", "2025-09", "--to", "2025-09")
    assert [e["seq"] for e in september] == []
    then = cli.log_json("--known-at", str(cli.log_json()[2]["recorded_at"]))
    assert [e["superseded"] for e in then] == [None, None, None]


@pytest.mark.parametrize("current", [[], ["--current"]])
def test_log_refuses_an_unknown_kind_before_printing_anything(cli: Cli, current: list[str]) -> None:
    cli.append_events([office(1)])
    result = cli("log", "--kind", "office.openned", "--format", "json", *current)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert (
        result.stderr.strip()
        .splitlines()[-1]
        .startswith("Error: unknown kind 'office.openned'; known kinds: ")
    )


def test_empty_log_prints_an_empty_json_array(cli: Cli) -> None:
    assert cli.log_json() == []


def test_append_from_stdin_and_file(cli: Cli, tmp_path: Path) -> None:
    out = cli.ok("append", "-", input=json.dumps([in_force(), office(1)]))
    assert out.splitlines()[0].startswith("appended #1 ")
    again = cli.ok("append", "-", input=json.dumps(in_force()))
    assert again.startswith("already stored #1 ")
    toml_file = tmp_path / "e.toml"
    toml_file.write_text(
        '[[event]]\nkind = "office.opened"\nsubject = "org/x/office"\njurisdictions = ["FR"]\n'
        'effective = "2026-01"\n[event.payload]\norganisation = "X"\ncity = "Paris"\n'
        '[[event.sources]]\npublisher = "Le Monde"\ntitle = "X à Paris"\n'
    )
    assert "appended #3 " in cli.ok("append", str(toml_file))


def test_bad_input_is_one_line_and_writes_nothing(cli: Cli, tmp_path: Path) -> None:
    batch = [office(1), office(2) | {"jurisdictions": ["JPN"]}]
    message = cli.error("append", "-", input=json.dumps(batch))
    assert message.startswith(
        "Error: <stdin>: entry 2: jurisdictions.0: unknown jurisdiction code 'JPN'; "
        "did you mean JP (Japan)"
    )
    assert cli.log_json() == []
    assert cli.error("append", "-", input="{not json") == (
        "Error: <stdin>: invalid JSON at line 1: Expecting property name enclosed in double quotes"
    )
    bad_dir = tmp_path / "bad"
    bad_dir.mkdir()
    (bad_dir / "a.toml").write_text((EVENTS / "jp-domestic.toml").read_text())
    (bad_dir / "b.toml").write_text('[[event]]\nid = "x"\nkind = "office.opened"\n')
    assert cli.error("import", str(bad_dir)).startswith("Error: b.toml: entry 'x': ")
    assert cli.log_json() == []


def test_expected_version_conflict(cli: Cli) -> None:
    cli.ok("append", "-", input=json.dumps(in_force()))
    message = cli.error("append", "--expected-version", "0", "-",
                        input=json.dumps(in_force(effective="2025-10")))  # fmt: skip
    assert message == (
        "Error: the stream of subject 'jp/ai-promotion-act' is at version 1, not the expected "
        "0: another writer appended 1 event first; re-read it and retry"
    )
    new_stream = in_force() | {"subject": "jp/new-stream"}
    message = cli.error("append", "--expected-version", "5", "-", input=json.dumps(new_stream))
    assert message == (
        "Error: the stream of subject 'jp/new-stream' is at version 0, not the expected 5: "
        "the expected version is ahead of the stream (nothing was ever appended that far); "
        "re-read it"
    )
    assert len(cli.log_json()) == 1


def test_event_files_say_what_is_missing_and_where(cli: Cli, tmp_path: Path) -> None:
    """Validation errors in plain words: the file, the entry, the field, what it should be."""
    kinds = (
        "instrument.proposed, instrument.adopted, instrument.in_force, instrument.amended, "
        "instrument.repealed, body.established, agreement.signed, meeting.held, "
        "membership.joined, office.opened, investment.announced, metric.reported, "
        "event.corrected, event.retracted"
    )
    no_kind = tmp_path / "no-kind.json"
    no_kind.write_text(json.dumps({"subject": "x"}))
    assert cli.error("append", str(no_kind)) == (
        f"Error: {no_kind}: entry 1: kind: missing; every event names its kind, one of {kinds}"
    )
    batch = [
        in_force(),
        in_force() | {"sources": "a link"},
        {k: v for k, v in office(1).items() if k != "payload"},
        office(2) | {"kind": "office.closed"},
    ]
    assert cli.error("append", "-", input=json.dumps(batch)) == (
        "Error: <stdin>: entry 2: sources: expected a valid list, got 'a link' "
        "(2 more invalid entries after it)"
    )
    unbound = in_force()
    del unbound["payload"]["binding"]  # type: ignore[attr-defined]
    assert cli.error("append", "-", input=json.dumps(unbound)) == (
        "Error: <stdin>: entry 1: payload.binding: missing (an instrument.in_force event needs it)"
    )
    folder = tmp_path / "curated"
    folder.mkdir()
    (folder / "a.toml").write_text('[[event]]\nid = "a"\nsubject = "x"\n')
    assert cli.error("import", str(folder)) == (
        f"Error: a.toml: entry 'a': kind: missing; every event names its kind, one of {kinds}"
    )
    assert cli.log_json() == []


@pytest.mark.parametrize("text", ["", "# nothing yet\n", "[]", "  \n"])
def test_an_empty_input_is_refused_saying_what_to_write(
    cli: Cli, tmp_path: Path, text: str
) -> None:
    shapes = "a JSON object or an array of them, or TOML [[event]] tables"
    file = tmp_path / ("events.json" if text == "[]" else "events.toml")
    file.write_text(text)
    assert cli.error("append", str(file)) == (
        f"Error: nothing to append: {file} holds no events; write {shapes}"
    )
    assert cli.error("append", "-", input=text) == (
        f"Error: nothing to append: <stdin> holds no events; write {shapes}"
    )
    folder = tmp_path / "curated"
    folder.mkdir()
    assert cli.error("import", str(folder)) == (
        f"Error: nothing to import: {folder} holds no .toml event files"
    )
    (folder / "empty.toml").write_text(text if text != "[]" else "")
    assert cli.error("import", str(folder)) == (
        f"Error: nothing to import: {folder} holds no event entries; write [[event]] tables, "
        "each with an `id`"
    )
    assert cli.log_json() == []


def test_a_reversed_range_or_a_time_before_the_log_is_an_error(cli: Cli) -> None:
    """As for `diff` and `state`: a mistake is said, never shown as an empty table."""
    cli.ok("import", str(EVENTS))
    assert cli.error("log", "--from", "2026", "--to", "2025") == (
        "Error: the range ends on 2025-12-31, before it starts on 2026-01-01"
    )
    assert cli.error("log", "--from", "2026-03", "--to", "2026-02-28", "--current") == (
        "Error: the range ends on 2026-02-28, before it starts on 2026-03-01"
    )
    message = cli.error("log", "--known-at", "2001-01-01")
    assert message.startswith(
        "Error: known-at 2001-01-01T23:59:59.999999Z is before the first event was recorded ("
    )
    assert message.endswith("): nothing was known then")
    assert cli.error("log", "--known-at", "2001-01-01", "--current") == message
    assert cli.log_json("--from", "2025-09", "--to", "2025-09")  # a one-month range is fine
    first = cli.log_json("--limit", "1")[0]["recorded_at"]
    assert len(cli.log_json("--known-at", str(first))) >= 1


def test_correct_and_retract(cli: Cli, tmp_path: Path) -> None:
    cli.ok("append", "-", input=json.dumps([in_force(), office(1)]))
    change = tmp_path / "fix.json"
    change.write_text(json.dumps({"effective": "2025-09-02", "reason": "wrong day"}))
    out = cli.ok("correct", "1", str(change))
    assert out.startswith("appended #3 ")
    assert "event.corrected jp/ai-promotion-act" in out
    shown = json.loads(cli.ok("show", "3"))
    assert shown["payload"]["corrected"]["effective"] == "2025-09-02"
    assert shown["payload"]["reason"] == "wrong day"
    assert "event.retracted org/company-1/office" in cli.ok("retract", "2", "--reason", "dupe")
    again = cli.error("retract", "2", "--reason", "dupe")
    assert again.startswith("Error: event ")
    assert again.endswith(" is already retracted")
    assert cli.error("show", "nope") == "Error: no event 'nope' in the log"
    assert cli.ok("verify").startswith("ok: 4 events")


def test_unknown_jurisdiction_and_bad_dates(cli: Cli) -> None:
    assert cli.error("log", "-j", "XK1").startswith("Error: unknown jurisdiction code 'XK1'")
    assert cli.error("log", "--from", "2025-13") == (
        "Error: --from: no such month '2025-13' (months are 01 to 12)"
    )
    # One wording for a day that does not exist, whichever option or parameter names it.
    no_day = "no such day '2025-02-30' (February 2025 has 28 days)"
    assert cli.error("log", "--to", "2025-02-30") == f"Error: --to: {no_day}"
    assert cli.error("state", "JP", "--as-of", "2025-02-30") == f"Error: --as-of: {no_day}"
    assert cli.error("log", "--known-at", "2025-02-30") == f"Error: --known-at: {no_day}"
    assert cli.error("log", "--known-at", "yesterday") == (
        "Error: --known-at: expected an ISO date or date-time, got 'yesterday'"
    )


def test_usage_errors_exit_2(cli: Cli) -> None:
    assert cli("log", "--bogus").exit_code == 2
    assert cli("retract", "1").exit_code == 2  # --reason is required


def test_verify_names_the_tampered_position(cli: Cli, database_url: str) -> None:
    cli.ok("import", str(EVENTS))
    tamper(database_url, "UPDATE events SET subject = 'jp/forged' WHERE seq = 5")
    assert cli.error("verify") == (
        "Error: hash chain broken at position 5: stored content or hash does not match the chain"
    )


def test_commands_before_init_say_what_to_do(database_url: str, tmp_path: Path) -> None:
    cli = Cli(database_url, tmp_path)
    message = cli.error("log")
    assert message.startswith("Error: ")
    assert "run `timeline init`" in message


def test_console_script_exit_codes_without_traceback(database_url: str, tmp_path: Path) -> None:
    env = {"TIMELINE_DATABASE__URL": database_url, "PATH": "/usr/bin:/bin"}
    run = [sys.executable, "-m", "timeline"]
    subprocess.run([*run, "init"], env=env, check=True, capture_output=True, cwd=tmp_path)
    bad = subprocess.run(
        [*run, "log", "-j", "ZZ"],
        env=env,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert bad.returncode == 1
    assert bad.stderr.startswith("Error: unknown jurisdiction code 'ZZ'")
    assert "Traceback" not in bad.stderr
    usage = subprocess.run(
        [*run, "nonsense"], env=env, capture_output=True, cwd=tmp_path, check=False
    )
    assert usage.returncode == 2
