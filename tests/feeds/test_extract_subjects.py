"""Subjects from the name of the instrument or body, and conservative links to the log."""

from __future__ import annotations

import pytest

from tests.feeds.feed_items import extract
from timeline.feeds.extract.subjects import Known, link_subject, subject_name


@pytest.mark.parametrize(
    ("title", "name"),
    [
        ("Oregon Algorithmic Fairness Act takes effect", "Oregon Algorithmic Fairness Act"),
        ("Ghana sets up a National AI Office", "National AI Office"),
        ("Landtag beschließt KI-Transparenzgesetz", "KI-Transparenzgesetz"),
        ("Gobierno aprueba la «Estrategia de Datos 2030»", "Estrategia de Datos 2030"),
        ("AI安全計画を閣議決定", "AI安全計画"),
        ("Lawmakers debate a bill", None),
    ],
)
def test_the_name_of_what_the_headline_is_about(title: str, name: str | None) -> None:
    assert subject_name(title) == name


def test_the_name_is_in_the_evidence_and_makes_the_subject() -> None:
    item = extract(
        "Oregon Algorithmic Fairness Act takes effect", "It takes effect on 1 July 2026."
    )
    assert item.evidence["subject"] == "Oregon Algorithmic Fairness Act"


KNOWN = [
    Known(
        "us-or/oregon-algorithmic-fairness-act",
        ("Oregon enacts Algorithmic Fairness Act",),
        frozenset({"US-OR"}),
    ),
    Known(
        "us-or/oregon-consumer-privacy-act",
        ("Oregon Consumer Privacy Act signed",),
        frozenset({"US-OR"}),
    ),
]


def test_an_abbreviation_may_stand_for_the_words_of_a_known_subject() -> None:
    known = [
        Known(
            "us-or/oregon-artificial-intelligence-hiring-fairness-act",
            ("Oregon Artificial Intelligence Hiring Fairness Act",),
            frozenset({"US-OR"}),
        )
    ]
    link = link_subject("Oregon AI Hiring Fairness Act", ["US-OR"], known)
    assert link is not None
    assert (link.score, link.shared) == (0.75, ("act", "fairness", "hiring"))


def test_a_candidate_about_a_known_subject_is_linked_with_its_score() -> None:
    link = link_subject("Oregon Algorithmic Fairness Act", ["US-OR"], KNOWN)
    assert link is not None
    assert link.subject == "us-or/oregon-algorithmic-fairness-act"
    assert link.score == 1.0
    assert "score 1.00" in link.evidence


@pytest.mark.parametrize(
    ("name", "places"),
    [
        ("Oregon Data Broker Act", ["US-OR"]),  # only "oregon" and "act" shared
        ("Oregon Algorithmic Fairness Act", ["US-WA"]),  # another jurisdiction
        ("Act", ["US-OR"]),  # too little to go on
        # The place is no distinctive word: "Oregon" and "act" are all it shares.
        ("Oregon Algorithmic Safety Act", ["US-OR"]),
        # Every word but one shared, and that one names another instrument.
        ("Oregon Algorithmic Fairness Labelling Act", ["US-OR"]),
    ],
)
def test_no_link_is_better_than_a_wrong_one(name: str, places: list[str]) -> None:
    assert link_subject(name, places, KNOWN) is None
