"""The HTTP API over the curated events, on every backend, through real HTTP
requests against the app (httpx, via FastAPI's TestClient)."""

from __future__ import annotations

import datetime as dt
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.factories import in_force
from tests.projections.conftest import open_timeline
from tests.web.conftest import instrument, web_settings
from timeline.errors import StoreError
from timeline.store.base import format_utc
from timeline.web import create_app

AI_ACT = "jp/ai-promotion-act"


def ok(client: TestClient, url: str, /, **params: Any) -> Any:
    response = client.get(url, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def error(client: TestClient, url: str, expected: int, /, **params: Any) -> str:
    response = client.get(url, params=params)
    assert response.status_code == expected, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert list(body) == ["error"]
    assert "\n" not in body["error"]
    return str(body["error"])


def test_served_app_catches_up_and_answers_with_the_curated_data(curated_url: str) -> None:
    before = open_timeline(curated_url)
    assert before.projection_status()["projections"]["governance"] == -1  # imported, not built
    before.close()
    with TestClient(create_app(web_settings(curated_url))) as client:
        status = ok(client, "/api/status")
        assert status["behind"] == 0
        assert status["head"] == 27
        assert status["projections"] == {"governance": 27, "partners": 27}
        assert (status["first_day"], status["last_day"]) == ("2023-05-01", "2027-08-02")
        state = ok(client, "/api/state", jurisdiction="JP", as_of="2025-09-01")
        assert instrument(state, AI_ACT)["status"] == "in_force"  # type: ignore[index]


def test_state_shows_the_ai_promotion_act_in_force_from_2025_09_01(client: TestClient) -> None:
    before = ok(client, "/api/state", jurisdiction="JP", as_of="2025-08-31")
    on = ok(client, "/api/state", jurisdiction="jp", as_of="2025-09-01")
    assert instrument(before, AI_ACT) is None  # the log has it only from its day in force
    act = instrument(on, AI_ACT)
    assert act is not None
    assert act["status"] == "in_force"
    assert act["dates"]["in_force"] == "2025-09-01"
    assert on["jurisdiction"] == "JP"
    assert on["as_of"] == "2025-09-01"
    assert on["max_penalty"]["subject"] == AI_ACT


def test_known_at_shows_what_the_log_knew_then(curated_url: str) -> None:
    timeline = open_timeline(curated_url)
    act = next(timeline.log(subject=AI_ACT, kinds=["instrument.in_force"]))
    time.sleep(0.01)  # the correction is recorded strictly after the import
    correction = timeline.correct(act.id, {"effective": "2025-10-01"}, "the date was misread")
    timeline.close()
    with TestClient(create_app(web_settings(curated_url))) as client:
        now = ok(client, "/api/state", jurisdiction="JP", as_of="2025-09-01")
        assert instrument(now, AI_ACT) is None
        earlier = act.recorded_at.isoformat()
        then = ok(client, "/api/state", jurisdiction="JP", as_of="2025-09-01", known_at=earlier)
        assert instrument(then, AI_ACT)["status"] == "in_force"  # type: ignore[index]
        assert then["known_at"].startswith(earlier[:19])
        history = ok(client, "/api/history", jurisdiction="JP")["facts"]
        fact = next(f for f in history if f["subject"] == AI_ACT and f["kind"].endswith("force"))
        assert fact["events"] == [act.id, correction.id]
        assert fact["effective"] == "2025-10-01"


def test_compare_marks_what_differs(client: TestClient) -> None:
    result = ok(
        client, "/api/compare", jurisdiction=["JP", "EU"], as_of="2025-09-01", known_at="2030-01-01"
    )
    assert result["jurisdictions"] == ["JP", "EU"]
    assert set(result["states"]) == {"JP", "EU"}
    assert "max_penalty" in result["differences"]
    assert "instruments" in result["differences"]
    assert "memberships" not in result["differences"]  # both in the AI Safety Institutes network
    eu_penalty = result["states"]["EU"]["max_penalty"]["value"]
    assert eu_penalty["turnover_pct"] == "7"  # decimals as text, as stored
    assert result["known_at"] == "2030-01-01T23:59:59.999999Z"


def test_diff_cites_the_events(client: TestClient) -> None:
    days = {"from": "2025-08-31", "to": "2025-09-01"}
    result = ok(client, "/api/diff", jurisdiction="JP", **days)
    assert (result["from"], result["to"]) == ("2025-08-31", "2025-09-01")
    change = next(c for c in result["changes"] if c.get("subject") == AI_ACT)
    assert change["section"] == "instruments"
    assert change["change"] == "added"
    assert change["events"] == [
        e["id"] for e in ok(client, "/api/events", subject=AI_ACT)["events"]
    ]


def test_history_and_upcoming(client: TestClient) -> None:
    page = ok(client, "/api/history", jurisdiction="JP")
    history = page["facts"]
    days = [f["effective"] for f in history]
    assert len(history) == 18
    assert page["next_after"] is None
    assert days[0] == "2023-05"
    assert any(f["subject"] == AI_ACT and f["kind"] == "instrument.in_force" for f in history)
    everything = ok(client, "/api/history")["facts"]
    assert len(everything) == 27
    # Page by page, with the cursor and the first page's moment: the same facts, once each.
    paged: list[Any] = []
    query: dict[str, Any] = {"limit": 4}
    while True:
        page = ok(client, "/api/history", **query)
        paged += page["facts"]
        assert len(page["facts"]) <= 4
        if page["next_after"] is None:
            break
        query = {"limit": 4, "after": page["next_after"], "known_at": page["known_at"]}
    assert paged == everything
    assert "not a cursor" in error(client, "/api/history", 422, after="nonsense")
    upcoming = ok(client, "/api/upcoming", jurisdiction="JP", as_of="2025-08-15", days=30)
    assert [(f["subject"], f["kind"]) for f in upcoming][:1] == [(AI_ACT, "instrument.in_force")]
    assert all("2025-08-16" <= f["effective"][:10] <= "2025-09-14" for f in upcoming)
    assert ok(client, "/api/upcoming", jurisdiction="JP", as_of="9999-12-01", days=365) == []


def test_events_filters_match_timeline_log(client: TestClient) -> None:
    page = ok(client, "/api/events", jurisdiction="JP", kind="instrument.in_force")
    assert [e["subject"] for e in page["events"]] == [AI_ACT]
    assert page["next_after"] is None
    event = page["events"][0]
    assert event["sources"][0]["publisher"]
    in_2025 = ok(client, "/api/events", **{"from": "2025", "to": "2025"}, limit=500)["events"]
    assert in_2025
    assert all(e["effective"][:4] <= "2025" for e in in_2025)
    two_kinds = ok(client, "/api/events", kind=["body.established", "office.opened"])["events"]
    assert {e["kind"] for e in two_kinds} == {"body.established", "office.opened"}
    subject = ok(client, "/api/events", subject=AI_ACT)["events"]
    assert {e["subject"] for e in subject} == {AI_ACT}


def test_events_refuse_a_reversed_range_and_a_time_before_the_log(client: TestClient) -> None:
    """The log's rule, as for `diff` and `state`: a mistake is an error, not an empty page."""
    assert error(client, "/api/events", 422, **{"from": "2026", "to": "2025"}) == (
        "the range ends on 2025-12-31, before it starts on 2026-01-01"
    )
    first = ok(client, "/api/events/1")["recorded_at"]
    assert error(client, "/api/events", 422, known_at="2000-01-01") == (
        "known-at 2000-01-01T23:59:59.999999Z is before the first event was recorded "
        f"({format_utc(dt.datetime.fromisoformat(first))}): nothing was known then"
    )
    assert ok(client, "/api/events", known_at=first)["events"][0]["seq"] == 1


def test_events_paginate_with_a_cursor(client: TestClient) -> None:
    seqs: list[int] = []
    after, pages = 0, 0
    while True:
        page = ok(client, "/api/events", after=after, limit=5)
        seqs += [e["seq"] for e in page["events"]]
        pages += 1
        if page["next_after"] is None:
            break
        after = page["next_after"]
    assert seqs == list(range(1, 28))
    assert pages == 6
    assert ok(client, "/api/events", after=27)["events"] == []


def test_one_event_by_id_or_position(client: TestClient) -> None:
    first = ok(client, "/api/events/1")
    assert first["seq"] == 1
    assert ok(client, f"/api/events/{first['id']}") == first
    # As `timeline show`: a short id, a curated entry's id, its idempotency key.
    assert ok(client, f"/api/events/{first['id'][:8]}") == first
    entry = first["idempotency_key"].removeprefix("curated:")
    assert ok(client, f"/api/events/{entry}") == first
    assert ok(client, f"/api/events/{first['idempotency_key']}") == first


def test_errors_are_one_line_json_4xx(client: TestClient) -> None:
    assert error(client, "/api/state", 422, jurisdiction="JP", as_of="2025-02-30") == (
        "as_of: no such day '2025-02-30' (February 2025 has 28 days)"
    )
    assert "as_of: expected a day YYYY-MM-DD" in error(
        client, "/api/state", 422, jurisdiction="JP", as_of="1"
    )
    assert "GB (United Kingdom)" in error(client, "/api/state", 422, jurisdiction="UK")
    assert "nothing was known then" in error(
        client, "/api/state", 422, jurisdiction="JP", known_at="2001-01-01"
    )
    assert "known_at: expected an ISO date" in error(
        client, "/api/history", 422, known_at="yesterday"
    )
    assert "no projection named 'nope'" in error(
        client, "/api/state", 404, jurisdiction="JP", projection="nope"
    )
    missing = "00000000-0000-8000-8000-000000000000"
    assert missing in error(client, f"/api/events/{missing}", 404)
    assert "no event '999'" in error(client, "/api/events/999", 404)
    assert error(client, "/api/events/not-an-id", 404) == "no event 'not-an-id' in the log"
    assert error(client, f"/api/events/{'x' * 201}", 422).startswith("path parameter 'ref'")
    assert error(client, "/api/state", 422) == "query parameter 'jurisdiction': Field required"
    assert "query parameter 'limit'" in error(client, "/api/events", 422, limit=0)
    assert "unknown kind 'instrument.enforced'" in error(
        client, "/api/events", 422, kind="instrument.enforced"
    )
    assert "to 2025-01-01 is before from 2025-06-01" in error(
        client, "/api/diff", 422, jurisdiction="JP", **{"from": "2025-06-01", "to": "2025-01-01"}
    )
    assert "query parameter 'jurisdiction'" in error(client, "/api/compare", 422, jurisdiction="JP")
    assert "from: expected YYYY" in error(client, "/api/events", 422, **{"from": "2025-1"})
    assert error(client, "/api/nowhere", 404) == "not found"
    assert "no candidate" in error(client, "/api/candidates/abcd1234", 404)


def test_days_at_the_ends_of_the_calendar_are_answers_not_crashes(client: TestClient) -> None:
    for day in ("0001-01-01", "9999-12-31"):
        state = ok(client, "/api/state", jurisdiction="JP", as_of=day)
        assert state["as_of"] == day
    assert ok(client, "/api/history", jurisdiction="JP", known_at="9999-12-31")
    assert "outside the calendar" in error(
        client, "/api/history", 422, known_at="9999-12-31T23:00:00-05:00"
    )


def test_the_server_cannot_write(client: TestClient) -> None:
    reader = client.app.state.service.timeline  # type: ignore[attr-defined]
    with pytest.raises(StoreError):
        reader.append([new_body("new-body")])
    assert ok(client, "/api/status")["head"] == 27


def new_body(slug: str, name: str | None = None, effective: str = "2026-01-01") -> dict[str, Any]:
    """A body established in Japan, as an event to append."""
    return {
        "kind": "body.established",
        "subject": f"jp/{slug}",
        "jurisdictions": ["JP"],
        "effective": effective,
        "payload": {"name": name or slug.replace("-", " ").title()},
        "sources": [{"publisher": "Test", "title": "A test source"}],
    }


def _bodies(client: TestClient) -> set[str]:
    state = ok(client, "/api/state", jurisdiction="JP", as_of="2026-06-30")
    return {b["subject"] for b in state["bodies"]}


def test_appends_while_serving_are_caught_up(client: TestClient, curated_url: str) -> None:
    writer = open_timeline(curated_url)
    writer.append([new_body("late-body")])
    writer.close()
    # Answered at once (the reader folds what the read models lack) ...
    assert "jp/late-body" in _bodies(client)
    # ... and the read models catch up behind it.
    deadline = time.monotonic() + 10
    while (status := ok(client, "/api/status"))["behind"]:
        assert time.monotonic() < deadline, status
        time.sleep(0.05)
    assert status["head"] == 28


def test_without_catch_up_the_lag_is_reported_and_answers_do_not_lag(curated_url: str) -> None:
    settings = web_settings(curated_url, web={"catch_up_seconds": 0})
    with TestClient(create_app(settings)) as client:
        # Nothing built the read models: the server says so and writes nothing.
        status = ok(client, "/api/status")
        assert status["catch_up_seconds"] is None
        assert status["projections"]["governance"] == -1
        assert status["behind"] == 27
        writer = open_timeline(curated_url)
        writer.catch_up()
        writer.append([new_body("unseen-body")])
        time.sleep(0.3)
        # Not in the read models, yet in the answer: folded in memory.
        assert ok(client, "/api/status")["behind"] == 1
        assert "jp/unseen-body" in _bodies(client)
        writer.catch_up()
        writer.close()
        assert "jp/unseen-body" in _bodies(client)
        assert ok(client, "/api/status")["behind"] == 0


def test_concurrent_requests_share_the_reader(client: TestClient) -> None:
    query = {"jurisdiction": ["JP", "EU"], "as_of": "2025-09-01", "known_at": "2030-01-01"}
    expected = ok(client, "/api/compare", **query)

    def ask(_: int) -> Any:
        return ok(client, "/api/compare", **query)

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(ask, range(40)))
    assert all(answer == expected for answer in answers)


def test_jurisdictions_for_the_pickers(client: TestClient) -> None:
    found = {j["code"]: j for j in ok(client, "/api/jurisdictions")}
    assert found["JP"] == {"code": "JP", "name": "Japan", "category": "country", "facts": 18}
    assert found["EU"]["category"] == "group"
    assert found["JP-13"]["category"] == "subdivision"


def test_openapi_document_describes_every_route(client: TestClient) -> None:
    document = ok(client, "/openapi.json")
    paths = set(document["paths"])
    assert {
        "/api/status",
        "/api/jurisdictions",
        "/api/events",
        "/api/events/{ref}",
        "/api/state",
        "/api/compare",
        "/api/diff",
        "/api/history",
        "/api/upcoming",
        "/api/candidates",
        "/api/candidates/{ref}",
        "/api/feeds",
        "/calendar.ics",
        "/changes.atom",
    } == paths
    state = document["paths"]["/api/state"]["get"]["responses"]
    assert state["422"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorOut")


def test_projection_answers_match_their_response_models(client: TestClient) -> None:
    # These routes send the runner's JSON as it is, without FastAPI re-validating it
    # (see api._answer), so the document's promise is checked here, on real answers.
    from pydantic import TypeAdapter

    from timeline.answers import Aggregate, Comparison, Diff, FactEntry, HistoryPage, Item, State

    answers: list[tuple[Any, Any]] = [
        (State, ok(client, "/api/state", jurisdiction="JP", as_of="2025-09-01")),
        (State, ok(client, "/api/state", jurisdiction="JP", as_of="2025-09-15")),  # uncertain
        (Comparison, ok(client, "/api/compare", jurisdiction=["JP", "EU"], as_of="2026-06-30")),
        (
            Diff,
            ok(client, "/api/diff", jurisdiction="JP", **{"from": "2025-01-01"}, to="2026-01-01"),
        ),
        (HistoryPage, ok(client, "/api/history", jurisdiction="EU")),
        (list[FactEntry], ok(client, "/api/upcoming", as_of="2024-01-01", days=3650)),
    ]
    for model, body in answers:
        assert body, model
        TypeAdapter(model).validate_python(body, strict=False)
    # A state's sections and aggregates are its extra keys: each a list of items, or
    # an aggregate (an item's figure, or a count, or null).
    extra = TypeAdapter(list[Item] | Aggregate | int | None)
    states = [answers[0][1], answers[1][1], *answers[2][1]["states"].values()]
    for state in states:
        for name in state.keys() - State.__annotations__.keys():
            extra.validate_python(state[name], strict=False)
    assert "instruments" in states[0]
    assert ok(client, "/api/state", jurisdiction="JP", as_of="2025-09-15")["uncertain"]


def test_superseded_events_say_by_what_and_current_lists_facts_as_they_stand(
    curated_url: str,
) -> None:
    timeline = open_timeline(curated_url)
    act = next(timeline.log(subject=AI_ACT, kinds=["instrument.in_force"]))
    meeting = next(timeline.log(kinds=["meeting.held"]))
    time.sleep(0.01)  # the meta events are recorded strictly after the import
    correction = timeline.correct(act.id, {"effective": "2025-10-01"}, "the date was misread")
    retraction = timeline.retract(meeting.id, "no such meeting")
    timeline.close()
    with TestClient(create_app(web_settings(curated_url))) as client:
        shown = ok(client, f"/api/events/{act.id}")
        assert shown["superseded"] == {
            "how": "corrected",
            "by": correction.seq,
            "id": correction.id,
            "reason": "the date was misread",
            "text": f"corrected by #{correction.seq}",
        }
        assert shown["effective"] == "2025-09-01"  # the event as recorded
        retracted = ok(client, f"/api/events/{meeting.seq}")["superseded"]
        assert retracted["text"] == f"retracted by #{retraction.seq} (no such meeting)"
        assert ok(client, f"/api/events/{retraction.seq}")["superseded"] is None

        listed = ok(client, "/api/events", kind="meeting.held", limit=500)["events"]
        assert [e["superseded"] for e in listed if e["id"] == meeting.id] == [retracted]
        [alone] = ok(client, "/api/events", after=meeting.seq - 1, limit=1)["events"]
        assert (alone["id"], alone["superseded"]) == (meeting.id, retracted)  # a page of one
        known_then = act.recorded_at.isoformat()
        before = ok(client, "/api/events", kind="meeting.held", known_at=known_then)
        assert all(e["superseded"] is None for e in before["events"])

        current = ok(client, "/api/events", current="true", limit=500)["events"]
        ids = [e["id"] for e in current]
        assert meeting.id not in ids
        assert correction.id not in ids
        assert retraction.id not in ids
        [now] = [e for e in current if e["id"] == act.id]
        assert (now["effective"], now["superseded"]["by"]) == ("2025-10-01", correction.seq)
        in_september = ok(
            client, "/api/events", current="true", **{"from": "2025-09-01", "to": "2025-09-30"}
        )["events"]
        assert act.id not in [e["id"] for e in in_september]  # it now says October


def test_state_and_compare_take_with_subdivisions(curated_url: str) -> None:
    timeline = open_timeline(curated_url)
    timeline.append([in_force("us-tx/traiga", "2026-01-01", ["US-TX"], title="Texas AI Act")])
    timeline.close()
    with TestClient(create_app(web_settings(curated_url))) as client:
        alone = ok(client, "/api/state", jurisdiction="US", as_of="2026-02-01")
        assert alone["instruments"] == []
        assert (alone["with_subdivisions"], alone["subdivisions"]) == (False, ["US-TX"])
        whole = ok(
            client, "/api/state", jurisdiction="US", as_of="2026-02-01", with_subdivisions="true"
        )
        assert [i["title"] for i in whole["instruments"]] == ["Texas AI Act"]
        side = ok(
            client,
            "/api/compare",
            jurisdiction=["US", "JP"],
            as_of="2026-02-01",
            with_subdivisions="true",
        )
        assert side["states"]["US"]["subdivisions"] == ["US-TX"]
        assert "instruments" in side["differences"]
        page = client.get("/", params={"j": "US", "as_of": "2026-02-01"})
        assert "US without its subdivisions, which have facts of their own: US-TX" in page.text
        page = client.get("/", params={"j": "US", "as_of": "2026-02-01", "sub": "true"})
        assert "US with the facts of its subdivisions: US-TX." in page.text
        assert "Texas AI Act" in page.text
