"""Sending through a real SMTP server (aiosmtpd on 127.0.0.1), on both backends: what
arrives, exactly once per recipient, failures recorded and retried with backoff."""

from __future__ import annotations

import datetime as dt
import ssl
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import trustme

from tests.digest.conftest import WEEK, Clock, at, record_week
from tests.digest.smtp import SmtpServer
from timeline.app import Timeline
from timeline.bootstrap import background_jobs, digests
from timeline.digest.render import message_id
from timeline.errors import ConfigError

MakeTimeline = Callable[..., tuple[Timeline, Clock]]
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
A, B, C = "ana@x.example", "ben@x.example", "cleo@x.example"


def _list(*recipients: str, **more: object) -> list[dict[str, object]]:
    return [{"name": "weekly", "recipients": list(recipients)} | more]


def _job(tl: Timeline, name: str) -> Callable[[], object]:
    [job] = [j for j in background_jobs(tl) if j.name == name]
    return job.run


def _statuses(tl: Timeline) -> dict[str, str]:
    return {d.recipient: d.status for d in tl.store.digest_ledger.deliveries(WEEK)}


def test_the_digest_arrives_whole_once_per_recipient(
    make_timeline: MakeTimeline, smtp: SmtpServer
) -> None:
    tl, clock = make_timeline(lists=_list(A, B, subject_prefix="[AI watch]"))
    record_week(tl, clock)
    clock.now = at(22, 9)
    [run] = digests(tl).send(WEEK)
    assert [(d.recipient, d.outcome) for d in run.deliveries] == [(A, "sent"), (B, "sent")]

    received = smtp.handler.received
    assert [r.rcpt_tos for r in received] == [[A], [B]]  # one transaction each
    for arrived, recipient in zip(received, (A, B), strict=True):
        assert arrived.mail_from == "digest@timeline.example"
        message = arrived.message
        assert message["Subject"] == (
            "[AI watch] Weekly digest 2026-W25: 4 new events, 2 correction(s)"
        )
        assert message["From"] == "digest@timeline.example"
        assert message["To"] == recipient
        assert message["Date"].datetime == at(22, 9)
        assert message["Message-ID"] == message_id(
            WEEK, "weekly", recipient, "digest@timeline.example"
        )
        assert message.get_content_type() == "multipart/alternative"
        plain = message.get_body(("plain",))
        html = message.get_body(("html",))
        assert plain is not None
        assert html is not None
        text, markup = plain.get_content(), html.get_content()
        assert "- AI Promotion Act [in force], effective 2026-06-18" in text
        assert "source: Test Gazette: A report <https://news.example/a>" in text
        assert "[RETRACTION] AI adoption (JP)" in text
        assert "- Robot Act (EU): 2026-07-10 -> 2026-07-15, postponed" in text
        assert "AI Promotion Act: adopted -> in force" in text
        assert "- 2026-07-15: Robot Act [in force] (EU)" in text
        assert "adopted -&gt; in force" in markup
        assert "<script" not in markup
        assert "&lt;script&gt;" in markup
        [image] = [p for p in message.walk() if p.get_content_type() == "image/png"]
        assert image.get_content().startswith(PNG_MAGIC)
        assert image["Content-Disposition"].startswith("inline")
        cid = image["Content-ID"].strip("<>")
        assert f'src="cid:{cid}"' in markup
        related = next(p for p in message.walk() if p.get_content_type() == "multipart/related")
        assert [p.get_content_type() for p in related.iter_parts()] == ["text/html", "image/png"]
    assert _statuses(tl) == {A: "sent", B: "sent"}

    # Twice: nothing more is sent.
    clock.now = at(22, 10)
    [again] = digests(tl).send(WEEK)
    assert [d.outcome for d in again.deliveries] == ["already sent", "already sent"]
    assert len(smtp.handler.received) == 2


def test_server_down_then_up_sends_once_later_with_backoff(
    make_timeline: MakeTimeline, smtp: SmtpServer
) -> None:
    tl, clock = make_timeline(lists=_list(A, B), retry_backoff=300, retry_ceiling=500)
    record_week(tl, clock)
    smtp.stop()
    clock.now = start = at(22, 9)
    [run] = digests(tl).send(WEEK)
    assert [d.outcome for d in run.deliveries] == ["failed", "failed"]
    assert "unreachable" in run.deliveries[0].detail
    rows = tl.store.digest_ledger.deliveries(WEEK)
    assert {(r.status, r.attempts, r.next_attempt_at, r.sent_at) for r in rows} == {
        ("failed", 1, start + dt.timedelta(seconds=300), None)
    }

    retry = _job(tl, "digest.retry")
    clock.now = start + dt.timedelta(seconds=299)
    retry()  # not due yet, and the server is still down anyway
    assert {r.attempts for r in tl.store.digest_ledger.deliveries(WEEK)} == {1}

    clock.now = start + dt.timedelta(seconds=300)
    retry()  # due, still down: the wait doubles, up to the ceiling
    rows = tl.store.digest_ledger.deliveries(WEEK)
    assert {(r.attempts, r.next_attempt_at) for r in rows} == {
        (2, clock.now + dt.timedelta(seconds=500))
    }

    smtp.start()
    clock.now += dt.timedelta(seconds=500)
    retry()
    assert sorted(r.rcpt_tos[0] for r in smtp.handler.received) == [A, B]
    assert _statuses(tl) == {A: "sent", B: "sent"}
    clock.now += dt.timedelta(days=1)
    retry()
    digests(tl).send(WEEK)
    assert len(smtp.handler.received) == 2


def test_a_refused_recipient_does_not_stop_the_others(
    make_timeline: MakeTimeline, smtp: SmtpServer
) -> None:
    tl, clock = make_timeline(lists=_list(A, B, C))
    record_week(tl, clock)
    smtp.handler.refuse = {
        B: "550 5.1.1 <ben@x.example>: no such mailbox",
        C: "451 4.7.1 greylisted, try later",
    }
    clock.now = start = at(22, 9)
    [run] = digests(tl).send(WEEK)
    assert [(d.recipient, d.outcome) for d in run.deliveries] == [
        (A, "sent"),
        (B, "refused"),
        (C, "failed"),
    ]
    assert [r.rcpt_tos for r in smtp.handler.received] == [[A]]
    rows = {r.recipient: r for r in tl.store.digest_ledger.deliveries(WEEK)}
    assert rows[B].status == "refused"
    assert rows[B].last_error == "ben@x.example refused: 550 5.1.1 <ben@x.example>: no such mailbox"
    assert rows[B].next_attempt_at is None  # a 5xx is final: the daemon leaves it
    assert rows[C].status == "failed"
    assert rows[C].last_error == "cleo@x.example refused: 451 4.7.1 greylisted, try later"
    assert rows[C].next_attempt_at == start + dt.timedelta(seconds=300)

    smtp.handler.refuse = {}
    clock.now = start + dt.timedelta(hours=1)
    _job(tl, "digest.retry")()
    assert [r.rcpt_tos for r in smtp.handler.received] == [[A], [C]]
    assert _statuses(tl) == {A: "sent", B: "refused", C: "sent"}
    # A person fixing the mailbox and sending again gets it to B, still once.
    digests(tl).send(WEEK)
    assert [r.rcpt_tos for r in smtp.handler.received] == [[A], [C], [B]]
    assert _statuses(tl) == {A: "sent", B: "sent", C: "sent"}


def test_empty_weeks_send_a_short_digest_or_nothing(
    make_timeline: MakeTimeline, smtp: SmtpServer
) -> None:
    tl, clock = make_timeline(lists=_list(A))
    record_week(tl, clock)
    clock.now = at(7, month=7)
    digests(tl).send("2026-W26")
    [arrived] = smtp.handler.received
    assert arrived.message["Subject"] == "[timeline] Weekly digest 2026-W26: nothing new"
    assert not [p for p in arrived.message.walk() if p.get_content_maintype() == "image"]

    skipping, clock2 = make_timeline(lists=_list(B), skip_empty_weeks=True)
    clock2.now = at(14, month=7)
    [run] = digests(skipping).send("2026-W27")
    assert run.skipped_empty
    assert run.deliveries == []
    assert len(smtp.handler.received) == 1
    assert skipping.store.digest_ledger.issue("2026-W27", "weekly").skipped  # type: ignore[union-attr]


def test_two_senders_at_once_send_each_recipient_once(
    make_timeline: MakeTimeline, smtp: SmtpServer
) -> None:
    recipients = [f"r{n}@x.example" for n in range(8)]
    first, clock = make_timeline(lists=_list(*recipients))
    record_week(first, clock)
    second, clock2 = make_timeline(lists=_list(*recipients))
    clock.now = clock2.now = at(22, 9)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def send(tl: Timeline) -> None:
        try:
            barrier.wait()
            digests(tl).send(WEEK)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=send, args=(tl,)) for tl in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert sorted(r.rcpt_tos[0] for r in smtp.handler.received) == sorted(recipients)
    assert set(_statuses(first).values()) == {"sent"}


def test_a_delivery_abandoned_while_sending_is_retried_after_the_timeout(
    make_timeline: MakeTimeline, smtp: SmtpServer
) -> None:
    tl, clock = make_timeline(lists=_list(A, B), sending_timeout=60)
    record_week(tl, clock)
    clock.now = start = at(22, 9)
    [run] = digests(tl).send(WEEK, to=[A])
    assert [d.outcome for d in run.deliveries] == ["sent"]
    # A sender that claimed B and died before any outcome was recorded:
    tl.store.digest_ledger.add_recipients(
        WEEK, "weekly", at(21), {B: message_id(WEEK, "weekly", B, "x@y")}
    )
    timeout = dt.timedelta(seconds=60)
    assert tl.store.digest_ledger.claim((WEEK, "weekly", B), sending_timeout=timeout) is not None
    [run] = digests(tl).send(WEEK)
    assert [(d.recipient, d.outcome) for d in run.deliveries] == [
        (A, "already sent"),
        (B, "in progress"),
    ]
    clock.now = start + dt.timedelta(seconds=61)
    _job(tl, "digest.retry")()
    assert [r.rcpt_tos for r in smtp.handler.received] == [[A], [B]]
    assert smtp.handler.received[1].message["Message-ID"] == message_id(WEEK, "weekly", B, "x@y")
    assert [d.attempts for d in tl.store.digest_ledger.deliveries(WEEK)] == [1, 2]


def test_the_weekly_job_sends_the_last_complete_week_and_a_missed_one_is_caught_up(
    make_timeline: MakeTimeline, smtp: SmtpServer
) -> None:
    tl, clock = make_timeline(lists=_list(A))
    record_week(tl, clock)
    clock.now = at(22, 6)  # Monday 08:00 in Brussels: the schedule's time
    _job(tl, "digest.weekly")()
    [arrived] = smtp.handler.received
    assert "Weekly digest 2026-W25" in arrived.message["Subject"]

    # A daemon that was down on Monday morning sends the week as soon as it runs.
    late, late_clock = make_timeline(lists=[{"name": "late", "recipients": [B]}])
    late_clock.now = at(22, 5) + dt.timedelta(minutes=59)  # 07:59 in Brussels: not yet
    _job(late, "digest.retry")()
    assert len(smtp.handler.received) == 1
    late_clock.now = at(23, 15)
    _job(late, "digest.retry")()
    assert [r.rcpt_tos for r in smtp.handler.received] == [[A], [B]]
    _job(late, "digest.retry")()
    assert len(smtp.handler.received) == 2


# The test server takes a login without TLS: it listens on 127.0.0.1 only.
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_the_login_uses_the_password_from_the_environment_only(
    make_timeline: MakeTimeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    with SmtpServer(login=("digest", "s3cret")) as server:
        tl, clock = make_timeline(lists=_list(A))
        tl.settings = tl.settings.model_copy(
            update={
                "smtp": tl.settings.smtp.model_copy(update={"port": server.port, "user": "digest"})
            }
        )
        record_week(tl, clock)
        clock.now = at(22, 9)
        monkeypatch.delenv("TIMELINE_SMTP_PASSWORD", raising=False)
        with pytest.raises(
            ConfigError, match=r"smtp.user is set but TIMELINE_SMTP_PASSWORD is not"
        ):
            digests(tl).send(WEEK)

        monkeypatch.setenv("TIMELINE_SMTP_PASSWORD", "wrong")
        [run] = digests(tl).send(WEEK)
        assert [(d.outcome, d.detail[:17]) for d in run.deliveries] == [
            ("failed", "server said: 535 ")  # a refused login is retried, not given up
        ]
        assert server.handler.received == []

        monkeypatch.setenv("TIMELINE_SMTP_PASSWORD", "s3cret")
        [run] = digests(tl).send(WEEK)
        assert [d.outcome for d in run.deliveries] == ["sent"]
        assert [r.rcpt_tos for r in server.handler.received] == [[A]]


# -- TLS: a real handshake with a certificate signed by a test CA -----------------


@pytest.fixture(scope="module")
def test_ca() -> trustme.CA:
    return trustme.CA()


def _server_context(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    return context


def _with_smtp(tl: Timeline, **changes: Any) -> None:
    """As if the config were edited and the command run again."""
    tl.settings = tl.settings.model_copy(
        update={"smtp": tl.settings.smtp.model_copy(update=changes)}
    )


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_tls_is_used_and_the_certificate_checked(
    make_timeline: MakeTimeline, test_ca: trustme.CA, tmp_path: Path, security: str
) -> None:
    server_tls = _server_context(test_ca)
    mode = {"starttls": server_tls} if security == "starttls" else {"implicit_tls": server_tls}
    with SmtpServer(**mode) as server:
        tl, clock = make_timeline(lists=_list(A))
        record_week(tl, clock)
        clock.now = at(22, 9)

        # Our CA is not in the system store: the handshake fails, nothing is sent,
        # and the delivery stays due for a retry.
        _with_smtp(tl, port=server.port, security=security)
        [run] = digests(tl).send(WEEK)
        [delivery] = run.deliveries
        assert delivery.outcome == "failed"
        assert "CERTIFICATE_VERIFY_FAILED" in delivery.detail
        assert server.handler.received == []

        ca_file = tmp_path / "ca.pem"
        test_ca.cert_pem.write_to_path(str(ca_file))
        _with_smtp(tl, ca_file=str(ca_file))
        [run] = digests(tl).send(WEEK)
        assert [d.outcome for d in run.deliveries] == ["sent"]
        [received] = server.handler.received
        assert received.rcpt_tos == [A]
        assert received.message["Subject"]


def test_a_plain_connection_to_a_server_requiring_starttls_is_refused(
    make_timeline: MakeTimeline, test_ca: trustme.CA
) -> None:
    with SmtpServer(starttls=_server_context(test_ca)) as server:
        tl, clock = make_timeline(lists=_list(A))
        record_week(tl, clock)
        clock.now = at(22, 9)
        _with_smtp(tl, port=server.port, security="none")
        [run] = digests(tl).send(WEEK)
        [delivery] = run.deliveries
        assert delivery.outcome != "sent"
        assert "530" in delivery.detail
        assert server.handler.received == []


def test_an_unreadable_ca_file_stops_the_run_before_anything_is_claimed(
    make_timeline: MakeTimeline, smtp: SmtpServer, tmp_path: Path
) -> None:
    tl, clock = make_timeline(lists=_list(A))
    record_week(tl, clock)
    clock.now = at(22, 9)
    _with_smtp(tl, ca_file=str(tmp_path / "missing.pem"))
    with pytest.raises(ConfigError, match=r"smtp.ca_file '.*missing.pem': No such file"):
        digests(tl).send(WEEK)
    assert tl.store.digest_ledger.deliveries() == []
    assert smtp.handler.received == []
