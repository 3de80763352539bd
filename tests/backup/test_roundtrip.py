"""Export then restore, and copy, in every direction: the same log, byte for byte,
and the same answers."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy import exc as sa_exc

from tests.backup.conftest import PAIRS, answers, dump, open_timeline
from tests.factories import in_force
from timeline.errors import InvalidEventError
from timeline.store import open_store


@pytest.mark.parametrize("pair", PAIRS, ids="-to-".join)
@pytest.mark.parametrize("compressed", [False, True], ids=["jsonl", "gz"])
def test_export_then_restore_keeps_every_event_and_every_answer(
    pair: tuple[str, str],
    compressed: bool,
    make_populated: Callable[[str], str],
    make_database_url: Callable[[str], str],
    tmp_path: Path,
) -> None:
    source, target = make_populated(pair[0]), make_database_url(pair[1])
    path = tmp_path / ("log.jsonl.gz" if compressed else "log.jsonl")
    with open_timeline(source) as tl:
        header = tl.export(path)
    raw = path.read_bytes()
    assert (raw[:2] == b"\x1f\x8b") is compressed
    lines = (gzip.decompress(raw) if compressed else raw).decode().splitlines()
    assert len(lines) == 1 + header.events + sum(header.records.values())
    assert json.loads(lines[0])["events"] == header.events

    with open_timeline(target) as tl:
        report = tl.restore(path)
    assert (report.restored, report.already_present) == (header.events, 0)
    expected = dump(source)
    assert dump(target) == expected
    assert expected["candidates"]
    assert expected["feed_health"]
    assert expected["digest_deliveries"]
    assert answers(target) == answers(source)


@pytest.mark.parametrize("pair", PAIRS, ids="-to-".join)
def test_copy_moves_the_log_and_its_working_state(
    pair: tuple[str, str],
    make_populated: Callable[[str], str],
    make_database_url: Callable[[str], str],
) -> None:
    source, target = make_populated(pair[0]), make_database_url(pair[1])
    with open_timeline(source) as tl, open_timeline(target) as into:
        report = tl.copy_to(into)
        assert into.verify().head_hash == tl.verify().head_hash == report.head_hash
    assert dump(target) == dump(source)
    assert answers(target) == answers(source)
    # A second copy finds everything there and writes nothing.
    with open_timeline(source) as tl, open_timeline(target) as into:
        again = tl.copy_to(into)
    assert (again.restored, again.records, again.already_present) == (0, 0, report.events)
    assert dump(target) == dump(source)


def test_the_export_of_a_restored_log_is_the_same_file(
    make_populated: Callable[[str], str], make_database_url: Callable[[str], str], tmp_path: Path
) -> None:
    source, target = make_populated("postgresql"), make_database_url("sqlite")
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    with open_timeline(source) as tl:
        tl.export(first)
    with open_timeline(target) as tl:
        tl.restore(first)
        tl.export(second)
    assert second.read_bytes() == first.read_bytes()


def test_a_restored_log_is_still_append_only_and_append_still_sets_the_time(
    backend: str,
    make_populated: Callable[[str], str],
    make_database_url: Callable[[str], str],
    tmp_path: Path,
) -> None:
    source, target = make_populated("sqlite"), make_database_url(backend)
    path = tmp_path / "log.jsonl"
    with open_timeline(source) as tl:
        tl.export(path)
    with open_timeline(target) as tl:
        tl.restore(path)
    engine = create_engine(target)
    try:
        for statement in ("UPDATE events SET subject = 'x' WHERE seq = 1", "DELETE FROM events"):
            with pytest.raises(sa_exc.DBAPIError, match="append-only"), engine.begin() as conn:
                conn.execute(text(statement))
    finally:
        engine.dispose()
    store = open_store(target)
    try:
        stored = store.get(1)
        given = in_force(subject="jp/another-act") | {"recorded_at": "2020-01-01T00:00:00Z"}
        with pytest.raises(InvalidEventError, match="recorded_at"):
            store.append([given])
        assert store.verify().events == json.loads(path.read_text().splitlines()[0])["events"]
        assert store.get(1) == stored
    finally:
        store.close()
