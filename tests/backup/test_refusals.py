"""What a restore refuses: damaged files (naming the first bad line, writing nothing),
and databases that are not empty nor a prefix of the log being restored."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.backup.conftest import EVENTS, dump, open_timeline
from timeline.cli import app
from timeline.errors import (
    BackupFileError,
    ChainBrokenError,
    RestoreTargetError,
    TimelineError,
)
from timeline.model.feeds import FeedHealth
from timeline.store import open_store

Lines = list[str]


def _flip_in_payload(lines: Lines) -> Lines:
    line = lines[4]  # event 4
    at = line.index("Regulation")  # inside the payload's stored JSON text
    lines[4] = line[:at] + chr(ord(line[at]) ^ 1) + line[at + 1 :]
    return lines


def _flip_a_quote(lines: Lines) -> Lines:
    lines[4] = lines[4].replace('"kind"', "'kind\"", 1)
    return lines


def _drop_line(lines: Lines) -> Lines:
    del lines[6]  # event 6
    return lines


def _swap_pair(lines: Lines) -> Lines:
    lines[7], lines[8] = lines[8], lines[7]  # events 7 and 8
    return lines


def _count(delta: int) -> Callable[[Lines], Lines]:
    def change(lines: Lines) -> Lines:
        header = json.loads(lines[0])
        header["events"] += delta
        lines[0] = json.dumps(header)
        return lines

    return change


def _edit_record(lines: Lines) -> Lines:
    at = next(i for i, line in enumerate(lines) if line.startswith('{"type": "candidates"'))
    lines[at] = lines[at].replace('"feed": "veille"', '"feed": "veilla"', 1)
    return lines


def _drop_last(lines: Lines) -> Lines:
    return lines[:-1]


DAMAGE: dict[str, tuple[Callable[[Lines], Lines], Callable[[int, int], str]]] = {
    # name: (what it does to the lines, the error, given the event and line counts)
    "flipped byte": (_flip_in_payload, lambda n, m: "line 5: event 4's hash does not match"),
    "broken json": (_flip_a_quote, lambda n, m: "line 5: not valid JSON"),
    "missing line": (_drop_line, lambda n, m: "line 7: expected event 6, found event 7"),
    "reordered pair": (_swap_pair, lambda n, m: "line 8: expected event 7, found event 8"),
    "header count low": (
        _count(-1),
        lambda n, m: f"line {n + 1}: an event after the {n - 1} the header announces",
    ),
    "header count high": (
        _count(+1),
        lambda n, m: f"line {n + 2}: expected event {n + 1}, found a line of type 'candidates'",
    ),
    "last line missing": (
        _drop_last,
        lambda n, m: (
            f"line {m}: the file ends after 1 alert_deliveries records; its header announces 2"
        ),
    ),
}


def _export(url: str, path: Path) -> tuple[Lines, int]:
    with open_timeline(url) as tl:
        header = tl.export(path)
    return path.read_text().splitlines(), header.events


def _assert_empty(url: str) -> None:
    found = dump(url)
    assert {name: rows for name, rows in found.items() if rows} == {}


@pytest.mark.parametrize("damage", DAMAGE)
def test_a_damaged_file_is_refused_naming_its_line_and_nothing_is_written(
    damage: str,
    database_url: str,
    make_populated: Callable[[str], str],
    tmp_path: Path,
) -> None:
    lines, events = _export(make_populated("sqlite"), tmp_path / "good.jsonl")
    change, message = DAMAGE[damage]
    bad = tmp_path / "bad.jsonl"
    bad.write_text("\n".join(change(list(lines))) + "\n")
    with open_timeline(database_url) as tl, pytest.raises(BackupFileError) as refused:
        tl.restore(bad)
    assert str(refused.value).startswith(message(events, len(lines))), str(refused.value)
    _assert_empty(database_url)


def test_a_tampered_record_names_its_line(
    make_populated: Callable[[str], str], make_database_url: Callable[[str], str], tmp_path: Path
) -> None:
    lines, _ = _export(make_populated("sqlite"), tmp_path / "good.jsonl")
    changed = _edit_record(list(lines))
    number = next(i for i, (a, b) in enumerate(zip(lines, changed, strict=True)) if a != b) + 1
    bad = tmp_path / "bad.jsonl"
    bad.write_text("\n".join(changed) + "\n")
    target = make_database_url("sqlite")
    with open_timeline(target) as tl, pytest.raises(BackupFileError) as refused:
        tl.restore(bad)
    assert str(refused.value) == (
        f"line {number}: the candidates record's hash does not match its content"
    )
    _assert_empty(target)


def test_a_truncated_or_corrupt_file_is_refused(
    make_populated: Callable[[str], str], make_database_url: Callable[[str], str], tmp_path: Path
) -> None:
    good = tmp_path / "good.jsonl"
    lines, _ = _export(make_populated("sqlite"), good)
    target = make_database_url("sqlite")
    cut = tmp_path / "cut.jsonl"
    cut.write_bytes(good.read_bytes()[: len("\n".join(lines[:6])) + 40])
    packed = bytearray(gzip.compress(good.read_bytes()))
    packed[len(packed) // 2] ^= 0xFF
    corrupt = tmp_path / "corrupt.jsonl.gz"
    corrupt.write_bytes(bytes(packed))
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    with open_timeline(target) as tl:
        with pytest.raises(BackupFileError, match=r"^line 7: the line is cut short"):
            tl.restore(cut)
        with pytest.raises(BackupFileError, match=r"^line \d+: "):
            tl.restore(corrupt)
        with pytest.raises(BackupFileError, match=r"^line 1: the file is empty$"):
            tl.restore(empty)
        with pytest.raises(BackupFileError, match=r"^line 1: not a timeline export"):
            tl.restore(EVENTS / "jp-domestic.toml")
        with pytest.raises(TimelineError, match=r"^no file .*missing\.jsonl$"):
            tl.restore(tmp_path / "missing.jsonl")
        with pytest.raises(TimelineError, match=r"is a folder, not an export file$"):
            tl.restore(tmp_path)
    _assert_empty(target)


def test_a_database_holding_another_log_is_refused_and_left_as_it_was(
    database_url: str, make_populated: Callable[[str], str], tmp_path: Path
) -> None:
    path = tmp_path / "log.jsonl"
    _export(make_populated("sqlite"), path)
    with open_timeline(database_url) as tl:
        tl.init()
        tl.import_path(EVENTS)  # the same curated events, recorded at another time
        before = dump(database_url)
        with pytest.raises(RestoreTargetError, match=r"not the first .* of the log"):
            tl.restore(path)
    assert dump(database_url) == before


def test_restore_continues_a_prefix_but_not_one_with_working_state_of_its_own(
    database_url: str, make_database_url: Callable[[str], str], tmp_path: Path
) -> None:
    source = make_database_url("sqlite")
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    with open_timeline(source) as tl:
        tl.init()
        tl.import_path(EVENTS)
        tl.export(first)
        event = next(iter(tl.log()))
        tl.retract(event.id, "recorded by mistake")
        tl.export(second)
    with open_timeline(database_url) as tl:
        tl.restore(first)
        report = tl.restore(second)
        assert (report.restored, report.already_present) == (1, report.events - 1)
        assert tl.history(None) == open_timeline(source).history(None)
    assert dump(database_url) == dump(source)

    # A prefix whose database has candidates or feed health of its own is not a
    # restore cut short: refused, left as it was.
    with open_timeline(make_database_url("sqlite")) as tl:
        tl.restore(first)
        tl.store.feed_health.record(FeedHealth("veille", "https://example.org/feed.xml"))
        before = dump(tl.store.url)
        with pytest.raises(RestoreTargetError, match=r"working state of its own \(feed_health\)"):
            tl.restore(second)
        assert dump(tl.store.url) == before


def test_the_privileged_path_takes_only_what_continues_the_chain(
    database_url: str, make_populated: Callable[[str], str], tmp_path: Path
) -> None:
    lines, _ = _export(make_populated("sqlite"), tmp_path / "log.jsonl")
    events = [{k: v for k, v in json.loads(line).items() if k != "type"} for line in lines[1:6]]
    store = open_store(database_url)
    store.initialise()
    try:
        with pytest.raises(RestoreTargetError, match=r"ends at position 0; .* start at 2"):
            store.backup.restore_batch(events[1:])
        forged = [dict(e) for e in events]
        forged[2]["subject"] = "jp/forged"
        with pytest.raises(ChainBrokenError, match="position 3"):
            store.backup.restore_batch(forged)
        assert store.verify().events == 0
        store.backup.restore_batch(events[:2])
        store.backup.restore_batch(events[2:])
        assert store.verify().events == 5
    finally:
        store.close()


def test_the_cli_pipes_an_export_into_a_restore_and_refuses_a_bad_file(
    make_populated: Callable[[str], str], make_database_url: Callable[[str], str], tmp_path: Path
) -> None:
    source, target = make_populated("sqlite"), make_database_url("postgresql")
    config = tmp_path / "config.toml"
    config.write_text(f"[projections]\npath = '{EVENTS.parent / 'projections'}'\n")
    runner = CliRunner()

    def run(url: str, *args: str, input: bytes | None = None):  # type: ignore[no-untyped-def]
        env = {"TIMELINE_DATABASE__URL": url, "TIMELINE_LOGGING__FORMAT": "json"}
        return runner.invoke(app, ["--config", str(config), *args], env=env, input=input)

    exported = run(source, "export", "-")
    assert exported.exit_code == 0, exported.output
    assert exported.stderr.startswith("exported ")
    lines = exported.stdout_bytes.decode().splitlines()
    bad = _swap_pair(list(lines))
    refused = run(target, "restore", "-", input=("\n".join(bad) + "\n").encode())
    assert refused.exit_code == 1
    assert refused.stderr == "Error: line 8: expected event 7, found event 8\n"
    _assert_empty(target)

    restored = run(target, "restore", "-", input=exported.stdout_bytes)
    assert restored.exit_code == 0, restored.output
    events = json.loads(lines[0])["events"]
    records = sum(json.loads(lines[0])["records"].values())
    assert records == len(lines) - 1 - events
    assert restored.stdout.startswith(f"restored {events} events and {records} records; ")
    assert dump(target) == dump(source)
