"""One poll of one feed: fetch, parse, extract, store candidates, record health.

Each feed's outcome is committed in one transaction (its candidates and its
health row together), so a process killed at any point leaves either all of a
poll or none of it; the next poll then sees the same guids and adds nothing
twice.  A feed that fails is recorded as unhealthy with a one-line reason and
backed off; the other feeds are polled as usual.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

from timeline.errors import FeedError, TimelineError
from timeline.feeds import federation, review
from timeline.feeds.candidates import SameEvent, record_items
from timeline.feeds.extract import ItemExtraction, extract_feed, same_event
from timeline.feeds.extract.subjects import Known, link_subject
from timeline.feeds.fetch import Fetcher, FetchResult
from timeline.feeds.health import backoff_seconds, jittered
from timeline.feeds.parse import parse_feed
from timeline.logging import get_logger
from timeline.model.feeds import FeedHealth, iso_utc
from timeline.publish.atom import read_feed
from timeline.settings import FeedSettings, Settings
from timeline.store.base import EventFilter, EventStore

log = get_logger("timeline.feeds")

PollStatus = Literal["ok", "not_modified", "failed", "skipped"]
Extract = Callable[[Any, FeedSettings], Sequence[ItemExtraction]]
Clock = Callable[[], dt.datetime]


@dataclass(frozen=True, slots=True)
class PollOutcome:
    feed: str
    status: PollStatus
    http_status: int | None = None
    items: int = 0
    new_candidates: int = 0
    changed: int = 0
    auto_accepted: int = 0
    error: str | None = None
    warning: str | None = None
    next_due_at: dt.datetime | None = None
    duration_ms: float = 0.0


def extract_with_library(parsed: Any, feed: FeedSettings) -> list[ItemExtraction]:
    """The extractor of `timeline.feeds.extract`, given the feed's language and place."""
    return extract_feed(parsed, language=feed.language, jurisdiction_hint=feed.jurisdiction)


def with_subject_links(store: EventStore, items: Sequence[ItemExtraction]) -> list[ItemExtraction]:
    """Each event item with the subject of the log it continues, when one matches
    (`subjects.link_subject`): evidence "subject_link" and "subject_link_score"."""
    known: dict[str, list[Known]] = {}

    def subjects_in(code: str) -> list[Known]:
        if code not in known:
            titles: dict[str, list[str]] = {}
            places: dict[str, set[str]] = {}
            for event in store.read(EventFilter(jurisdiction=code)):
                titles.setdefault(event.subject, []).append(str(event.payload.get("title", "")))
                places.setdefault(event.subject, set()).update(event.jurisdictions)
            known[code] = [
                Known(subject, tuple(titles[subject]), frozenset(places[subject]))
                for subject in titles
            ]
        return known[code]

    def linked(item: ItemExtraction) -> ItemExtraction:
        name = item.evidence.get("subject")
        if not (item.is_event and name):
            return item
        candidates = [k for code in item.jurisdictions for k in subjects_in(code)]
        link = link_subject(name, item.jurisdictions, candidates)
        if link is None:
            return item
        evidence = item.evidence | {
            "subject_link": link.subject,
            "subject_link_score": link.evidence,
        }
        return replace(item, evidence=evidence)

    return [linked(item) for item in items]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Poller:
    """Polls the configured feeds into one store.  Safe to share between threads:
    feeds are independent, and each commits through its own transaction."""

    def __init__(
        self,
        store: EventStore,
        settings: Settings,
        *,
        extract: Extract = extract_with_library,
        same_event: SameEvent = same_event,
        rng: random.Random | None = None,
        clock: Clock = utc_now,
    ) -> None:
        self.store = store
        self.settings = settings
        self.fetcher = Fetcher(settings.polling)
        self.extract = extract
        self.same_event = same_event
        self.rng = rng or random.Random()
        self.clock = clock

    def close(self) -> None:
        self.fetcher.close()

    def poll(self, feed_name: str | None = None, *, force: bool = False) -> list[PollOutcome]:
        """One round: every enabled feed that is due (or the named one); `force`
        ignores backoff and Retry-After, for an analyst who asks explicitly."""
        feeds = (
            [self.settings.feed(feed_name)]
            if feed_name
            else [f for f in self.settings.feeds if f.enabled]
        )
        return [self.poll_feed(feed, force=force) for feed in feeds]

    def poll_feed(self, feed: FeedSettings, *, force: bool = False) -> PollOutcome:
        started = time.monotonic()
        now = self.clock()
        health = self.store.feed_health.get(feed.name) or FeedHealth(feed=feed.name, url=feed.url)
        # A scheduler's jitter may run the job a little before the feed is due:
        # that run counts, rather than skipping a whole interval.
        slack = dt.timedelta(seconds=feed.interval * max(self.settings.polling.jitter, 0.05))
        if not force and not health.is_due(now + slack):
            outcome = PollOutcome(feed.name, "skipped", next_due_at=health.next_due_at)
            log.debug("feed.skipped", feed=feed.name, next_due_at=iso_utc(health.next_due_at))
            return outcome
        etag, last_modified = health.validators_for(feed.url)
        health = replace(health, url=feed.url)
        fetched = self.fetcher.fetch(feed.url, etag=etag, last_modified=last_modified)
        if fetched.error is not None:
            outcome = self._failed(feed, health, now, fetched, fetched.error)
        elif fetched.not_modified:
            outcome = self._not_modified(feed, health, now, fetched)
        else:
            try:
                parsed = parse_feed(fetched.body or b"", fetched.content_type)
                if federation.is_change_feed(parsed.feed):
                    items = self._follow(fetched.body or b"", health)
                else:
                    items = self._extract(parsed.feed, feed)
            except FeedError as exc:
                outcome = self._failed(feed, health, now, fetched, str(exc))
            else:
                outcome = self._store(feed, health, now, fetched, items, parsed.warning)
        outcome = replace(outcome, duration_ms=round((time.monotonic() - started) * 1000, 1))
        log.info(
            "feed.polled",
            feed=feed.name,
            status=outcome.status,
            http_status=outcome.http_status,
            items=outcome.items,
            new_candidates=outcome.new_candidates,
            changed=outcome.changed,
            auto_accepted=outcome.auto_accepted,
            duration_ms=outcome.duration_ms,
            error=outcome.error,
            warning=outcome.warning,
            next_due_at=iso_utc(outcome.next_due_at),
        )
        return outcome

    def _extract(self, parsed: Any, feed: FeedSettings) -> Sequence[ItemExtraction]:
        try:
            return self.extract(parsed, feed)
        except Exception as exc:
            # The extractor reads untrusted text: if some item trips it, this
            # feed is marked unhealthy (with the traceback in the log) and the
            # other feeds are polled as usual.
            log.exception("feed.extraction_failed", feed=feed.name)
            message = str(exc).strip().splitlines()
            detail = f"{type(exc).__name__}: {message[0]}" if message else type(exc).__name__
            raise FeedError(f"extraction failed: {detail}") from exc

    def _follow(self, body: bytes, health: FeedHealth) -> Sequence[ItemExtraction]:
        """Another timeline's change feed: this page, then older pages (its `next`
        links) back to a little before the last successful poll, or all of them
        the first time; one item per fact."""
        events, following = read_feed(body)
        since = (
            health.last_success_at - federation.FOLLOW_OVERLAP if health.last_success_at else None
        )
        pages = 1
        while following and pages < federation.MAX_PAGES:
            if since is not None and events and min(e.recorded_at for e in events) < since:
                break  # this page already reaches back to what the last poll read
            fetched = self.fetcher.fetch(following)
            if fetched.error is not None:
                raise FeedError(f"change feed page {following}: {fetched.error}")
            page = parse_feed(fetched.body or b"", fetched.content_type)  # refuses entities
            if not federation.is_change_feed(page.feed):
                raise FeedError(f"change feed page {following}: not a timeline change feed")
            older, following = read_feed(fetched.body or b"")
            events += older
            pages += 1
        return federation.change_items(events)

    def _next_due_ok(self, feed: FeedSettings, now: dt.datetime) -> dt.datetime:
        delay = jittered(feed.interval, self.settings.polling.jitter, self.rng)
        return now + dt.timedelta(seconds=delay)

    def _not_modified(
        self, feed: FeedSettings, health: FeedHealth, now: dt.datetime, fetched: FetchResult
    ) -> PollOutcome:
        next_due = self._next_due_ok(feed, now)
        self.store.feed_health.record(
            health.succeeded(
                now=now,
                status=304,
                next_due_at=next_due,
                etag=fetched.etag or health.etag,
                last_modified=fetched.last_modified or health.last_modified,
                warning=health.bozo_warning,
                items=0,
            )
        )
        return PollOutcome(feed.name, "not_modified", 304, next_due_at=next_due)

    def _failed(
        self,
        feed: FeedSettings,
        health: FeedHealth,
        now: dt.datetime,
        fetched: FetchResult,
        error: str,
    ) -> PollOutcome:
        polling = self.settings.polling
        delay = backoff_seconds(
            health.consecutive_failures + 1,
            feed.interval,
            polling.backoff_ceiling,
            polling.jitter,
            self.rng,
        )
        if fetched.retry_after is not None:
            # The server said when to come back: never sooner, and never later
            # than the ceiling, so a far-off date cannot abandon the feed.
            delay = min(max(delay, fetched.retry_after), polling.backoff_ceiling)
        next_due = now + dt.timedelta(seconds=delay)
        self.store.feed_health.record(
            health.failed(now=now, status=fetched.http_status, error=error, next_due_at=next_due)
        )
        return PollOutcome(
            feed.name, "failed", fetched.http_status, error=error, next_due_at=next_due
        )

    def _store(
        self,
        feed: FeedSettings,
        health: FeedHealth,
        now: dt.datetime,
        fetched: FetchResult,
        items: Sequence[ItemExtraction],
        warning: str | None,
    ) -> PollOutcome:
        next_due = self._next_due_ok(feed, now)
        succeeded = health.succeeded(
            now=now,
            status=fetched.http_status or 200,
            next_due_at=next_due,
            etag=fetched.etag,
            last_modified=fetched.last_modified,
            warning=warning,
            items=len(items),
        )
        items = with_subject_links(self.store, items)
        with self.store.candidates.record_poll(succeeded) as batch:
            report = record_items(batch, items, now=now, same_event=self.same_event)
        threshold = feed.auto_accept_threshold
        accepted = self._auto_accept(
            feed,
            [
                c.id
                for c in report.new
                if threshold is not None and c.status == "pending" and c.confidence >= threshold
            ],
        )
        return PollOutcome(
            feed.name,
            "ok",
            fetched.http_status,
            items=len(items),
            new_candidates=len(report.new),
            changed=report.changed,
            auto_accepted=accepted,
            warning=warning,
            next_due_at=next_due,
        )

    def _auto_accept(self, feed: FeedSettings, candidate_ids: list[str]) -> int:
        accepted = 0
        for candidate_id in candidate_ids:
            try:
                review.accept(self.store, candidate_id, by=f"auto-accept ({feed.name})")
            except TimelineError as exc:
                # Left pending for an analyst: the item lacks what the event needs.
                log.info("candidate.auto_accept_skipped", candidate=candidate_id, reason=str(exc))
            else:
                accepted += 1
        return accepted
