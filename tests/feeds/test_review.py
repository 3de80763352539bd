"""Reviewing candidates on both backends: edit, accept (once, even when raced), reject."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from tests.feeds.helpers import fake_poller, settings_for
from tests.feeds.server import FeedServer, rss
from timeline.app import Timeline
from timeline.errors import CandidateNotFoundError, CandidateStateError, InvalidEventError
from timeline.feeds import review
from timeline.model.feeds import Candidate
from timeline.store import EventStore, RecordedEvent

FEED = rss(
    ("g1", "Digital Republic law adopted"),
    ("g2", "Opinion: what the law means"),
    ("g3", "AI code certain to pass"),
)


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as running:
        yield running


@pytest.fixture
def timeline(store: EventStore, server: FeedServer) -> Timeline:
    url = server.serve("/fr.xml", FEED)
    settings = settings_for(store.url, [{"name": "veille", "url": url, "jurisdiction": "FR"}])
    poller = fake_poller(store, settings)
    poller.poll()
    poller.close()
    return Timeline(store, settings)


def pending_id(tl: Timeline, guid: str) -> str:
    (candidate,) = [c for c in tl.candidates(statuses=None) if c.item_guid == guid]
    return candidate.id


def test_accept_appends_one_event_with_provenance_and_sources(timeline: Timeline) -> None:
    cid = pending_id(timeline, "g1")
    event = timeline.accept_candidate(cid[:8])
    assert event.kind == "instrument.adopted"
    assert event.subject == "fr/digital-republic-law-adopted"
    assert event.jurisdictions == ("FR",)
    assert str(event.effective) == "2025-09"
    assert event.idempotency_key == f"candidate:{cid}"
    assert event.provenance == {
        "feed": "veille",
        "link": "https://example.org/g1",
        "candidate": cid,
        "item_guid": "g1",
    }
    assert event.sources == [
        {
            "publisher": "veille",
            "title": "Digital Republic law adopted",
            "url": "https://example.org/g1",
            "published": "2025-09-01",
        }
    ]
    assert event.payload["title"] == "Digital Republic law adopted"
    accepted = timeline.candidate(cid)
    assert (accepted.status, accepted.event_id) == ("accepted", event.id)
    assert accepted.history[-1]["accepted"] == event.id

    again = timeline.accept_candidate(cid)
    assert again.id == event.id
    assert [e.id for e in timeline.log()] == [event.id]


def test_accepting_finds_an_event_already_stored_under_the_candidate_s_key(
    timeline: Timeline,
) -> None:
    cid = pending_id(timeline, "g1")
    stored = timeline.append([review.build_event(timeline.candidate(cid))]).events[0]
    # As an earlier version, which marked the candidate after appending, could
    # leave it when it crashed in between.
    assert timeline.candidate(cid).status == "pending"
    assert timeline.accept_candidate(cid).id == stored.id
    assert len(list(timeline.log())) == 1


def test_the_event_and_the_candidate_s_marking_commit_together(timeline: Timeline) -> None:
    cid = pending_id(timeline, "g1")
    event = review.build_event(timeline.candidate(cid))

    def refused(current: Candidate, stored: RecordedEvent) -> Candidate | None:
        raise CandidateStateError("refused while marking")

    with pytest.raises(CandidateStateError, match="refused while marking"):
        timeline.store.candidates.accept(cid, event, refused)
    assert list(timeline.log()) == []  # the append was rolled back with the marking
    assert timeline.candidate(cid).status == "pending"


def test_racing_accepts_append_one_event(timeline: Timeline) -> None:
    cid = pending_id(timeline, "g1")
    racers = 6
    barrier = threading.Barrier(racers)
    results: list[str] = []
    errors: list[BaseException] = []

    def accept() -> None:
        barrier.wait()
        try:
            results.append(timeline.accept_candidate(cid).id)
        except BaseException as exc:  # reported below, with the others
            errors.append(exc)

    threads = [threading.Thread(target=accept) for _ in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert len(results) == racers
    assert len(set(results)) == 1
    assert [e.id for e in timeline.log()] == results[:1]


def test_edits_are_validated_with_one_line_errors(timeline: Timeline) -> None:
    cid = pending_id(timeline, "g1")
    cases = {
        "kind": ("instrument.enacted", "kind: unknown kind 'instrument.enacted'; known kinds: "),
        "jurisdictions": (["UK"], "jurisdictions: unknown jurisdiction code 'UK'; did you mean GB"),
        "effective": ("2025-13", "effective: no such month '2025-13' (months are 01 to 12)"),
        "subject": ("Not A Slug", "subject: 'Not A Slug' is not a subject slug"),
        "title": ("  ", "title: must not be empty"),
    }
    for field, (value, message) in cases.items():
        with pytest.raises(InvalidEventError) as caught:
            timeline.edit_candidate(cid, {field: value})
        assert message in str(caught.value), (field, str(caught.value))
        assert "\n" not in str(caught.value)
    with pytest.raises(InvalidEventError, match="cannot edit status"):
        timeline.edit_candidate(cid, {"status": "accepted"})
    assert timeline.candidate(cid).overrides == {}


def test_edits_shape_the_accepted_event_and_survive_a_repoll(timeline: Timeline) -> None:
    cid = pending_id(timeline, "g1")
    timeline.edit_candidate(cid, {"kind": "instrument.in_force"})
    with pytest.raises(InvalidEventError) as caught:
        timeline.accept_candidate(cid)
    assert str(caught.value) == (
        f"candidate {cid[:8]}: payload.binding: missing (an instrument.in_force event needs it) "
        "(edit its payload fields before accepting)"
    )
    edited = timeline.edit_candidate(
        cid,
        {
            "jurisdictions": ["fr", "EU"],
            "effective": "2026-01-01",
            "subject": "fr/loi-republique-numerique",
            "title": "Loi pour une République numérique",
            "payload": {"binding": True},
        },
    )
    assert edited.proposed_jurisdictions == ("EU", "FR")
    assert edited.history[-1]["by"] == "analyst"
    event = timeline.accept_candidate(cid)
    assert (event.kind, event.subject, str(event.effective)) == (
        "instrument.in_force",
        "fr/loi-republique-numerique",
        "2026-01-01",
    )
    assert event.jurisdictions == ("EU", "FR")
    assert event.payload["binding"] is True
    assert event.payload["title"] == "Loi pour une République numérique"
    with pytest.raises(CandidateStateError, match="was accepted as event"):
        timeline.edit_candidate(cid, {"title": "Later"})


def test_reject_keeps_the_reason_and_the_candidate_is_never_proposed_again(
    timeline: Timeline, store: EventStore, server: FeedServer
) -> None:
    cid = pending_id(timeline, "g1")
    rejected = timeline.reject_candidate(cid, "not AI policy")
    assert (rejected.status, rejected.reason) == ("rejected", "not AI policy")
    assert cid not in [c.id for c in timeline.candidates()]
    poller = fake_poller(store, timeline.settings)
    assert poller.poll(force=True)[0].new_candidates == 0
    assert timeline.candidate(cid).status == "rejected"
    with pytest.raises(CandidateStateError, match="was rejected \\(not AI policy\\)"):
        timeline.accept_candidate(cid)
    with pytest.raises(InvalidEventError, match="give a reason"):
        timeline.reject_candidate(pending_id(timeline, "g3"), " ")


def test_an_item_that_is_not_an_event_can_still_be_accepted_once_edited(
    timeline: Timeline,
) -> None:
    cid = pending_id(timeline, "g2")
    assert timeline.candidate(cid).status == "ignored"
    with pytest.raises(InvalidEventError, match="no kind proposed"):
        timeline.accept_candidate(cid)
    timeline.edit_candidate(
        cid, {"kind": "meeting.held", "jurisdictions": ["FR"], "effective": "2025-09-02"}
    )
    assert timeline.accept_candidate(cid).kind == "meeting.held"


def test_unknown_and_ambiguous_references(timeline: Timeline) -> None:
    with pytest.raises(CandidateNotFoundError, match="no candidate 'nope'"):
        timeline.candidate("nope")
    with pytest.raises(InvalidEventError, match="unknown candidate status 'open'"):
        timeline.candidates(statuses=["open"])


def test_auto_accept_takes_candidates_above_the_threshold(
    store: EventStore, server: FeedServer
) -> None:
    url = server.serve("/fr.xml", FEED)
    settings = settings_for(
        store.url,
        [{"name": "veille", "url": url, "jurisdiction": "FR", "auto_accept_threshold": 0.8}],
    )
    outcome = fake_poller(store, settings).poll()[0]
    assert outcome.auto_accepted == 1
    tl = Timeline(store, settings)
    statuses = {c.item_guid: c.status for c in tl.candidates(statuses=None)}
    assert statuses == {"g1": "pending", "g2": "ignored", "g3": "accepted"}
    (event,) = tl.log()
    assert event.provenance is not None
    assert event.provenance["item_guid"] == "g3"
