"""A digest rendered: text and HTML from Jinja2 templates, a PNG chart, one email.

The message is multipart/alternative: text/plain, then a multipart/related
holding the text/html and the chart as an inline image that the HTML names by
Content-ID.  The HTML has inline CSS only, no script and no remote image.
Everything that came from a feed is escaped by the HTML template's autoescaping
and put on one line for the text part; the chart carries only jurisdiction
codes, day names and kind names, never feed text.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from collections import Counter
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime, make_msgid
from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from timeline.digest.content import Digest

CHART_FILE = "chart.png"
_FAMILY_COLOURS = {
    "instrument": "#1d4ed8",
    "body": "#0f766e",
    "agreement": "#7c3aed",
    "meeting": "#b45309",
    "membership": "#be185d",
    "office": "#4d7c0f",
    "investment": "#0e7490",
    "metric": "#6b7280",
    "correction": "#d97706",
    "retraction": "#b91c1c",
}


@dataclass(frozen=True, slots=True)
class RenderedDigest:
    subject: str
    text: str
    html: str
    """The HTML part as mailed: the chart is `cid:` + `chart_cid`."""
    preview_html: str
    """The same HTML with the chart as the local file `chart.png`, for a browser."""
    chart: bytes | None
    chart_cid: str


def web_link(url: object) -> bool:
    """Only http(s) links are ever made clickable (no javascript:, data: or file:)."""
    return (
        isinstance(url, str)
        and url.startswith(("https://", "http://"))
        and not any(c.isspace() or c in "\"'<>" for c in url)
    )


def _utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("timeline.digest", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html",), default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["utc"] = _utc
    env.filters["web_link"] = web_link
    return env


def subject_of(digest: Digest, prefix: str) -> str:
    if digest.empty:
        what = "nothing new"
    else:
        count = digest.event_count
        what = f"{count} new event{'s' if count != 1 else ''}"
        if digest.corrections:
            what += f", {len(digest.corrections)} correction(s)"
    which = f"Weekly digest {digest.week}"
    if digest.so_far:
        which += f", week so far ({digest.monday} .. {digest.last_day})"
    return " ".join(part for part in (prefix, f"{which}: {what}") if part)


def render(digest: Digest, subject_prefix: str) -> RenderedDigest:
    env = environment()
    chart = None if digest.empty else chart_png(digest)
    cid = f"chart.{digest.week}.{digest.list_name}@timeline"
    html = env.get_template("digest.html")
    return RenderedDigest(
        subject=subject_of(digest, subject_prefix),
        text=env.get_template("digest.txt").render(d=digest),
        html=html.render(d=digest, chart_src=f"cid:{cid}" if chart else None),
        preview_html=html.render(d=digest, chart_src=CHART_FILE if chart else None),
        chart=chart,
        chart_cid=cid,
    )


def build_message(rendered: RenderedDigest, sender: str, date: dt.datetime) -> EmailMessage:
    """The message common to every recipient of a list: no To and no Message-ID yet."""
    message = EmailMessage(policy=policy.SMTP)
    message["Subject"] = rendered.subject
    message["From"] = sender
    message["Date"] = format_datetime(date.astimezone(dt.UTC))
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies
    message.set_content(rendered.text, cte="quoted-printable")
    message.add_alternative(rendered.html, subtype="html", cte="quoted-printable")
    if rendered.chart is not None:
        html_part = message.get_payload()[1]  # type: ignore[index]
        assert isinstance(html_part, EmailMessage)
        html_part.add_related(
            rendered.chart,
            maintype="image",
            subtype="png",
            cid=f"<{rendered.chart_cid}>",
            filename=CHART_FILE,
            disposition="inline",
        )
    return message


def message_id(week: str, list_name: str, recipient: str, sender: str) -> str:
    """The same Message-ID every time this digest goes to this recipient, so that a copy
    sent twice (a crash after the server accepted it) can be recognised as one."""
    digest = hashlib.sha256(f"{week}\x1f{list_name}\x1f{recipient.lower()}".encode()).hexdigest()
    domain = sender.rpartition("@")[2] or "timeline"
    return f"<digest.{week}.{list_name}.{digest[:24]}@{domain}>"


def for_recipient(stored: bytes, recipient: str, msgid: str) -> EmailMessage:
    """A stored message addressed to one recipient."""
    message = BytesParser(policy=policy.SMTP).parsebytes(stored)
    assert isinstance(message, EmailMessage)
    del message["To"]
    del message["Message-ID"]
    message["To"] = recipient
    message["Message-ID"] = msgid
    return message


def preview_message(rendered: RenderedDigest, sender: str, to: str, date: dt.datetime) -> bytes:
    message = build_message(rendered, sender, date)
    if to:
        message["To"] = to
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or "timeline")
    return message.as_bytes()


def chart_png(digest: Digest) -> bytes:
    """A small timeline of the week: one row per jurisdiction, one dot per event on the
    day it was recorded, coloured by kind (corrections and retractions hollow)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    points: list[tuple[int, str, str]] = []
    for group in digest.recorded:
        for event in group.events:
            family = event.kind.split(".")[0]
            points.append(((event.recorded_day - digest.monday).days, group.jurisdiction, family))
    for correction in digest.corrections:
        code = correction.jurisdictions[0] if correction.jurisdictions else "?"
        points.append(((correction.recorded_day - digest.monday).days, code, correction.action))
    rows = sorted({code for _, code, _ in points}, reverse=True)
    height = 1.1 + 0.32 * max(len(rows), 2)
    figure = Figure(figsize=(5.92, height), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    same_spot: Counter[tuple[int, str]] = Counter()
    for day, code, family in points:
        offset = same_spot[(day, code)]
        same_spot[(day, code)] += 1
        hollow = family in ("correction", "retraction")
        colour = _FAMILY_COLOURS.get(family, "#374151")
        axes.plot(
            day - 0.3 + 0.12 * (offset % 6),
            rows.index(code),
            marker="o",
            markersize=7,
            markerfacecolor="white" if hollow else colour,
            markeredgecolor=colour,
            markeredgewidth=1.6,
            linestyle="none",
        )
    axes.set_xlim(-0.6, 6.6)
    axes.set_ylim(-0.7, len(rows) - 0.3)
    axes.set_xticks(range(7), [f"{d:%a} {d.day}" for d in _week_days(digest)])
    axes.set_yticks(range(len(rows)), [_plain(code) for code in rows])
    axes.grid(axis="x", color="#e5e7eb")
    axes.set_axisbelow(True)
    for side in ("top", "right", "left"):
        axes.spines[side].set_visible(False)
    axes.tick_params(labelsize=8, length=0)
    used = [f for f in _FAMILY_COLOURS if any(p[2] == f for p in points)]
    axes.legend(
        handles=[
            Line2D(
                [],
                [],
                marker="o",
                linestyle="none",
                markersize=6,
                markeredgecolor=_FAMILY_COLOURS[f],
                markerfacecolor="white"
                if f in ("correction", "retraction")
                else _FAMILY_COLOURS[f],
                label=f,
            )
            for f in used
        ],
        loc="upper center",
        bbox_to_anchor=(0.5, -0.22),
        ncol=min(len(used), 6),
        fontsize=7,
        frameon=False,
    )
    figure.tight_layout()
    out = io.BytesIO()
    # No Software/date metadata: the same digest gives the same bytes on every run.
    figure.savefig(out, format="png", metadata={"Software": None})
    return out.getvalue()


def _week_days(digest: Digest) -> list[dt.date]:
    return [digest.monday + dt.timedelta(days=n) for n in range(7)]


def _plain(label: str) -> str:
    # Matplotlib reads text between dollar signs as TeX; labels are codes, but make sure.
    return label.replace("$", r"\$")
