"""The curated import's three-way rule, on every backend: what the file says now,
what was last imported from it, and what the log says after analysts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from timeline.app import Timeline
from timeline.errors import ConcurrencyError
from timeline.importer import KEY_PREFIX, import_path
from timeline.model.events import canonical_json
from timeline.store import EventFilter, EventStore

ENTRY = """\
[[event]]
id = "jp-aisi"
kind = "body.established"
subject = "jp/aisi"
jurisdictions = ["JP"]
effective = "{effective}"
[event.payload]
name = "{name}"
[[event.sources]]
publisher = "Test Gazette"
title = "A report"
"""


@pytest.fixture
def timeline(store: EventStore, tmp_path: Path) -> Timeline:
    return Timeline(store)


class Curated:
    """One curated file, rewritten by the test as an editor would."""

    def __init__(self, tl: Timeline, folder: Path) -> None:
        self.tl = tl
        self.folder = folder
        folder.mkdir()
        self.write()

    def write(self, effective: str = "2024-02-14", name: str = "Japan AI Safety Institute") -> None:
        (self.folder / "bodies.toml").write_text(ENTRY.format(effective=effective, name=name))

    def fact(self) -> dict[str, object]:
        [entry] = self.tl.history("JP")
        return {"effective": entry["effective"], "title": entry["title"]}

    def original_id(self) -> str:
        return self.tl.store.find_by_keys([KEY_PREFIX + "jp-aisi"])[KEY_PREFIX + "jp-aisi"].id


@pytest.fixture
def curated(timeline: Timeline, tmp_path: Path) -> Curated:
    files = Curated(timeline, tmp_path / "events")
    assert len(timeline.import_path(files.folder).new) == 1
    return files


def test_an_unchanged_file_keeps_an_analysts_correction(curated: Curated) -> None:
    tl = curated.tl
    tl.correct(curated.original_id(), {"effective": "2024-02"}, "the day is not sourced")
    report = tl.import_path(curated.folder)
    assert (len(report.new), len(report.corrected), report.unchanged) == (0, 0, 1)
    assert report.conflicts == []
    assert curated.fact() == {"effective": "2024-02", "title": "Japan AI Safety Institute"}


def test_a_changed_file_corrects_a_fact_no_analyst_touched(curated: Curated) -> None:
    curated.write(name="AI Safety Institute (J-AISI)")
    report = curated.tl.import_path(curated.folder)
    [correction] = report.corrected
    assert correction.payload["target"] == curated.original_id()
    assert curated.fact()["title"] == "AI Safety Institute (J-AISI)"
    again = curated.tl.import_path(curated.folder)
    assert (again.corrected, again.unchanged) == ([], 1)


def test_a_file_edited_back_to_an_earlier_version_is_corrected_again(curated: Curated) -> None:
    curated.write(name="J-AISI")
    assert len(curated.tl.import_path(curated.folder).corrected) == 1
    curated.write()
    assert len(curated.tl.import_path(curated.folder).corrected) == 1
    curated.write(name="J-AISI")  # the first edit again: a new correction, not the old one
    assert len(curated.tl.import_path(curated.folder).corrected) == 1
    assert curated.fact()["title"] == "J-AISI"


def test_both_changed_is_a_conflict_with_both_versions_and_nothing_written(
    curated: Curated,
) -> None:
    tl = curated.tl
    tl.correct(curated.original_id(), {"effective": "2024-02"}, "the day is not sourced")
    curated.write(effective="2024-02-14", name="J-AISI")
    head = tl.store.verify().head_seq
    report = tl.import_path(curated.folder)
    [conflict] = report.conflicts
    assert conflict.entry_id == "jp-aisi"
    assert conflict.file == "bodies.toml"
    assert conflict.in_file["payload"]["name"] == "J-AISI"
    assert conflict.in_file["effective"] == "2024-02-14"
    assert conflict.in_log["payload"]["name"] == "Japan AI Safety Institute"
    assert conflict.in_log["effective"] == "2024-02"
    assert conflict.retracted_by is None
    assert report.corrected == []
    assert tl.store.verify().head_seq == head
    assert curated.fact() == {"effective": "2024-02", "title": "Japan AI Safety Institute"}


def test_a_conflict_resolved_for_the_log_writes_nothing(curated: Curated) -> None:
    tl = curated.tl
    tl.correct(curated.original_id(), {"effective": "2024-02"}, "the day is not sourced")
    curated.write(name="J-AISI")
    head = tl.store.verify().head_seq
    report = tl.import_path(curated.folder, prefer="log")
    assert (report.kept, report.conflicts, report.corrected) == (["jp-aisi"], [], [])
    assert tl.store.verify().head_seq == head


def test_a_conflict_resolved_for_the_file_corrects_from_the_file(curated: Curated) -> None:
    tl = curated.tl
    tl.correct(curated.original_id(), {"effective": "2024-02"}, "the day is not sourced")
    curated.write(name="J-AISI")
    [correction] = tl.import_path(curated.folder, prefer="file").corrected
    assert "preferred" in correction.payload["reason"]
    assert curated.fact() == {"effective": "2024-02-14", "title": "J-AISI"}
    # Now what was imported is what the log says: the next import is quiet.
    assert tl.import_path(curated.folder).unchanged == 1


def test_a_file_edited_to_match_the_log_is_no_conflict(curated: Curated) -> None:
    tl = curated.tl
    tl.correct(curated.original_id(), {"effective": "2024-02"}, "the day is not sourced")
    curated.write(effective="2024-02")
    report = tl.import_path(curated.folder)
    assert (report.conflicts, report.corrected, report.unchanged) == ([], [], 1)


def test_a_retraction_then_a_file_change_is_a_conflict_even_preferring_the_file(
    curated: Curated,
) -> None:
    tl = curated.tl
    retraction = tl.retract(curated.original_id(), "not an institution")
    unchanged = tl.import_path(curated.folder)
    assert (unchanged.retracted, unchanged.conflicts) == (["jp-aisi"], [])
    curated.write(name="J-AISI")
    head = tl.store.verify().head_seq
    for prefer in (None, "file"):
        report = tl.import_path(curated.folder, prefer=prefer)  # type: ignore[arg-type]
        [conflict] = report.conflicts
        assert conflict.retracted_by is not None
        assert conflict.retracted_by.id == retraction.id
        assert conflict.in_file["payload"]["name"] == "J-AISI"
    assert tl.import_path(curated.folder, prefer="log").kept == ["jp-aisi"]
    assert tl.store.verify().head_seq == head
    assert tl.history("JP") == []


def test_a_log_from_an_earlier_version_imports_by_the_same_rule(curated: Curated) -> None:
    """Earlier importers keyed their corrections `curated:<id>:correction:<digest>`
    and recorded no base: what they imported is read from their payloads."""
    tl = curated.tl
    original = curated.original_id()
    old_style = {
        "kind": "event.corrected",
        "subject": "jp/aisi",
        "jurisdictions": ["JP"],
        "effective": "2024-02-14",
        "idempotency_key": f"{KEY_PREFIX}jp-aisi:correction:0123456789abcdef",
        "provenance": {"file": "bodies.toml", "entry": "jp-aisi"},
        "payload": {
            "target": original,
            "reason": "curated entry 'jp-aisi' changed in bodies.toml",
            "corrected": {
                "kind": "body.established",
                "subject": "jp/aisi",
                "jurisdictions": ["JP"],
                "effective": "2024-02-14",
                "sources": [{"publisher": "Test Gazette", "title": "A report"}],
                "payload": {"name": "J-AISI"},
            },
        },
    }
    tl.append([old_style])
    curated.write(name="J-AISI")  # what that old import read
    tl.correct(original, {"effective": "2024-02"}, "the day is not sourced")
    report = tl.import_path(curated.folder)
    assert (report.unchanged, report.corrected, report.conflicts) == (1, [], [])
    assert curated.fact() == {"effective": "2024-02", "title": "J-AISI"}


def test_corrections_and_keys_are_stored_whole(curated: Curated, store: EventStore) -> None:
    curated.write(name="J-AISI")
    curated.tl.import_path(curated.folder)
    [correction] = store.read(EventFilter(kinds=frozenset({"event.corrected"})))
    assert correction.idempotency_key.startswith(f"{KEY_PREFIX}jp-aisi:correction:")
    assert canonical_json(correction.provenance) == canonical_json(
        {"file": "bodies.toml", "entry": "jp-aisi"}
    )


class _CorrectedMeanwhile:
    """The store, with an analyst's correction landing between the importer's read of
    a fact's standing and its append (as another process's would)."""

    def __init__(self, store: EventStore, correction: dict[str, object]) -> None:
        self.store = store
        self.correction = correction

    def __getattr__(self, name: str) -> object:
        return getattr(self.store, name)

    def append(self, events: Any, expected_versions: Any = None) -> Any:
        self.store.append([self.correction])
        return self.store.append(events, expected_versions)


def test_a_correction_recorded_during_an_import_fails_it_whole(
    curated: Curated, store: EventStore
) -> None:
    curated.write(name="J-AISI")
    analyst = {
        "kind": "event.corrected",
        "subject": "jp/aisi",
        "jurisdictions": ["JP"],
        "effective": "2024-02",
        "payload": {
            "target": curated.original_id(),
            "reason": "the day is not sourced",
            "corrected": curated.tl.entry(curated.original_id()).standing.fact  # type: ignore[union-attr]
            | {"effective": "2024-02"},
        },
    }
    racing = _CorrectedMeanwhile(store, analyst)
    with pytest.raises(
        ConcurrencyError,
        match="the stream of subject 'jp/aisi' is at version 2, not the expected 1",
    ):
        import_path(racing, curated.folder)  # type: ignore[arg-type]
    corrections = list(store.read(EventFilter(kinds=frozenset({"event.corrected"}))))
    assert [c.payload["reason"] for c in corrections] == ["the day is not sourced"]
    # Run again, the importer sees the analyst's correction: a conflict, not an overwrite.
    [conflict] = import_path(store, curated.folder).conflicts
    assert conflict.in_log["effective"] == "2024-02"
