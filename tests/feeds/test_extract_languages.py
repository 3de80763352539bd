"""Each class of extraction mistake, from invented sentences in the five languages read.

None of these sentences comes from a corpus: they are written to the
conventions of tests/feeds/corpus/README.md, so that a rule fitted to corpus
wording fails here.
"""

from __future__ import annotations

import ast
import re
from html import escape
from pathlib import Path
from typing import Any

import feedparser
import pytest

import timeline.feeds.extract as extract_package
from tests.feeds.feed_items import extract
from timeline.feeds.extract import ItemExtraction, extract_feed
from timeline.feeds.extract.languages import detect_language
from timeline.feeds.extract.places import gazetteer
from timeline.feeds.extract.text import fold


def channel(
    title: str,
    body: str,
    *,
    link: str = "https://news.example.org/item",
    feed_link: str = "https://news.example.org/",
    feed_title: str = "Invented wire",
    language: str = "en",
    published: str = "Wed, 11 Mar 2026 10:00:00 +0000",
    hint: str | None = None,
) -> ItemExtraction:
    """One item read through a whole feed, so that the channel's link, title and
    language take part."""
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        f"<title>{escape(feed_title)}</title><link>{escape(feed_link)}</link>"
        f"<language>{language}</language><item><title>{escape(title)}</title>"
        f"<guid>item-0</guid><link>{escape(link)}</link><pubDate>{published}</pubDate>"
        f"<description>{escape(body)}</description></item></channel></rss>"
    )
    parsed: Any = feedparser.parse(xml.encode())
    (item,) = extract_feed(parsed, jurisdiction_hint=hint)
    return item


# -- the publisher is the jurisdiction --------------------------------------


@pytest.mark.parametrize(
    ("link", "language", "title", "body", "code"),
    [
        (
            "https://www.example.go.jp/news/1.html",
            "ja",
            "AI利用指針を決定",
            "本日、AI利用指針を決定しました。",
            "JP",
        ),
        (
            "https://www.example.gouv.fr/actualites/1",
            "fr",
            "Le plan national pour l'IA est adopté",
            "Le plan a été adopté mardi en Conseil des ministres.",
            "FR",
        ),
        (
            "https://www.example.gov.uk/news/1",
            "en",
            "New AI assurance guidance published",
            "The guidance was approved on Monday.",
            "GB",
        ),
        (
            "https://www.example.gc.ca/news/1",
            "en",
            "Directive on automated decisions takes effect",
            "The directive takes effect on 1 April 2026.",
            "CA",
        ),
        (
            "https://www.example.bund.de/meldung/1",
            "de",
            "KI-Leitlinien für die Verwaltung beschlossen",
            "Die Leitlinien wurden am Dienstag beschlossen.",
            "DE",
        ),
        (
            "https://www.example.gob.es/noticia/1",
            "es",
            "Aprobada la estrategia de IA para la administración",
            "La estrategia fue aprobada el martes.",
            "ES",
        ),
        (
            "https://example.europa.eu/news/1",
            "en",
            "Code of practice for general-purpose models adopted",
            "The code was adopted on Monday.",
            "EU",
        ),
    ],
)
def test_a_government_domain_speaks_for_an_item_that_names_no_place(
    link: str, language: str, title: str, body: str, code: str
) -> None:
    item = channel(title, body, link=link, feed_link=link, language=language)
    assert item.is_event, item.evidence
    assert item.jurisdictions == (code,)
    assert item.evidence["jurisdictions_from"].startswith("publisher (feed domain")


def test_a_government_channel_in_japanese_speaks_for_its_items() -> None:
    item = channel(
        "AI安全評価の手引きを公表",
        "本日、AI安全評価の手引きを閣議決定しました。",
        feed_link="https://portal.example.org/",
        link="https://portal.example.org/1",
        feed_title="AI推進本部事務局 新着情報",
        language="ja",
    )
    assert item.jurisdictions == ("JP",)
    # A generic title: no government word, so the Japanese language alone says nothing.
    assert (
        channel(
            "AI安全評価の手引きを公表",
            "本日、AI安全評価の手引きを閣議決定しました。",
            feed_link="https://portal.example.org/",
            feed_title="テック新着情報",
            language="ja",
        ).jurisdictions
        == ()
    )


def test_the_configured_hint_comes_before_the_domain() -> None:
    item = channel(
        "Guidance on AI procurement adopted",
        "The guidance was adopted on Monday.",
        link="https://www.example.gov.au/1",
        feed_link="https://www.example.gov.au/",
        hint="NZ",
    )
    assert item.jurisdictions == ("NZ",)
    assert item.evidence["jurisdictions_from"] == "publisher (feed hint NZ)"


def test_a_country_code_domain_alone_is_no_publisher() -> None:
    item = channel(
        "AI-Leitlinien beschlossen",
        "Die Leitlinien wurden am Dienstag beschlossen.",
        feed_link="https://news.example.de/",
        link="https://news.example.de/1",
        language="de",
    )
    assert item.jurisdictions == ()


def test_a_government_named_without_its_country_is_the_news_sites_country() -> None:
    # A German-language news site (language de-DE): "Bundeskabinett" is Germany's,
    # and the European regulation named in passing is no jurisdiction of the act.
    item = channel(
        "Bundeskabinett beschließt KI-Aktionsplan",
        "Das Bundeskabinett hat am Mittwoch den Aktionsplan zur europäischen "
        "KI-Verordnung beschlossen.",
        feed_link="https://news.example.de/",
        language="de-DE",
    )
    assert item.jurisdictions == ("DE",)
    assert item.evidence["government"] == "Bundeskabinett"
    # "El Gobierno de Chile" names its country: that country, not the site's.
    item = channel(
        "Aprobado el plan nacional de IA",
        "El Gobierno de Chile aprobó el martes el plan nacional de IA.",
        feed_link="https://news.example.es/",
        language="es-ES",
    )
    assert item.jurisdictions == ("CL",)


def test_places_named_only_in_passing_do_not_join_the_publishers_item() -> None:
    item = channel(
        "New AI evaluation centre to open",
        "The Government will establish an AI evaluation centre in 2027. "
        "It will work with counterparts in Norway, Chile and Kenya.",
        link="https://www.example.gov.au/1",
        feed_link="https://www.example.gov.au/",
    )
    assert (item.kind, item.jurisdictions) == ("body.established", ("AU",))


def test_an_agreement_with_one_named_party_is_the_publishers_own() -> None:
    item = channel(
        "Memorandum on AI skills signed with Ghana",
        "The Minister signed a memorandum of understanding with Ghana today.",
        link="https://www.example.gov.au/1",
        feed_link="https://www.example.gov.au/",
    )
    assert (item.kind, item.jurisdictions) == ("agreement.signed", ("AU", "GH"))


# -- bilateral forms ---------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "body", "codes"),
    [
        (
            "Franco-Japanese pact on AI research signed",
            "The pact was signed on Monday.",
            ("FR", "JP"),
        ),
        (
            "Japan\u2013India AI partnership signed",
            "The partnership was signed on Monday.",
            ("IN", "JP"),
        ),
        (
            "Indo-Brazilian memorandum on AI signed",
            "The memorandum was signed on Monday.",
            ("BR", "IN"),
        ),
        ("Sino-Malaysian accord on data signed", "The accord was signed on Monday.", ("CN", "MY")),
        ("German-French declaration on AI signed", "It was signed on Monday.", ("DE", "FR")),
        ("日印、AI協力の覚書に署名", "両国は10日、覚書に署名した。", ("IN", "JP")),
        ("日仏、AI協力で覚書", "両国は10日、覚書に署名した。", ("FR", "JP")),
        ("日米、AI安全で共同声明", "両政府は10日、共同声明を発表した。", ("JP", "US")),
        ("日英、半導体で覚書に署名", "両国は10日、覚書に署名した。", ("GB", "JP")),
        ("日ASEAN、AI協力の共同声明", "10日、共同声明に署名した。", ("ASEAN", "JP")),
        (
            "Déclaration franco-italienne sur l'IA signée",
            "La déclaration a été signée mardi.",
            ("FR", "IT"),
        ),
        (
            "Deutsch-polnische Absichtserklärung zur KI unterzeichnet",
            "Die Erklärung wurde am Dienstag unterzeichnet.",
            ("DE", "PL"),
        ),
        (
            "Firmado el memorando hispano-marroquí sobre IA",
            "El memorando fue firmado el martes.",
            ("ES", "MA"),
        ),
    ],
)
def test_bilateral_forms_name_both_parties(title: str, body: str, codes: tuple[str, ...]) -> None:
    item = extract(title, body)
    assert (item.kind, item.jurisdictions) == ("agreement.signed", codes), item.evidence


def test_a_bilateral_meeting_names_both_sides_and_not_only_the_venue() -> None:
    item = extract("第2回日豪AI閣僚会合を開催", "9日、キャンベラにおいて閣僚会合が開催された。")
    assert (item.kind, item.jurisdictions) == ("meeting.held", ("AU", "JP"))


# -- places from maintained data ---------------------------------------------


@pytest.mark.parametrize(
    ("phrase", "code"),
    [
        ("Deutschland", "DE"),  # CLDR, German
        ("Alemania", "DE"),  # CLDR, Spanish
        ("Corée du Sud", "KR"),  # CLDR, French
        ("ノルウェー", "NO"),  # CLDR, Japanese
        ("Windhoek", "NA"),  # a capital, from GeoNames
        ("Porto Alegre", "BR"),  # a large city, from GeoNames
        ("Cataluña", "ES-CT"),  # a region's local name, from pycountry
        ("Bavière", "DE-BY"),  # its French name, from pycountry's translations
        ("Niederösterreich", "AT-3"),
        ("Comunidad de Madrid", "ES-MD"),  # a capital's region, with its government's words
        ("Madrid", "ES"),  # the capital alone is the country
    ],
)
def test_names_come_from_maintained_data(phrase: str, code: str) -> None:
    found = gazetteer().find(fold(f"News from {phrase} today"))
    assert [p.code for p in found] == [code]


def test_a_summit_city_gives_its_country() -> None:
    item = extract(
        "Digital ministers gather in Porto Alegre",
        "Ministers from twelve countries met on Monday in Porto Alegre for AI talks.",
    )
    assert (item.kind, item.jurisdictions) == ("meeting.held", ("BR",))


def test_shared_city_names_are_read_only_when_one_country_dominates() -> None:
    codes = {p.code for p in gazetteer().find(fold("Talks in Valencia and in Victoria"))}
    # Valencia (Venezuela, Spain) and Victoria (Hong Kong, Canada): no guess; but
    # Córdoba is Argentina's (six times the Spanish one).
    assert [p.code for p in gazetteer().find(fold("Talks in Córdoba"))] == ["AR"]
    assert codes == set()


# -- over-inclusion ----------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "body", "codes"),
    [
        (
            "Korean chipmaker to invest $3 billion in Vietnam",
            "The company said on Monday it would invest $3 billion in Vietnam.",
            ("VN",),
        ),
        (
            "Empresa estadounidense invertirá 500 millones en Colombia",
            "La empresa invertirá 500 millones de dólares en Colombia, anunció el martes.",
            ("CO",),
        ),
        (
            "Japan-based cloud provider pledges $1 billion for Kenyan data centres",
            "It pledged $1 billion on Monday for data centres in Kenya.",
            ("KE",),
        ),
    ],
)
def test_a_companys_nationality_is_not_a_jurisdiction(
    title: str, body: str, codes: tuple[str, ...]
) -> None:
    item = extract(title, body)
    assert (item.kind, item.jurisdictions) == ("investment.announced", codes), item.evidence


# -- kinds from the sentence, not from keywords anywhere -----------------------


@pytest.mark.parametrize(
    ("title", "body", "kind"),
    [
        # A joint statement or action plan signed is an agreement, not a meeting.
        (
            "Norway and Chile sign joint statement on AI at ministerial talks",
            "The ministers signed the joint statement on Monday.",
            "agreement.signed",
        ),
        (
            "La France et le Maroc signent un plan d'action sur l'IA",
            "Le plan d'action a été signé mardi.",
            "agreement.signed",
        ),
        # A national plan adopted, even with money in it, is adopted.
        (
            "Portugal adopts national AI plan worth €400 million",
            "The cabinet adopted the plan on Monday.",
            "instrument.adopted",
        ),
        (
            "Ireland adopts code of conduct for public-sector AI",
            "The code was adopted on Monday.",
            "instrument.adopted",
        ),
        # An approved draft is still a proposal; an updated policy an amendment.
        (
            "Colombia aprueba el proyecto de ley de IA en primera lectura",
            "El Consejo de Ministros aprobó el martes el proyecto de ley.",
            "instrument.proposed",
        ),
        (
            "Norway presents its updated national AI strategy",
            "The government presented the updated strategy on Monday.",
            "instrument.amended",
        ),
        (
            "Perú presenta su política nacional de IA actualizada",
            "El Gobierno presentó el martes la política actualizada.",
            "instrument.amended",
        ),
        # German and Spanish wording of the kinds
        (
            "Sachsen: KI-Gesetz tritt am 1. Juli in Kraft",
            "Das Gesetz tritt am 1. Juli 2026 in Kraft.",
            "instrument.in_force",
        ),
        (
            "Österreich tritt der KI-Konvention bei",
            "Österreich trat am Dienstag der Konvention bei.",
            "membership.joined",
        ),
        (
            "Uruguay crea una agencia de IA",
            "El Gobierno creó el martes la agencia nacional de IA.",
            "body.established",
        ),
        (
            "Argentina se adhiere a los principios de la OCDE",
            "Argentina se adhirió el martes a los principios.",
            "membership.joined",
        ),
    ],
)
def test_kind_comes_from_the_headline_sentence(title: str, body: str, kind: str) -> None:
    item = extract(title, body)
    assert item.kind == kind, item.evidence


@pytest.mark.parametrize(
    ("title", "body"),
    [
        (
            "Governor vetoes AI hiring bill",
            "The bill, passed in May, would have taken effect on 1 July.",
        ),
        ("Notice: this feed is moving", "From 1 April 2026 it will be published at a new address."),
        ("AIシンポジウム参加者募集のお知らせ", "3月10日に東京で開催します。"),
        ("Kommentar: Was das KI-Gesetz bedeutet", "Das Gesetz tritt am 1. Juli in Kraft."),
        ("Opinión: la ley de IA llega tarde", "La ley entra en vigor el 1 de julio."),
    ],
)
def test_genres_that_report_no_event(title: str, body: str) -> None:
    assert not extract(title, body).is_event


# -- dates -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "body", "effective"),
    [
        # A multi-day meeting or a range: its first day.
        (
            "AI ministers to meet in Oslo",
            "Ministers will meet in Oslo from 3 to 5 June to discuss AI safety.",
            "2026-06-03",
        ),
        ("Sommet sur l'IA à Dakar", "Le sommet se tiendra du 3 au 5 juin à Dakar.", "2026-06-03"),
        (
            "KI-Gipfel in Leipzig",
            "Der Gipfel findet vom 3. bis 5. Juni in Leipzig statt.",
            "2026-06-03",
        ),
        (
            "Cumbre de IA en Lima",
            "La cumbre se celebrará del 3 al 5 de junio en Lima.",
            "2026-06-03",
        ),
        # Reiwa era dates
        ("AI基本計画の案を公表", "令和8年4月1日から意見募集を行う案を公表した。", "2026-04-01"),
        # A dateline's date is the day of filing, not the event's.
        (
            "Norway and Chile sign AI pact",
            "OSLO, March 11 (Wire) - Norway and Chile signed an AI pact on Tuesday.",
            "2026-03-10",
        ),
        # The headline date in a later sentence than the headline's wording.
        (
            "Ghana's data protection rules take effect",
            "The rules were adopted last year. They take effect on 1 April 2026.",
            "2026-04-01",
        ),
        # A year in the title, a day in the text: the day.
        ("Kenya to apply AI law in 2027", "The law applies from 1 January 2027.", "2027-01-01"),
        # German and Spanish dates
        (
            "Hamburg: KI-Regeln beschlossen",
            "Der Senat beschloss die Regeln am Dienstag.",
            "2026-03-10",
        ),
        (
            "Chile aprueba su ley de IA",
            "El Congreso aprobó la ley el 2 de marzo de 2026.",
            "2026-03-02",
        ),
    ],
)
def test_the_date_of_the_headline_event(title: str, body: str, effective: str) -> None:
    item = extract(title, body)
    assert item.effective == effective, item.evidence


# -- languages ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Die Regierung hat das Gesetz mit den Ländern beschlossen und wird es prüfen.", "de"),
        ("El Gobierno aprobó la ley para que las empresas se adapten con un plazo.", "es"),
        ("Le gouvernement a adopté la loi sur les données pour les entreprises.", "fr"),
        ("The government adopted the law on data for the companies.", "en"),
        ("政府はAI法案を国会に提出した。", "ja"),
    ],
)
def test_the_language_of_a_text(text: str, code: str) -> None:
    assert detect_language(text) == code


CORE_MODULES = ("kinds.py", "dates.py", "entry.py", "subjects.py")
_REGEX_NAMES = re.compile(r"\(\?P<\w+>|\{\w*\}|\\u[0-9a-fA-F]{4}|\\[a-zA-Z]|[a-zA-Z]-[a-zA-Z]")


@pytest.mark.parametrize("module", CORE_MODULES)
def test_the_core_holds_no_languages_words(module: str) -> None:
    """Every language is data plus its module: the patterns the core compiles
    itself name no word of any language (its messages are English, not rules)."""
    path = Path(extract_package.__file__).parent / module
    patterns = [
        node
        for call in ast.walk(ast.parse(path.read_text()))
        if isinstance(call, ast.Call)
        and isinstance(call.func, ast.Attribute)
        and isinstance(call.func.value, ast.Name)
        and call.func.value.id == "re"
        for node in ast.walk(call)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and not node.value.isidentifier()  # a field's name: _context("until")
    ]
    assert patterns, "the test reads no pattern: has the module moved?"
    words = [
        (node.lineno, node.value)
        for node in patterns
        if re.search(r"[A-Za-z]{2,}|[\u3040-\u30ff\u4e00-\u9fff]", _REGEX_NAMES.sub("", node.value))
    ]
    assert words == []


@pytest.mark.parametrize(
    ("title", "body", "codes"),
    [
        # The title's last place is the recipient, even when the body begins
        # with a company and its nationality.
        (
            "Norwegischer Konzern investiert 2 Milliarden Euro in Spanien",
            "Der norwegische Konzern investiert 2 Milliarden Euro, teilte er am Montag mit.",
            ("ES",),
        ),
        (
            "Grupo chileno invierte 500 millones en México",
            "La empresa chilena invirtió el lunes 500 millones.",
            ("MX",),
        ),
        # German and Spanish coordinate places with their own words.
        (
            "Dänemark und Polen beschließen gemeinsame KI-Strategie",
            "Die Regierungen haben die Strategie am Montag beschlossen.",
            ("DK", "PL"),
        ),
        (
            "Chile y Perú aprueban una estrategia conjunta de IA",
            "Los gobiernos aprobaron la estrategia el lunes.",
            ("CL", "PE"),
        ),
    ],
)
def test_place_words_of_each_language(title: str, body: str, codes: tuple[str, ...]) -> None:
    item = extract(title, body)
    assert item.jurisdictions == codes, item.evidence
