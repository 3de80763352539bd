"""The change feed's format: Atom 1.0 (RFC 4287) with each event's fields in the
`tl:` namespace; written here for `/changes.atom` and read back here for a
timeline that follows another one, so the two sides cannot drift apart.

An entry is one recorded event (a fact, a correction or a retraction)::

    <entry>
      <id>urn:uuid:EVENT-ID</id> <title>...</title> <updated>RECORDED-AT</updated>
      <category term="instrument.in_force" scheme="https://timeline.example/ns/1#kind"/>
      <tl:event id="EVENT-ID" seq="12" kind="instrument.in_force" subject="eu/ai-act"
                recorded-at="2026-06-20T10:00:00.000000Z">
        <tl:jurisdiction>EU</tl:jurisdiction>
        <tl:effective precision="month" start="2025-11-01" end="2025-11-30">2025-11</tl:effective>
        <tl:source publisher="..." title="..." url="..." published="2026-06-20"/>
        <tl:target>ID</tl:target>            (corrections and retractions: the fact named)
        <tl:payload type="application/json">{...}</tl:payload>
      </tl:event>
    </entry>

The payload is JSON text because it is the event's own typed structure (a
correction's payload carries the whole corrected fact); everything a reader
filters or shows is also an element or attribute of its own.  ElementTree (the
standard library) writes and reads it: the format is small and fixed, and the
reader needs the namespaced elements exactly, which feedparser flattens.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from timeline.errors import FeedError, InvalidDateError
from timeline.model.dates import PartialDate, utc_text
from timeline.model.events import AnyEvent, parse_event
from timeline.model.facts import CORRECTED, RETRACTED, describe
from timeline.model.kinds import META_KINDS
from timeline.store.base import RecordedEvent, format_utc

NAMESPACE = "https://timeline.example/ns/1"
"""The namespace of timeline's Atom extension elements (version 1 of the format)."""
ATOM = "http://www.w3.org/2005/Atom"
ET.register_namespace("", ATOM)
ET.register_namespace("tl", NAMESPACE)


# Characters XML 1.0 cannot hold; ElementTree would write them and make the
# feed unreadable.  The payload keeps them (JSON escapes them as \u0001).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def _atom(name: str) -> str:
    return f"{{{ATOM}}}{name}"


def _tl(name: str) -> str:
    return f"{{{NAMESPACE}}}{name}"


@dataclass(frozen=True, slots=True)
class FeedLinks:
    """Where the feed and its pages are: RFC 5005 paging by `before` cursor."""

    feed_id: str
    self_url: str
    first_url: str
    next_url: str | None
    """The page of older entries, if any."""
    event_url: str
    """`{id}` is replaced by an event id: where an entry's event is shown in full."""


def entry_title(event: RecordedEvent) -> str:
    verb = {CORRECTED: "Corrected", RETRACTED: "Retracted"}.get(event.kind, "Recorded")
    return f"{verb}: {describe(event.kind, event.payload)} ({', '.join(event.jurisdictions)})"


def _event_element(parent: ET.Element, event: RecordedEvent) -> None:
    element = ET.SubElement(
        parent,
        _tl("event"),
        {
            "id": event.id,
            "seq": str(event.seq),
            "kind": event.kind,
            "subject": event.subject,
            "recorded-at": format_utc(event.recorded_at),
        },
    )
    for code in event.jurisdictions:
        ET.SubElement(element, _tl("jurisdiction")).text = code
    effective = event.effective
    ET.SubElement(
        element,
        _tl("effective"),
        {
            "precision": effective.precision.value,
            "start": effective.start_iso,
            "end": effective.end_iso,
        },
    ).text = str(effective)
    for source in event.sources:
        ET.SubElement(element, _tl("source"), {k: _xml(str(v)) for k, v in source.items()})
    payload = event.payload
    if "target" in payload:
        ET.SubElement(element, _tl("target")).text = payload["target"]
    ET.SubElement(element, _tl("payload"), {"type": "application/json"}).text = json.dumps(
        payload, ensure_ascii=False, sort_keys=True
    )


def _link(parent: ET.Element, rel: str, href: str, media: str | None = None) -> None:
    attributes = {"rel": rel, "href": href}
    if media:
        attributes["type"] = media
    ET.SubElement(parent, _atom("link"), attributes)


def write_feed(
    entries: Sequence[RecordedEvent], *, title: str, updated: dt.datetime, links: FeedLinks
) -> bytes:
    """The Atom document of one page of entries (newest first, as given)."""
    feed = ET.Element(_atom("feed"))
    ET.SubElement(feed, _atom("id")).text = links.feed_id
    ET.SubElement(feed, _atom("title")).text = title
    ET.SubElement(feed, _atom("updated")).text = utc_text(updated, "seconds")
    ET.SubElement(ET.SubElement(feed, _atom("author")), _atom("name")).text = "timeline"
    ET.SubElement(feed, _atom("generator")).text = "timeline"
    _link(feed, "self", links.self_url, "application/atom+xml")
    _link(feed, "first", links.first_url, "application/atom+xml")
    if links.next_url:
        _link(feed, "next", links.next_url, "application/atom+xml")
    for event in entries:
        entry = ET.SubElement(feed, _atom("entry"))
        ET.SubElement(entry, _atom("id")).text = f"urn:uuid:{event.id}"
        ET.SubElement(entry, _atom("title")).text = _xml(entry_title(event))
        moment = utc_text(event.recorded_at, "seconds")
        ET.SubElement(entry, _atom("published")).text = moment
        ET.SubElement(entry, _atom("updated")).text = moment
        _link(entry, "alternate", links.event_url.replace("{id}", event.id))
        ET.SubElement(entry, _atom("category"), {"term": event.kind, "scheme": f"{NAMESPACE}#kind"})
        ET.SubElement(entry, _atom("summary")).text = _xml(
            f"{event.kind}, effective {event.effective}: {describe(event.kind, event.payload)}"
        )
        _event_element(entry, event)
    body: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return body


# -- reading ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FeedEvent:
    """An event as another timeline's change feed gives it: what `model.facts` needs
    (a `LoggedEvent`), so a follower applies the one rule to what it reads."""

    id: str
    seq: int
    kind: str
    subject: str
    jurisdictions: tuple[str, ...]
    effective: PartialDate
    recorded_at: dt.datetime
    sources: tuple[dict[str, Any], ...]
    payload: dict[str, Any]

    def to_event(self) -> AnyEvent:
        return parse_event(
            {
                "kind": self.kind,
                "subject": self.subject,
                "jurisdictions": list(self.jurisdictions),
                "effective": str(self.effective),
                "sources": list(self.sources),
                "payload": self.payload,
            },
            where=f"change feed event {self.id}",
        )


def _required(element: ET.Element, name: str) -> str:
    value = element.get(name)
    if value is None:
        raise FeedError(f"change feed: a tl:event without its {name} attribute")
    return value


def _read_event(element: ET.Element) -> FeedEvent:
    effective = element.find(_tl("effective"))
    payload = element.find(_tl("payload"))
    if effective is None or payload is None or not effective.text or not payload.text:
        raise FeedError(f"change feed: event {element.get('id')} lacks tl:effective or tl:payload")
    kind = _required(element, "kind")
    try:
        data = json.loads(payload.text)
        recorded_at = dt.datetime.fromisoformat(_required(element, "recorded-at"))
        seq = int(_required(element, "seq"))
        date = PartialDate.parse(effective.text)
    except (ValueError, InvalidDateError) as exc:
        raise FeedError(f"change feed: event {element.get('id')}: {exc}") from None
    if (
        not isinstance(data, dict)
        or (kind in META_KINDS and not isinstance(data.get("target"), str))
        or (kind == CORRECTED and not isinstance(data.get("corrected"), dict))
    ):
        raise FeedError(f"change feed: event {element.get('id')}: its tl:payload is no payload")
    return FeedEvent(
        id=_required(element, "id"),
        seq=seq,
        kind=kind,
        subject=_required(element, "subject"),
        jurisdictions=tuple(j.text or "" for j in element.findall(_tl("jurisdiction"))),
        effective=date,
        recorded_at=recorded_at,
        sources=tuple(dict(s.attrib) for s in element.findall(_tl("source"))),
        payload=data,
    )


def read_feed(body: bytes) -> tuple[list[FeedEvent], str | None]:
    """The events of a change feed page, oldest first, and its `next` page's URL.

    The caller has refused documents declaring entities (`feeds.parse`), so the
    standard library's parser is safe on them."""
    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:
        raise FeedError(f"change feed: not XML ({exc})") from None
    found = [_read_event(e) for e in root.iter(_tl("event"))]
    following = next(
        (link.get("href") for link in root.findall(_atom("link")) if link.get("rel") == "next"),
        None,
    )
    return sorted(found, key=lambda e: e.seq), following
