"""Polling with the real extractor: four fixture feeds from the corpus, duplicates linked.

The expected links come from the corpus labels (`duplicate_of`): the same US-UK
memorandum in two English feeds, the EU AI Act's entry into force in an English
and a French feed, and one story told twice by the same wire.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.feeds.helpers import settings_for
from tests.feeds.server import DATA, FeedServer, Reply
from timeline.app import Timeline
from timeline.feeds.poll import Poller
from timeline.store import EventStore

FEEDS = {
    "us": "us-policy-wire.xml",
    "digest": "digital-policy-digest.atom",
    "veille": "veille-numerique-fr.xml",
    "emerging": "emerging-markets-briefing.xml",
}
EXPECTED_DUPLICATES = {
    "tag:news.example.org,2025:wire-87031": "tag:news.example.org,2025:wire-87002",
    "tag:digest.example.eu,2024:post-1530": (
        "https://news.example.org/techpolicy/2024/04/02/us-uk-ai-safety-mou"
    ),
    "https://veille.example.ca/2024/07/12/reglement-europeen-ia-journal-officiel": (
        "tag:digest.example.eu,2024:post-1655"
    ),
}


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as running:
        yield running


def test_corpus_feeds_become_candidates_with_duplicates_linked(
    store: EventStore, server: FeedServer
) -> None:
    feeds = [
        {
            "name": name,
            "url": server.serve(
                f"/{file}", Reply(200, (DATA / file).read_bytes(), {"Content-Type": "text/xml"})
            ),
        }
        for name, file in FEEDS.items()
    ]
    settings = settings_for(store.url, feeds)
    poller = Poller(store, settings)
    outcomes = {o.feed: o for o in poller.poll()}
    assert {name: o.new_candidates for name, o in outcomes.items()} == {
        "us": 11,
        "digest": 7,
        "veille": 6,
        "emerging": 9,
    }
    assert outcomes["emerging"].warning is not None  # bozo, used anyway
    found = Timeline(store, settings).candidates(statuses=None)
    by_id = {c.id: c for c in found}
    linked = {
        c.item_guid: by_id[c.duplicate_of].item_guid for c in found if c.status == "duplicate"
    }
    assert linked == EXPECTED_DUPLICATES

    assert all(o.new_candidates == 0 for o in poller.poll(force=True))
    poller.close()


def test_a_polled_candidate_is_accepted_into_the_log_with_its_provenance(
    store: EventStore, server: FeedServer
) -> None:
    url = server.serve("/us.xml", (DATA / "us-policy-wire.xml").read_bytes())
    settings = settings_for(store.url, [{"name": "us", "url": url}])
    poller = Poller(store, settings)
    poller.poll()
    poller.close()
    tl = Timeline(store, settings)
    guid = "https://news.example.org/techpolicy/2025/06/13/raise-act-passes"
    (candidate,) = [c for c in tl.candidates() if c.item_guid == guid]
    assert (candidate.kind, candidate.jurisdictions, candidate.effective) == (
        "instrument.adopted",
        ("US-NY",),
        "2025-06-12",
    )
    event = tl.accept_candidate(candidate.id)
    assert event.subject == candidate.proposed_subject
    assert event.subject.startswith("us-ny/")
    assert event.provenance == {
        "feed": "us",
        "link": guid,
        "candidate": candidate.id,
        "item_guid": guid,
    }
    assert event.sources[0]["url"] == guid
    assert tl.candidate(candidate.id).status == "accepted"
