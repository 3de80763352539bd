"""Webhooks to a real receiver on 127.0.0.1 that verifies them with the Standard
Webhooks library: signed, retried with backoff while the receiver is down, delivered
once with the same webhook-id; on both backends."""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Callable

import pytest
from standardwebhooks.webhooks import Webhook

from tests.alerts.conftest import SECRET_VARIABLE, Harness, follow
from tests.alerts.receiver import Receiver, new_secret
from tests.factories import in_force
from timeline.alerts.deliver import retry_delay
from timeline.alerts.webhook import secret_bytes, signature
from timeline.errors import ConfigError
from timeline.settings import AlertSettings

Make = Callable[..., Harness]


def test_the_signature_is_the_one_the_standard_webhooks_library_makes() -> None:
    secret = new_secret()
    body = '{"type":"fact.recorded"}'
    ours = signature(secret_bytes(secret, "X"), "msg_1", 1674087231, body.encode())
    theirs = Webhook(secret).sign("msg_1", dt.datetime.fromtimestamp(1674087231, dt.UTC), body)
    assert ours == theirs


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("abc", "X: a webhook secret starts with whsec_"),
        ("whsec_!!!", "X: the part after whsec_ is not base64"),
        ("whsec_" + base64.b64encode(b"short").decode(), "X: a webhook secret holds at least 24"),
    ],
)
def test_a_malformed_secret_is_named(value: str, problem: str) -> None:
    with pytest.raises(ConfigError, match=problem):
        secret_bytes(value, "X")


def test_each_alert_is_posted_signed_and_verified_by_the_receiver(
    make_harness: Make, receiver: Receiver
) -> None:
    h = make_harness([follow("jp", jurisdictions=["JP"], webhook=receiver.url)])
    h.alerts.scan()
    event = h.tl.append([in_force()]).events[0]
    outcomes = h.alerts.run()
    assert [o.outcome for o in outcomes] == ["sent"]
    [got] = receiver.received
    assert got.verified, got.error
    assert got.json["type"] == "fact.recorded"
    assert got.json["data"]["fact"]["id"] == event.id
    assert got.json["data"]["fact"]["sources"][0]["url"] == "https://news.example/a"
    [alert] = h.tl.store.alert_ledger.alerts()
    assert got.webhook_id == alert.webhook_id
    assert got.body == alert.body.encode()  # the bytes signed are the bytes sent
    assert h.alerts.run() == []  # delivered once
    assert [d.status for d in h.tl.store.alert_ledger.deliveries()] == ["sent"]


def test_a_wrong_secret_fails_verification(
    make_harness: Make, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SECRET_VARIABLE, new_secret())  # not the receiver's
    h = make_harness([follow("jp", webhook=receiver.url)])
    h.alerts.scan()
    h.tl.append([in_force()])
    [outcome] = h.alerts.run()
    [got] = receiver.received
    assert not got.verified
    assert got.error == "No matching signature found"
    assert (outcome.outcome, outcome.detail) == ("failed", f"{receiver.url} answered 401")


def test_a_receiver_down_then_up_gets_the_alert_once_later_with_the_same_id(
    make_harness: Make, secret: str
) -> None:
    down = Receiver(secret)  # not started: nothing listens on its port yet
    h = make_harness([follow("jp", webhook=down.url)], retry_backoff=60, retry_ceiling=600)
    h.alerts.scan()
    h.tl.append([in_force()])
    [first] = h.alerts.run()
    assert first.outcome == "failed"
    assert "ConnectError" in first.detail
    [delivery] = h.tl.store.alert_ledger.deliveries()
    assert delivery.next_attempt_at == h.clock.now + dt.timedelta(seconds=60)
    [health] = h.tl.follow_status()
    assert health.as_dict()["failing"] == 1
    assert health.as_dict()["last_error"] == first.detail

    with down:  # now up
        assert h.later(seconds=59).alerts.run() == []  # not due before its backoff
        [second] = h.later(seconds=1).alerts.run()
        assert second.outcome == "sent"
        assert h.later(seconds=3600).alerts.run() == []
    [got] = down.received
    assert got.verified
    assert got.webhook_id == h.tl.store.alert_ledger.alerts()[0].webhook_id
    [delivery] = h.tl.store.alert_ledger.deliveries()
    assert (delivery.status, delivery.attempts) == ("sent", 2)
    assert h.tl.follow_status()[0].as_dict()["failing"] == 0


def test_failures_back_off_doubling_up_to_the_ceiling_with_jitter() -> None:
    settings = AlertSettings(retry_backoff=30, retry_ceiling=200, jitter=0.1)
    assert [retry_delay(n, settings).total_seconds() for n in (1, 2, 3, 4, 5)] == [
        30,
        60,
        120,
        200,
        200,
    ]
    assert retry_delay(1, settings, rand=0.0).total_seconds() == pytest.approx(27)
    assert retry_delay(1, settings, rand=0.999).total_seconds() == pytest.approx(33, abs=0.1)
    assert retry_delay(1, settings, asked=100).total_seconds() == 100  # Retry-After
    assert retry_delay(1, settings, asked=10_000).total_seconds() == 200


def test_retry_after_and_gone_are_respected(make_harness: Make, receiver: Receiver) -> None:
    receiver.status, receiver.headers = 503, {"Retry-After": "120"}
    h = make_harness([follow("jp", webhook=receiver.url)], retry_backoff=5)
    h.alerts.scan()
    h.tl.append([in_force()])
    h.alerts.run()
    [delivery] = h.tl.store.alert_ledger.deliveries()
    assert delivery.next_attempt_at == h.clock.now + dt.timedelta(seconds=120)
    receiver.status, receiver.headers = 410, {}
    [gone] = h.later(seconds=120).alerts.run()
    assert gone.outcome == "refused"
    assert h.later(days=30).alerts.run() == []  # not retried
    assert h.tl.follow_status()[0].as_dict()["refused"] == 1


def test_a_missing_secret_is_a_failure_shown_in_the_status(
    make_harness: Make, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(SECRET_VARIABLE)
    h = make_harness([follow("jp", webhook=receiver.url)])
    h.alerts.scan()
    h.tl.append([in_force()])
    [outcome] = h.alerts.run()
    assert outcome.outcome == "failed"
    assert receiver.received == []
    status = h.tl.follow_status()[0].as_dict()
    assert status["last_error"] == (
        f"{SECRET_VARIABLE} is not set (the webhook's whsec_... secret)"
    )
    assert status["next_retry_at"] is not None


def test_a_claim_left_by_a_dead_sender_is_taken_again_after_the_sending_timeout(
    make_harness: Make, receiver: Receiver
) -> None:
    h = make_harness([follow("jp", webhook=receiver.url)], sending_timeout=30)
    h.alerts.scan()
    h.tl.append([in_force()])
    h.alerts.scan()
    ledger = h.tl.store.alert_ledger
    [(claimed, _)] = ledger.claim("webhook", sending_timeout=dt.timedelta(seconds=30))
    assert claimed.status == "sending"  # and then the sender died
    assert h.later(seconds=29).alerts.run() == []
    [outcome] = h.later(seconds=2).alerts.run()
    assert outcome.outcome == "sent"
    assert [d.attempts for d in ledger.deliveries()] == [2]


def test_two_senders_never_take_the_same_delivery(make_harness: Make, receiver: Receiver) -> None:
    h = make_harness([follow("jp", webhook=receiver.url)])
    other = make_harness([follow("jp", webhook=receiver.url)])
    h.alerts.scan()
    h.tl.append([in_force(subject=f"jp/act-{n}") for n in range(5)])
    h.alerts.scan()
    timeout = dt.timedelta(seconds=30)
    first = h.tl.store.alert_ledger.claim("webhook", sending_timeout=timeout, limit=3)
    second = other.tl.store.alert_ledger.claim("webhook", sending_timeout=timeout)
    assert len(first) == 3
    assert len(second) == 2
    assert not {d.key for d, _ in first} & {d.key for d, _ in second}


def test_a_round_posts_every_due_alert_claiming_a_few_at_a_time(
    make_harness: Make, receiver: Receiver
) -> None:
    # 30 s of sending timeout over 2 x 5 s of webhook timeout: three per claim.
    h = make_harness([follow("jp", webhook=receiver.url)], sending_timeout=30, webhook_timeout=5)
    h.alerts.scan()
    h.tl.append([in_force(subject=f"jp/act-{n}") for n in range(7)])
    outcomes = h.alerts.run()
    assert [o.outcome for o in outcomes] == ["sent"] * 7
    assert len(set(receiver.ids())) == 7
    assert all(got.verified for got in receiver.received)
