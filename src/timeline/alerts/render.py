"""What an alert says to people: one email per follow and address, with every alert
waiting for it, as text and HTML, each alert citing its sources.

The webhook's JSON is the alert's body itself (`match`); this module reads it
back, so an email and a webhook say the same.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from timeline.digest.content import one_line
from timeline.digest.render import web_link
from timeline.store.base import AlertRecord

HEADLINES = {
    "fact.recorded": "recorded",
    "fact.corrected": "corrected",
    "fact.retracted": "retracted",
    "fact.postponed": "postponed",
    "fact.brought_forward": "brought forward",
    "fact.made_more_precise": "made more precise",
    "fact.made_less_precise": "made less precise",
    "fact.reminder": "coming up",
}


@dataclass(frozen=True, slots=True)
class AlertLine:
    """One alert as the email shows it."""

    what: str
    title: str
    jurisdictions: str
    effective: str
    previous_effective: str | None
    reason: str | None
    days_left: int | None
    sources: tuple[tuple[str, str | None], ...]


def alert_line(alert: AlertRecord) -> AlertLine:
    body = json.loads(alert.body)
    data: dict[str, Any] = body["data"]
    fact = data["fact"]
    previous = data.get("previous") or {}
    moved = previous.get("effective", fact["effective"]) != fact["effective"]
    return AlertLine(
        what=HEADLINES.get(alert.type, alert.type),
        title=one_line(fact["title"]),
        jurisdictions=" ".join(fact["jurisdictions"]),
        effective=fact["effective"],
        previous_effective=previous["effective"] if moved else None,
        reason=one_line(data["reason"]) if data.get("reason") else None,
        days_left=data.get("days_left"),
        sources=tuple(
            (one_line(f"{s.get('publisher', '')}: {s.get('title', '')}"), s.get("url"))
            for s in fact["sources"]
        ),
    )


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("timeline.alerts", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html",), default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["web_link"] = web_link
    return env


def message_id(follow: str, recipient: str, alerts: Sequence[AlertRecord], sender: str) -> str:
    """The same Message-ID whenever these alerts go to this address together, so that a
    batch sent again after a crash can be recognised as the same message."""
    ids = "\x1f".join(sorted(alert.id for alert in alerts))
    digest = hashlib.sha256(f"{follow}\x1f{recipient.lower()}\x1f{ids}".encode()).hexdigest()
    domain = sender.rpartition("@")[2] or "timeline"
    return f"<alerts.{follow}.{digest[:24]}@{domain}>"


def alert_email(
    follow: str,
    recipient: str,
    alerts: Sequence[AlertRecord],
    sender: str,
    date: dt.datetime,
    *,
    test: bool = False,
) -> EmailMessage:
    """One message with every alert of `alerts` (oldest first) for `recipient`."""
    lines = [alert_line(alert) for alert in sorted(alerts, key=lambda a: (a.created_at, a.id))]
    count = f"{len(lines)} alert{'s' if len(lines) != 1 else ''}"
    subject = f"[timeline] {'Test: ' if test else ''}{follow}: {count}"
    if len(lines) == 1:
        subject += f": {lines[0].title} {lines[0].what}"
    env = environment()
    context = {"follow": follow, "lines": lines, "test": test}
    message = EmailMessage(policy=policy.SMTP)
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = recipient
    message["Date"] = format_datetime(date.astimezone(dt.UTC))
    message["Message-ID"] = message_id(follow, recipient, alerts, sender)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies
    message.set_content(env.get_template("alerts.txt").render(**context), cte="quoted-printable")
    message.add_alternative(
        env.get_template("alerts.html").render(**context), subtype="html", cte="quoted-printable"
    )
    return message
