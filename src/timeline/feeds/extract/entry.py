"""One feedparser entry to a proposed event: kind, jurisdictions, effective date, confidence.

How an item is read:

1. Title and summary become plain text; the title is the first "sentence".
2. Genre marks (Opinion:, Explainer:, 【解説】, sponsored content, job ads, a
   correction that changes no date) make the item a non-event.
3. The headline kind is the main verb of the title (`kinds.headline_order`:
   not in an adjunct, a verb before a noun, what a meeting concluded before
   the meeting); failing a wording in the title, the body wording whose date
   lies nearest the publication date (news reports what just happened or is
   about to).
4. The date is chosen among the mentions by how it relates to a trigger of
   that kind: bound to it ("takes effect on 1 September"), in the same sentence,
   or only nearby; dates that are background by their wording ("not July 1",
   "the order of Oct. 30", "from Feb. 1 to June 30", "announced Tuesday") rank
   last.  A month or year from the title is refined by a day in the body that
   falls inside it; precision is never invented.
5. Jurisdictions follow the labels' rules by kind: the subject of the title
   (and those coordinated with it, "the US and Britain"); all parties of an
   agreement or investment; the host (and group) of a meeting; the country of
   an office opening.

"""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import itertools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import feedparser

from timeline.feeds.extract.dates import DateMention, find_dates
from timeline.feeds.extract.item import ItemExtraction
from timeline.feeds.extract.kinds import (
    KindMention,
    find_kinds,
    headline_order,
    in_adjunct,
    non_event_reason,
    span_in_adjunct,
)
from timeline.feeds.extract.languages import (
    LANGUAGES,
    detect_language,
    languages_in,
    normalise_language,
)
from timeline.feeds.extract.places import PlaceMention, gazetteer, is_group, parent_country
from timeline.feeds.extract.publisher import Publisher, feed_publisher, item_publisher
from timeline.feeds.extract.subjects import subject_name
from timeline.feeds.extract.text import (
    Sentence,
    collapse,
    dateline_as_name,
    fold,
    html_to_text,
    sentences,
)
from timeline.model.dates import PartialDate, Precision
from timeline.model.jurisdictions import validate_code

# -- reading the entry ------------------------------------------------------


def _guid(entry: Mapping[str, Any], title: str) -> str:
    for key in ("id", "link"):
        value = entry.get(key)
        if value:
            return str(value)
    digest = hashlib.sha256(f"{title}\n{entry.get('published', '')}".encode()).hexdigest()
    return f"sha256:{digest[:32]}"


def _field(entry: Mapping[str, Any], key: str) -> Any:
    """A field as stored: feedparser maps a missing `updated*` to `published*`
    behind a deprecation warning, which we neither need nor want."""
    return dict.get(entry, key) if isinstance(entry, dict) else entry.get(key)


def _published(entry: Mapping[str, Any]) -> tuple[dt.datetime | None, dt.date | None]:
    """(UTC moment, local calendar date) of publication.

    Relative dates are anchored on the publisher's own calendar day, so the
    local date is read from the raw string with its offset when possible.
    """
    parsed = _field(entry, "published_parsed") or _field(entry, "updated_parsed")
    moment = None
    if parsed:
        year, month, day, hour, minute, second = tuple(parsed)[:6]
        moment = dt.datetime(year, month, day, hour, minute, second, tzinfo=dt.UTC)
    raw = _field(entry, "published") or _field(entry, "updated")
    local: dt.datetime | None = None
    if isinstance(raw, str):
        try:
            local = email.utils.parsedate_to_datetime(raw)
        except (TypeError, ValueError):
            try:
                local = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
            except ValueError:
                local = None
    if local is not None and moment is None and local.tzinfo is not None:
        moment = local.astimezone(dt.UTC)
    anchor = local.date() if local is not None else moment.date() if moment else None
    return moment, anchor


def _summary_markup(entry: Mapping[str, Any]) -> str:
    for content in entry.get("content") or []:
        value = content.get("value") if isinstance(content, Mapping) else None
        if value:
            return str(value)
    return str(entry.get("summary") or entry.get("description") or "")


@dataclass(frozen=True, slots=True)
class _Text:
    """Title and body as one folded string, with sentences; the title is sentence 0.

    `original` is the same text unfolded (same offsets), for quoting evidence.
    """

    text: str
    original: str
    title_end: int
    sentences: list[Sentence]

    @classmethod
    def of(cls, title: str, body: str) -> _Text:
        original = collapse(title) + "\n" + dateline_as_name(body)
        text = fold(original)
        title_end = len(collapse(title))
        spans = [
            Sentence(0, title_end, text[:title_end]),
            *sentences(text[title_end + 1 :], title_end + 1),
        ]
        return cls(text, original, title_end, spans)

    def quote(self, start: int, end: int) -> str:
        return self.original[start:end]

    def sentence_index(self, offset: int) -> int:
        for index, sentence in enumerate(self.sentences):
            if sentence.start <= offset < sentence.end:
                return index
        return len(self.sentences)

    def sentence_start(self, offset: int) -> int:
        index = self.sentence_index(offset)
        return self.sentences[index].start if index < len(self.sentences) else offset


# -- choosing kind and date -------------------------------------------------

# Kinds whose event is itself a telling: for them "announced on Monday" is the date.
_TELLING_KINDS = frozenset({"investment.announced", "metric.reported", "instrument.proposed"})


def _gap(text: str, date: DateMention, trigger: KindMention) -> int | None:
    """Characters between a date and a trigger when the date directly qualifies it
    ("takes effect on 1 May", "on Thursday signed", "来月15日に施行"), else None.

    Japanese packs a clause into a few characters, so there the date must sit
    right before its verb (に, から).
    """
    if trigger.end <= date.start:
        gap = text[trigger.end : date.start]
    elif date.end <= trigger.start:
        gap = text[date.end : trigger.start]
    else:
        return 0
    limit = 4 if re.search(r"[\u3040-\u9fff]", gap) else 16
    if len(gap) > limit or re.search(r"[.;。、\n]|,\s", gap):
        return None
    return len(gap)


def _bound_kind(text: str, date: DateMention, triggers: list[KindMention]) -> KindMention | None:
    """The trigger a date directly qualifies (the closest, if several)."""
    gaps = [(g, t) for t in triggers if not t.weak and (g := _gap(text, date, t)) is not None]
    gaps += [(g + 100, t) for t in triggers if t.weak and (g := _gap(text, date, t)) is not None]
    return min(gaps, key=lambda gt: gt[0])[1] if gaps else None


# "pushes back ... to mid-2026": the words before a change's new value.
_CHANGE_TO = re.compile(
    "|".join(
        rf"\b(?:{lang.date_context.range_to}|{lang.date_context.until})\s+$"
        for lang in LANGUAGES
        if lang.date_context.range_to
    ),
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class _Choice:
    kind: KindMention
    date: DateMention | None
    tier: int


def _rank_dates(
    text: _Text, kind: str, triggers: list[KindMention], dates: list[DateMention]
) -> list[tuple[int, int, int, DateMention]]:
    """Dates ranked for `kind`: (tier, sentence, distance, date), best first.

    Tier 0: bound to a trigger of the kind; 1: same sentence, unbound; 2: same
    sentence but bound to a trigger of another kind; 3: elsewhere, or the date
    of an announcement.  Dates demoted by their wording are left out.
    """
    same = [t for t in triggers if t.kind == kind]
    same_sentences = {text.sentence_index(t.start) for t in same}
    ranked: list[tuple[int, int, int, DateMention]] = []
    for date in dates:
        if date.demoted:
            continue
        if kind == "instrument.amended" and _CHANGE_TO.search(text.text[: date.start][-20:]):
            continue  # "pushes back ... to mid-2026": the new value, not the amendment's date
        sentence = text.sentence_index(date.start)
        distance = min((abs(t.start - date.start) for t in same), default=10_000)
        bound = _bound_kind(text.text, date, triggers)
        if bound is not None and bound.kind == kind:
            tier = 0
        elif sentence in same_sentences:
            tier = 2 if bound is not None and not bound.weak else 1
        else:
            tier = 3
        if date.after_announcement and kind not in _TELLING_KINDS:
            tier = 3
        ranked.append((tier, sentence if tier < 3 else 0, distance, date))
    # The lead (earliest sentence with the kind's wording) carries the event's
    # date; within a sentence, the date bound to the kind's own verb first.
    ranked.sort(key=lambda r: (r[0] == 3, r[1], r[0], r[2]))
    return ranked


def _days_from(value: str, anchor: dt.date | None) -> int:
    if anchor is None:
        return 0
    partial = PartialDate.parse(value)
    if partial.start <= anchor <= partial.end:
        return 0
    return min(abs((partial.start - anchor).days), abs((partial.end - anchor).days))


def _refine(chosen: DateMention, ranked: list[tuple[int, int, int, DateMention]]) -> DateMention:
    """A more precise date inside the chosen one ("September" -> "1 September 2025"),
    or the same day with the year written out when the chosen one's year was inferred
    ("July 1" in a title, "July 1, 2027" in the text)."""
    if chosen.relative:
        spelled = [
            d
            for tier, _, _, d in ranked
            if tier <= 1 and not d.relative and d.value[4:] == chosen.value[4:] and d.value[4:]
        ]
        if spelled:
            return spelled[0]
    outer = PartialDate.parse(chosen.value)
    finer = [
        date
        for tier, _, _, date in ranked
        if tier <= 1
        and PartialDate.parse(date.value).precision != outer.precision
        and outer.start <= PartialDate.parse(date.value).start <= outer.end
        and PartialDate.parse(date.value).end <= outer.end
    ]
    return min(finer, key=lambda d: _PRECISION_ORDER[d.precision]) if finer else chosen


_PRECISION_ORDER = {Precision.DAY: 0, Precision.MONTH: 1, Precision.YEAR: 2}


# What an adoption can carry out: "enacts amendments", "adopts a resolution
# establishing a panel" report the amendment or the new body, not the vehicle.
_CARRIED_BY_ADOPTION = frozenset({"instrument.amended", "instrument.repealed", "body.established"})


def _events_of_sentences(text: _Text, triggers: list[KindMention]) -> list[KindMention]:
    """The wordings that can be the event of their sentence, each sentence's in
    headline order (`kinds.headline_order`): strong ones outside adjuncts; else
    weak ones outside adjuncts ("ahead of the ministerial, publishes
    guidelines"); else the strong ones in adjuncts, when that is all there is."""
    by_sentence: dict[int, list[KindMention]] = {}
    for trigger in triggers:
        by_sentence.setdefault(text.sentence_index(trigger.start), []).append(trigger)
    events: list[KindMention] = []
    for index, group in sorted(by_sentence.items()):
        start = text.sentences[index].start if index < len(text.sentences) else 0
        ordered = headline_order(text.text, start, group)
        main = [t for t in ordered if not in_adjunct(text.text, start, t)]
        strong = [t for t in ordered if not t.weak]
        events += [t for t in main if not t.weak] or (main if strong else []) or strong
    return events


def _choose(
    text: _Text, triggers: list[KindMention], dates: list[DateMention], anchor: dt.date | None
) -> _Choice | None:
    strong = _events_of_sentences(text, triggers)
    in_title = [t for t in strong if t.start < text.title_end]
    if in_title:
        # A title with two triggers ("published; enters into force on 1 August"):
        # the one its own date qualifies is the headline.
        title_dates = [d for d in dates if d.start < text.title_end and not d.demoted]
        carried = [t for t in in_title if t.kind in _CARRIED_BY_ADOPTION]
        if not any(t.kind == "instrument.adopted" for t in in_title):
            carried = []
        headline = next(
            (t for t in in_title if any(_gap(text.text, d, t) is not None for d in title_dates)),
            carried[0] if carried else in_title[0],
        )
        ranked = _rank_dates(text, headline.kind, triggers, dates)
        if not ranked:
            return _Choice(headline, None, 4)
        tier, _, _, date = ranked[0]
        return _Choice(headline, _refine(date, ranked), tier)
    # The body's wordings in text order: which one is the event is then read
    # from the dates (news reports what just happened or is about to).
    strong.sort(key=lambda t: t.start)
    candidates = strong or triggers
    best: tuple[tuple[int, int, int], _Choice] | None = None
    for trigger in candidates:
        ranked = [r for r in _rank_dates(text, trigger.kind, triggers, dates) if r[0] <= 1]
        if not ranked:
            continue
        # Among this kind's well-placed dates, the one nearest publication; and
        # among kinds, the one whose date is nearest (news reports what just
        # happened), then the one whose verb holds the date.
        tier, _, _, date = min(ranked, key=lambda r: (_days_from(r[3].value, anchor), r[0]))
        key = (_days_from(date.value, anchor), tier, trigger.start)
        if best is None or key < best[0]:
            best = (key, _Choice(trigger, _refine(date, ranked), tier))
    if best is not None:
        return best[1]
    if not candidates:
        return None
    headline = candidates[0]
    ranked = _rank_dates(text, headline.kind, triggers, dates)
    if not ranked:
        return _Choice(headline, None, 4)
    tier, _, _, date = min(ranked, key=lambda r: (r[0], _days_from(r[3].value, anchor)))
    return _Choice(headline, date, tier)


# -- choosing jurisdictions -------------------------------------------------


def _place_words(field: str) -> str:
    """One `PlaceWords` field of every language, as alternatives."""
    parts = [getattr(lang.place_words, field) for lang in LANGUAGES]
    return "|".join(f"(?:{part})" for part in parts if part) or r"(?!)"


# Punctuation that coordinates places is no language's; the words are.
_COORDINATED = re.compile(
    rf"^\s*(?:,|&|/|\u3001|{_place_words('coordinator')})\s*(?:{_place_words('article')})?$",
    re.IGNORECASE,
)
_HOST_BEFORE = re.compile(
    rf"\b(?:{_place_words('host_before')})\s+(?:{_place_words('article')})?$", re.IGNORECASE
)
_HOST_AFTER = re.compile(rf"^\s*(?:{_place_words('host_after')})", re.IGNORECASE)

# Kinds whose jurisdiction is a country even when a city or state is named:
# an office, a summit venue (labels: "the country, a subdivision only when the
# matter is state-level alone").
_COUNTRY_LEVEL_KINDS = frozenset({"office.opened", "meeting.held"})


def _coordinated_run(text: str, places: list[PlaceMention], first: int) -> list[PlaceMention]:
    run = [places[first]]
    for following in places[first + 1 :]:
        if _COORDINATED.match(text[run[-1].end : following.start]):
            run.append(following)
        else:
            break
    return run


def _subject(
    text: _Text, places: list[PlaceMention], lead: int | None, *, anywhere: bool = True
) -> list[PlaceMention]:
    """The first place of the title with those coordinated to it; else of the lead sentence;
    else (`anywhere`) of the whole text."""
    scopes: list[Callable[[PlaceMention], bool]] = [lambda p: p.start < text.title_end]
    if lead is not None:
        scopes.append(lambda p: text.sentence_index(p.start) == lead)
    if anywhere:
        scopes.append(lambda p: True)
    for scope in scopes:
        indices = [i for i, p in enumerate(places) if scope(p)]
        if indices:
            return _coordinated_run(text.text, places, indices[0])
    return []


def _hosts(text: _Text, places: list[PlaceMention]) -> list[PlaceMention]:
    return [
        p
        for p in places
        if not is_group(p.code)
        and (
            _HOST_BEFORE.search(text.text[max(0, p.start - 12) : p.start])
            or _HOST_AFTER.match(text.text[p.end : p.end + 8])
        )
    ]


# What a company is called: a country just before it is its nationality
# ("U.S. cloud firm", "a French start-up"), which the labels never count;
# French and Spanish put the adjective after the noun ("une entreprise
# française", "empresa estadounidense").
_COMPANY_AFTER = re.compile(
    # Within the line: the title's last place is not the nationality of a
    # company the body begins with.
    rf"^[ \t-]+(?:[\w-]+[ \t]+){{0,2}}(?:{_place_words('company_after')})\b"
    rf"|^(?:{_place_words('company_after')})",
    re.IGNORECASE,
)
_COMPANY_BEFORE = re.compile(rf"\b(?:{_place_words('company_before')})\s+$", re.IGNORECASE)


def _bilateral(text: str, places: list[PlaceMention]) -> list[PlaceMention]:
    """Mentions that name two parties in one form: "日英" (one phrase, two codes) or a
    hyphenated pair ("Franco-German", "Korea-UK")."""
    spans: dict[tuple[int, int], list[PlaceMention]] = {}
    for place in places:
        spans.setdefault((place.start, place.end), []).append(place)
    paired = [p for group in spans.values() if len(group) > 1 for p in group]
    for first, second in itertools.pairwise(places):
        joined = first.end == second.start and first.phrase.endswith(("-", "\u2013"))
        hyphened = second.start == first.end + 1 and text[first.end] in "-\u2013"
        if joined or hyphened:
            paired += [first, second]
    return list(dict.fromkeys(paired))


def _jurisdictions(
    text: _Text,
    kind: str,
    choice: _Choice,
    places: list[PlaceMention],
    triggers: list[KindMention],
    *,
    anywhere: bool,
    language: str,
) -> tuple[list[PlaceMention], str]:
    """Chosen place mentions and where they came from ("title", "body").

    The lead is the body sentence that reports the event: the one with its
    wording, or else the one with its date.  Without `anywhere` (the publisher
    speaks for the item), a place named only further down is in passing.
    """
    places = [
        p
        for p in places
        if not _COMPANY_AFTER.match(text.text[p.end : p.end + 40])
        and not _COMPANY_BEFORE.search(text.text[max(0, p.start - 30) : p.start])
    ]
    if kind != "meeting.held":
        # "adopts the act ahead of the G20 summit", "as ministers meet in Brussels":
        # a place in an adjunct is the occasion's, not the event's (a meeting's
        # venue is its host, though).
        places = [p for p in places if not _in_adjunct(text, p, language)]
    trigger, date = choice.kind, choice.date
    lead: int | None = None
    if trigger.start > text.title_end:
        lead = text.sentence_index(trigger.start)
    elif date is not None and date.start > text.title_end:
        lead = text.sentence_index(date.start)
    title = [p for p in places if p.start < text.title_end]
    lead_places = [p for p in places if lead is not None and text.sentence_index(p.start) == lead]
    chosen: list[PlaceMention]
    if kind in {"agreement.signed", "investment.announced"}:
        chosen = title if len(title) >= 2 else title + lead_places
        if not chosen:
            chosen = _subject(text, places, lead, anywhere=anywhere)
        if kind == "agreement.signed":
            # All parties, never the venue ("sign a pact in Nairobi"), unless
            # the venue is all there is.
            parties = [p for p in chosen if p not in _hosts(text, chosen)]
            chosen = parties or chosen
    elif kind == "meeting.held":
        # The group whose meeting it is: named near its wording, or in the title
        # that carries it ("the ASEAN-Australia Special Summit").
        in_title = trigger.start < text.title_end
        groups = [
            p
            for p in places
            if is_group(p.code)
            and (abs(p.start - trigger.start) <= 30 or (in_title and p.start < text.title_end))
        ]
        hosts = _hosts(text, title) or _hosts(text, lead_places) or _hosts(text, places)
        # Without a host, the subject of the title or lead ("Japan and Korea hold
        # talks"); a country named further down is a guest, not the host.  A
        # bilateral form ("日英", "Franco-German") names both sides, host or not.
        near = [p for p in title + lead_places if not is_group(p.code)]
        pair = _bilateral(text.text, [p for p in title if not is_group(p.code)])
        # Two countries coordinated as the title's subject ("Japan and Korea hold
        # talks in Seoul") are the parties of a bilateral meeting: both, not the venue.
        countries = [p for p in title if not is_group(p.code)]
        parties = _coordinated_run(text.text, countries, 0) if countries else []
        if len({parent_country(p.code) for p in parties}) >= 2:
            chosen = groups + pair + parties
        else:
            chosen = groups + pair + (hosts[:1] or _subject(text, near, lead))
    elif kind == "membership.joined":
        # The group of what is joined: named in the object of a joining wording,
        # in the title or the first sentence ("joined the Friends Group of the G7's").
        subject = _subject(text, [p for p in places if not is_group(p.code)], lead)
        joins = [
            t
            for t in triggers
            if t.kind == "membership.joined" and text.sentence_index(t.start) <= 1
        ] or [trigger]
        joined = [
            p
            for p in places
            if is_group(p.code) and any(_in_object(text.text, t, p) for t in joins)
        ]
        chosen = subject + list(dict.fromkeys(joined))
    elif kind == "office.opened":
        chosen = (_hosts(text, title) or _hosts(text, places) or _subject(text, places, lead))[:1]
    else:
        chosen = _subject(text, places, lead, anywhere=anywhere)
    origin = "title" if chosen and all(p.start < text.title_end for p in chosen) else "body"
    return chosen, origin


def _in_adjunct(text: _Text, place: PlaceMention, language: str) -> bool:
    index = text.sentence_index(place.start)
    start = text.sentences[index].start if index < len(text.sentences) else 0
    return span_in_adjunct(text.text, start, place.start, place.end, language, wording=False)


_OBJECT_REACH = 40


def _in_object(text: str, trigger: KindMention, place: PlaceMention) -> bool:
    """Whether a place is named in the object of a wording: after it, in its clause."""
    between = text[trigger.end : place.start]
    return 0 <= len(between) <= _OBJECT_REACH and not re.search(r"[.;\n。]", between)


def _codes(kind: str, chosen: list[PlaceMention]) -> tuple[str, ...]:
    codes = {parent_country(p.code) if kind in _COUNTRY_LEVEL_KINDS else p.code for p in chosen}
    # A state named with its own country ("California, in the US"): the state
    # alone, as the labels ask for state-level matters.
    codes -= {parent_country(c) for c in codes if "-" in c}
    return tuple(sorted(validate_code(c) for c in codes))


# -- the public API ---------------------------------------------------------

# How far before publication an item's event may lie and still be news: an
# item about a fact half a year old looks back (history, explainer, column).
STALE_DAYS = 183


def _non_event(
    base: dict[str, Any], confidence: float, kind_evidence: str, date_evidence: str = ""
) -> ItemExtraction:
    return ItemExtraction(
        **base,
        is_event=False,
        kind=None,
        jurisdictions=(),
        effective=None,
        confidence=confidence,
        evidence={"kind": kind_evidence, "date": date_evidence},
    )


def extract_entry(
    entry: Mapping[str, Any],
    *,
    language: str | None = None,
    jurisdiction_hint: str | None = None,
    publisher: Publisher | None = None,
) -> ItemExtraction:
    """Read one feedparser entry into a proposed event (or a non-event).

    `publisher` is the feed's (see `publisher.feed_publisher`); without it,
    the hint, then the item's own domain, speak for an item that names no
    jurisdiction.
    """
    title = collapse(html_to_text(str(entry.get("title") or "")))
    body = html_to_text(_summary_markup(entry))
    published, anchor = _published(entry)
    base: dict[str, Any] = {
        "guid": _guid(entry, title),
        "title": title,
        "summary": collapse(body),
        "link": str(entry["link"]) if entry.get("link") else None,
        "published": published,
    }
    lang = normalise_language(language) or detect_language(f"{title}\n{body}")
    text = _Text.of(title, body)
    if reason := non_event_reason(
        text.original[: text.title_end], text.original[text.title_end + 1 :]
    ):
        return _non_event(base, 0.9, reason)
    # The language modules of the item's text and of its feed's tag: the others'
    # words cannot occur in it, and reading them costs a third of the time.
    languages = {lang, *languages_in(f"{title}\n{body}")}
    triggers = find_kinds(text.text, languages)
    dates = find_dates(text.text, anchor, text.sentence_start, languages)
    choice = _choose(text, triggers, dates, anchor)
    if choice is None:
        return _non_event(base, 0.7, "no wording of a policy event found")
    if choice.date is None:
        return _non_event(
            base,
            0.6,
            f"{text.quote(choice.kind.start, choice.kind.end)!r} ({choice.kind.kind}) "
            "but no date of it found",
        )
    if anchor is not None and (anchor - PartialDate.parse(choice.date.value).end).days > STALE_DAYS:
        # A fact dated over half a year before publication is history or
        # background, not news of an event (history pieces, explainers).
        return _non_event(
            base,
            0.6,
            f"{text.quote(choice.kind.start, choice.kind.end)!r} ({choice.kind.kind}) "
            "dates from long before publication",
            text.quote(choice.date.start, choice.date.end),
        )
    kind = choice.kind.kind
    places = gazetteer().find(text.text)
    if publisher is None and jurisdiction_hint:
        publisher = Publisher(validate_code(jurisdiction_hint), f"feed hint {jurisdiction_hint}")
    publisher = item_publisher(publisher, base["link"])
    own_government = _own_government(text, places, choice)
    if publisher is not None and own_government is not None:
        # "Bundesrat billigt ...", "The Government will establish ...": the
        # actor is the publisher's own government; other places are in passing.
        chosen: list[PlaceMention] = []
        origin = "publisher"
    else:
        strong = publisher is not None and not publisher.home_only
        chosen, origin = _jurisdictions(
            text, kind, choice, places, triggers, anywhere=not strong, language=lang
        )
    codes = _codes(kind, chosen)
    evidence = {
        "kind": text.quote(choice.kind.start, choice.kind.end),
        "date": text.quote(choice.date.start, choice.date.end),
        "language": lang,
    }
    if chosen:
        quoted = (text.quote(p.start, p.end) for p in chosen)
        evidence["jurisdictions"] = "; ".join(dict.fromkeys(quoted))
        evidence["jurisdictions_from"] = origin
    if own_government is not None:
        evidence["government"] = own_government
    lead = text.sentences[min(text.sentence_index(choice.kind.start), len(text.sentences) - 1)]
    if name := subject_name(title, text.quote(lead.start, lead.end)):
        evidence["subject"] = name
    if (
        publisher is not None
        and (not publisher.home_only or own_government is not None)
        and _publisher_applies(kind, codes, publisher.code)
    ):
        codes = tuple(sorted({*codes, publisher.code}))
        origin = "publisher"
        evidence["jurisdictions_from"] = (
            f"{evidence['jurisdictions_from']} + publisher ({publisher.rule})"
            if "jurisdictions_from" in evidence
            else f"publisher ({publisher.rule})"
        )
    kind_score = 0.25 if choice.kind.start < text.title_end and not choice.kind.weak else 0.15
    date_score = {0: 0.25, 1: 0.18, 2: 0.12}.get(choice.tier, 0.06)
    place_score = {"title": 0.2, "body": 0.12, "publisher": 0.06}[origin] if codes else 0.0
    return ItemExtraction(
        **base,
        is_event=True,
        kind=kind,
        jurisdictions=codes,
        effective=choice.date.value,
        confidence=round(min(0.99, 0.25 + kind_score + date_score + place_score), 2),
        evidence=evidence,
    )


_GOVERNMENT_WORDS = [lang.government for lang in LANGUAGES if lang.government is not None]


def _own_government(text: _Text, places: list[PlaceMention], choice: _Choice) -> str | None:
    """A government named without its country ("the Cabinet", "Bundeskabinett", "el Gobierno")
    in the title or the lead, when the title names no place: the words, quoted; else None.

    "El Gobierno de Chile" names its country: a place right after the words
    makes them no such mention.
    """
    if any(p.start < text.title_end for p in places):
        return None
    lead = text.sentence_index(choice.kind.start) if choice.kind.start > text.title_end else 1
    for index in dict.fromkeys((0, lead)):
        if index >= len(text.sentences):
            continue
        sentence = text.sentences[index]
        for pattern in _GOVERNMENT_WORDS:
            for match in pattern.finditer(text.text, sentence.start, sentence.end):
                if not any(0 <= p.start - match.end() <= 15 for p in places):
                    return text.quote(match.start(), match.end())
    return None


def _publisher_applies(kind: str, codes: tuple[str, ...], publisher: str) -> bool:
    """Whether the publisher is (also) the jurisdiction of an item that found `codes`.

    When the item names none, always.  An agreement whose text names one party
    only is the publisher's own with that party ("signs a memorandum with
    Korea" on an Australian government feed); the publisher joins it then.
    """
    if not codes:
        return True
    return (
        kind == "agreement.signed"
        and len(codes) == 1
        and parent_country(codes[0]) != publisher
        and not is_group(publisher)
    )


def extract_feed(
    parsed: feedparser.FeedParserDict,
    *,
    language: str | None = None,
    jurisdiction_hint: str | None = None,
) -> list[ItemExtraction]:
    """Extract every entry; the feed's own language tag is used when none is given, and
    its publisher (hint, government domain, channel) for items that name no jurisdiction."""
    channel = parsed.get("feed", {})
    feed_language = language or channel.get("language")
    if jurisdiction_hint:
        validate_code(jurisdiction_hint)
    publisher = feed_publisher(channel, jurisdiction_hint)
    return [
        extract_entry(entry, language=feed_language, publisher=publisher)
        for entry in parsed.get("entries", [])
    ]
