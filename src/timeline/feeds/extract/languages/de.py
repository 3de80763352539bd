"""German: month and weekday names from the Unicode CLDR (babel), event wordings here.

German writes compounds ("Absichtserklärung", "KI-Beirat"), so the nouns
that say what was signed or created are matched as word endings, and its
dates are "1. Oktober 2025", "am Dienstag", "ab Januar".  Patterns see
folded text: "Inkrafttreten" stays, "Änderung" reads "Anderung".
"""

from __future__ import annotations

import re

from babel.dates import get_day_names, get_month_names

from timeline.feeds.extract.languages.base import (
    DateContext,
    DateWords,
    Language,
    NameWords,
    PlaceWords,
    Structure,
    trigger,
)
from timeline.feeds.extract.text import fold


def german_forms(adjective: str) -> list[str]:
    """'deutsch' -> deutsch, deutsche, deutschen, deutscher, deutsches, and 'Deutsche'."""
    forms = [adjective + ending for ending in ("", "e", "en", "er", "es")]
    return forms + [f[0].upper() + f[1:] for f in forms[1:]]


_MONTHS = {
    fold(name).lower(): number for number, name in get_month_names("wide", locale="de").items()
}
_MONTHS |= {
    fold(name).lower().rstrip("."): number
    for number, name in get_month_names("abbreviated", locale="de").items()
    if len(name.rstrip(".")) >= 3
}
_WEEKDAYS = [fold(get_day_names("wide", locale="de")[i]).lower() for i in range(7)]

_SIGNED_THING = r"(?:abkommen|vereinbarung|erklarung|memorandum|partnerschaft|pakt|protokoll)\w*"
_CREATED_THING = (
    r"(?:behorde|agentur|institut|rat|beirat|kommission|ausschuss|zentrum|stelle|amt|buro|"
    r"gremium|netzwerk|observatorium|ministerium|direktion|einheit)\b"
)

LANGUAGE = Language(
    code="de",
    function_words=re.compile(
        r"\b(?:der|die|das|und|ist|sind|mit|fur|fuer|von|auf|dem|den|ein|eine|nicht|wird|werden|"
        r"auch|nach|bei|zum|zur|uber)\b",
        re.IGNORECASE,
    ),
    triggers=(
        trigger(
            "instrument.amended",
            r"\b(?:andert|geandert|anderung\w*|novelliert|verschiebt|verschoben|aktualisiert)\b",
        ),
        trigger(
            "instrument.repealed",
            r"\b(?:aufgehoben|aufhebung|hebt\b[^.;\n]{0,40}\bauf|abgeschafft|schafft\b[^.;\n]{0,40}"
            r"\bab|widerruft|widerrufen)\b",
        ),
        trigger(
            "membership.joined",
            r"\b(?:tritt|treten|trat|traten)\b[^.;\n]{0,50}\bbei\b|\bbeigetreten\b|\bbeitritt\w*|"
            r"\bratifiz\w*",
        ),
        trigger(
            "agreement.signed",
            rf"\b(?:unterzeichn\w*|unterschreib\w*|unterschrieb\w*|schliess\w*|schloss\w*|"
            rf"vereinbar\w*)\b[^.;\n]{{0,60}}{_SIGNED_THING}|"
            rf"{_SIGNED_THING}\b[^.;\n]{{0,60}}\b(?:unterzeichnet|unterschrieben|geschlossen)\b|"
            r"\b(?:veroffentlich|starte|beschl|verabschied|prasentier|geb)\w*\b[^.;\n]{0,50}?"
            r"\b(?:gemeinsame\w* erklarung|kooperationsinitiative|gemeinsame\w* initiative)\b",
        ),
        trigger(
            "instrument.in_force",
            r"\b(?:tritt|treten|trat|traten)\b(?:[^.;\n]|\d\.){0,60}\bin kraft\b|"
            r"\bin kraft getreten\b|"
            r"\binkrafttreten\b|\b(?:gilt|gelten|galt) (?:ab|seit)\b|\bwirksam\b",
        ),
        trigger(
            "instrument.proposed",
            r"entwurf\w*|\b(?:konsultation|anhorung|vorgeschlagen|schlagt\b[^.;\n]{0,40}\bvor)\b",
        ),
        trigger(
            "instrument.adopted",
            r"\b(?:beschliesst|beschlossen|beschliessen|verabschiede\w*|kabinettsbeschluss|billigt|"
            r"gebilligt|verkundet|erlasst|erlassen|angenommen)\b|"
            r"\b(?:startet|stellt|prasentiert|legt)\b[^.;\n]{0,40}?\w*(?:strategie|plan|leitlinien|"
            r"offensive|programm|agenda|kodex|rahmen)\b",
        ),
        trigger(
            "body.established",
            rf"\b(?:grundet|gegrundet|richtet|eingerichtet|errichtet|startet|nimmt)\b"
            rf"[^.;\n]{{0,50}}?{_CREATED_THING}|{_CREATED_THING}[^.;\n]{{0,40}}\b(?:nimmt"
            rf"[^.;\n]{{0,20}}\barbeit auf|gegrundet|eingerichtet|startet)\b|"
            r"\boffnet (?:seine|ihre) (?:turen|pforten)\b",
        ),
        trigger(
            "meeting.held",
            r"gipfel\b|treffen\b|\b(?:tagt|tagen|tagung|treffen sich|trafen sich|kommen\b"
            r"[^.;\n]{0,30}\bzusammen|kamen\b[^.;\n]{0,30}\bzusammen)\b",
        ),
        trigger(
            "office.opened",
            r"\b(?:eroffnet|eroffnen)\b[^.;\n]{0,40}?\w*(?:buro|niederlassung|standort|labor|"
            r"forschungszentrum|zentrale|campus|hub)\w*",
        ),
        trigger("investment.announced", r"\b(?:investier\w*|investition\w*)"),
        trigger(
            "metric.reported", r"\b(?:statistik\w*|statistisch\w*|erhebung|umfrage|befragung)\b"
        ),
        trigger(
            "instrument.adopted",
            r"\b(?:stellt\b[^.;\n]{0,40}\bvor|veroffentlicht|prasentiert)\b",
            weak=True,
        ),
    ),
    dates=DateWords(
        months=_MONTHS,
        weekdays=_WEEKDAYS,
        day_range=[r"{d}\.\s*(?:bis|-|\u2013)\s*\d{{1,2}}\. ?{mon}(?: {y})?"],
        weekday_suffix=r"(?:abend|morgen|nachmittag|vormittag|mittag|nacht)?",
        day_month_year=[r"{d}\. ?{mon}\.? {y}"],
        day_month=[r"{d}\. ?{mon}\b"],
        month_year=[r"{mon} {y}"],
        before_month=r"im|ab|seit|bis|anfang|ende|mitte|fruhjahr|zum",
        before_year=r"im jahr|ab|seit|bis|anfang|ende|mitte|fur",
        relative_days={"heute": 0, "gestern": -1, "vorgestern": -2, "ubermorgen": 2},
        next_words=r"nachsten|kommenden",
        last_words=r"vergangenen|letzten",
        relative_years={
            "nachstes jahr": 1,
            "im kommenden jahr": 1,
            "im nachsten jahr": 1,
            "dieses jahr": 0,
        },
    ),
    non_event_title=re.compile(
        r"^\s*(?:kommentar|analyse|hintergrund|interview|meinung|gastbeitrag|podcast|webinar|"
        r"stellenangebot|stellenanzeige|veranstaltung|veranstaltungshinweis|erklart|erklarstuck|"
        r"ruckblick|chronik|wochenruckblick|marktbericht|in eigener sache|hinweis)\s*[:|\u2013—-]|"
        r"\b(?:was [^:\n]{0,60}\bbedeutet|fragen und antworten|vor (?:einem|zwei|drei|\d+) jahr\w*|"
        r"wir suchen|jetzt bewerben)\b",
        re.IGNORECASE,
    ),
    non_event_body=re.compile(
        r"\b(?:jetzt anmelden|anmeldung unter|bewerbungen bis|bewerben sie sich|in dieser folge|"
        r"tickets)\b",
        re.IGNORECASE,
    ),
    date_context=DateContext(
        future=r"\b(?:wird|werden|soll|sollen|kunftig|kommend\w*)\b",
        until=r"bis (?:zum|zur|am|ende)?",
    ),
    updated_object=re.compile(
        r"\b(?:aktualisiert\w*|uberarbeitet\w*|fortgeschrieben\w*)\b", re.IGNORECASE
    ),
    names=NameWords(
        connectors=r"fur|zur|zum|der",
        abbreviations=r"KI",
        compound=re.compile(
            r"\b[\w-]*(?:gesetz|verordnung|strategie|leitlinien|offensive|aktionsplan|institut|"
            r"behorde|behörde|beirat|gipfel|abkommen|erklärung|erklarung|partnerschaft)\b",
            re.IGNORECASE,
        ),
        stop_words=frozenset({"fur", "zur", "zum", "der", "die", "das"}),
    ),
    place_words=PlaceWords(
        coordinator=r"und",
        article=r"die\s+|der\s+|das\s+",
        host_before=r"in",
        company_after=r"unternehmen|konzerns?",
    ),
    structure=Structure(
        adjunct_before=re.compile(
            r"\b(?:am rande d(?:es|er)|beim|bei d(?:em|er)|nach d(?:em|er)|vor d(?:em|er)|"
            r"wahrend d(?:es|er)|im vorfeld d(?:es|er)|anlasslich d(?:es|er))\s+"
            r"(?:[\w-]+\s+){0,3}[\w-]*$",
            re.IGNORECASE,
        ),
        nominal=re.compile(
            r"\w*(?:ung|ungen|gipfel|treffen|tagung|statistik\w*|umfrage|erhebung|befragung|"
            r"entwurf\w*|investition\w*|beitritt\w*|inkrafttreten|konsultation|anhorung|"
            r"kabinettsbeschluss)",
            re.IGNORECASE,
        ),
    ),
    adjective_forms=german_forms,
    # "Bundes-" is the federation itself (Bundesregierung, Bundeskabinett).
    government_channel=re.compile(
        r"\b(?:ministerium|bundesregierung|senatsverwaltung|staatsregierung)\b", re.IGNORECASE
    ),
    topic_stop_words=frozenset(
        """der die das den dem des ein eine einen einem einer und oder in im am an auf fur mit
        von vom zu zum zur bei nach uber ist sind wird werden hat haben war nicht auch""".split()  # noqa: SIM905 - a word list reads best as text
    ),
    government=re.compile(r"\bbundes\w+|\bkabinett\w*|\bbund\b", re.IGNORECASE),
)
