"""Rendering and delivering digests through the ledger: what `timeline digest` and the
daemon's jobs call (`timeline.bootstrap.digests` builds a `Digests`).

A digest is rendered once per (week, list), when first sent, and kept in the
ledger; every delivery and retry sends those bytes, so the review queue and
feed health (working state, not bitemporal) also read as they did then.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal
from zoneinfo import ZoneInfo

from timeline.digest.content import Digest, gather
from timeline.digest.render import (
    RenderedDigest,
    build_message,
    for_recipient,
    message_id,
    render,
)
from timeline.digest.send import DeliveryFailure, SmtpSender
from timeline.digest.sources import DigestSource
from timeline.digest.week import IsoWeek
from timeline.errors import InvalidAddressError, TimelineError
from timeline.logging import get_logger
from timeline.settings import EMAIL_ADDRESS_PATTERN, DigestListSettings, Settings
from timeline.store.base import DeliveryKey, DigestIssue, DigestLedger

log = get_logger("timeline.digest")

Outcome = Literal["sent", "failed", "refused", "already sent", "in progress", "not due"]


@dataclass(frozen=True, slots=True)
class DeliveryOutcome:
    recipient: str
    outcome: Outcome
    detail: str = ""


@dataclass(slots=True)
class DigestRun:
    """What one run did for one list's digest of one week."""

    week: str
    list_name: str
    skipped_empty: bool = False
    deliveries: list[DeliveryOutcome] = field(default_factory=list)

    @property
    def failures(self) -> list[DeliveryOutcome]:
        return [d for d in self.deliveries if d.outcome in ("failed", "refused")]


def check_addresses(addresses: Sequence[str]) -> None:
    """Refuse anything but a plain address, before it reaches a header or the ledger."""
    for address in addresses:
        if not re.match(EMAIL_ADDRESS_PATTERN, address):
            raise InvalidAddressError(f"to: {address!r} is not an email address")


def retry_delay(attempts: int, backoff: int, ceiling: int) -> dt.timedelta:
    """Doubling from `backoff` after each failed attempt, never beyond `ceiling`."""
    return dt.timedelta(seconds=min(backoff * 2 ** max(attempts - 1, 0), ceiling))


class Digests:
    """The digests of one timeline: rendered from `source`, delivered through `ledger`.

    `clock` is "now" (the store's clock, so that a test moving it moves the
    digest's weeks too)."""

    def __init__(
        self,
        source: DigestSource,
        settings: Settings,
        ledger: DigestLedger,
        clock: Callable[[], dt.datetime],
    ) -> None:
        self.source = source
        self.settings = settings
        self.ledger = ledger
        self.clock = clock
        self.zone = ZoneInfo(settings.digest.timezone)
        self.sending_timeout = dt.timedelta(seconds=settings.digest.sending_timeout)

    def render(
        self,
        week: str | None = None,
        *,
        list_name: str | None = None,
        as_known_now: bool = False,
        week_so_far: bool = False,
    ) -> tuple[Digest, RenderedDigest]:
        """The digest of `week` (`2026-W25`; default: the last complete week) for one
        list (default: the first), as known at the week's end or, `as_known_now`, now.

        `week_so_far`: the current week instead, from Monday to today as known now,
        labelled as such; for a first look, it is never sent nor recorded."""
        if week_so_far and (week is not None or as_known_now):
            raise TimelineError(
                "the week so far is the current week as known now: it takes no `week` and "
                "no `as_known_now`"
            )
        now = self.clock()
        iso_week = IsoWeek.containing(now.astimezone(self.zone).date()) if week_so_far else None
        specs = self._lists(list_name)
        if not specs:
            raise TimelineError("no digest list configured ([[digest.lists]] in config.toml)")
        return self._render(
            iso_week or self._week(week), specs[0], as_known_now=as_known_now, so_far=week_so_far
        )

    def send(
        self,
        week: str | None = None,
        *,
        list_name: str | None = None,
        to: Sequence[str] | None = None,
    ) -> list[DigestRun]:
        """Send `week`'s digest of each list (or `list_name`) to its recipients (or `to`)
        through SMTP, each recipient exactly once per week and list (the ledger)."""
        return self._send(self._week(week), self._lists(list_name), to=to)

    def _week(self, text: str | None) -> IsoWeek:
        """`text` (`2026-W25`) or the last complete week; refused unless it is over."""
        now = self.clock()
        if text is None:
            return IsoWeek.last_complete(now, self.zone)
        week = IsoWeek.parse(text)
        week.require_complete(now, self.zone)
        return week

    def _lists(self, name: str | None) -> list[DigestListSettings]:
        if name is not None:
            return [self.settings.digest.digest_list(name)]
        return list(self.settings.digest.lists)

    def _render(
        self,
        week: IsoWeek,
        spec: DigestListSettings,
        *,
        as_known_now: bool = False,
        so_far: bool = False,
    ) -> tuple[Digest, RenderedDigest]:
        digest = gather(
            self.source,
            self.settings.digest,
            week,
            spec,
            now=self.clock(),
            as_known_now=as_known_now,
            so_far=so_far,
        )
        return digest, render(digest, spec.subject_prefix)

    # -- sending ----------------------------------------------------------------
    def _send(
        self,
        week: IsoWeek,
        specs: Sequence[DigestListSettings],
        *,
        to: Sequence[str] | None = None,
        explicit: bool = True,
    ) -> list[DigestRun]:
        """Deliver each list's digest of `week` to its recipients (or to `to`).

        `explicit` (a person ran `--send`): failed and refused deliveries are
        tried again at once.  The daemon passes False and respects the backoff."""
        check_addresses(to or ())
        runs = []
        with SmtpSender(self.settings.smtp) as smtp:
            for spec in specs:
                issue = self._issue(week, spec)
                run = DigestRun(str(week), spec.name, skipped_empty=issue.skipped)
                runs.append(run)
                if issue.skipped:
                    log.info("digest.skipped_empty", week=run.week, list=spec.name)
                    continue
                recipients = list(dict.fromkeys(to if to is not None else spec.recipients))
                sender = self.settings.smtp.sender
                self.ledger.add_recipients(
                    run.week,
                    spec.name,
                    issue.known_at,
                    {r: message_id(run.week, spec.name, r, sender) for r in recipients},
                )
                for recipient in recipients:
                    outcome = self._deliver(smtp, issue, recipient, explicit=explicit)
                    run.deliveries.append(outcome)
        return runs

    def _issue(self, week: IsoWeek, spec: DigestListSettings) -> DigestIssue:
        kept = self.ledger.issue(str(week), spec.name)
        if kept is not None:
            return kept
        digest, rendered = self._render(week, spec)
        now = self.clock()
        message = build_message(rendered, self.settings.smtp.sender, now)
        return self.ledger.save_issue(
            DigestIssue(
                week=str(week),
                list_name=spec.name,
                known_at=digest.known_at,
                created_at=now,
                subject=rendered.subject,
                skipped=digest.empty and self.settings.digest.skip_empty_weeks,
                message=message.as_bytes(),
            )
        )

    def _deliver(
        self, smtp: SmtpSender, issue: DigestIssue, recipient: str, *, explicit: bool
    ) -> DeliveryOutcome:
        key = (issue.week, issue.list_name, recipient)
        delivery = self.ledger.claim(key, sending_timeout=self.sending_timeout, explicit=explicit)
        if delivery is None:
            return DeliveryOutcome(recipient, self._why_not(key))
        message = for_recipient(issue.message, recipient, delivery.message_id)
        try:
            smtp.send(message, recipient)
        except DeliveryFailure as failure:
            digest = self.settings.digest
            retry_at = (
                None
                if failure.permanent
                else self.clock()
                + retry_delay(delivery.attempts, digest.retry_backoff, digest.retry_ceiling)
            )
            self.ledger.mark_failed(key, failure.reply, retry_at)
            log.warning(
                "digest.delivery_failed",
                week=issue.week,
                list=issue.list_name,
                recipient=recipient,
                error=failure.reply,
                retry_at=retry_at.isoformat() if retry_at else None,
            )
            return DeliveryOutcome(
                recipient, "refused" if failure.permanent else "failed", failure.reply
            )
        self.ledger.mark_sent(key)
        log.info("digest.sent", week=issue.week, list=issue.list_name, recipient=recipient)
        return DeliveryOutcome(recipient, "sent", delivery.message_id)

    def _why_not(self, key: DeliveryKey) -> Outcome:
        for delivery in self.ledger.deliveries(key[0]):
            if delivery.key == key:
                if delivery.status == "sent":
                    return "already sent"
                if delivery.status == "sending":
                    return "in progress"
        return "not due"

    # -- the daemon ---------------------------------------------------------------
    def weekly(self) -> list[DigestRun]:
        """The scheduled send: the last complete week, to every list."""
        week = IsoWeek.last_complete(self.clock(), self.zone)
        return self._send(week, self._lists(None), explicit=False)

    def retry(self) -> list[DigestRun]:
        """Deliveries that are due again, and the week's send if its time has passed
        with no daemon running (so a digest is never lost to a stopped daemon)."""
        from apscheduler.triggers.cron import CronTrigger

        now = self.clock()
        week = IsoWeek.last_complete(now, self.zone)
        trigger = CronTrigger.from_crontab(self.settings.digest.schedule, timezone=self.zone)
        runs: list[DigestRun] = []
        fire = trigger.get_next_fire_time(None, week.end(self.zone))
        missed = [
            spec
            for spec in self._lists(None)
            if fire is not None and fire <= now and self.ledger.issue(str(week), spec.name) is None
        ]
        if missed:
            log.info("digest.catching_up", week=str(week), lists=[s.name for s in missed])
            runs += self._send(week, missed, explicit=False)
        due = self.ledger.due(sending_timeout=self.sending_timeout)
        if not due:
            return runs
        with SmtpSender(self.settings.smtp) as smtp:
            for week_text, list_name, recipient in due:
                issue = self.ledger.issue(week_text, list_name)
                if issue is None:  # cannot happen: rows are added after their issue
                    continue
                run = DigestRun(week_text, list_name)
                run.deliveries.append(self._deliver(smtp, issue, recipient, explicit=False))
                runs.append(run)
        return runs
