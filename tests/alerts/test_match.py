"""Which alerts a follow gets: events recorded, corrected and retracted, dates that
move (the digest's words), reminders before a fact takes effect; on both backends."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from tests.alerts.conftest import Harness, follow
from tests.factories import SOURCE, in_force

Make = Callable[..., Harness]


def meeting(jurisdictions: list[str], effective: str = "2026-05-01") -> dict[str, object]:
    return {
        "kind": "meeting.held",
        "subject": "g7/ai-ministers",
        "jurisdictions": jurisdictions,
        "effective": effective,
        "sources": [SOURCE],
        "payload": {"title": "AI ministers' meeting", "participants": jurisdictions},
    }


def test_a_follow_alerts_about_what_is_recorded_from_when_it_began(make_harness: Make) -> None:
    h = make_harness([follow("jp", jurisdictions=["JP"], to=["a@example.org"])])
    h.tl.append([in_force(subject="jp/before", effective="2025-01-01")])
    assert h.alerts.scan() == 0  # first seen now: what was recorded before is no news
    jp = h.tl.append([in_force(subject="jp/after", effective="2025-02-01")]).events[0]
    h.tl.append([in_force(subject="eu/other", jurisdictions=["EU"], title="Other Act")])
    assert h.alerts.scan() == 1
    [alert] = h.tl.store.alert_ledger.alerts("jp")
    body = json.loads(alert.body)
    assert body["type"] == "fact.recorded"
    assert body["data"]["event"] == jp.id
    fact = body["data"]["fact"]
    assert (fact["id"], fact["kind"], fact["subject"]) == (jp.id, "instrument.in_force", "jp/after")
    assert (fact["effective"], fact["effective_precision"]) == ("2025-02-01", "day")
    assert fact["sources"] == [SOURCE]
    assert h.alerts.scan() == 0  # found once, whatever the number of looks
    [delivery] = h.tl.store.alert_ledger.deliveries("jp")
    assert (delivery.channel, delivery.endpoint, delivery.status) == (
        "email",
        "a@example.org",
        "pending",
    )


def test_corrections_retractions_and_moved_dates_are_named_as_the_digest_names_them(
    make_harness: Make,
) -> None:
    h = make_harness([follow("jp", jurisdictions=["JP"], to=["a@example.org"])])
    h.alerts.scan()
    event = h.tl.append([in_force(effective="2026-09")]).events[0]
    # Alerts list in the order recorded: the clock moves between the events.
    h.later(seconds=1).tl.correct(event.id, {"effective": "2026-09-15"}, "the gazette says")
    h.later(seconds=1).tl.correct(event.id, {"effective": "2026-10-01"}, "delayed")
    h.later(seconds=1).tl.correct(event.id, {"effective": "2026-08-01"}, "advanced")
    h.later(seconds=1).tl.correct(event.id, {"effective": "2026"}, "the day was a guess")
    h.later(seconds=1).tl.correct(event.id, {"payload": {"title": "AI Act"}}, "official title")
    h.later(seconds=1).tl.retract(event.id, "never passed")
    h.alerts.scan()
    assert h.types("jp") == [
        "fact.recorded",
        "fact.made_more_precise",
        "fact.postponed",
        "fact.brought_forward",
        "fact.made_less_precise",
        "fact.corrected",
        "fact.retracted",
    ]
    bodies = [json.loads(a.body)["data"] for a in h.tl.store.alert_ledger.alerts("jp")]
    postponed = bodies[2]
    assert (postponed["previous"]["effective"], postponed["fact"]["effective"]) == (
        "2026-09-15",
        "2026-10-01",
    )
    assert postponed["reason"] == "delayed"
    assert bodies[4]["fact"]["effective"] == "2026"
    assert bodies[5]["fact"]["title"] == "AI Act"
    assert bodies[6]["fact"]["title"] == "AI Act"  # what was withdrawn, as it stood


def test_a_correction_into_the_selection_alerts_and_one_out_of_it_too(make_harness: Make) -> None:
    h = make_harness([follow("jp", jurisdictions=["JP"], to=["a@example.org"])])
    h.alerts.scan()
    fr = h.tl.append([in_force(subject="fr/act", jurisdictions=["FR"])]).events[0]
    h.later(seconds=1).tl.correct(fr.id, {"jurisdictions": ["JP"]}, "it is Japan's")
    h.later(seconds=1).tl.correct(fr.id, {"jurisdictions": ["DE"]}, "no, Germany's")
    h.later(seconds=1).tl.correct(fr.id, {"effective": "2030"}, "not ours any more")
    h.alerts.scan()
    assert h.types("jp") == ["fact.corrected", "fact.corrected"]


def test_jurisdictions_with_or_without_subdivisions_kind_patterns_and_subjects(
    make_harness: Make,
) -> None:
    h = make_harness(
        [
            follow("jp", jurisdictions=["JP"], to=["a@example.org"]),
            follow("jp-all", jurisdictions=["JP"], with_subdivisions=True, to=["a@example.org"]),
            follow("instruments", kinds=["instrument.*"], to=["a@example.org"]),
            follow("eu-acts", subjects=["eu/*"], to=["a@example.org"]),
        ]
    )
    h.alerts.scan()
    h.tl.append([in_force(subject="jp/tokyo-rule", jurisdictions=["JP-13"], title="Tokyo Rule")])
    h.later(seconds=1).tl.append([meeting(["JP", "FR"])])
    h.later(seconds=1).tl.append([in_force(subject="eu/ai-act", jurisdictions=["EU"])])
    h.alerts.scan()

    def subjects(name: str) -> list[str]:
        return [
            json.loads(a.body)["data"]["fact"]["subject"]
            for a in h.tl.store.alert_ledger.alerts(name)
        ]

    assert subjects("jp") == ["g7/ai-ministers"]
    assert subjects("jp-all") == ["jp/tokyo-rule", "g7/ai-ministers"]
    assert subjects("instruments") == ["jp/tokyo-rule", "eu/ai-act"]
    assert subjects("eu-acts") == ["eu/ai-act"]


def test_a_disabled_follow_is_silent(make_harness: Make) -> None:
    h = make_harness([follow("jp", jurisdictions=["JP"], to=["a@example.org"], enabled=False)])
    h.alerts.scan()
    h.tl.append([in_force()])
    assert h.alerts.scan() == 0


def test_reminders_come_on_the_days_before_and_follow_a_moved_date(make_harness: Make) -> None:
    h = make_harness([follow("jp", jurisdictions=["JP"], to=["a@example.org"])])
    h.alerts.scan()
    event = h.tl.append([in_force(effective="2026-07-11")]).events[0]  # 40 days after June 1
    h.later(seconds=1).tl.append([in_force(subject="jp/soon", effective="2026-06-06")])
    h.alerts.scan()
    assert h.types() == ["fact.recorded", "fact.recorded", "fact.reminder"]
    soon = json.loads(h.tl.store.alert_ledger.alerts()[-1].body)["data"]
    assert (soon["fact"]["subject"], soon["days"], soon["days_left"]) == ("jp/soon", 7, 5)

    h.later(days=9)  # June 10: 31 days left
    assert h.alerts.scan() == 0
    h.later(days=1)  # June 11: 30 days left
    assert h.alerts.scan() == 1
    h.later(days=1)
    assert h.alerts.scan() == 0  # the 30-day reminder is sent once
    h.tl.correct(event.id, {"effective": "2026-06-15"}, "brought forward")
    h.alerts.scan()
    reminder = json.loads(h.tl.store.alert_ledger.alerts()[-1].body)
    assert reminder["type"] == "fact.reminder"
    assert (reminder["data"]["fact"]["effective"], reminder["data"]["days"]) == ("2026-06-15", 7)
    assert h.types()[-2:] == ["fact.brought_forward", "fact.reminder"]


def test_remind_days_empty_sends_no_reminders(make_harness: Make) -> None:
    h = make_harness([follow("jp", to=["a@example.org"])], remind_days=[])
    h.alerts.scan()
    h.tl.append([in_force(effective="2026-06-05")])
    h.alerts.scan()
    assert h.types() == ["fact.recorded"]


def test_without_projections_to_ask_the_event_alerts_still_come(
    make_harness: Make, tmp_path: Path
) -> None:
    h = make_harness([follow("jp", to=["a@example.org"])], projections=tmp_path / "none")
    h.alerts.scan()
    h.tl.append([in_force(effective="2026-06-05")])
    assert h.alerts.scan() == 1  # the reminder cannot be known; the recorded fact is
    assert h.types() == ["fact.recorded"]
