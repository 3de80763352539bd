"""Alert emails through a real SMTP server (aiosmtpd) on 127.0.0.1: one message per
follow and address with every alert waiting, text and HTML, each citing its sources;
on both backends."""

from __future__ import annotations

from collections.abc import Callable

from tests.alerts.conftest import Harness, follow
from tests.digest.smtp import SmtpServer
from tests.factories import in_force
from timeline.bootstrap import background_jobs

Make = Callable[..., Harness]
TO = ["ana@example.org", "ben@example.org"]


def test_the_alerts_waiting_go_out_as_one_message_per_address(
    make_harness: Make, smtp: SmtpServer
) -> None:
    h = make_harness([follow("jp", jurisdictions=["JP"], to=TO)])
    h.alerts.scan()
    event = h.tl.append([in_force(effective="2026-09-01")]).events[0]
    h.later(seconds=1).tl.correct(event.id, {"effective": "2026-10-01"}, "cabinet order")
    assert h.alerts.run() == []  # the frequent job sends webhooks only
    assert smtp.handler.received == []

    outcomes = h.alerts.emails()
    assert sorted((o.endpoint, o.outcome, o.alerts) for o in outcomes) == [
        ("ana@example.org", "sent", 2),
        ("ben@example.org", "sent", 2),
    ]
    [message] = [m.message for m in smtp.handler.to("ana@example.org")]
    assert message["Subject"] == "[timeline] jp: 2 alerts"
    assert message["To"] == "ana@example.org"
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    html = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert "- RECORDED: AI Promotion Act (JP), 2026-09-01" in text
    assert "- POSTPONED: AI Promotion Act (JP), 2026-09-01 -> 2026-10-01" in text
    assert "  reason: cabinet order" in text
    assert text.count("source: Test Gazette: A report <https://news.example/a>") == 2
    assert html.count('<a href="https://news.example/a">Test Gazette: A report</a>') == 2
    assert "<s>2026-09-01</s>" in html
    assert len(smtp.handler.to("ben@example.org")) == 1

    assert h.alerts.emails() == []  # each alert reaches each address once
    h.tl.append([in_force(subject="jp/next", title="Next Act")])
    h.alerts.scan()
    [one, _] = h.alerts.emails()
    assert one.alerts == 1
    latest = smtp.handler.to("ana@example.org")[-1].message
    assert latest["Subject"] == "[timeline] jp: 1 alert: Next Act recorded"


def test_html_is_escaped(make_harness: Make, smtp: SmtpServer) -> None:
    h = make_harness([follow("jp", to=TO[:1])])
    h.alerts.scan()
    h.tl.append([in_force(title="<script>alert(1)</script>")])
    h.alerts.scan()
    h.alerts.emails()
    html = smtp.handler.received[0].message.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_a_refused_address_is_given_up_and_a_deferred_one_retried(
    make_harness: Make, smtp: SmtpServer
) -> None:
    smtp.handler.refuse = {
        "ana@example.org": "550 5.1.1 no such user",
        "ben@example.org": "451 4.3.0 try later",
    }
    h = make_harness([follow("jp", to=TO)], retry_backoff=60)
    h.alerts.scan()
    h.tl.append([in_force()])
    h.alerts.scan()
    outcomes = {o.endpoint: o.outcome for o in h.alerts.emails()}
    assert outcomes == {"ana@example.org": "refused", "ben@example.org": "failed"}
    smtp.handler.refuse = {}
    assert h.later(seconds=30).alerts.emails() == []
    [retried] = h.later(seconds=30).alerts.emails()
    assert (retried.endpoint, retried.outcome) == ("ben@example.org", "sent")
    assert smtp.handler.to("ana@example.org") == []
    status = h.tl.follow_status()[0].as_dict()
    assert (status["refused"], status["failing"], status["waiting"]) == (1, 0, 0)
    assert status["last_error"] == "ana@example.org refused: 550 5.1.1 no such user"


def test_the_daemon_runs_the_scan_every_poll_and_the_email_every_batch(
    make_harness: Make,
) -> None:
    h = make_harness([follow("jp", to=TO)], poll_seconds=7, batch_minutes=20)
    jobs = {job.name: job for job in background_jobs(h.tl)}
    assert jobs["alerts.scan"].every_seconds == 7
    assert jobs["alerts.email"].every_seconds == 20 * 60
    h.alerts.scan()
    h.tl.append([in_force()])
    jobs["alerts.scan"].run()
    jobs["alerts.email"].run()
    assert [d.status for d in h.tl.store.alert_ledger.deliveries()] == ["sent", "sent"]
