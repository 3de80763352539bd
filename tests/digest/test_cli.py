"""`timeline digest` end to end: files written by --preview, --send through a real SMTP
server, one-line errors, a sender killed with SIGKILL mid-send, the daemon's schedule,
and the HTML rendered by a real browser."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from email import policy
from email.parser import BytesParser
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.cli.test_cli import Cli
from tests.daemon_process import Daemon
from tests.digest.conftest import WEEK, Clock, at, record_week
from tests.digest.smtp import SmtpServer
from tests.projections.conftest import PROJECTIONS
from timeline.app import Timeline
from timeline.settings import Settings
from timeline.store import open_store
from timeline.store.sql.events import SqlEventStore

REPO_ROOT = Path(__file__).resolve().parents[2]
A, B, C = "ana@x.example", "ben@x.example", "cleo@x.example"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def write_config(
    path: Path, database_url: str, port: int, recipients: list[str], **digest: object
) -> Path:
    extra = "".join(f"{k} = {json.dumps(v)}\n" for k, v in digest.items())
    path.write_text(
        f"[database]\nurl = {json.dumps(database_url)}\n\n"
        f"[projections]\npath = {json.dumps(str(PROJECTIONS))}\n\n"
        '[digest]\ntimezone = "Europe/Brussels"\n' + extra + "\n"
        '[[digest.lists]]\nname = "weekly"\n'
        f"recipients = {json.dumps(recipients)}\n\n"
        f'[smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\ntimeout = 1.0\n'
        'sender = "digest@timeline.example"\n'
    )
    return path


@pytest.fixture
def recorded(database_url: str) -> str:
    """The week's events, recorded in June 2026 by a clock set back; then the CLI runs
    with the real clock, long after the week."""
    store = open_store(database_url)
    store.initialise()
    assert isinstance(store, SqlEventStore)
    clock = Clock(at(10))
    store.clock = clock
    tl = Timeline(store, Settings(), projections=PROJECTIONS)
    record_week(tl, clock)
    tl.close()
    return database_url


@pytest.fixture
def cli(recorded: str, tmp_path: Path, smtp: SmtpServer) -> Cli:
    runner = Cli(recorded, tmp_path)
    write_config(runner.config, recorded, smtp.port, [A, B])
    del runner.env["TIMELINE_DATABASE__URL"]
    return runner


def test_preview_writes_the_eml_html_text_and_chart(cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "preview"
    stdout = cli.ok("digest", "--week", WEEK, "--preview", str(out), "--to", "x@y.example")
    assert stdout == (
        f"wrote '[timeline] Weekly digest 2026-W25: 4 new events, 2 correction(s)' to {out}\n"
    )
    assert sorted(p.name for p in out.iterdir()) == [
        "chart.png",
        "digest.eml",
        "digest.html",
        "digest.txt",
    ]
    assert (out / "chart.png").read_bytes().startswith(PNG_MAGIC)
    html = (out / "digest.html").read_text()
    assert 'src="chart.png"' in html
    assert "cid:" not in html
    text = (out / "digest.txt").read_text()
    assert "- AI Promotion Act [in force], effective 2026-06-18" in text
    message = BytesParser(policy=policy.default).parsebytes((out / "digest.eml").read_bytes())
    assert message["To"] == "x@y.example"
    assert message["From"] == "digest@timeline.example"
    assert message["Message-ID"]
    plain = message.get_body(("plain",))
    assert plain is not None
    assert plain.get_content().replace("\r\n", "\n") == text
    [image] = [p for p in message.walk() if p.get_content_type() == "image/png"]
    assert image.get_content() == (out / "chart.png").read_bytes()

    known_now = tmp_path / "now"
    cli.ok("digest", "--week", WEEK, "--preview", str(known_now), "--as-known-now")
    assert "LEARNED SINCE THE WEEK ENDED (0)" in (known_now / "digest.txt").read_text()


def test_send_sends_once_and_says_so(cli: Cli, smtp: SmtpServer) -> None:
    assert cli.ok("digest", "--week", WEEK, "--send") == (
        f"2026-W25 weekly {A}: sent\n2026-W25 weekly {B}: sent\n"
    )
    assert cli.ok("digest", "--week", WEEK, "--send", "--to", A) == (
        f"2026-W25 weekly {A}: already sent\n"
    )
    assert [r.rcpt_tos for r in smtp.handler.received] == [[A], [B]]


def test_day_one_previews_the_week_so_far(
    database_url: str, tmp_path: Path, smtp: SmtpServer
) -> None:
    """A fresh install: the curated events were recorded this week, so the last
    complete week has nothing new; the message says how to see the week so far."""
    cli = Cli(database_url, tmp_path)
    write_config(cli.config, database_url, smtp.port, [A])
    cli.ok("init")
    cli.ok("import", str(REPO_ROOT / "events"))
    count = len(cli.log_json())
    now = dt.datetime.now(ZoneInfo("Europe/Brussels"))
    iso = now.isocalendar()
    this_week = f"{iso.year}-W{iso.week:02d}"
    monday = (now - dt.timedelta(days=now.weekday())).date()
    last = now - dt.timedelta(days=7)
    last_week = f"{last.isocalendar().year}-W{last.isocalendar().week:02d}"

    result = cli("digest", "--preview", str(tmp_path / "last"))
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        f"wrote '[timeline] Weekly digest {last_week}: nothing new' to {tmp_path / 'last'}\n"
    )
    assert result.stderr.endswith(
        f"nothing new in {last_week}; for what was recorded since Monday, preview the week so "
        "far: timeline digest --preview DIR --week-so-far\n"
    )
    out = tmp_path / "so-far"
    result = cli("digest", "--preview", str(out), "--week-so-far")
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        f"wrote '[timeline] Weekly digest {this_week}, week so far ({monday} .. {now.date()}): "
        f"{count} new events' to {out}\n"
    )
    assert "nothing new" not in result.stderr
    text = (out / "digest.txt").read_text()
    assert text.startswith(f"Weekly digest {this_week}, week so far ({monday} .. {now.date()}, ")
    assert f"RECORDED THIS WEEK ({count})" in text
    store = open_store(database_url)
    assert store.digest_ledger.issue(this_week, "weekly") is None  # a preview, never an issue
    store.close()
    assert smtp.handler.received == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--week", "2026-W60", "--send"],
            "Error: week: 2026 has weeks 1 to 53, not 60 ('2026-W60')",
        ),
        (
            ["--week", "foo", "--send"],
            "Error: week: expected an ISO week like 2026-W25, got 'foo'",
        ),
        (
            ["--week", "2999-W01", "--send"],
            "Error: week: 2999-W01 is not over yet (it ends 2999-01-07 00:00 "
            "Europe/Brussels); a digest covers a complete week",
        ),
        (
            ["--week", WEEK, "--send", "--list", "nope"],
            "Error: no digest list named 'nope' in the config (known: weekly)",
        ),
        (
            ["--week", WEEK, "--send", "--as-known-now"],
            "Error: --as-known-now is for --preview: "
            "a sent digest covers a finished week, as known at its end",
        ),
        (
            ["--send", "--week-so-far"],
            "Error: --week-so-far is for --preview: "
            "a sent digest covers a finished week, as known at its end",
        ),
        (
            ["--week", WEEK, "--preview", "out", "--week-so-far"],
            "Error: --week-so-far is the current week as known now: drop --week and --as-known-now",
        ),
        (
            ["--week", WEEK, "--send", "--to", "a@x.example\r\nBcc: all@x.example"],
            "Error: to: 'a@x.example\\r\\nBcc: all@x.example' is not an email address",
        ),
    ],
)
def test_bad_input_is_one_line_and_sends_nothing(
    cli: Cli, smtp: SmtpServer, args: list[str], message: str
) -> None:
    assert cli.error("digest", *args) == message
    assert smtp.handler.received == []


def test_preview_or_send_is_required(cli: Cli) -> None:
    result = cli("digest", "--week", WEEK)
    assert result.exit_code == 2
    assert "give exactly one of --preview DIR and --send" in result.output


def test_preview_into_a_file_is_a_one_line_error(cli: Cli, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert cli.error("digest", "--week", WEEK, "--preview", str(blocker)).startswith(
        f"Error: --preview {blocker}: "
    )


def test_a_down_mail_server_is_one_line_and_nothing_is_marked_sent(
    cli: Cli, smtp: SmtpServer, recorded: str
) -> None:
    smtp.stop()
    result = cli("digest", "--week", WEEK, "--send")
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    # stderr: the log's JSON records of each failure (as the daemon logs them), then one
    # line for the person at the terminal.
    *records, line = result.stderr.strip().splitlines()
    assert [json.loads(r)["event"] for r in records] == ["digest.delivery_failed"] * 2
    assert line.startswith(f"Error: 2 of 2 digest(s) not delivered, first: {A}: mail server ")
    assert line.endswith("recorded in the ledger, the daemon retries failed ones")
    with Timeline.open(Settings(database={"url": recorded})) as tl:
        assert {d.status for d in tl.store.digest_ledger.deliveries(WEEK)} == {"failed"}
    smtp.start()
    cli.ok("digest", "--week", WEEK, "--send")
    assert [r.rcpt_tos for r in smtp.handler.received] == [[A], [B]]


# -- a sender killed in the middle ------------------------------------------------------


def _send_process(config: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "timeline",
            "--config",
            str(config),
            "digest",
            "--week",
            WEEK,
            "--send",
        ],
        cwd=REPO_ROOT,
        env=dict(os.environ) | {"TIMELINE_LOGGING__FORMAT": "json"},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_until_held(smtp: SmtpServer, sender: subprocess.Popen[str]) -> None:
    """Until the server holds the second recipient; a sender that exits first fails
    the test with its own words, not a time-out."""
    deadline = time.monotonic() + 120  # a loaded 2-core machine starts Python slowly
    while not smtp.handler.held.wait(0.5):
        if sender.poll() is not None:
            _, stderr = sender.communicate()
            pytest.fail(f"the sender exited {sender.returncode} first: {stderr[-2000:]}")
        if time.monotonic() > deadline:
            pytest.fail("the sender never reached the second recipient")


def _run(config: Path) -> str:
    process = _send_process(config)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 0, stderr
    return stdout


@pytest.mark.slow
@pytest.mark.parametrize("server_had_it", [False, True], ids=["before-250", "after-accept"])
def test_sigkill_mid_send_then_restart_sends_each_recipient_once(
    recorded: str, smtp: SmtpServer, tmp_path: Path, server_had_it: bool
) -> None:
    config = write_config(tmp_path / "send.toml", recorded, smtp.port, [A, B, C], sending_timeout=4)
    smtp.handler.hold_for = B
    smtp.handler.accept_before_hold = server_had_it
    sender = _send_process(config)
    try:
        _wait_until_held(smtp, sender)
        os.kill(sender.pid, signal.SIGKILL)
        sender.wait(30)
    finally:
        if sender.poll() is None:
            sender.kill()
    smtp.handler.hold_for = None
    smtp.handler.release.set()
    with Timeline.open(Settings(database={"url": recorded})) as tl:
        assert {d.recipient: d.status for d in tl.store.digest_ledger.deliveries(WEEK)} == {
            A: "sent",
            B: "sending",
            C: "pending",
        }

    # Restarted at once: A is done, B is still claimed by the dead sender, C goes out.
    assert _run(config) == (
        f"2026-W25 weekly {A}: already sent\n2026-W25 weekly {B}: in progress\n"
        f"2026-W25 weekly {C}: sent\n"
    )
    time.sleep(4.5)  # digest.sending_timeout: the dead sender's claim lapses
    assert _run(config).splitlines()[1] == f"2026-W25 weekly {B}: sent"
    assert _run(config).splitlines()[1] == f"2026-W25 weekly {B}: already sent"

    received = smtp.handler.received
    assert len(smtp.handler.to(A)) == 1
    assert len(smtp.handler.to(C)) == 1
    copies = smtp.handler.to(B)
    if server_had_it:
        # The window no protocol closes: the server took it, the sender died before
        # recording so.  B gets it twice, recognisably one message.
        assert len(copies) == 2
        assert copies[0].message["Message-ID"] == copies[1].message["Message-ID"]
    else:
        assert len(copies) == 1
    assert len(received) == 3 + server_had_it


# -- the daemon ---------------------------------------------------------------------------


def _next_monday_8(now: dt.datetime) -> dt.datetime:
    zone = ZoneInfo("Europe/Brussels")
    local = now.astimezone(zone)
    day = local.date() + dt.timedelta(days=(7 - local.weekday()) % 7)
    candidate = dt.datetime.combine(day, dt.time(8), tzinfo=zone)
    if candidate <= local:
        candidate += dt.timedelta(days=7)
    return candidate.astimezone(dt.UTC)


@pytest.mark.slow
def test_the_daemon_schedules_the_weekly_digest_at_the_configured_time(
    recorded: str, smtp: SmtpServer, tmp_path: Path
) -> None:
    config = write_config(tmp_path / "daemon.toml", recorded, smtp.port, [A])
    config.write_text(config.read_text() + "\n[daemon]\nlease_seconds = 2.0\nrenew_seconds = 0.5\n")
    started = dt.datetime.now(dt.UTC)
    daemon = Daemon(config, "digest")
    try:
        daemon.wait_for("daemon.active")
        scheduled = {
            line["job"]: line["next_run"]
            for line in daemon.events("daemon.job_scheduled")
            if line["job"].startswith("digest.")
        }
        assert daemon.terminate() == 0
    finally:
        daemon.stop()
    assert dt.datetime.fromisoformat(scheduled["digest.weekly"] or "") == _next_monday_8(started)
    retry_at = dt.datetime.fromisoformat(scheduled["digest.retry"] or "")
    assert started < retry_at <= started + dt.timedelta(seconds=330 + 5)


# -- a real browser -----------------------------------------------------------------------


def test_the_html_renders_in_chromium(cli: Cli, tmp_path: Path, chromium_path: str) -> None:
    from PIL import Image

    out = tmp_path / "preview"
    cli.ok("digest", "--week", WEEK, "--preview", str(out))
    shot = tmp_path / "shot.png"
    subprocess.run(
        [
            chromium_path,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            f"--screenshot={shot}",
            "--window-size=900,1600",
            (out / "digest.html").as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    image = Image.open(shot).convert("RGB")
    assert image.size == (900, 1600)
    colours = image.getcolors(maxcolors=1 << 20)
    assert colours is not None
    assert len(colours) > 50  # text, the header band, badges and the chart: not blank
    # The header band is drawn (dark blue near the top) and the chart image loaded:
    # its blue instrument dots appear below the header.
    header = image.getpixel((450, 40))
    assert header[2] > header[0] + 40
    dots = sum(1 for _count, (r, g, b) in colours if b > 180 and r < 60 and g < 110)
    assert dots > 0
