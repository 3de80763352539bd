"""Linking the same event reported by several feeds, in other words or languages."""

from __future__ import annotations

import dataclasses

from tests.feeds.feed_items import extract
from timeline.feeds.extract import link_duplicates, same_event

ENGLISH = extract(
    "Norway's parliament passes AI supervision act",
    "OSLO — Norway's parliament on Tuesday passed an act that gives the data "
    "authority powers to supervise high-risk AI systems.",
    "Wed, 11 Mar 2026 08:00:00 +0100",
)
FRENCH = extract(
    "La Norvège adopte une loi de surveillance de l'IA",
    "Le parlement norvégien a adopté mardi une loi qui confie à l'autorité des données "
    "la surveillance des systèmes d'IA à haut risque.",
    "Wed, 11 Mar 2026 15:00:00 +0100",
)
OTHER_WIRE = extract(
    "Oslo lawmakers approve AI oversight law",
    "Norwegian lawmakers approved the AI supervision act on Tuesday, giving the data "
    "authority powers over high-risk AI systems.",
    "Wed, 11 Mar 2026 12:00:00 +0100",
)
DIFFERENT_EVENT = extract(
    "Norway's parliament passes fishing quota act",
    "OSLO — Norway's parliament on Tuesday passed an act that sets new fishing quotas "
    "for the Barents Sea.",
    "Wed, 11 Mar 2026 09:00:00 +0100",
)


def test_the_same_event_in_other_words_and_languages_is_linked() -> None:
    assert (ENGLISH.effective, FRENCH.effective) == ("2026-03-10", "2026-03-10")
    assert same_event(ENGLISH, FRENCH)
    assert same_event(ENGLISH, OTHER_WIRE)


def test_the_same_place_kind_and_day_with_other_wording_is_not_linked() -> None:
    assert DIFFERENT_EVENT.kind == ENGLISH.kind
    assert DIFFERENT_EVENT.effective == ENGLISH.effective
    assert not same_event(ENGLISH, DIFFERENT_EVENT)


def test_other_kind_or_place_or_date_is_not_linked() -> None:
    assert not same_event(ENGLISH, dataclasses.replace(ENGLISH, kind="instrument.in_force"))
    assert not same_event(ENGLISH, dataclasses.replace(ENGLISH, jurisdictions=("SE",)))
    assert not same_event(ENGLISH, dataclasses.replace(ENGLISH, effective="2026-04-02"))


def test_links_point_to_the_earliest_published_report() -> None:
    # Given out of publication order: FRENCH (15:00), OTHER_WIRE (12:00), ENGLISH (08:00).
    items = [FRENCH, DIFFERENT_EVENT, OTHER_WIRE, ENGLISH]
    assert link_duplicates(items) == [3, None, 3, None]


def test_a_correction_that_moves_the_date_links_to_the_item_it_corrects() -> None:
    original = extract(
        "Peru's drone registry rules take effect May 1",
        "Peru's rules on registering commercial drones take effect May 1, the transport "
        "ministry said.",
        "Mon, 02 Mar 2026 08:00:00 -0500",
    )
    correction = extract(
        "Correction: start of Peru's drone registry rules",
        "An earlier story misstated when Peru's rules on registering commercial drones take "
        "effect. They take effect June 1, not May 1.",
        "Tue, 03 Mar 2026 08:00:00 -0500",
    )
    assert (original.effective, correction.effective) == ("2026-05-01", "2026-06-01")
    assert link_duplicates([original, correction]) == [None, 0]


def test_extract_feed_takes_the_feeds_language_and_hint() -> None:
    import feedparser

    from tests.feeds.feed_items import rss
    from timeline.feeds.extract import extract_feed

    parsed = feedparser.parse(
        rss(
            (
                "Ministry adopts procurement rules",
                "Adopted on Monday.",
                "Wed, 11 Mar 2026 10:00:00 +0000",
            ),
            language="fr-CA",
        )
    )
    [item] = extract_feed(parsed, jurisdiction_hint="CA-QC")
    assert item.evidence["language"] == "fr"
    assert item.jurisdictions == ("CA-QC",)
    assert item.as_json()["published"] == "2026-03-11T10:00:00+00:00"
