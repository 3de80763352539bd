"""`timeline extract`: JSON shape on every corpus feed, error paths, URLs served on 127.0.0.1."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest
from typer.testing import CliRunner, Result

from tests.feeds.feed_items import rss
from timeline.cli import app
from timeline.feeds.fetch import default_user_agent

REPO = Path(__file__).resolve().parents[2]
# A copy of ../shared/corpus/feeds (the labelled development set), kept in the
# repository so that the tests run wherever the clone is.
CORPUS = REPO / "tests" / "feeds" / "corpus"
FEEDS = sorted(p for p in CORPUS.iterdir() if p.suffix in {".xml", ".atom", ".rdf"})
KINDS_OR_NONE = {
    None, "instrument.proposed", "instrument.adopted", "instrument.in_force",
    "instrument.amended", "instrument.repealed", "body.established", "agreement.signed",
    "meeting.held", "membership.joined", "office.opened", "investment.announced",
    "metric.reported",
}  # fmt: skip


def run(tmp_path: Path, *args: str, polling: str = "") -> Result:
    config = tmp_path / "config.toml"
    config.write_text(f"[database]\nurl = 'sqlite:///unused.db'\n[polling]\n{polling}")
    # JSON unless the test asks for another format: what a script reads.
    fmt = [] if {"-f", "--format"} & set(args) else ["-f", "json"]
    return CliRunner().invoke(app, ["--config", str(config), "extract", *args, *fmt])


def one_line_error(result: Result) -> str:
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


def test_corpus_has_feeds() -> None:
    assert len(FEEDS) == 6


@pytest.mark.parametrize("feed", FEEDS, ids=lambda p: p.name)
def test_json_shape_on_each_corpus_feed(tmp_path: Path, feed: Path) -> None:
    result = run(tmp_path, str(feed), "--format", "json")
    assert result.exit_code == 0, result.output
    items = json.loads(result.stdout)
    assert items
    for item in items:
        assert {"guid", "title", "is_event", "kind", "jurisdictions", "effective"} <= set(item)
        assert {"confidence", "evidence", "summary", "link", "published"} <= set(item)
        assert item["kind"] in KINDS_OR_NONE
        assert item["jurisdictions"] == sorted(item["jurisdictions"])
        assert 0.0 <= item["confidence"] <= 1.0
        assert {"date", "kind"} <= set(item["evidence"])
        if item["is_event"]:
            assert item["effective"]
            assert item["kind"]
        else:
            assert (item["kind"], item["jurisdictions"], item["effective"]) == (None, [], None)
        assert "<" not in item["summary"]  # plain text, markup gone


def test_a_malformed_feed_that_parsed_is_used_with_a_warning(tmp_path: Path) -> None:
    result = run(tmp_path, str(CORPUS / "emerging-markets-briefing.xml"))
    assert result.exit_code == 0
    assert len(json.loads(result.stdout)) == 9
    assert result.stderr.startswith("Warning: ")
    assert "undefined entity" in result.stderr


def test_latin1_feed_reads_accents(tmp_path: Path) -> None:
    result = run(tmp_path, str(CORPUS / "veille-numerique-fr.xml"))
    titles = [item["title"] for item in json.loads(result.stdout)]
    assert any("Québec créera" in t for t in titles)


def test_table_format(tmp_path: Path) -> None:
    result = run(tmp_path, str(CORPUS / "us-policy-wire.xml"), "--format", "table")
    assert result.exit_code == 0
    assert "instrument.in_force" in result.stdout
    assert "US-TX" in result.stdout


def test_html_page_is_an_error(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text(
        "<!doctype html><html><head><title>Hi</title></head><body><p>No feed</p></body></html>"
    )
    line = one_line_error(run(tmp_path, str(page)))
    assert line.startswith(f"Error: {page}: not a readable feed")


def test_truncated_xml_without_entries_is_an_error(tmp_path: Path) -> None:
    truncated = tmp_path / "cut.xml"
    truncated.write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>x</title><item><ti'
    )
    assert one_line_error(run(tmp_path, str(truncated))).startswith(
        f"Error: {truncated}: not a readable feed"
    )


def test_missing_file_is_an_error(tmp_path: Path) -> None:
    line = one_line_error(run(tmp_path, str(tmp_path / "nope.xml")))
    assert line == f"Error: {tmp_path / 'nope.xml'}: cannot read: No such file or directory"


def test_unknown_jurisdiction_hint_is_an_error(tmp_path: Path) -> None:
    line = one_line_error(run(tmp_path, str(FEEDS[0]), "--jurisdiction", "XX"))
    assert line.startswith("Error: unknown jurisdiction code 'XX'")


class _Handler(http.server.BaseHTTPRequestHandler):
    routes: ClassVar[dict[str, tuple[int, str, bytes]]] = {}
    user_agents: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        self.user_agents.append(self.headers.get("User-Agent", ""))
        status, content_type, body = self.routes.get(self.path, (404, "text/plain", b"not here"))
        self.send_response(status)
        if status in {301, 302}:
            self.send_header("Location", body.decode())
            body = b""
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_url_is_fetched_following_redirects(tmp_path: Path, server: str) -> None:
    feed = rss(
        (
            "Ghana establishes AI agency",
            "The agency was established on Monday.",
            "Wed, 11 Mar 2026 10:00:00 +0000",
        )
    )
    _Handler.routes = {
        "/feed.xml": (200, "application/rss+xml", feed),
        "/old": (301, "", b"/feed.xml"),
    }
    _Handler.user_agents.clear()
    result = run(tmp_path, f"{server}/old")
    assert result.exit_code == 0, result.output
    assert _Handler.user_agents == [default_user_agent()] * 2  # the poller's, both hops
    [item] = json.loads(result.stdout)
    assert (item["kind"], item["jurisdictions"], item["effective"]) == (
        "body.established",
        ["GH"],
        "2026-03-09",
    )


def test_url_errors_are_one_line(tmp_path: Path, server: str) -> None:
    _Handler.routes = {
        "/page": (200, "text/html", b"<html><body>Just a page</body></html>"),
        "/big": (200, "application/rss+xml", b"<rss>" + b" " * 5000 + b"</rss>"),
    }
    assert (
        one_line_error(run(tmp_path, f"{server}/missing"))
        == f"Error: {server}/missing: HTTP 404 Not Found"
    )
    assert "not a readable feed" in one_line_error(run(tmp_path, f"{server}/page"))
    # The poller's size cap, from the same setting.
    assert (
        one_line_error(run(tmp_path, f"{server}/big", polling="max_body_bytes = 1024"))
        == f"Error: {server}/big: body of 5011 bytes exceeds the 1024-byte cap"
    )


def test_a_url_httpx_cannot_parse_is_a_one_line_error(tmp_path: Path) -> None:
    # httpx.InvalidURL is not an httpx.HTTPError: it used to end in a traceback.
    assert one_line_error(run(tmp_path, "https://[::1")) == (
        "Error: https://[::1: InvalidURL: Invalid port: ':1'"
    )


def test_a_file_over_the_size_cap_is_an_error(tmp_path: Path) -> None:
    big = tmp_path / "big.xml"
    big.write_bytes(b"<rss>" + b" " * 5000 + b"</rss>")
    line = one_line_error(run(tmp_path, f"file://{big}", polling="max_body_bytes = 1024"))
    assert line == f"Error: file://{big}: file exceeds the 1024-byte cap"


def test_entity_expansion_is_refused(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.xml"
    bomb.write_text(
        '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        '<rss version="2.0"><channel><title>&b;</title></channel></rss>'
    )
    line = one_line_error(run(tmp_path, str(bomb)))
    assert "declares XML entities" in line
