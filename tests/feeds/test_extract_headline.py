"""The kind from the structure of the headline sentence: its main verb and object.

Every sentence here is invented for the test (none comes from a corpus), one
group per confusion class of kinds; publication Wednesday 11 March 2026.
"""

from __future__ import annotations

import pytest

from tests.feeds.feed_items import extract
from timeline.feeds.extract.kinds import find_kinds, headline_order, in_adjunct
from timeline.feeds.extract.text import fold


def _headline(sentence: str) -> tuple[str, str]:
    """(kind, phrase) of the wording `headline_order` puts first in one sentence."""
    text = fold(sentence)
    first = headline_order(text, 0, [m for m in find_kinds(text) if not m.weak])[0]
    return first.kind, first.phrase


@pytest.mark.parametrize(
    ("title", "body", "kind"),
    [
        # Joint statements and cooperation initiatives of named parties are
        # agreements, not the meeting where they were put out.
        (
            "Peru and Vietnam issue joint statement on AI at leaders' summit",
            "The two leaders issued the joint statement on Monday.",
            "agreement.signed",
        ),
        (
            "Ministers meet in Lisbon and launch AI cooperation initiative",
            "Portugal and Ghana launched the initiative on Monday.",
            "agreement.signed",
        ),
        (
            "Korea and Chile launch AI cooperation initiative",
            "The ministers launched the initiative on Monday.",
            "agreement.signed",
        ),
        (
            "Le Sénégal et la Belgique publient une déclaration commune sur l'IA",
            "La déclaration commune a été publiée lundi.",
            "agreement.signed",
        ),
        (
            "Chile y Noruega emiten una declaración conjunta sobre IA",
            "Los ministros emitieron la declaración conjunta el lunes.",
            "agreement.signed",
        ),
        (
            "Polen und Kanada veröffentlichen gemeinsame Erklärung zur KI",
            "Die Minister veröffentlichten die Erklärung am Montag.",
            "agreement.signed",
        ),
        ("日仏首脳会談でAI協力の覚書に署名", "両首脳は9日、覚書に署名した。", "agreement.signed"),
        # A meeting that concluded nothing is still a meeting.
        (
            "Ministers meet in Lisbon for AI talks",
            "Ministers from ten countries met on Monday.",
            "meeting.held",
        ),
        # A national plan or code of conduct adopted, with money in it or in
        # front of it, is adopted, not an investment.
        (
            "AI investment plan approved by Latvian cabinet",
            "The cabinet approved the plan on Monday.",
            "instrument.adopted",
        ),
        (
            "Estonia adopts €300 million national AI plan",
            "The government adopted the plan on Monday.",
            "instrument.adopted",
        ),
        (
            "G20 ministers adopt code of conduct for public-sector AI",
            "The ministers adopted the code on Monday.",
            "instrument.adopted",
        ),
        (
            "Le gouvernement adopte un plan d'investissement de 2 milliards pour l'IA",
            "Le plan a été adopté lundi.",
            "instrument.adopted",
        ),
        (
            "G7デジタル大臣会合で行動規範を採択",
            "9日の会合で採択した。",
            "instrument.adopted",
        ),
        # An update of an existing policy is an amendment, not an adoption.
        (
            "Finland updates its national AI strategy",
            "The government updated the strategy on Monday.",
            "instrument.amended",
        ),
        (
            "Canada releases revised guidelines on public-sector AI",
            "The revised guidelines were released on Monday.",
            "instrument.amended",
        ),
        (
            "La Belgique met à jour sa stratégie nationale d'IA",
            "La stratégie a été mise à jour lundi.",
            "instrument.amended",
        ),
        (
            "Uruguay actualiza su estrategia nacional de IA",
            "El Gobierno actualizó la estrategia el lunes.",
            "instrument.amended",
        ),
        # A meeting mentioned in passing in a sentence about an act.
        (
            "Robotics act takes effect as ministers meet in Oslo",
            "The robotics act takes effect on Monday.",
            "instrument.in_force",
        ),
        (
            "Senate passes chip bill ahead of G20 summit",
            "The Senate passed the bill on Monday.",
            "instrument.adopted",
        ),
        (
            "La loi sur les robots entre en vigueur lors du sommet de Lisbonne",
            "La loi entre en vigueur lundi.",
            "instrument.in_force",
        ),
        (
            "La ley de robótica entra en vigor durante la cumbre de Lima",
            "La ley entra en vigor el lunes.",
            "instrument.in_force",
        ),
    ],
)
def test_the_kind_of_the_headline_event(title: str, body: str, kind: str) -> None:
    item = extract(title, body)
    assert item.is_event, item.evidence
    assert item.kind == kind, item.evidence


@pytest.mark.parametrize(
    ("sentence", "kind", "phrase"),
    [
        # Outside an adjunct before inside it.
        ("Parliament adopts robot act ahead of the summit", "instrument.adopted", "adopts"),
        ("Ahead of the summit, parliament adopts robot act", "instrument.adopted", "adopts"),
        # A verb before a noun.
        ("Robotics investment plan approved by cabinet", "instrument.adopted", "approved"),
        # A meeting after what it concluded.
        ("Ministers meet and sign data pact", "agreement.signed", "sign data pact"),
        # Japanese: the predicate ending the first clause.
        ("ロボット法が成立、来年施行へ", "instrument.adopted", "成立"),
        ("ロボット法が成立\u3000来年施行へ", "instrument.adopted", "成立"),  # ideographic space
        ("閣僚会合で行動計画を採択", "instrument.adopted", "採択"),
    ],
)
def test_headline_order_puts_the_main_verb_first(sentence: str, kind: str, phrase: str) -> None:
    assert _headline(sentence) == (kind, phrase)


def test_a_wording_in_an_adjunct_is_background() -> None:
    text = fold("Robot act takes effect as ministers meet")
    mentions = {m.kind: m for m in find_kinds(text)}
    assert not in_adjunct(text, 0, mentions["instrument.in_force"])
    assert in_adjunct(text, 0, mentions["meeting.held"])


def test_a_place_in_an_adjunct_is_not_the_events() -> None:
    item = extract(
        "Senate passes chip bill ahead of G20 summit in Lima",
        "The Senate passed the bill on Monday.",
        jurisdiction_hint="US",
    )
    assert item.kind == "instrument.adopted"
    assert item.jurisdictions == ("US",), item.evidence


def test_a_meeting_keeps_its_venue_as_host() -> None:
    item = extract("Ministers meet in Lisbon for AI talks", "Ministers met on Monday.")
    assert item.jurisdictions == ("PT",), item.evidence


def test_the_group_of_what_is_joined_may_be_named_in_the_first_sentence() -> None:
    item = extract(
        "Ghana joins the Friends Group of the data process",
        "Ghana on Monday joined the Friends Group of the G20's data process.",
    )
    assert item.kind == "membership.joined"
    assert item.jurisdictions == ("G20", "GH"), item.evidence


def test_a_group_named_later_is_not_what_was_joined() -> None:
    item = extract(
        "Ghana joins data convention",
        "Ghana on Monday joined the convention. Officials of the G20 attended the ceremony "
        "and joined the delegates for talks.",
    )
    assert item.jurisdictions == ("GH",), item.evidence


def test_two_countries_holding_talks_are_both_parties_not_the_venue() -> None:
    item = extract(
        "Peru and Ghana hold talks on AI", "The ministers held talks on Monday in Accra."
    )
    assert item.kind == "meeting.held"
    assert item.jurisdictions == ("GH", "PE"), item.evidence


@pytest.mark.parametrize(
    ("title", "body", "kind"),
    [
        (
            "日米首脳会談、AI分野の協力で共同声明",
            "両首脳は9日、共同声明を発表した。",
            "agreement.signed",
        ),
        (
            "AI推進法の改正案を国会に提出",
            "政府は10日、改正案を国会に提出した。",
            "instrument.proposed",
        ),
        (
            "来年4月施行のAI法、国会で成立",
            "AI法は9日、参議院本会議で可決、成立した。",
            "instrument.adopted",
        ),
        (
            "AI戦略会議を設置、初会合を開催",
            "政府は9日、AI戦略会議を設置し、初会合を開いた。",
            "body.established",
        ),
        (
            "デジタル大臣会合に先立ち、AI指針を公表",
            "政府は9日、AI指針を公表した。",
            "instrument.adopted",
        ),
        (
            "Le Conseil des ministres adopte la stratégie nationale pour l'IA en marge du sommet",
            "La stratégie a été adoptée lundi.",
            "instrument.adopted",
        ),
        (
            "La Tunisie et l'Italie lancent une initiative de coopération sur l'IA",
            "L'initiative a été lancée lundi à Tunis.",
            "agreement.signed",
        ),
        (
            "Les ministres se réunissent à Bruxelles et signent une déclaration commune",
            "La déclaration a été signée lundi.",
            "agreement.signed",
        ),
        (
            "Le Luxembourg révise sa stratégie d'IA",
            "La stratégie a été révisée lundi.",
            "instrument.amended",
        ),
        (
            "Alemania actualiza su plan nacional de IA durante la cumbre de Berlín",
            "El Gobierno actualizó el plan el lunes.",
            "instrument.amended",
        ),
        (
            "Argentina y Uruguay lanzan una iniciativa de cooperación en IA",
            "La iniciativa se lanzó el lunes.",
            "agreement.signed",
        ),
        (
            "La cumbre de Lima concluye con una declaración conjunta",
            "Los ministros emitieron la declaración conjunta el lunes.",
            "agreement.signed",
        ),
        (
            "Bundestag verabschiedet KI-Gesetz am Rande des Gipfels",
            "Der Bundestag hat das Gesetz am Montag verabschiedet.",
            "instrument.adopted",
        ),
        (
            "Österreich aktualisiert seine KI-Strategie",
            "Die Regierung hat die Strategie am Montag aktualisiert.",
            "instrument.amended",
        ),
        (
            "Nigeria and Egypt sign AI memorandum at Cairo summit",
            "The memorandum was signed on Monday.",
            "agreement.signed",
        ),
        (
            "Ecuador's AI law enters into force after parliament vote",
            "The law enters into force on Monday.",
            "instrument.in_force",
        ),
        (
            "Thailand unveils updated national AI plan",
            "The government unveiled the updated plan on Monday.",
            "instrument.amended",
        ),
        (
            "Cabinet approves $1bn AI investment strategy",
            "The cabinet approved the strategy on Monday.",
            "instrument.adopted",
        ),
        (
            "Vietnam announces $500 million AI investment",
            "The government announced the investment on Monday.",
            "investment.announced",
        ),
        (
            "ASEAN ministers meet in Hanoi, agree on AI roadmap",
            "Ministers met on Monday.",
            "meeting.held",
        ),
        (
            "Adoption of the robotics code by G20 ministers",
            "G20 ministers adopted the code on Monday.",
            "instrument.adopted",
        ),
        (
            "Entry into force of the Data Act",
            "The Data Act enters into force on 12 September 2026.",
            "instrument.in_force",
        ),
        (
            "Philippines overhauls AI procurement rules",
            "The rules were overhauled on Monday.",
            "instrument.amended",
        ),
        (
            "UN adopts resolution on AI as leaders meet in New York",
            "The General Assembly adopted the resolution on Monday.",
            "instrument.adopted",
        ),
        (
            "Italian AI agency begins operations",
            "The agency began operations on Monday.",
            "body.established",
        ),
        (
            "Statistics office publishes AI adoption survey",
            "The survey was published on Monday.",
            "metric.reported",
        ),
    ],
)
def test_the_main_verb_across_languages(title: str, body: str, kind: str) -> None:
    """Adjuncts, attributive wordings (来年4月施行の), nominal forms and what a
    meeting concluded, in each language."""
    item = extract(title, body)
    assert item.kind == kind, item.evidence
