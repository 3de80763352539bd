"""What a digest says, checked against the events of the week, on both backends."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable

import pytest

from tests.digest.conftest import (
    HOSTILE,
    WEEK,
    Clock,
    at,
    record_later,
    record_week,
)
from tests.factories import in_force
from timeline.app import Timeline
from timeline.bootstrap import digests
from timeline.errors import InvalidWeekError, TimelineError, UnknownDigestListError
from timeline.model.feeds import FeedHealth
from timeline.store.sql.schema import candidates

MakeTimeline = Callable[..., tuple[Timeline, Clock]]
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_the_digest_is_the_week_as_the_log_knew_it_at_its_end(
    make_timeline: MakeTimeline,
) -> None:
    tl, clock = make_timeline()
    record_week(tl, clock)
    clock.now = at(22, 9)  # Monday after the week
    digest, rendered = digests(tl).render(WEEK)

    assert digest.known_at == dt.datetime(2026, 6, 21, 21, 59, 59, 999999, tzinfo=dt.UTC)
    assert rendered.subject == "[timeline] Weekly digest 2026-W25: 4 new events, 2 correction(s)"
    by_code = {
        g.jurisdiction: [(e.title, e.kind, e.effective) for e in g.events] for g in digest.recorded
    }
    assert by_code == {
        "EU": [("Robot Act", "instrument.in_force", "2026-07-15")],  # corrected within the week
        "FR": [
            ("Franco-Japanese AI Partnership", "agreement.signed", "2026-06-16"),
            (f"{HOSTILE} office in Paris", "office.opened", "2026-06-17"),
        ],
        "JP": [("AI Promotion Act", "instrument.in_force", "2026-06-18")],
    }
    text = rendered.text
    # Each event with its effective date and source link.
    assert "- AI Promotion Act [in force], effective 2026-06-18" in text
    assert "source: Test Gazette: A report <https://news.example/a>" in text
    assert "! corrected on 2026-06-18 (effective 2026-07-10 -> 2026-07-15)" in text
    # Corrections and retractions, marked.
    assert "[CORRECTION] Robot Act (EU), recorded 2026-06-18" in text
    assert "effective 2026-07-10 -> 2026-07-15; reason: the gazette gives the 15th" in text
    assert "[RETRACTION] AI adoption (JP), recorded 2026-06-19" in text
    assert "withdrawn: AI adoption (2025); reason: double counted" in text
    # The date that moved.
    assert "- Robot Act (EU): 2026-07-10 -> 2026-07-15, postponed" in text
    [move] = digest.date_moves
    assert (move.old, move.new, move.direction) == ("2026-07-10", "2026-07-15", "postponed")
    # State changes, as gained or lost over the week.
    changes = {s.jurisdiction: list(s.changes) for s in digest.state_changes}
    assert "AI Promotion Act: adopted -> in force; max penalty none -> JPY 0" in changes["JP"]
    assert "new agreement: Franco-Japanese AI Partnership" in changes["JP"]
    assert "metric gone: AI adoption" in changes["JP"]
    assert "new agreement: Franco-Japanese AI Partnership" in changes["FR"]
    assert "EU" not in changes  # the Robot Act applies after the week
    # Coming up: the 30 days after Sunday.
    assert [(u.effective, u.title) for u in digest.upcoming] == [("2026-07-15", "Robot Act")]
    assert "- 2026-07-15: Robot Act [in force] (EU)" in text
    # The HTML says the same.
    html = rendered.html
    for needle in (
        "AI Promotion Act",
        "2026-07-10</span> &rarr; <b>2026-07-15</b>",
        "POSTPONED",
        "CORRECTION",
        "RETRACTION",
        "adopted -&gt; in force",
        'href="https://news.example/a"',
    ):
        assert needle in html, needle
    assert rendered.chart is not None
    assert rendered.chart.startswith(PNG_MAGIC)
    assert f'src="cid:{rendered.chart_cid}"' in html


def test_a_past_week_rendered_again_later_is_the_same_and_as_known_now_differs(
    make_timeline: MakeTimeline,
) -> None:
    tl, clock = make_timeline()
    scenario = record_week(tl, clock)
    clock.now = at(22, 9)
    _, first = digests(tl).render(WEEK)

    record_later(tl, clock, scenario)  # a correction of the week's JP event, and more
    clock.now = at(29)
    _, again = digests(tl).render(WEEK)
    assert again.text == first.text
    assert again.html == first.html
    assert again.chart == first.chart

    digest, now = digests(tl).render(WEEK, as_known_now=True)
    assert now.text != first.text
    assert digest.known_at == at(29)
    jp = next(g for g in digest.recorded if g.jurisdiction == "JP").events[0]
    assert (jp.effective, jp.note) == (
        "2026-07-01",
        "corrected on 2026-06-25, after the week (effective 2026-06-18 -> 2026-07-01)",
    )
    learned = {(line.title, line.why) for line in digest.learned_since}
    assert learned == {
        ("AI Promotion Act", "corrected: effective 2026-06-18 -> 2026-07-01"),
        ("German-Japanese AI Dialogue", "dated in the week, recorded later"),
        ("AI Regulation Bill", "would have been coming up"),
    }
    assert "LEARNED SINCE THE WEEK ENDED (3)" in now.text
    assert "As known now (2026-06-29 10:00:00 UTC), not as sent" in now.text
    # Today's knowledge: the JP act no longer took effect in the week ...
    changes = {s.jurisdiction: list(s.changes) for s in digest.state_changes}
    assert not any("in force" in line for line in changes["JP"])
    assert "new agreement: German-Japanese AI Dialogue" in changes["JP"]
    # ... and is coming up instead, with the GB bill.
    assert [(u.effective, u.title) for u in digest.upcoming] == [
        ("2026-07-01", "AI Promotion Act"),
        ("2026-07-08", "AI Regulation Bill"),
        ("2026-07-15", "Robot Act"),
    ]


def test_a_week_with_nothing_new_says_so(make_timeline: MakeTimeline) -> None:
    tl, clock = make_timeline()
    record_week(tl, clock)
    clock.now = at(7, month=7)
    digest, rendered = digests(tl).render("2026-W26")
    assert digest.empty
    assert rendered.subject == "[timeline] Weekly digest 2026-W26: nothing new"
    assert "Nothing new was recorded this week." in rendered.text
    assert "Nothing new was recorded this week." in rendered.html
    assert rendered.chart is None
    assert "<img" not in rendered.html
    # Coming up still tells what is ahead.
    assert [u.title for u in digest.upcoming] == ["Robot Act"]


def test_a_log_begun_after_the_week_gives_an_empty_digest(make_timeline: MakeTimeline) -> None:
    tl, clock = make_timeline()
    record_week(tl, clock)
    clock.now = at(22, 9)
    digest, _ = digests(tl).render("2026-W20")
    assert digest.empty
    assert digest.upcoming == ()
    assert digest.state_changes == ()


def test_each_list_keeps_its_jurisdictions_and_kinds(make_timeline: MakeTimeline) -> None:
    tl, clock = make_timeline(
        lists=[
            {"name": "eu", "jurisdictions": ["EU"]},
            {"name": "deals", "kinds": ["agreement.signed"], "subject_prefix": "[deals]"},
        ]
    )
    record_week(tl, clock)
    clock.now = at(22, 9)
    eu, eu_rendered = digests(tl).render(WEEK, list_name="eu")
    assert [g.jurisdiction for g in eu.recorded] == ["EU"]
    assert [c.title for c in eu.corrections] == ["Robot Act"]
    assert [s.jurisdiction for s in eu.state_changes] == []
    assert "Filtered to jurisdictions: EU." in eu_rendered.text
    assert "AI Promotion Act" not in eu_rendered.text

    deals, rendered = digests(tl).render(WEEK, list_name="deals")
    assert [(g.jurisdiction, [e.title for e in g.events]) for g in deals.recorded] == [
        ("FR", ["Franco-Japanese AI Partnership"])
    ]
    assert deals.corrections == ()
    assert deals.date_moves == ()
    assert deals.upcoming == ()
    assert rendered.subject.startswith("[deals] Weekly digest 2026-W25: 1 new event")
    with pytest.raises(UnknownDigestListError, match=r"no digest list named .nope.*eu, deals"):
        digests(tl).render(WEEK, list_name="nope")


def _candidate(tl: Timeline, title: str, confidence: float, seen: dt.datetime, link: str) -> None:
    with tl.store.write_transaction("test") as conn:
        conn.execute(
            candidates.insert().values(
                id=str(uuid.uuid4()),
                feed="wire",
                item_guid=str(uuid.uuid4()),
                status="pending",
                is_event=True,
                kind="instrument.adopted",
                jurisdictions="JP",
                effective="2026-06",
                effective_precision="month",
                title=title,
                summary="",
                link=link,
                published=seen,
                confidence=confidence,
                evidence=json.dumps({}),
                overrides="{}",
                reason=None,
                duplicate_of=None,
                event_id=None,
                first_seen_at=seen,
                updated_at=seen,
                history="[]",
            )
        )


def test_review_queue_and_feed_health_escape_feed_text(make_timeline: MakeTimeline) -> None:
    tl, clock = make_timeline(feeds=["wire", "quiet", "broken"])
    record_week(tl, clock)
    _candidate(tl, HOSTILE, 0.95, at(1), "javascript:alert(1)")
    _candidate(tl, "Diet passes the AI Act", 0.7, at(12), "https://news.example/jp")
    _candidate(tl, "A low one", 0.2, at(20), "https://news.example/low")
    for health in (
        FeedHealth(
            "wire", "https://feeds.example/wire", last_success_at=at(20), last_attempt_at=at(20)
        ),
        FeedHealth(
            "quiet",
            "https://feeds.example/quiet",
            last_success_at=at(20),
            last_attempt_at=at(20),
        ),
        FeedHealth(
            "broken",
            "https://feeds.example/broken",
            last_success_at=at(2),
            last_attempt_at=at(21),
            consecutive_failures=3,
            last_error=f"HTTP 503 {HOSTILE}",
        ),
    ):
        tl.store.feed_health.record(health)
    clock.now = at(22, 9)
    digest, rendered = digests(tl).render(WEEK)

    assert digest.review.pending == 3
    assert digest.review.oldest is not None
    assert digest.review.oldest.title == HOSTILE
    assert [c.confidence for c in digest.review.top] == [0.95, 0.7, 0.2]
    assert digest.review.top[0].link is None  # never a javascript: link
    problems = {p.name: p.problem for p in digest.feed_problems}
    assert problems["broken"].startswith(
        "failing: 3 failure(s) in a row, no success since 2026-06-02"
    )
    assert problems["quiet"] == "silent: no item seen yet"
    assert "wire" not in problems  # its newest item is two days old
    html = rendered.html
    assert "<script" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;alert(&#39;digest&#39;)&lt;/script&gt;" in html
    assert "javascript:" not in html
    assert '<a href="https://news.example/jp"' in html
    assert "3 candidate(s) waiting" in rendered.text
    assert "Review queue" in html
    assert "working state" in html


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2026-W60", "week: 2026 has weeks 1 to 53, not 60 ('2026-W60')"),
        ("foo", "week: expected an ISO week like 2026-W25, got 'foo'"),
        ("2025-W53", "week: 2025 has weeks 1 to 52, not 53 ('2025-W53')"),
    ],
)
def test_a_bad_week_is_refused(make_timeline: MakeTimeline, text: str, message: str) -> None:
    tl, _ = make_timeline()
    with pytest.raises(InvalidWeekError) as raised:
        digests(tl).render(text)
    assert str(raised.value) == message


def test_a_week_not_over_yet_is_refused(make_timeline: MakeTimeline) -> None:
    tl, clock = make_timeline()
    clock.now = at(21, 21)  # Sunday 23:00 in Brussels
    with pytest.raises(
        InvalidWeekError, match=r"2026-W25 is not over yet \(it ends 2026-06-22 00:00"
    ):
        digests(tl).render(WEEK)
    clock.now = at(21, 22)  # Monday 00:00 in Brussels
    assert digests(tl).render(WEEK)[0].week == WEEK


def test_a_date_narrowed_inside_its_interval_was_made_more_precise(
    make_timeline: MakeTimeline,
) -> None:
    tl, clock = make_timeline()
    clock.now = at(16)
    event = tl.append([in_force(subject="jp/later-act", effective="2026-09")]).events[0]
    clock.now = at(17)
    tl.correct(event.id, {"effective": "2026-09-15"}, "the gazette gives the day")
    clock.now = at(23)
    digest, rendered = digests(tl).render(WEEK)
    [move] = digest.date_moves
    assert (move.old, move.new, move.direction) == ("2026-09", "2026-09-15", "made more precise")
    assert "- AI Promotion Act (JP): 2026-09 -> 2026-09-15, made more precise" in rendered.text


def test_a_stage_of_application_is_said_so_not_as_a_new_in_force_date(
    make_timeline: MakeTimeline,
) -> None:
    tl, clock = make_timeline()
    clock.now = at(10)  # the week before: the act and its stages are known
    for effective, stage in (("2025-01-01", None), ("2026-06-18", "labelling duties"),
                             ("2026-07-10", "audits")):  # fmt: skip
        staged = {"stage": stage} if stage else {}
        tl.append([in_force("eu/robot-act", effective, ["EU"], title="Robot Act", **staged)])
    clock.now = at(22, 9)
    digest, rendered = digests(tl).render(WEEK)
    changes = {s.jurisdiction: list(s.changes) for s in digest.state_changes}
    assert changes["EU"] == ["Robot Act: stage applies: labelling duties"]
    assert [(u.effective, u.title) for u in digest.upcoming] == [
        ("2026-07-10", "Robot Act: stage applies: audits")
    ]
    assert "Robot Act: stage applies: labelling duties" in rendered.text


def test_a_date_made_less_precise_is_said_so_not_brought_forward(
    make_timeline: MakeTimeline,
) -> None:
    tl, clock = make_timeline()
    clock.now = at(16)
    event = tl.append([in_force(subject="jp/later-act", effective="2024-04")]).events[0]
    clock.now = at(17)
    tl.correct(event.id, {"effective": "2024"}, "only the year is sure")
    clock.now = at(23)
    digest, rendered = digests(tl).render(WEEK)
    [move] = digest.date_moves
    assert (move.old, move.new, move.direction) == ("2024-04", "2024", "made less precise")
    assert "- AI Promotion Act (JP): 2024-04 -> 2024, made less precise" in rendered.text


def test_the_week_so_far_is_labelled_and_never_recorded(make_timeline: MakeTimeline) -> None:
    """Day one: what was recorded since Monday, as known now; the ledger stays empty."""
    tl, clock = make_timeline()
    clock.now = at(15, 9)  # Monday 11:00 in Brussels
    tl.append([in_force(subject="jp/first-act")])
    clock.now = at(16, 9)
    tl.append([in_force(subject="jp/second-act", effective="2026-09-01")])
    clock.now = at(17, 12)  # Wednesday
    with pytest.raises(InvalidWeekError, match="2026-W25 is not over yet"):
        digests(tl).render(WEEK)
    digest, rendered = digests(tl).render(week_so_far=True)
    assert (digest.week, digest.so_far, digest.event_count) == (WEEK, True, 2)
    assert (digest.monday, digest.last_day, digest.known_at) == (
        dt.date(2026, 6, 15),
        dt.date(2026, 6, 17),
        at(17, 12),
    )
    assert rendered.subject == (
        "[timeline] Weekly digest 2026-W25, week so far (2026-06-15 .. 2026-06-17): 2 new events"
    )
    assert rendered.text.startswith(
        "Weekly digest 2026-W25, week so far (2026-06-15 .. 2026-06-17, Europe/Brussels)"
    )
    assert (
        "The week so far, as known now (2026-06-17 12:00:00 UTC): the week is not over, so "
        "this preview is never sent; the digest sent after Sunday covers the whole week."
    ) in rendered.text
    assert "COMING UP (the 30 days after 2026-06-17)" in rendered.text
    assert "Week so far, 2026-06-15 .. 2026-06-17" in rendered.html
    assert "never sent" in rendered.html
    assert tl.store.digest_ledger.issue(WEEK, digest.list_name) is None
    with pytest.raises(TimelineError, match="the week so far is the current week"):
        digests(tl).render(WEEK, week_so_far=True)
    clock.now = at(22, 9)  # the next Monday: the finished week is the one to send
    finished, _ = digests(tl).render(WEEK)
    assert (finished.so_far, finished.event_count, finished.last_day) == (
        False,
        2,
        dt.date(2026, 6, 21),
    )


def test_a_metric_recorded_in_the_week_reads_with_its_value_in_words(
    make_timeline: MakeTimeline,
) -> None:
    tl, clock = make_timeline()
    clock.now = at(16)
    figure = {"name": "digital trade deficit", "value": 6600000000000, "unit": "JPY"}
    tl.append(
        [
            {
                "kind": "metric.reported",
                "subject": "jp/digital-trade-balance",
                "jurisdictions": ["JP"],
                "effective": "2024",
                "sources": [{"publisher": "Test Gazette", "title": "A report"}],
                "payload": figure | {"period": "2024"},
            }
        ]
    )
    clock.now = at(22, 9)
    digest, rendered = digests(tl).render(WEEK)
    [group] = digest.recorded
    assert [e.title for e in group.events] == ["digital trade deficit: JPY 6.6 trillion (2024)"]
    assert "digital trade deficit: JPY 6.6 trillion (2024)" in rendered.text
    assert "6600000000000" not in rendered.text
