"""The page as the server renders it (the browser test drives it in Chromium)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.projections.conftest import open_timeline
from tests.web.conftest import web_settings
from tests.web.test_api import new_body
from timeline.web import create_app


def _items(html: str) -> dict[str, str]:
    """subject -> status of every item shown in the states table."""
    return dict(re.findall(r'data-subject="([^"]+)" data-status="([^"]*)"', html))


def test_page_shows_the_states_side_by_side(client: TestClient) -> None:
    response = client.get("/", params={"j": ["JP", "EU"], "as_of": "2025-09-01"})
    assert response.status_code == 200
    html = response.text
    assert _items(html)["jp/ai-promotion-act"] == "in_force"
    assert _items(html)["eu/ai-act"] == "in_force"
    assert re.search(r'<input type="checkbox" name="j" value="JP" checked>', html)
    assert re.search(r'<tr class="differs" data-row="max_penalty">', html)
    assert re.search(r'<tr class="" data-row="memberships">', html)
    assert 'data-first-day="2023-05-01"' in html
    assert 'data-last-day="2027-08-02"' in html
    before = client.get("/", params={"j": "JP", "as_of": "2025-08-31"}).text
    assert "jp/ai-promotion-act" not in _items(before)


def test_the_fragment_is_the_same_table(client: TestClient) -> None:
    query = {"j": ["JP", "EU"], "as_of": "2025-09-01", "known_at": "2030-01-01"}
    page = client.get("/", params=query).text
    fragment = client.get("/fragments/states", params=query)
    assert fragment.status_code == 200
    table = re.search(r"<table.*?</table>", fragment.text, re.S)
    assert table is not None
    assert table.group(0) in page


def test_bad_input_is_shown_on_the_page(client: TestClient) -> None:
    response = client.get("/fragments/states", params={"j": "UK", "as_of": "2025-09-01"})
    assert response.status_code == 422
    assert "unknown jurisdiction code &#39;UK&#39;; did you mean GB (United Kingdom)" in (
        response.text
    )
    page = client.get("/", params={"j": "JP", "as_of": "2025-02-30"})
    assert page.status_code == 422
    assert "date: no such day &#39;2025-02-30&#39;" in page.text


def test_everything_is_served_from_the_package(client: TestClient) -> None:
    html = client.get("/").text
    links = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert links
    assert all(link.startswith("/static/") for link in links), links
    script = client.get("/static/timeline.js")
    assert script.status_code == 200
    assert "javascript" in script.headers["content-type"]
    assert client.get("/static/timeline.css").headers["content-type"].startswith("text/css")


def test_text_from_the_log_is_escaped(curated_url: str) -> None:
    writer = open_timeline(curated_url)
    name = '<script>alert("x")</script> & <b>co</b>'
    writer.append([new_body("escape-test", name, effective="2025-01-01")])
    writer.close()
    with TestClient(create_app(web_settings(curated_url))) as client:
        html = client.get("/", params={"j": "JP", "as_of": "2025-09-01"}).text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;b&gt;co&lt;/b&gt;" in html
    assert '<script>alert("x")' not in html


def test_a_staged_act_shows_its_stages_and_the_proposal_beside_one(client: TestClient) -> None:
    html = client.get("/", params={"j": "EU", "as_of": "2026-01-01"}).text
    stages = re.findall(r'data-stage="([^"]+)" data-status="([^"]+)"', html)
    assert stages == [
        ("2024-08-01", "applied"),
        ("2025-02-02", "applied"),
        ("2025-08-02", "applied"),
        ("2026-08-02", "next"),
        ("2027-08-02", "later"),
    ]
    assert "since 2024-08-01" in html
    assert "high-risk obligations (Annex III)" in html
    assert 'class="proposed" data-to="2027-12-02"' in html


def test_metrics_and_investments_show_their_figures_in_words(client: TestClient) -> None:
    html = client.get("/", params={"j": ["JP"], "as_of": "2026-06-30"}).text
    for title, figure in (
        ("digital trade deficit", "JPY 6.6 trillion"),
        ("global rank in AI private investment", "rank 12"),
        ("analog regulations eliminated", "98%"),
        ("SoftBank Group", "EUR 75 billion"),
    ):
        assert re.search(
            rf'<span class="title">{title}</span>\s*<span class="figure">{figure}</span>', html
        ), title
    assert "6600000000000" not in html
