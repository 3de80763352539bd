"""Reading never needs write access, on every backend.

A database this user may only read (SQLite opened `mode=ro`; a PostgreSQL role
with SELECT only) whose log holds events the read models do not reflect yet:
`state`, `history` and `compare` answer with them (the tail folded in memory,
`--format json` saying how far the read models were), and `timeline serve`
starts and serves them.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, make_url, text

from tests.cli.test_cli import Cli
from tests.factories import SOURCE
from tests.projections.conftest import EVENTS, PROJECTIONS, open_timeline
from tests.web.test_serve_cli import free_port, start, wait_until_serving, write_config
from timeline.app import Timeline
from timeline.errors import ReadOnlyDatabaseError
from timeline.store import open_store

OSAKA = {
    "kind": "office.opened",
    "subject": "org/late/office",
    "jurisdictions": ["JP"],
    "effective": "2025-10-01",
    "sources": [SOURCE],
    "payload": {"organisation": "Late Corp", "city": "Osaka"},
}


def _read_only_url(database_url: str, backend: str) -> Iterator[str]:
    """A URL of the same database for a user who may only read it."""
    url = make_url(database_url)
    if backend == "sqlite":
        yield f"sqlite:///file:{url.database}?mode=ro&uri=true"
        return
    role = f"reader_{uuid.uuid4().hex[:10]}"
    engine = create_engine(database_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE ROLE "{role}" LOGIN'))
        conn.execute(text(f'GRANT CONNECT ON DATABASE "{url.database}" TO "{role}"'))
        conn.execute(text(f'GRANT USAGE ON SCHEMA public TO "{role}"'))
        conn.execute(text(f'GRANT SELECT ON ALL TABLES IN SCHEMA public TO "{role}"'))
    try:
        yield url.set(username=role, password=None).render_as_string(hide_password=False)
    finally:
        with engine.connect() as conn:
            conn.execute(text(f'DROP OWNED BY "{role}"'))
            conn.execute(text(f'DROP ROLE "{role}"'))
        engine.dispose()


@pytest.fixture
def behind(database_url: str) -> Iterator[tuple[str, Timeline]]:
    """The curated log, its read models caught up, then an event and a correction
    of an indexed fact appended after them; and the writer's Timeline."""
    writer = open_timeline(database_url)
    writer.import_path(EVENTS)
    writer.catch_up()
    writer.append([OSAKA])
    [act] = writer.log(subject="jp/ai-promotion-act")
    writer.correct(act.id, {"effective": "2025-09-02"}, "the gazette says the 2nd")
    yield database_url, writer
    writer.close()


@pytest.fixture
def read_only_url(behind: tuple[str, Timeline], backend: str) -> Iterator[str]:
    yield from _read_only_url(behind[0], backend)


def test_the_read_only_user_cannot_write(read_only_url: str) -> None:
    reader = Timeline(open_store(read_only_url), projections=PROJECTIONS)
    try:
        with pytest.raises(ReadOnlyDatabaseError, match="read-only"):
            reader.catch_up()
    finally:
        reader.close()


def test_state_history_and_compare_fold_the_tail(
    behind: tuple[str, Timeline], read_only_url: str, tmp_path: Path
) -> None:
    _url, writer = behind
    head = writer.projection_status()["head"]
    cli = Cli(read_only_url, tmp_path)
    cli.env["TIMELINE_PROJECTIONS__PATH"] = str(PROJECTIONS)

    state = json.loads(cli.ok("state", "JP", "--as-of", "2025-12-01", "--format", "json"))
    assert state["read_models"] == {"head": head, "indexed": head - 2, "in_memory": 2}
    offices = {o["subject"] for o in state["offices"]}
    assert "org/late/office" in offices
    [act] = [i for i in state["instruments"] if i["subject"] == "jp/ai-promotion-act"]
    assert act["dates"]["in_force"] == "2025-09-02"  # the correction in the tail applies
    history = json.loads(cli.ok("history", "JP", "--format", "json"))
    assert "org/late/office" in {h["subject"] for h in history}
    assert [h["effective"] for h in history if h["subject"] == "jp/ai-promotion-act"] == [
        "2025-09-02"
    ]
    compared = json.loads(
        cli.ok("compare", "JP", "EU", "--as-of", "2025-12-01", "--format", "json")
    )
    assert compared["read_models"]["in_memory"] == 2
    assert "org/late/office" in {o["subject"] for o in compared["states"]["JP"]["offices"]}

    # The same answers as the writer's, once it has caught up.
    known = state["known_at"]
    moment = dt.datetime.fromisoformat(known.replace("Z", "+00:00"))
    writer_state = writer.state("JP", dt.date(2025, 12, 1), moment)
    assert {**writer_state, "read_models": state["read_models"]} == state
    assert writer.history("JP") == history


def test_serve_starts_on_a_read_only_database(
    behind: tuple[str, Timeline], read_only_url: str, tmp_path: Path
) -> None:
    port = free_port()
    process = start(write_config(tmp_path, read_only_url), "--port", str(port))
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(process, base)
        status = httpx.get(f"{base}/api/status", timeout=10).json()
        assert status["read_only_database"] is True
        state = httpx.get(
            f"{base}/api/state", params={"jurisdiction": "JP", "as_of": "2025-12-01"}, timeout=10
        ).json()
        assert "org/late/office" in {o["subject"] for o in state["offices"]}
        listed = httpx.get(f"{base}/api/jurisdictions", timeout=10).json()
        # The tail's office counts under JP, as it does once the writer catches up.
        [jp] = [j for j in behind[1].jurisdictions() if j["code"] == "JP"]
        assert {j["code"]: j["facts"] for j in listed}["JP"] == jp["facts"]
    finally:
        process.terminate()
        process.communicate(timeout=60)


def test_jurisdictions_and_valid_time_range_include_the_tail(
    behind: tuple[str, Timeline], read_only_url: str
) -> None:
    _url, writer = behind
    before = writer.valid_time_range()  # the read models catch up here
    assert before is not None
    assert "IS" not in {j["code"] for j in writer.jurisdictions()}
    # Then, in the tail: the fact that starts first is retracted, a fact under a
    # code the read models have never seen, ending after every other, is added,
    # and a JP fact is moved to NZ by a correction.
    first = writer.history()[0]
    writer.retract(first["events"][0], "recorded by mistake")
    far = {**OSAKA, "subject": "org/far/office", "jurisdictions": ["IS"], "effective": "2040"}
    writer.append([far])
    [late] = writer.log(subject="org/late/office")
    writer.correct(late.id, {"jurisdictions": ["NZ"]}, "it is in Wellington")

    reader = Timeline(open_store(read_only_url), projections=PROJECTIONS)
    try:
        counts = {j["code"]: j["facts"] for j in reader.jurisdictions()}
        valid_range = reader.valid_time_range()
        status = reader.projection_status()
    finally:
        reader.close()
    assert status["projections"]["governance"] == status["head"] - 3  # a tail of three

    # What the writer answers once its read models hold the same events.
    assert counts == {j["code"]: j["facts"] for j in writer.jurisdictions()}
    assert counts["IS"] == 1
    assert valid_range == writer.valid_time_range()
    assert valid_range is not None
    assert valid_range[0] > before[0]
    assert valid_range[1] == dt.date(2040, 12, 31)
