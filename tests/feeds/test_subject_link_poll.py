"""Subject linking end to end, on both backends: a polled item about a subject already
in the log carries the link, and accepting it extends that stream.

The instrument and the items are invented for the test; the feed is served
over loopback HTTP and polled with the real extractor.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.factories import SOURCE
from tests.feeds.feed_items import rss
from tests.feeds.helpers import settings_for
from tests.feeds.server import FeedServer, Reply
from timeline.app import Timeline
from timeline.feeds.poll import Poller
from timeline.store import EventStore

KNOWN_SUBJECT = "us-vt/vermont-robot-safety-act"
ADOPTED = {
    "kind": "instrument.adopted",
    "subject": KNOWN_SUBJECT,
    "jurisdictions": ["US-VT"],
    "effective": "2026-01-15",
    "sources": [SOURCE],
    "payload": {"title": "Vermont Robot Safety Act", "binding": True},
}
PUBLISHED = "Sun, 01 Mar 2026 09:00:00 -0500"
FEED = rss(
    (
        "Vermont Robot Safety Act takes effect",
        "The Vermont Robot Safety Act takes effect on 1 March 2026, six weeks after "
        "the governor signed it.",
        PUBLISHED,
    ),
    # A near miss: the same state, head noun and most words, another instrument.
    (
        "Vermont Drone Safety Act takes effect",
        "The Vermont Drone Safety Act takes effect on 1 July 2026.",
        PUBLISHED,
    ),
)


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as running:
        yield running


def test_an_item_about_a_subject_in_the_log_extends_its_stream(
    store: EventStore, server: FeedServer
) -> None:
    url = server.serve("/vt.xml", Reply(200, FEED, {"Content-Type": "application/rss+xml"}))
    settings = settings_for(store.url, [{"name": "vt", "url": url}])
    tl = Timeline(store, settings)
    (adopted,) = tl.append([ADOPTED]).events
    assert adopted.stream_version == 1

    poller = Poller(store, settings)
    (outcome,) = poller.poll()
    poller.close()
    assert outcome.new_candidates == 2
    by_guid = {c.item_guid: c for c in tl.candidates()}
    linked, near_miss = by_guid["item-0"], by_guid["item-1"]

    assert (linked.kind, linked.proposed_jurisdictions) == ("instrument.in_force", ("US-VT",))
    assert linked.evidence["subject"] == "Vermont Robot Safety Act"
    assert linked.evidence["subject_link"] == KNOWN_SUBJECT
    assert linked.evidence["subject_link_score"] == (
        f"{KNOWN_SUBJECT} (score 1.00; shared: act, robot, safety)"
    )
    assert linked.proposed_subject == KNOWN_SUBJECT

    assert near_miss.kind == "instrument.in_force"
    assert near_miss.evidence["subject"] == "Vermont Drone Safety Act"
    assert "subject_link" not in near_miss.evidence
    assert near_miss.proposed_subject != KNOWN_SUBJECT

    tl.edit_candidate(linked.id, {"payload": {"binding": True}})
    in_force = tl.accept_candidate(linked.id)
    assert (in_force.subject, in_force.stream_version) == (KNOWN_SUBJECT, 2)
    assert str(in_force.effective) == "2026-03-01"
    stream = [e for e in store.read() if e.subject == KNOWN_SUBJECT]
    assert [(e.kind, e.stream_version) for e in stream] == [
        ("instrument.adopted", 1),
        ("instrument.in_force", 2),
    ]

    tl.edit_candidate(near_miss.id, {"payload": {"binding": True}})
    other = tl.accept_candidate(near_miss.id)
    assert other.subject == "us-vt/vermont-drone-safety-act"
    assert other.stream_version == 1
