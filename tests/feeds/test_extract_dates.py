"""Dates: precision as written, relative words anchored on publication, the right one of several.

Every sentence here is invented for the test; none comes from the corpus.
Publication date unless said otherwise: Wednesday 11 March 2026.
"""

from __future__ import annotations

import pytest

from tests.feeds.feed_items import extract


@pytest.mark.parametrize(
    ("title", "body", "effective"),
    [
        # Absolute dates keep exactly their precision.
        ("Data rules take effect", "The data rules take effect on 3 March 2027.", "2027-03-03"),
        ("Data rules take effect", "The data rules take effect on March 3rd, 2027.", "2027-03-03"),
        ("Senate passes robotics bill", "The Senate passed the bill in February 2026.", "2026-02"),
        ("Robotics law to enter into force", "It will enter into force in 2028.", "2028"),
        ("Parliament adopts chip act", "Parliament adopted the act in February.", "2026-02"),
        # Relative dates, anchored on the publication day.
        ("Cabinet approves chip plan", "The cabinet approved the plan on Monday.", "2026-03-09"),
        ("Cabinet approves chip plan", "The cabinet approved the plan yesterday.", "2026-03-10"),
        ("Cabinet approves chip plan", "The cabinet approved the plan today.", "2026-03-11"),
        ("Cabinet approves chip plan", "The cabinet approved the plan last Friday.", "2026-03-06"),
        ("Cabinet approves chip plan", "The cabinet approved it late Wednesday.", "2026-03-11"),
        (
            "Ministry to propose drone rules",
            "It will propose the rules later this month.",
            "2026-03",
        ),
        ("Ministry to propose drone rules", "It will propose the rules next month.", "2026-04"),
        ("Drone rules to take effect", "The rules will take effect next Tuesday.", "2026-03-17"),
        ("Drone rules to take effect", "The rules take effect early next year.", "2027"),
    ],
)
def test_english_dates(title: str, body: str, effective: str) -> None:
    item = extract(title, body)
    assert item.is_event, item.evidence
    assert item.effective == effective, item.evidence


def test_a_day_without_year_takes_the_nearest_year_even_across_new_year() -> None:
    item = extract(
        "Biometrics law applies from Feb. 3",
        "The biometrics law applies from Feb. 3, officials said.",
        published="Sun, 20 Dec 2026 09:00:00 -0500",
    )
    assert item.effective == "2027-02-03"


def test_future_tense_picks_the_coming_month_not_the_closest() -> None:
    # Published mid-March: "September" is as near backwards as forwards, but
    # "will take effect" looks forward.
    item = extract(
        "Labelling duties will take effect in September",
        "The duties will take effect in September.",
        published="Sun, 15 Mar 2026 08:00:00 +0000",
    )
    assert item.effective == "2026-09"


def test_relative_dates_use_the_publishers_own_calendar_day() -> None:
    # 23:30 on Monday in UTC-8 is already Tuesday in UTC: "today" is Monday.
    item = extract(
        "State AI office launches today",
        "The state government launched its AI office today.",
        published="Mon, 09 Mar 2026 23:30:00 -0800",
    )
    assert item.effective == "2026-03-09"


def test_the_headline_kind_picks_its_date_among_several() -> None:
    body = "The governor signed the bill on Tuesday; it takes effect on July 1, 2027."
    adopted = extract("Governor signs data-centre bill", body)
    assert (adopted.kind, adopted.effective) == ("instrument.adopted", "2026-03-10")
    in_force = extract("Data-centre law to take effect July 1", body)
    assert (in_force.kind, in_force.effective) == ("instrument.in_force", "2027-07-01")


def test_background_dates_are_not_chosen() -> None:
    item = extract(
        "Drone law start pushed back",
        "Lawmakers on Tuesday amended the drone law, moving its start from Jan. 1, 2027, "
        "to July 1, 2027.",
    )
    assert (item.kind, item.effective) == ("instrument.amended", "2026-03-10")
    negated = extract(
        "Correction: start of drone rules",
        "An earlier story misstated when the drone rules take effect. "
        "They take effect on 1 June 2026, not 1 May.",
    )
    assert negated.effective == "2026-06-01"


@pytest.mark.parametrize(
    ("title", "body", "published", "effective"),
    [
        (
            "La loi sur les drones entrera en vigueur le 1er juillet",
            "La loi entrera en vigueur le 1<sup>er</sup> juillet 2027.",
            "Wed, 11 Mar 2026 10:00:00 +0100",
            "2027-07-01",
        ),
        (
            "Le Sénat adopte le projet sur les robots",
            "Le Sénat a adopté jeudi le texte sur les robots.",
            "Fri, 13 Mar 2026 10:00:00 +0100",
            "2026-03-12",
        ),
        (
            "Les règles entreront en vigueur en septembre",
            "Les règles entreront en vigueur en septembre, a précisé le ministère.",
            "Wed, 11 Mar 2026 10:00:00 +0100",
            "2026-09",
        ),
        (
            "Un office des données verra le jour",
            "Le gouvernement a annoncé lundi la création d'un office, "
            "qui verra le jour le 2 mai prochain.",
            "Wed, 11 Mar 2026 10:00:00 +0100",
            "2026-05-02",
        ),
    ],
)
def test_french_dates(title: str, body: str, published: str, effective: str) -> None:
    item = extract(title, body, published)
    assert item.is_event, item.evidence
    assert item.effective == effective, item.evidence


@pytest.mark.parametrize(
    ("title", "body", "effective"),
    [
        ("ドイツ、新AI法を施行", "ドイツ政府は2026年10月1日に新しいAI法を施行する。", "2026-10-01"),
        (
            "ロボット規則、令和8年4月1日から施行",
            "新規則は令和8年4月1日から施行される。",
            "2026-04-01",
        ),
        ("英国、データ法を来月1日に施行", "英国政府は来月1日にデータ法を施行する。", "2026-04-01"),
        ("カナダ議会、AI法案を可決", "カナダ議会は10日、AI法案を可決した。", "2026-03-10"),
        ("豪州、AI戦略を閣議決定", "豪州政府は2026年2月にAI戦略を閣議決定した。", "2026-02"),
    ],
)
def test_japanese_dates(title: str, body: str, effective: str) -> None:
    item = extract(title, body, "Wed, 11 Mar 2026 18:00:00 +0900")
    assert item.is_event, item.evidence
    assert item.effective == effective, item.evidence


def test_without_a_publication_date_relative_words_give_no_date() -> None:
    item = extract("Cabinet approves chip plan", "The cabinet approved the plan on Monday.", "soon")
    assert not item.is_event
    assert item.published is None


@pytest.mark.parametrize(
    ("body", "effective"),
    [
        ("The decree takes effect on 2026-07-01, the ministry said.", "2026-07-01"),
        ("The decree takes effect by the end of 2027.", "2027"),
        ("The decree takes effect mid-2027.", "2027"),
    ],
)
def test_more_english_forms(body: str, effective: str) -> None:
    assert extract("Drone decree to take effect", body).effective == effective


def test_french_and_japanese_year_words() -> None:
    assert (
        extract("La loi entrera en vigueur", "Elle entrera en vigueur début 2027.").effective
        == "2027"
    )
    item = extract(
        "ベトナム、AI法を年内に施行",
        "ベトナム政府はAI法を年内に施行する。",
        "Wed, 11 Mar 2026 18:00:00 +0700",
    )
    assert item.effective == "2026"


@pytest.mark.parametrize(
    ("title", "body", "published", "kind", "effective"),
    [
        (
            "A new chapter for Kenyan AI oversight",
            "Kenya's parliament on Tuesday passed the AI Bill, first tabled in March 2025. "
            "It takes effect on 1 July 2026.",
            "Thu, 12 Mar 2026 09:00:00 +0300",
            "instrument.adopted",
            "2026-03-10",
        ),
        (
            "Big day for Danish data rules",
            "Denmark's AI supervision law takes effect today. It was adopted in June 2025.",
            "Thu, 12 Mar 2026 09:00:00 +0100",
            "instrument.in_force",
            "2026-03-12",
        ),
        (
            "スウェーデンのAI規制、新たな段階へ",
            "スウェーデン政府は10日、AI法案を国会に提出した。成立すれば2027年1月1日に施行される。",
            "Thu, 12 Mar 2026 09:00:00 +0900",
            "instrument.proposed",
            "2026-03-10",
        ),
    ],
)
def test_without_wording_in_the_title_the_event_nearest_publication_is_the_headline(
    title: str, body: str, published: str, kind: str, effective: str
) -> None:
    item = extract(title, body, published)
    assert (item.kind, item.effective) == (kind, effective), item.evidence


@pytest.mark.parametrize(
    ("body", "published", "effective"),
    [
        ("The rules will take effect next summer.", "Fri, 29 Aug 2025 10:00:00 +0000", "2026"),
        ("The rules will take effect this autumn.", "Wed, 11 Mar 2026 10:00:00 +0000", "2026"),
        (
            "The rules will take effect in the second half of 2027.",
            "Wed, 11 Mar 2026 10:00:00 +0000",
            "2027",
        ),
        (
            "Les règles entreront en vigueur l'été prochain.",
            "Wed, 11 Mar 2026 10:00:00 +0100",
            "2026",
        ),
    ],
)
def test_seasons_and_halves_give_a_year(body: str, published: str, effective: str) -> None:
    assert extract("Drone rules to take effect", body, published).effective == effective


def test_the_end_of_a_period_is_not_the_event_date() -> None:
    item = extract(
        "Drone rules phase in",
        "The drone rules took effect on 2 March 2026 and apply in stages until 2028.",
    )
    assert item.effective == "2026-03-02"


@pytest.mark.parametrize(
    ("title", "body", "effective"),
    [
        # A headline's present tense reads the nearest such day, either side of
        # publication (Wednesday 11 March): the coming Friday, the past Monday.
        (
            "Robotics agency opens Friday",
            "The robotics agency opens its doors Friday.",
            "2026-03-13",
        ),
        (
            "Robotics agency opens Monday",
            "The robotics agency opens its doors Monday.",
            "2026-03-09",
        ),
        # The past tense keeps the latest one.
        (
            "Robotics agency opened Friday",
            "The robotics agency opened its doors Friday.",
            "2026-03-06",
        ),
    ],
)
def test_a_headline_present_reads_the_nearest_weekday(
    title: str, body: str, effective: str
) -> None:
    item = extract(title, body)
    assert item.kind == "body.established", item.evidence
    assert item.effective == effective, item.evidence


def test_the_tense_of_a_telling_is_its_own_not_the_future_it_reports() -> None:
    # "investira ..., a-t-il annoncé lundi": the Monday of the telling, before
    # publication (Wednesday 11 March), not the coming one.
    item = extract(
        "Le Pérou investit 2 milliards dans l'IA",
        "Le gouvernement investira 2 milliards de dollars, a-t-il annoncé lundi.",
    )
    assert item.kind == "investment.announced"
    assert item.effective == "2026-03-09", item.evidence
