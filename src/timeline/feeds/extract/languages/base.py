"""What a language contributes to extraction: data, and the few patterns data cannot say.

A language is one module in this package that defines `LANGUAGE`, a
`Language`: its function words (to tell it apart), the wording of each kind of
event (`triggers`), how its headline sentences show their event
(`Structure`), how its dates are written (`DateWords`, from which `dates`
builds its patterns, or patterns written out) and the words around them
(`DateContext`), how its non-event genres are headed, and how its adjectives
of nationality inflect (for the demonyms in `data/places.toml`).  The
modules of the languages a text uses (any function word) and of its feed's
tag read it; their words do not collide, so a mislabelled feed costs nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from timeline.feeds.extract.languages.date_readers import DatePattern

# The order in which overlapping wordings are given to a kind: amendments
# first (their wording contains "effective date", "signed", "law"), weak
# adoptions ("unveils", "publishes") last.
KIND_ORDER = (
    "instrument.amended",
    "instrument.repealed",
    "membership.joined",
    "agreement.signed",
    "instrument.in_force",
    "instrument.proposed",
    "instrument.adopted",
    "body.established",
    "meeting.held",
    "office.opened",
    "investment.announced",
    "metric.reported",
)


@dataclass(frozen=True, slots=True)
class Trigger:
    kind: str
    pattern: re.Pattern[str]
    weak: bool = False

    @property
    def rank(self) -> tuple[int, int]:
        return (self.weak, KIND_ORDER.index(self.kind))


def trigger(kind: str, pattern: str, *, weak: bool = False, case: bool = False) -> Trigger:
    """A wording of `kind`, matched on folded text (accents dropped), case-blind by default."""
    if kind not in KIND_ORDER:
        raise ValueError(f"unknown kind {kind!r}")
    return Trigger(kind, re.compile(pattern, 0 if case else re.IGNORECASE), weak)


@dataclass(frozen=True, slots=True)
class DateWords:
    """How a language writes dates; `dates` turns this into patterns.

    Templates are regex fragments with `{d}` (day), `{mon}` (month name) and
    `{y}` (year) in them, matched case-blind on folded text.
    """

    months: Mapping[str, int]  # folded month names and abbreviations -> 1..12
    weekdays: Sequence[str]  # folded, Monday first
    day_month_year: Sequence[str]
    day_month: Sequence[str]
    month_year: Sequence[str]
    before_month: str  # words that introduce a bare month ("im", "en")
    before_year: str  # words that introduce a bare year ("ab", "en")
    relative_days: Mapping[str, int]  # "heute": 0, "ayer": -1
    next_words: str  # "nachsten", "proximo": the coming one
    last_words: str  # "vergangenen", "pasado": the last one
    relative_years: Mapping[str, int] = field(default_factory=dict)  # "el ano que viene": 1
    day_range: Sequence[str] = ()  # the first day of a range ("14. bis 16. Juni")
    weekday_suffix: str = ""  # joined to a weekday ("Donnerstagabend")


@dataclass(frozen=True, slots=True)
class DateContext:
    """The words around a date that say what it is to the event: regex fragments on
    folded text, matched case-blind, each ending where the date begins (or, for
    `until_after`, starting where it ends).  Empty: the language has none."""

    future: str = ""  # "will", "sera": the coming one ("will take effect in September")
    present: str = ""  # a headline's present verb ("opens", "meets"): the nearest one
    announced: str = ""  # "announced (on)", "a annonce": the date of the telling
    negated: str = ""  # "not (on)", "pas": a date ruled out
    document_of: str = ""  # "the order of", "notre article du": a document's date
    until: str = ""  # "until", "bis zum": the end of a period
    until_after: str = ""  # "まで" after the date: the end of a period
    range_from: str = ""  # "from", "du": the old value in "from X to Y"
    range_to: str = ""  # "to", "au": between the two values of a change
    weekdays: tuple[str, ...] = ()  # for "until Wednesday 6 March" (`DateWords` has its own)


@dataclass(frozen=True, slots=True)
class Structure:
    """How a language's headline sentence shows which wording is its event (see
    `kinds.headline_order`): patterns on folded text, matched case-blind."""

    # Ends where a wording begins when the wording is in an adjunct of its
    # clause ("ahead of the ", "as ", "lors du "): background, not the event.
    adjunct_before: re.Pattern[str] | None = None
    # Begins where a wording ends when it is in an adjunct ("で", "に先立ち").
    adjunct_after: re.Pattern[str] | None = None
    # A wording that is a noun ("investment", "summit"), matched on the whole phrase.
    nominal: re.Pattern[str] | None = None
    # The main verb ends its clause (Japanese), rather than following its subject.
    verb_final: bool = False


@dataclass(frozen=True, slots=True)
class PlaceWords:
    """The words around a place that say its role in the event: regex fragments on
    folded text, matched case-blind.  Empty: the language has none."""

    coordinator: str = ""  # "and", "et", "と": places coordinated as one subject
    article: str = ""  # "the", "l'": between a coordinator and the next place
    host_before: str = ""  # "in", "en": a venue follows
    host_after: str = ""  # "hosts", "で開催": after a venue
    company_after: str = ""  # "firm", "Unternehmen": the place is a company's nationality
    company_before: str = ""  # "empresa", "entreprise" (adjective after the noun)


@dataclass(frozen=True, slots=True)
class NameWords:
    """How a language names an instrument, body, agreement or meeting (`subjects`)."""

    # Capitalised head nouns that end a name ("Act", "Institute"), regex alternatives.
    heads: str = ""
    connectors: str = ""  # words inside a name: "of", "de", "fur"
    after_head: str = ""  # words continuing a name after its head: "Institute *of* ..."
    abbreviations: str = ""  # capitalised words a name may be made of: "AI", "KI"
    compound: re.Pattern[str] | None = None  # one word ending in a head ("KI-Gesetz")
    noun_phrase: re.Pattern[str] | None = None  # a run ending in a head ("AI基本計画")
    stop_words: frozenset[str] = frozenset()  # no distinctive word of a name


def same_word(adjective: str) -> list[str]:
    return [adjective]


@dataclass(frozen=True, slots=True)
class Language:
    code: str
    function_words: re.Pattern[str]
    triggers: tuple[Trigger, ...] = ()
    dates: DateWords | None = None
    # Date patterns written out where templates do not fit (English, French,
    # Japanese): `date_patterns` are read before the templates' patterns of
    # every language, `late_date_patterns` (relative words) after them all.
    date_patterns: tuple[DatePattern, ...] = ()
    late_date_patterns: tuple[DatePattern, ...] = ()
    date_context: DateContext = DateContext()
    non_event_title: re.Pattern[str] | None = None
    non_event_body: re.Pattern[str] | None = None
    adjective_forms: Callable[[str], list[str]] = same_word
    # How a country's own government is named without its country ("the
    # Cabinet", "Bundes-", "el Gobierno"): the publisher's country, then.
    government: re.Pattern[str] | None = None
    # How a channel says it is a government's own ("Ministry of ...", "省").
    government_channel: re.Pattern[str] | None = None
    # Words that say nothing of an item's topic, for telling duplicates apart.
    topic_stop_words: frozenset[str] = frozenset()
    # A correction's heading ("Correction:", "【訂正】"), and the words saying it
    # changes no date ("unchanged"): such an item is no event.
    correction_title: re.Pattern[str] | None = None
    unchanged: re.Pattern[str] | None = None
    structure: Structure = Structure()
    place_words: PlaceWords = PlaceWords()
    names: NameWords = NameWords()
    # The object of an adoption that makes it an amendment ("an updated strategy").
    updated_object: re.Pattern[str] | None = None
