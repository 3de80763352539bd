"""The feed and candidate commands: config editing, status, review, one-line errors."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog

from tests.cli.test_cli import Cli
from tests.feeds.helpers import fake_poller, settings_for
from tests.feeds.server import DATA, FeedServer, Reply, rss
from timeline.store import open_store

CONFIG = """\
# Our team's settings: keep this comment.
[database]
url = 'sqlite:///unused.db'

[[feeds]]
name = "first"   # the oldest one
url = "https://example.org/first.xml"
"""


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as running:
        yield running


@pytest.fixture
def cli(database_url: str, tmp_path: Path) -> Cli:
    runner = Cli(database_url, tmp_path)
    runner.config.write_text(CONFIG)
    runner.ok("init")
    return runner


def test_feeds_add_and_remove_keep_the_file_s_comments(cli: Cli) -> None:
    assert cli.ok(
        "feeds", "add", "jp-news", "https://example.org/jp.xml",
        "--jurisdiction", "jp", "--language", "ja", "--interval", "900",
    ) == f"added feed jp-news to {cli.config}\n"  # fmt: skip
    text = cli.config.read_text()
    assert text.startswith(CONFIG)
    assert 'name = "jp-news"\nurl = "https://example.org/jp.xml"\njurisdiction = "JP"' in text
    listed = cli.ok("feeds", "list")
    assert "jp-news" in listed
    assert "900s" in listed
    assert cli.error("feeds", "add", "jp-news", "https://example.org/other.xml") == (
        f"Error: {cli.config}: a feed named 'jp-news' is already listed"
    )
    assert cli.error("feeds", "add", "x", "https://example.org/x.xml", "--jurisdiction", "UK") == (
        "Error: jurisdiction: unknown jurisdiction code 'UK'; "
        "did you mean GB (United Kingdom), UG (Uganda), UA (Ukraine)?"
    )
    assert cli.error("feeds", "add", "Bad Name", "https://example.org/x.xml").startswith(
        "Error: name: String should match pattern"
    )
    cli.ok("feeds", "remove", "jp-news")
    assert cli.config.read_text() == CONFIG
    assert cli.error("feeds", "remove", "jp-news") == (
        f"Error: no feed named 'jp-news' in {cli.config} (known: first)"
    )


def test_poll_and_status_report_a_failing_feed_in_one_line(cli: Cli, server: FeedServer) -> None:
    url = server.serve("/page", Reply(200, b"<!DOCTYPE html><html><body>Login</body></html>"))
    cli.ok("feeds", "add", "page", url)
    assert cli.ok("poll", "page") == "page: failed: not a feed: the server sent an HTML page\n"
    assert cli.ok("poll", "page").startswith("page: not due until ")
    status = json.loads(cli.ok("feeds", "status", "--format", "json"))
    by_feed = {row["feed"]: row for row in status}
    assert by_feed["first"]["state"] == "never polled"
    page = by_feed["page"]
    assert (page["state"], page["consecutive_failures"], page["last_status"]) == ("failing", 1, 200)
    assert page["last_error"] == "not a feed: the server sent an HTML page"
    assert "failing" in cli.ok("feeds", "status")
    assert (
        cli.error("poll", "nope")
        == "Error: no feed named 'nope' in the config (known: first, page)"
    )


def test_reviewing_candidates_from_the_command_line(
    cli: Cli, server: FeedServer, database_url: str
) -> None:
    url = server.serve("/fr.xml", rss(("g1", "Digital law adopted"), ("g2", "Second law")))
    structlog.reset_defaults()  # `init` pointed it at the runner's closed stream
    store = open_store(database_url)
    fake_poller(store, settings_for(database_url, [{"name": "fr", "url": url}])).poll()
    store.close()

    listed = json.loads(cli.ok("candidates", "list", "--format", "json"))
    assert [c["item_guid"] for c in listed] == ["g1", "g2"]
    first, second = listed[0]["id"], listed[1]["id"]
    assert "Digital law adopted" in cli.ok("candidates", "list")

    shown = json.loads(cli.ok("candidates", "show", first[:8]))
    assert (shown["status"], shown["kind"], shown["effective_precision"]) == (
        "pending",
        "instrument.adopted",
        "month",
    )
    assert cli.error("candidates", "edit", first, "-j", "UK") == (
        "Error: jurisdictions: unknown jurisdiction code 'UK'; "
        "did you mean GB (United Kingdom), UG (Uganda), UA (Ukraine)?"
    )
    edited = json.loads(
        cli.ok(
            "candidates", "edit", first, "-j", "FR", "-j", "EU", "--effective", "2025-10-01",
            "--subject", "fr/digital-law", "--payload", "binding=true",
        )
    )  # fmt: skip
    assert edited["edits"]["payload"] == {"binding": True}
    assert edited["jurisdictions"] == ["EU", "FR"]
    accepted = cli.ok("candidates", "accept", first)
    assert accepted.startswith("accepted as #1 ")
    assert accepted.endswith(" instrument.adopted fr/digital-law\n")
    assert cli.ok("candidates", "accept", first) == accepted  # idempotent
    assert len(cli.log_json()) == 1
    assert cli.ok("candidates", "reject", second, "--reason", "not AI") == (
        f"rejected {second}: not AI\n"
    )
    assert cli.error("candidates", "accept", second) == (
        f"Error: candidate {second[:8]} was rejected (not AI); it cannot be accepted"
    )
    assert cli.error("candidates", "show", "zzzz") == "Error: no candidate 'zzzz'"
    assert json.loads(cli.ok("candidates", "list", "--format", "json")) == []
    everything = json.loads(cli.ok("candidates", "list", "--all", "--format", "json"))
    assert [c["status"] for c in everything] == ["accepted", "rejected"]


def test_the_daemon_refuses_a_database_without_the_schema(tmp_path: Path) -> None:
    runner = Cli(f"sqlite:///{tmp_path / 'empty.db'}", tmp_path)
    assert runner.error("daemon").startswith("Error: database ")
    assert runner.error("daemon").endswith("has no timeline schema; run `timeline init` first")


def test_poll_from_the_command_line_with_the_extractor(cli: Cli, server: FeedServer) -> None:
    url = server.serve("/us.xml", (DATA / "us-policy-wire.xml").read_bytes())
    cli.ok("feeds", "add", "us", url)
    assert cli.ok("poll", "us") == "us: 11 items, 11 new candidates, 0 changed\n"
    assert cli.ok("poll", "us", "--force") == "us: 11 items, 0 new candidates, 0 changed\n"
    pending = json.loads(cli.ok("candidates", "list", "--feed", "us", "--format", "json"))
    assert len(pending) == 7  # 8 events, one a duplicate; 3 items are not events


def test_empty_lists_say_how_to_begin(database_url: str, tmp_path: Path) -> None:
    """On stderr, so the table on stdout stays empty; JSON stays `[]`."""
    cli = Cli(database_url, tmp_path)  # config.toml lists no feeds
    cli.ok("init")
    listed = cli("feeds", "list")
    assert (listed.exit_code, listed.stdout) == (0, "")
    assert listed.stderr == (
        "no feeds yet: `timeline feeds add NAME URL` watches one (an http(s) URL, or a "
        "downloaded feed's path or file: URL to try it out); see `timeline feeds add --help`\n"
    )
    pending = cli("candidates", "list")
    assert (pending.exit_code, pending.stdout) == (0, "")
    assert pending.stderr == (
        "no candidates awaiting review: the daemon or `timeline poll` proposes them from the "
        "watched feeds (`timeline feeds list`); --all lists reviewed ones too\n"
    )
    assert cli("candidates", "list", "--all").stderr == (
        "no candidates yet: the daemon or `timeline poll` proposes them from the watched feeds\n"
    )
    assert cli("candidates", "list", "--status", "accepted", "--feed", "fr").stderr == (
        "no accepted candidates from feed 'fr'\n"
    )
    as_json = cli("candidates", "list", "--format", "json")
    assert (as_json.stdout, as_json.stderr) == ("[]\n", "")


def test_a_downloaded_feed_is_kept_as_a_file_url_and_polled(cli: Cli, tmp_path: Path) -> None:
    downloaded = tmp_path / "downloads" / "us wire.xml"
    downloaded.parent.mkdir()
    downloaded.write_bytes((DATA / "us-policy-wire.xml").read_bytes())
    cli.ok("feeds", "add", "us-file", str(downloaded))
    assert f'url = "{downloaded.as_uri()}"' in cli.config.read_text()
    assert downloaded.as_uri().startswith("file:///")
    assert downloaded.as_uri() in cli.ok("feeds", "list")
    cli.ok("feeds", "add", "us-again", downloaded.as_uri())  # a file: URL is kept as it is
    assert cli.ok("poll", "us-file") == "us-file: 11 items, 11 new candidates, 0 changed\n"
    pending = json.loads(cli.ok("candidates", "list", "--feed", "us-file", "--format", "json"))
    assert len(pending) == 7  # as from the same feed over HTTP
    missing = tmp_path / "nope.xml"
    assert cli.error("feeds", "add", "nope", str(missing)) == (
        f"Error: url: no such file {missing} (a feed is an http(s) URL, or the path or "
        "file: URL of a downloaded feed)"
    )
    assert cli.error("feeds", "add", "folder", str(tmp_path)) == (
        f"Error: url: {tmp_path} is a folder, not a feed file"
    )
    cli.config.write_text(CONFIG + '\n[[feeds]]\nname = "relative"\nurl = "file:us.xml"\n')
    assert cli.error("feeds", "list") == (
        f"Error: {cli.config}: feeds.1.url: expected an http(s) URL or an absolute file: URL, "
        "got 'file:us.xml'"
    )
