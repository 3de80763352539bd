"""Finding and delivering alerts through the ledger: what the daemon's alert jobs and
`timeline follow` call (`timeline.bootstrap.alerts` builds an `Alerts`).

Webhooks go out as soon as the alert is found (the `alerts.scan` job, every
`alerts.poll_seconds`); emails wait for the `alerts.email` job, every
`alerts.batch_minutes`, which sends each follow's waiting alerts to each
address as one message.  Both claim, send, then mark (`AlertLedger`).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from timeline.alerts.match import (
    Upcoming,
    endpoints,
    find_alerts,
    find_reminders,
    webhook_id,
)
from timeline.alerts.render import alert_email
from timeline.alerts.webhook import WebhookSender, secret_from_environment
from timeline.digest.send import DeliveryFailure, SmtpSender
from timeline.errors import ConfigError, TimelineError
from timeline.logging import get_logger
from timeline.settings import AlertSettings, FollowSettings, Settings
from timeline.store.base import (
    AlertChannel,
    AlertDelivery,
    AlertDeliveryKey,
    AlertLedger,
    AlertRecord,
    EventStore,
)

log = get_logger("timeline.alerts")

Outcome = Literal["sent", "failed", "refused"]
DEFAULT_SECRET_VARIABLE = "TIMELINE_WEBHOOK_SECRET"


@dataclass(frozen=True, slots=True)
class DeliveryOutcome:
    """What one send did: `alerts` alerts to one endpoint of one follow."""

    follow: str
    channel: AlertChannel
    endpoint: str
    outcome: Outcome
    alerts: int
    detail: str = ""


def retry_delay(
    attempts: int, settings: AlertSettings, *, asked: float | None = None, rand: float = 0.5
) -> dt.timedelta:
    """Doubling from `alerts.retry_backoff` after each failed attempt, never beyond
    `alerts.retry_ceiling`, spread by `alerts.jitter` (`rand` in [0, 1)), and no
    sooner than the receiver `asked` (Retry-After, itself capped by the ceiling)."""
    base = settings.retry_backoff * 2 ** max(attempts - 1, 0)
    spread = 1 + settings.jitter * (2 * rand - 1)
    seconds = min(base * spread, settings.retry_ceiling)
    if asked is not None:
        seconds = max(seconds, min(asked, settings.retry_ceiling))
    return dt.timedelta(seconds=seconds)


class Alerts:
    """The alerts of one timeline's follows, found in `store` and sent through its ledger.

    `upcoming` answers what takes effect soon (`Timeline.upcoming`); `clock` is
    "now" (the store's clock, so that tests moving it move reminders and retries)."""

    def __init__(
        self,
        store: EventStore,
        settings: Settings,
        upcoming: Upcoming,
        clock: Callable[[], dt.datetime],
    ) -> None:
        self.store = store
        self.settings = settings
        self.ledger: AlertLedger = store.alert_ledger
        self.upcoming = upcoming
        self.clock = clock
        self.sending_timeout = dt.timedelta(seconds=settings.alerts.sending_timeout)

    # -- finding -------------------------------------------------------------------
    def scan(self) -> int:
        """Record the alerts the log owes the follows since their cursors, and the
        reminders due today; returns how many were new."""
        follows = self.settings.follows
        if not follows:
            return 0
        new = 0
        while True:
            cursors = self.ledger.cursors([f.name for f in follows])
            found = find_alerts(self.store, follows, cursors)
            new += self.ledger.record(found.alerts, found.deliveries, found.cursors)
            if found.cursors == cursors:  # the end of the log
                break
        try:
            reminders = find_reminders(
                self.store,
                follows,
                now=self.clock(),
                remind_days=self.settings.alerts.remind_days,
                upcoming=self.upcoming,
            )
        except TimelineError as exc:  # no projections to ask: the other alerts still go
            log.warning("alerts.reminders_failed", error=str(exc))
        else:
            new += self.ledger.record(reminders.alerts, reminders.deliveries, {})
        if new:
            log.info("alerts.found", alerts=new)
        return new

    def run(self) -> list[DeliveryOutcome]:
        """The daemon's frequent job: find new alerts, then send the webhooks due."""
        self.scan()
        return self.webhooks()

    # -- webhooks --------------------------------------------------------------------
    def webhooks(self) -> list[DeliveryOutcome]:
        """Post every webhook delivery that is due, one alert per request.

        Claimed a few at a time, as many as can be posted within the sending
        timeout even if each waits out `alerts.webhook_timeout`, so that no claim
        looks abandoned while its sender is still at work."""
        settings = self.settings.alerts
        per_claim = max(1, int(settings.sending_timeout // (2 * settings.webhook_timeout)))
        outcomes: list[DeliveryOutcome] = []
        # A read first: a daemon with nothing due writes nothing every poll.
        if not self.ledger.due_endpoints("webhook", sending_timeout=self.sending_timeout):
            return outcomes
        with WebhookSender(settings.webhook_timeout) as sender:
            while claimed := self.ledger.claim(
                "webhook", sending_timeout=self.sending_timeout, limit=per_claim
            ):
                outcomes += [self._post(sender, delivery, alert) for delivery, alert in claimed]
        return outcomes

    def _post(
        self, sender: WebhookSender, delivery: AlertDelivery, alert: AlertRecord
    ) -> DeliveryOutcome:
        try:
            key = secret_from_environment(self._secret_variable(delivery.follow))
        except ConfigError as exc:
            return self._failed([delivery], str(exc), permanent=False)
        posted = sender.post(delivery.endpoint, key, alert.webhook_id, alert.body.encode())
        if not posted.ok:
            return self._failed(
                [delivery], posted.detail, permanent=posted.permanent, asked=posted.retry_after
            )
        return self._sent([delivery], posted.detail)

    def _secret_variable(self, follow: str) -> str:
        for configured in self.settings.follows:
            if configured.name == follow:
                return configured.secret_env
        return DEFAULT_SECRET_VARIABLE

    # -- email -----------------------------------------------------------------------
    def emails(self) -> list[DeliveryOutcome]:
        """Send each follow's waiting alerts to each of its addresses, one message each
        (each batch claimed just before it is sent)."""
        due = self.ledger.due_endpoints("email", sending_timeout=self.sending_timeout)
        if not due:
            return []
        outcomes = []
        with SmtpSender(self.settings.smtp) as smtp:
            for follow, address in due:
                batch = self.ledger.claim(
                    "email", sending_timeout=self.sending_timeout, to=(follow, address)
                )
                if batch:  # another sender may have taken it meanwhile
                    outcomes.append(self._mail(smtp, follow, address, batch))
        return outcomes

    def _mail(
        self,
        smtp: SmtpSender,
        follow: str,
        address: str,
        batch: Sequence[tuple[AlertDelivery, AlertRecord]],
    ) -> DeliveryOutcome:
        deliveries = [delivery for delivery, _ in batch]
        message = alert_email(
            follow, address, [alert for _, alert in batch], self.settings.smtp.sender, self.clock()
        )
        try:
            smtp.send(message, address)
        except DeliveryFailure as failure:
            return self._failed(deliveries, failure.reply, permanent=failure.permanent)
        return self._sent(deliveries, str(message["Message-ID"]))

    # -- outcomes --------------------------------------------------------------------
    def _sent(self, deliveries: Sequence[AlertDelivery], detail: str) -> DeliveryOutcome:
        self.ledger.mark_sent([d.key for d in deliveries])
        first = deliveries[0]
        log.info(
            "alerts.sent",
            follow=first.follow,
            channel=first.channel,
            endpoint=first.endpoint,
            alerts=[d.alert_id for d in deliveries],
        )
        return DeliveryOutcome(
            first.follow, first.channel, first.endpoint, "sent", len(deliveries), detail
        )

    def _failed(
        self,
        deliveries: Sequence[AlertDelivery],
        error: str,
        *,
        permanent: bool,
        asked: float | None = None,
    ) -> DeliveryOutcome:
        first = deliveries[0]
        attempts = max(d.attempts for d in deliveries)
        retry_at = (
            None
            if permanent
            else self.clock()
            + retry_delay(attempts, self.settings.alerts, asked=asked, rand=random.random())
        )
        keys: list[AlertDeliveryKey] = [d.key for d in deliveries]
        self.ledger.mark_failed(keys, error, retry_at)
        log.warning(
            "alerts.delivery_failed",
            follow=first.follow,
            channel=first.channel,
            endpoint=first.endpoint,
            error=error,
            retry_at=retry_at.isoformat() if retry_at else None,
        )
        return DeliveryOutcome(
            first.follow,
            first.channel,
            first.endpoint,
            "refused" if permanent else "failed",
            len(deliveries),
            error,
        )

    # -- a test ------------------------------------------------------------------------
    def test(self, name: str) -> list[DeliveryOutcome]:
        """Send one made-up alert to each endpoint of `name` now, outside the ledger,
        so that its addresses, URL and secret can be checked before a real alert."""
        follow = self.settings.follow(name)
        alert = sample_alert(follow, self.clock())
        outcomes = []
        for channel, endpoint in endpoints(follow):
            if channel == "webhook":
                outcomes.append(self._test_webhook(follow, endpoint, alert))
            else:
                outcomes.append(self._test_email(follow, endpoint, alert))
        return outcomes

    def _test_webhook(
        self, follow: FollowSettings, url: str, alert: AlertRecord
    ) -> DeliveryOutcome:
        try:
            key = secret_from_environment(follow.secret_env)
        except ConfigError as exc:
            return DeliveryOutcome(follow.name, "webhook", url, "failed", 1, str(exc))
        with WebhookSender(self.settings.alerts.webhook_timeout) as sender:
            posted = sender.post(url, key, alert.webhook_id, alert.body.encode())
        outcome: Outcome = "sent" if posted.ok else "refused" if posted.permanent else "failed"
        return DeliveryOutcome(follow.name, "webhook", url, outcome, 1, posted.detail)

    def _test_email(
        self, follow: FollowSettings, address: str, alert: AlertRecord
    ) -> DeliveryOutcome:
        message = alert_email(
            follow.name, address, [alert], self.settings.smtp.sender, self.clock(), test=True
        )
        try:
            with SmtpSender(self.settings.smtp) as smtp:
                smtp.send(message, address)
        except DeliveryFailure as failure:
            outcome: Outcome = "refused" if failure.permanent else "failed"
            return DeliveryOutcome(follow.name, "email", address, outcome, 1, failure.reply)
        return DeliveryOutcome(follow.name, "email", address, "sent", 1, str(message["Message-ID"]))


def sample_alert(follow: FollowSettings, now: dt.datetime) -> AlertRecord:
    """The alert `follow test` sends: type `test`, about no fact of the log."""
    import json

    from timeline.model.dates import utc_text

    alert_id = f"{follow.name}:test:{now.timestamp():.6f}"
    fact_id = "00000000-0000-0000-0000-000000000000"
    fact: dict[str, object] = {
        "id": fact_id,
        "kind": "instrument.in_force",
        "subject": "test/alert",
        "title": "A test alert",
        "jurisdictions": follow.jurisdictions or ["EU"],
        "effective": now.date().isoformat(),
        "effective_precision": "day",
        "sources": [],
        "payload": {"title": "A test alert"},
    }
    body = {
        "type": "test",
        "timestamp": utc_text(now),
        "data": {"follow": follow.name, "alert": alert_id, "fact": fact},
    }
    return AlertRecord(
        id=alert_id,
        webhook_id=webhook_id(alert_id),
        follow=follow.name,
        type="test",
        fact_id=fact_id,
        created_at=now,
        body=json.dumps(body, separators=(",", ":"), sort_keys=True),
    )
