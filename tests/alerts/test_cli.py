"""`timeline follow add|list|remove|test` and the follows in `/api/status`: config
editing that keeps comments, one-line errors that write nothing, the status view."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.alerts.conftest import SECRET_VARIABLE
from tests.alerts.receiver import Receiver
from tests.cli.test_cli import Cli
from tests.digest.smtp import SmtpServer
from tests.factories import in_force
from tests.web.conftest import web_settings
from timeline import bootstrap
from timeline.app import Timeline
from timeline.settings import load_settings
from timeline.web import create_app

CONFIG = """\
# Our team's settings: keep this comment.
[database]
url = 'sqlite:///unused.db'

[smtp]
host = "127.0.0.1"
port = {port}
security = "none"
timeout = 5
"""


@pytest.fixture
def cli(database_url: str, tmp_path: Path, smtp: SmtpServer) -> Cli:
    runner = Cli(database_url, tmp_path)
    runner.config.write_text(CONFIG.format(port=smtp.port))
    runner.ok("init")
    return runner


def add_jp(cli: Cli, *more: str) -> str:
    return cli.ok(
        "follow", "add", "jp", "--jurisdiction", "jp", "--with-subdivisions",
        "--kind", "instrument.*", "--to", "ana@example.org", *more,
    )  # fmt: skip


def test_follow_add_and_remove_keep_the_file_s_comments(cli: Cli) -> None:
    before = cli.config.read_text()
    assert add_jp(cli) == (
        f"added follow jp to {cli.config}\nits alerts begin after log position 0\n"
    )
    text = cli.config.read_text()
    assert text.startswith(before)
    assert (
        '[[follows]]\nname = "jp"\njurisdictions = ["JP"]\nwith_subdivisions = true\n'
        'kinds = ["instrument.*"]\nto = ["ana@example.org"]\n'
    ) in text
    [follow] = load_settings(cli.config).follows
    assert follow.selection().matches("instrument.in_force", "jp/x", ["JP-13"])
    listed = cli.ok("follow", "list")
    assert "jp" in listed
    assert "JP +subdivisions instrument.*" in listed
    assert cli.ok("follow", "remove", "jp") == f"removed follow jp from {cli.config}\n"
    assert cli.config.read_text().rstrip() == before.rstrip()


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["x", "--to", "a@example.org", "--jurisdiction", "UK"], "Error: jurisdictions: unknown"),
        (
            ["x", "--to", "a@example.org", "--kind", "instrumnet.*"],
            "Error: kinds: kind 'instrumnet.*' matches no kind of fact",
        ),
        (["x", "--to", "not-an-address"], "Error: to: 'not-an-address' is not an email address"),
        (["x", "--webhook", "ftp://example.org"], "Error: webhook: String should match pattern"),
        (["x", "--webhook", "http://h/x", "--secret-env", "bad-name"], "Error: secret_env:"),
        (["Bad Name", "--to", "a@example.org"], "Error: name: String should match pattern"),
        (["x"], "Error: a follow needs an address (--to) or a webhook (--webhook)"),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(cli: Cli, args: list[str], error: str) -> None:
    before = cli.config.read_text()
    assert cli.error("follow", "add", *args).startswith(error)
    assert cli.config.read_text() == before


def test_a_follow_named_twice_or_unknown_is_one_line(cli: Cli) -> None:
    add_jp(cli)
    before = cli.config.read_text()
    assert cli.error("follow", "add", "jp", "--to", "b@example.org") == (
        f"Error: {cli.config}: a follow named 'jp' is already listed"
    )
    assert cli.error("follow", "remove", "eu") == (
        f"Error: no follow named 'eu' in {cli.config} (known: jp)"
    )
    assert cli.error("follow", "test", "eu") == (
        "Error: no follow named 'eu' in the config (known: jp)"
    )
    assert cli.config.read_text() == before


def test_follow_add_begins_the_alerts_now_and_list_shows_their_health(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TIMELINE_DATABASE__URL", cli.env["TIMELINE_DATABASE__URL"])
    with Timeline.open(load_settings(cli.config)) as tl:
        tl.append([in_force(subject="jp/before")])
    add_jp(cli)
    with Timeline.open(load_settings(cli.config)) as tl:
        tl.append([in_force(subject="jp/after")])
        assert bootstrap.alerts(tl).scan() == 1  # not the one recorded before `add`
    [row] = json.loads(cli.ok("follow", "list", "--format", "json"))
    assert (row["follow"], row["alerts"], row["waiting"], row["failing"]) == ("jp", 1, 1, 0)
    assert row["last_alert_at"] is not None
    assert row["next_retry_at"] is None


def test_follow_test_sends_to_every_endpoint_and_fails_without_the_secret(
    cli: Cli, receiver: Receiver, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_jp(cli, "--webhook", receiver.url, "--secret-env", SECRET_VARIABLE)
    out = cli.ok("follow", "test", "jp")
    assert f"webhook {receiver.url}: sent (204)" in out
    assert "email ana@example.org: sent (<alerts.jp." in out
    [got] = receiver.received
    assert got.verified
    assert got.json["type"] == "test"
    [mail] = smtp.handler.to("ana@example.org")
    assert mail.message["Subject"].startswith("[timeline] Test: jp: 1 alert")
    monkeypatch.delenv(SECRET_VARIABLE)
    result = cli("follow", "test", "jp")
    assert result.exit_code == 1
    assert f"webhook {receiver.url}: failed ({SECRET_VARIABLE} is not set" in result.stdout


def test_api_status_shows_the_follows(database_url: str) -> None:
    follows = [{"name": "jp", "jurisdictions": ["JP"], "to": ["ana@example.org"]}]
    settings = web_settings(database_url, follows=follows)
    with Timeline.open(settings) as tl:
        tl.init()
        tl.start_follow("jp")
        tl.append([in_force()])
        bootstrap.alerts(tl).scan()
    with TestClient(create_app(settings)) as client:
        status = client.get("/api/status").json()
    [row] = status["follows"]
    assert (row["follow"], row["jurisdictions"], row["alerts"], row["waiting"]) == (
        "jp",
        ["JP"],
        1,
        1,
    )
