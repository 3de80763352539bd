"""The page in a real headless Chromium (Debian's, driven by Playwright; no browser
is downloaded), against a real uvicorn server on 127.0.0.1 over the curated
events: the date field and the slider move the state, "known at" brings back
what the log knew before a correction, and a fact on the chart shows its
sources.  Screenshots go to $TIMELINE_SCREENSHOTS (default: the test's tmp dir).
"""

from __future__ import annotations

import datetime as dt
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from playwright.sync_api import Page, expect, sync_playwright

from tests.projections.conftest import open_timeline
from tests.web.conftest import web_settings
from tests.web.test_serve_cli import free_port
from timeline.store import RecordedEvent
from timeline.web import create_app

pytestmark = pytest.mark.slow

AI_ACT = "jp/ai-promotion-act"
FIRST_DAY = dt.date(2023, 5, 1)  # the earliest day the curated facts start


@pytest.fixture
def server(curated_url: str) -> Iterator[str]:
    """uvicorn serving the app in a thread, as `timeline serve` does in its process."""
    port = free_port()
    config = uvicorn.Config(
        create_app(web_settings(curated_url, web={"catch_up_seconds": 0.2})),
        host="127.0.0.1",
        port=port,
        log_config=None,
        access_log=False,
    )
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while not running.started:
        assert thread.is_alive(), "uvicorn stopped"
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield base
    running.should_exit = True
    thread.join(timeout=30)
    assert not thread.is_alive()


@pytest.fixture
def page(chromium_path: str, server: str) -> Iterator[Page]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path, headless=True, args=["--no-sandbox"]
        )
        context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-GB")
        opened = context.new_page()
        problems: list[str] = []
        opened.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
        opened.on(
            "console",
            lambda msg: problems.append(f"console: {msg.text}") if msg.type == "error" else None,
        )
        opened.on(
            "request",
            lambda request: (
                None
                if request.url.startswith(server)
                else problems.append(f"request elsewhere: {request.url}")
            ),
        )
        yield opened
        browser.close()
        assert problems == []


def shots_dir(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("TIMELINE_SCREENSHOTS", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def act_in_jp_column(page: Page) -> str | None:
    """The status the states table shows for the AI Promotion Act in Japan's column."""
    item = page.locator(f'td[data-jurisdiction="JP"] li.item[data-subject="{AI_ACT}"]')
    if item.count() == 0:
        return None
    expect(item.locator(".status")).to_be_visible()
    return item.get_attribute("data-status")


def wait_for_table(page: Page, as_of: str, known_at: str | None = None) -> None:
    selector = f'#states-table[data-as-of="{as_of}"]'
    if known_at:
        selector += f'[data-known-at^="{known_at}"]'
    page.wait_for_selector(selector)
    page.wait_for_selector("#states:not([aria-busy])")


def test_the_page_follows_the_log(
    page: Page, server: str, curated_url: str, tmp_path: Path, backend: str
) -> None:
    shots = shots_dir(tmp_path)
    page.goto(server + "/")
    page.locator('input[name="j"][value="JP"]').check()
    page.locator('input[name="j"][value="EU"]').check()
    page.wait_for_selector('#states-table th[data-jurisdiction="EU"]')
    date_field_moves_the_state(page)
    page.wait_for_selector(f'#chart .fact[data-subject="{AI_ACT}"]')
    page.screenshot(path=str(shots / f"web-{backend}-jp-eu-2025-09-01.png"), full_page=True)
    slider_moves_the_state(page)
    act = known_at_shows_the_state_before_a_correction(page, server, curated_url)
    page.screenshot(path=str(shots / f"web-{backend}-known-at.png"), full_page=True)
    a_fact_shown_as_known_before_its_correction_says_it_was_superseded(page)
    page.click("#known-now")
    page.wait_for_function("!document.querySelector('.as-known strong')")  # known now again
    wait_for_table(page, "2025-09-01")
    assert act_in_jp_column(page) is None
    chart_zooms_and_shows_sources(page, act)
    page.screenshot(path=str(shots / f"web-{backend}-sources.png"), full_page=True)


def date_field_moves_the_state(page: Page) -> None:
    """Not in force on 2025-08-31, in force from 2025-09-01."""
    page.fill("#as-of", "2025-08-31")
    wait_for_table(page, "2025-08-31")
    assert act_in_jp_column(page) is None
    page.fill("#as-of", "2025-09-01")
    wait_for_table(page, "2025-09-01")
    assert act_in_jp_column(page) == "in_force"
    expect(page.locator(f'li.item[data-subject="{AI_ACT}"] .status')).to_have_text("in force")
    expect(page.locator('tr[data-row="max_penalty"]')).to_have_class("differs")


def slider_moves_the_state(page: Page) -> None:
    """The slider along the log moves the date field and the state with it."""
    page.fill("#day-slider", str((dt.date(2025, 8, 31) - FIRST_DAY).days))
    wait_for_table(page, "2025-08-31")
    expect(page.locator("#as-of")).to_have_value("2025-08-31")
    assert act_in_jp_column(page) is None
    page.fill("#day-slider", str((dt.date(2025, 9, 1) - FIRST_DAY).days))
    wait_for_table(page, "2025-09-01")
    expect(page.locator("#as-of")).to_have_value("2025-09-01")
    assert act_in_jp_column(page) == "in_force"


def known_at_shows_the_state_before_a_correction(
    page: Page, server: str, curated_url: str
) -> RecordedEvent:
    """A correction recorded now moves the act a month later; "known at" a moment
    before it shows what the log said then.  Returns the corrected event."""
    writer = open_timeline(curated_url)
    imported = max(event.recorded_at for event in writer.log())
    before_correction = imported.replace(microsecond=0) + dt.timedelta(seconds=1)
    while dt.datetime.now(dt.UTC) <= before_correction + dt.timedelta(milliseconds=50):
        time.sleep(0.05)
    act = next(writer.log(subject=AI_ACT, kinds=["instrument.in_force"]))
    writer.correct(act.id, {"effective": "2025-10-01"}, "in force a month later")
    writer.close()
    deadline = time.monotonic() + 20
    while httpx.get(server + "/api/status").json()["projections"]["governance"] != 28:
        assert time.monotonic() < deadline, "the server did not catch up"
        time.sleep(0.1)
    page.click("#show")
    page.wait_for_function(
        f'!document.querySelector(\'td[data-jurisdiction="JP"] li[data-subject="{AI_ACT}"]\')'
    )
    wait_for_table(page, "2025-09-01")
    assert act_in_jp_column(page) is None

    known = before_correction.strftime("%Y-%m-%dT%H:%M:%S")
    page.fill("#known-at", known)
    wait_for_table(page, "2025-09-01", known_at=known)
    assert act_in_jp_column(page) == "in_force"
    expect(page.locator(".as-known")).to_contain_text(f"As the log knew it at {known}")
    return act


def a_fact_shown_as_known_before_its_correction_says_it_was_superseded(page: Page) -> None:
    """Known at a moment before the correction, the chart has the act in September;
    its details say what superseded it since."""
    fact = page.locator(f'#chart .fact[data-subject="{AI_ACT}"][data-effective="2025-09-01"]')
    fact.first.focus()  # the day cursor's line lies over it: the keyboard, as a reader may
    page.keyboard.press("Enter")
    details = page.locator("#details")
    expect(details.locator("h3")).to_contain_text("AI Promotion Act")
    expect(details.locator("dd.superseded")).to_have_text("corrected by #28")


def chart_zooms_and_shows_sources(page: Page, act: RecordedEvent) -> None:
    """The corrected fact sits in October now; zoom moves it; a click (or Enter on
    a focused fact) shows its sources."""
    fact = page.locator(f'#chart .fact[data-subject="{AI_ACT}"]').first
    expect(fact).to_have_attribute("data-effective", "2025-10-01")
    before_zoom = fact.bounding_box()
    page.click('[data-zoom="in"]')
    after_zoom = page.locator(f'#chart .fact[data-subject="{AI_ACT}"]').first.bounding_box()
    assert before_zoom is not None
    assert after_zoom is not None
    assert after_zoom["x"] != before_zoom["x"]  # the axis is stretched around the date
    box = page.locator("#chart").bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.wheel(0, -300)
    page.locator(f'#chart .fact[data-subject="{AI_ACT}"]').first.click()
    details = page.locator("#details")
    expect(details.locator("h3")).to_contain_text("AI Promotion Act")
    expect(details).to_contain_text("in force a month later")  # the correction's reason
    sources = details.locator(".sources li")
    expect(sources).to_have_count(len(act.sources))
    for shown, source in zip(sources.all(), act.sources, strict=True):
        expect(shown).to_contain_text(source["title"])
        expect(shown).to_contain_text(source["publisher"])
        # These two were printed or cited without a link: plain text, no anchor.
        expect(shown.locator("a")).to_have_count(1 if source.get("url") else 0)

    eu_fact = page.locator('#chart .fact[data-subject="eu/ai-act"]').first
    eu_fact.focus()
    page.keyboard.press("Enter")
    expect(details.locator("h3")).to_contain_text("Artificial Intelligence Act")
    link = details.locator(".sources a").first
    expect(link).to_have_attribute("href", "https://eur-lex.europa.eu/eli/reg/2024/1689/oj")
    expect(link).to_have_attribute("rel", "noopener noreferrer")
