"""Jurisdictions and kinds from invented items (none from the corpus)."""

from __future__ import annotations

import pytest

from tests.feeds.feed_items import extract
from timeline.feeds.extract.places import gazetteer
from timeline.feeds.extract.text import fold


@pytest.mark.parametrize(
    ("title", "body", "jurisdictions"),
    [
        # Names, capitals and seats, demonyms, subdivisions
        ("Canberra passes AI transparency act", "The act passed on Tuesday.", ["AU"]),
        ("Ontario enacts AI hiring law", "The province enacted the law on Monday.", ["CA-ON"]),
        ("Brazilian Senate approves AI bill", "Senators approved it on Tuesday.", ["BR"]),
        (
            "Springfield lawmakers pass AI bill",
            "TALLAHASSEE — Lawmakers passed it on Tuesday.",
            ["US-FL"],
        ),
        ("New Mexico enacts deepfake law", "The law was enacted on Monday.", ["US-NM"]),
        ("EU adopts cloud certification scheme", "The Council adopted it on Tuesday.", ["EU"]),
        ("Tokyo adopts AI guidelines", "The guidelines were adopted on Monday.", ["JP"]),
        # A state act is the state alone, even when its country is named too.
        ("Illinois, in the US, enacts biometric rules", "It was enacted on Monday.", ["US-IL"]),
        # Agreements: every party; investments: recipient and state investor.
        (
            "German and French ministers sign joint statement on AI",
            "The ministers signed the joint statement on Monday in Berlin.",
            ["DE", "FR"],
        ),
        (
            "Saudi sovereign fund pledges $5 billion for Indonesian data centres",
            "The fund pledged $5 billion on Monday for data centres in Indonesia.",
            ["ID", "SA"],
        ),
        # Meetings: group and host, not the guests.
        (
            "G7 digital ministerial held in Italy",
            "Ministers met on Monday; Japan and Canada sent delegations.",
            ["G7", "IT"],
        ),
        # Membership: the joining country plus the group of what it joins.
        ("Chile joins the OECD AI principles", "Chile adhered on Tuesday.", ["CL", "OECD"]),
        # Offices: the country, not the city or state.
        ("Start-up opens office in Austin, Texas", "It opened the office on Monday.", ["US"]),
        # French and Japanese names
        ("L'Allemagne adopte sa loi sur l'IA", "Le Bundestag l'a adoptée mardi.", ["DE"]),
        ("ドイツ連邦議会、AI法案を可決", "ドイツ連邦議会は10日、AI法案を可決した。", ["DE"]),
        (
            "インドネシア、AI戦略を閣議決定",
            "インドネシア政府は10日、AI戦略を閣議決定した。",
            ["ID"],
        ),
    ],
)
def test_jurisdictions(title: str, body: str, jurisdictions: list[str]) -> None:
    item = extract(title, body)
    assert item.is_event, item.evidence
    assert list(item.jurisdictions) == jurisdictions, item.evidence


def test_longer_names_block_the_places_inside_them() -> None:
    text = "Firms across Latin America, North American investors, the Council of Europe, 欧米"
    found = {m.code for m in gazetteer().find(fold(text))}
    assert found == set()


def test_short_codes_match_only_as_written() -> None:
    assert [m.code for m in gazetteer().find("let us talk about the USB plan")] == []
    assert [m.code for m in gazetteer().find("the US plan")] == ["US"]


def test_the_feed_hint_applies_when_no_place_is_named() -> None:
    item = extract(
        "Ministry adopts AI procurement rules",
        "They were adopted on Monday.",
        jurisdiction_hint="NZ",
    )
    assert item.jurisdictions == ("NZ",)
    assert item.evidence["jurisdictions_from"] == "publisher (feed hint NZ)"


@pytest.mark.parametrize(
    ("title", "body", "kind"),
    [
        (
            "Kenya enacts data protection amendments",
            "The president signed it into law on Monday.",
            "instrument.amended",
        ),
        (
            "Kenya signs AI bill into law",
            "The president signed it into law on Monday.",
            "instrument.adopted",
        ),
        (
            "Norway's AI act comes into force",
            "The act came into force on Monday.",
            "instrument.in_force",
        ),
        (
            "Ministry tables draft AI liability bill",
            "The draft was tabled on Monday.",
            "instrument.proposed",
        ),
        (
            "Peru repeals algorithm registry decree",
            "The decree was repealed on Monday.",
            "instrument.repealed",
        ),
        (
            "Ghana establishes national AI agency",
            "The agency was established on Monday.",
            "body.established",
        ),
        (
            "Mexico and Chile sign AI cooperation agreement",
            "They signed it on Monday.",
            "agreement.signed",
        ),
        ("Ireland hosts EU digital summit", "The summit opened on Monday.", "meeting.held"),
        ("Morocco accedes to AI convention", "Morocco acceded on Monday.", "membership.joined"),
        ("Chip designer opens lab in Hanoi", "The lab opened on Monday.", "office.opened"),
        (
            "Qatar to invest $2 billion in Kenyan AI",
            "The plan was announced on Monday.",
            "investment.announced",
        ),
        (
            "Survey: 40% of Danish firms use AI",
            "Statistics Denmark published the survey on Monday.",
            "metric.reported",
        ),
        ("La Belgique crée une agence de l'IA", "L'agence a été créée lundi.", "body.established"),
        (
            "Le Maroc abroge son décret sur les drones",
            "Le décret a été abrogé lundi.",
            "instrument.repealed",
        ),
        (
            "Le Chili modifie sa loi sur les données",
            "La loi a été modifiée lundi.",
            "instrument.amended",
        ),
        (
            "ブラジル、AI監督機関を設立",
            "ブラジル政府は10日、AI監督機関を設立した。",
            "body.established",
        ),
        ("インド、AI法を廃止", "インド政府は10日、AI法を廃止した。", "instrument.repealed"),
        ("日英、AI協力の覚書に署名", "日英両政府は10日、覚書に署名した。", "agreement.signed"),
    ],
)
def test_kinds(title: str, body: str, kind: str) -> None:
    item = extract(title, body)
    assert item.is_event, item.evidence
    assert item.kind == kind, item.evidence


@pytest.mark.parametrize(
    ("title", "body"),
    [
        (
            "Opinion: Regulators should slow down",
            "The act took effect on 1 May 2025; it was too soon.",
        ),
        ("Explainer: what Peru's AI law does", "Peru adopted the law on 5 June 2025."),
        ("Podcast: the year in AI rules", "We discuss laws that took effect in 2025."),
        ("Webinar: preparing for the Norwegian AI act", "Join us on Monday; register here."),
        ("Chronique : l'IA et l'école", "La loi est entrée en vigueur le 1er mai 2025."),
        ("【コラム】AI規制の行方", "EUのAI法は2024年8月1日に発効した。"),
        (
            "Ten years of machine learning research",
            "Researchers look back at a decade of progress.",
        ),
        ("Why Peru's AI law took effect so fast", "The law took effect on 1 March 2026."),
        ("【特集】各国のAI規制", "EUのAI法は2026年3月1日に一部施行された。"),
        ("Guest post: lessons from Norway's AI act", "The act took effect on 1 March 2026."),
        (
            "Correction: Chile AI agency",
            "An earlier story misspelt the minister's name. "
            "The agency's start date, 1 June, is unchanged.",
        ),
    ],
)
def test_non_events(title: str, body: str) -> None:
    item = extract(title, body)
    assert not item.is_event, item.evidence
    assert (item.kind, item.jurisdictions, item.effective) == (None, (), None)
    assert set(item.evidence) >= {"kind", "date"}


@pytest.mark.parametrize(
    ("title", "body", "jurisdictions"),
    [
        # A city where an office opens stands for its country.
        (
            "Nvidia ouvre un bureau à Montréal",
            "Nvidia a ouvert lundi un bureau à Montréal.",
            ["CA"],
        ),
        ("米AI企業、大阪にオフィスを開設", "米AI企業は10日、大阪にオフィスを開設した。", ["JP"]),
        # Two-country abbreviations in Japanese.
        ("日豪、AI協力の覚書に署名", "日豪両政府は10日、覚書に署名した。", ["AU", "JP"]),
        # A Latin-script group name right against Japanese text.
        (
            "G20デジタル大臣会合、大阪で開催",
            "G20デジタル大臣会合が10日、大阪で開幕した。",
            ["G20", "JP"],
        ),
    ],
)
def test_cities_and_japanese_compounds(title: str, body: str, jurisdictions: list[str]) -> None:
    item = extract(title, body, "Wed, 11 Mar 2026 18:00:00 +0900")
    assert item.is_event, item.evidence
    assert list(item.jurisdictions) == jurisdictions, item.evidence


def test_a_fact_long_before_publication_is_history_not_an_event() -> None:
    item = extract(
        "Ten years on: the day Estonia adopted its e-residency law",
        "Estonia adopted the law on 1 December 2014.",
        "Mon, 01 Dec 2025 09:00:00 +0200",
    )
    assert not item.is_event
    assert item.evidence["date"] == "1 December 2014"


@pytest.mark.parametrize(
    ("title", "body", "kind", "effective"),
    [
        (
            "Drone act takes full effect",
            "The drone act, passed in May, takes full effect on September 1, 2026.",
            "instrument.in_force",
            "2026-09-01",
        ),
        (
            "Utah governor signs AI disclosure bill",
            "Gov. Cox signed SB 149 on Tuesday.",
            "instrument.adopted",
            "2026-03-10",
        ),
        (
            "Colorado lawmakers delay AI Act again",
            "Lawmakers on Wednesday voted to delay the act to Jan. 1, 2027.",
            "instrument.amended",
            "2026-03-11",
        ),
        (
            "Singapore rolls out AI testing framework",
            "The framework was rolled out on Wednesday.",
            "instrument.adopted",
            "2026-03-11",
        ),
        (
            "Senegal launches national AI strategy",
            "The government launched the strategy on Monday.",
            "instrument.adopted",
            "2026-03-09",
        ),
        (
            "Lisbon launches AI supervisory agency",
            "The agency was launched on Monday.",
            "body.established",
            "2026-03-09",
        ),
        (
            "Australia's AI Safety Institute begins work",
            "The institute started operating on Monday.",
            "body.established",
            "2026-03-09",
        ),
        (
            "City AI hiring law: enforcement begins",
            "Enforcement of the law began on Wednesday.",
            "instrument.in_force",
            "2026-03-11",
        ),
        (
            "EU and Japan hold digital partnership council",
            "The council met on Tuesday in Tokyo.",
            "meeting.held",
            "2026-03-10",
        ),
        (
            "Korea's AI decree finalised",
            "The ministry finalised the decree on Tuesday.",
            "instrument.adopted",
            "2026-03-10",
        ),
    ],
)
def test_more_wordings(title: str, body: str, kind: str, effective: str) -> None:
    item = extract(title, body, "Thu, 12 Mar 2026 09:00:00 +0000")
    assert (item.kind, item.effective) == (kind, effective), item.evidence


@pytest.mark.parametrize("dateline", ["NAIROBI —", "NAIROBI (Wire) -", "NAIROBI, March 10 -"])
def test_a_dateline_in_capitals_names_the_place(dateline: str) -> None:
    item = extract(
        "Parliament passes data bill", f"{dateline} Parliament passed the bill on Tuesday."
    )
    assert item.jurisdictions == ("KE",), item.evidence


@pytest.mark.parametrize(
    ("title", "body"),
    [
        ("Join us in Oslo for the Nordic AI Summit", "The summit takes place on 14 May 2026."),
        ("Three questions on Peru's AI law", "Peru enacted the law on 2 March 2026."),
        ("Looking back: Chile's AI agency", "The agency was set up on 2 March 2026."),
        # An event long before publication is background, whatever the wording.
        ("Peru's AI law", "Peru enacted the law on 2 March 2025."),
    ],
)
def test_promotions_lists_and_look_backs_are_not_events(title: str, body: str) -> None:
    assert not extract(title, body).is_event


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Karnataka", "IN-KA"),  # pycountry writes Karnātaka: accents fold away
        ("Bavaria", "DE-BY"),
        ("New South Wales", "AU-NSW"),
        ("Nuevo León", "MX-NLE"),
        ("Minas Gerais", "BR-MG"),
        ("B.C.", "CA-BC"),
    ],
)
def test_subdivisions_of_federal_countries(text: str, code: str) -> None:
    assert [m.code for m in gazetteer().find(fold(f"A law in {text} took effect."))] == [code]


def test_an_agreements_venue_is_not_a_party() -> None:
    item = extract(
        "Japan and Chile sign AI pact in Lisbon",
        "The two governments signed the pact on Tuesday in Lisbon.",
    )
    assert item.jurisdictions == ("CL", "JP")
