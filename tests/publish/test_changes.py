"""The change feed over HTTP, parsed with feedparser: entries, paging, 304s."""

from __future__ import annotations

import json
from collections.abc import Iterator

import feedparser
import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import web_settings
from timeline.app import Timeline
from timeline.publish.atom import NAMESPACE
from timeline.store import RecordedEvent
from timeline.web import create_app


@pytest.fixture
def client(database_url: str, recorded: list[RecordedEvent]) -> Iterator[TestClient]:
    with TestClient(create_app(web_settings(database_url))) as running:
        yield running


def test_an_entry_per_event_correction_and_retraction_newest_first(
    timeline: Timeline, recorded: list[RecordedEvent], client: TestClient
) -> None:
    correction = timeline.correct(recorded[2].id, {"effective": "2027-12-02"}, "postponed")
    retraction = timeline.retract(recorded[1].id, "no such stage")
    reply = client.get("/changes.atom", params={"jurisdiction": "EU"})
    assert reply.status_code == 200
    assert reply.headers["content-type"].startswith("application/atom+xml")
    feed = feedparser.parse(reply.content)
    assert feed.version == "atom10"
    assert not feed.bozo
    assert NAMESPACE in feed.namespaces.values()
    ids = [entry.id for entry in feed.entries]
    expected = [retraction, correction, recorded[2], recorded[1], recorded[0]]
    assert ids == [f"urn:uuid:{event.id}" for event in expected]
    newest = feed.entries[0]
    assert newest.title.startswith("Retracted: retracts")
    assert newest.tags[0].term == "event.retracted"
    assert newest.link.endswith(f"/api/events/{retraction.id}")


def test_the_namespaced_element_holds_the_event_fields(
    recorded: list[RecordedEvent], client: TestClient
) -> None:
    import xml.etree.ElementTree as ET

    body = client.get("/changes.atom", params={"kind": "meeting.held"}).content
    (element,) = ET.fromstring(body).iter(f"{{{NAMESPACE}}}event")
    meeting = recorded[3]
    assert element.get("id") == meeting.id
    assert element.get("subject") == meeting.subject
    effective = element.find(f"{{{NAMESPACE}}}effective")
    assert effective is not None
    assert (effective.text, effective.attrib) == (
        "2025-11",
        {"precision": "month", "start": "2025-11-01", "end": "2025-11-30"},
    )
    payload = element.find(f"{{{NAMESPACE}}}payload")
    assert payload is not None
    assert json.loads(payload.text or "") == meeting.payload
    sources = [s.attrib for s in element.iter(f"{{{NAMESPACE}}}source")]
    assert sources == meeting.sources


def test_if_none_match_and_if_modified_since_give_304_until_the_log_moves(
    timeline: Timeline, recorded: list[RecordedEvent], client: TestClient
) -> None:
    for path in ("/changes.atom", "/calendar.ics"):
        first = client.get(path, params={"jurisdiction": "EU"})
        etag, modified = first.headers["etag"], first.headers["last-modified"]
        again = client.get(path, params={"jurisdiction": "EU"}, headers={"If-None-Match": etag})
        assert (again.status_code, again.content) == (304, b"")
        assert again.headers["etag"] == etag
        since = client.get(
            path, params={"jurisdiction": "EU"}, headers={"If-Modified-Since": modified}
        )
        assert since.status_code == 304
        other = client.get(path, params={"jurisdiction": "JP"}, headers={"If-None-Match": etag})
        assert other.status_code == 200  # another selection is another resource
    etag = client.get("/changes.atom").headers["etag"]
    timeline.correct(recorded[0].id, {"effective": "2025-02-03"}, "typo")
    moved = client.get("/changes.atom", headers={"If-None-Match": etag})
    assert moved.status_code == 200
    assert moved.headers["etag"] != etag
    assert feedparser.parse(moved.content).entries[0].tags[0].term == "event.corrected"


def test_pages_follow_next_links_to_the_oldest_entry(
    timeline: Timeline, recorded: list[RecordedEvent], client: TestClient
) -> None:
    url: str | None = "/changes.atom?limit=2"
    seen: list[str] = []
    pages = 0
    while url:
        feed = feedparser.parse(client.get(url).content)
        seen += [entry.id for entry in feed.entries]
        url = next((link.href for link in feed.feed.links if link.rel == "next"), None)
        pages += 1
    assert pages == 3
    assert seen == [f"urn:uuid:{event.id}" for event in reversed(recorded)]
    newer = feedparser.parse(client.get(f"/changes.atom?after={recorded[2].seq}").content)
    assert [entry.id for entry in newer.entries] == [
        f"urn:uuid:{event.id}" for event in reversed(recorded[3:])
    ]


def test_the_calendar_is_served_as_text_calendar(
    recorded: list[RecordedEvent], client: TestClient
) -> None:
    import icalendar

    reply = client.get(
        "/calendar.ics", params=[("jurisdiction", "EU"), ("kind", "instrument.in_force")]
    )
    assert reply.status_code == 200
    assert reply.headers["content-type"] == "text/calendar; charset=utf-8"
    uids = {str(e["UID"]) for e in icalendar.Calendar.from_ical(reply.content).walk("VEVENT")}
    assert uids == {f"{event.id}@timeline" for event in recorded[:3]}


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/calendar.ics?jurisdiction=UK", "unknown jurisdiction"),
        ("/changes.atom?kind=instrumnt.*", "matches no kind of fact"),
        ("/changes.atom?limit=0", "query parameter 'limit'"),
    ],
)
def test_bad_filters_are_422_with_one_line(
    recorded: list[RecordedEvent], client: TestClient, path: str, message: str
) -> None:
    reply = client.get(path)
    assert reply.status_code == 422
    assert message in reply.json()["error"].lower() or message in reply.json()["error"]


def test_the_page_links_the_selections_calendar_and_change_feed(
    recorded: list[RecordedEvent], client: TestClient
) -> None:
    import re

    page = client.get("/", params=[("j", "EU"), ("j", "FR")]).text
    fragment = client.get("/fragments/states", params=[("j", "EU"), ("j", "FR")]).text
    for html in (page, fragment):
        links = re.findall(r'href="(/(?:calendar\.ics|changes\.atom)\?[^"]+)"', html)
        assert sorted(set(links)) == [
            "/calendar.ics?jurisdiction=EU&amp;jurisdiction=FR",
            "/changes.atom?jurisdiction=EU&amp;jurisdiction=FR",
        ]
    assert 'rel="alternate" type="application/atom+xml"' in page
    feed = feedparser.parse(client.get("/changes.atom?jurisdiction=EU&jurisdiction=FR").content)
    assert {entry.id for entry in feed.entries} == {f"urn:uuid:{e.id}" for e in recorded[:4]}
    assert "/calendar.ics" not in client.get("/").text  # nothing picked, nothing to subscribe to


def test_text_xml_cannot_hold_is_replaced_and_the_payload_keeps_it(
    timeline: Timeline, client: TestClient
) -> None:
    from tests.factories import in_force

    (event,) = timeline.append([in_force(title="Act\x01 on AI")]).events
    import xml.etree.ElementTree as ET

    body = client.get("/changes.atom").content
    feed = feedparser.parse(body)
    assert not feed.bozo
    assert feed.entries[0].title.startswith("Recorded: Act\ufffd on AI")
    payload = next(ET.fromstring(body).iter(f"{{{NAMESPACE}}}payload")).text
    assert json.loads(payload or "")["title"] == "Act\x01 on AI"
    assert event.payload["title"] == "Act\x01 on AI"
