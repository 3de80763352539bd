"""English: event wordings, dates written out ("September 1, 2025", "later this month",
"next spring", "on Thursday") and the words around them, genre marks."""

from __future__ import annotations

import re

from timeline.feeds.extract.languages import date_readers as read
from timeline.feeds.extract.languages.base import (
    DateContext,
    Language,
    NameWords,
    PlaceWords,
    Structure,
    trigger,
)

_MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4,
    "apr": 4, "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8,
    "september": 9, "sept": 9, "sep": 9, "october": 10, "oct": 10, "november": 11, "nov": 11,
    "december": 12, "dec": 12,
}  # fmt: skip
_WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

# Month names are capitalised in English: matching them case-sensitively keeps
# "may" (the verb) and "march" (the noun) out.
_MON = (
    r"(?P<mon>"
    + "|".join(sorted((m.capitalize() for m in _MONTHS), key=len, reverse=True))
    + r")\.?"
)
_ORD = r"(?:st|nd|rd|th)?"
_YEAR = r"(?P<y>(?:19|20)\d{2})"
_named = read.absolute(read.named_month_parts(_MONTHS))
_year = read.absolute(read.year_only)

_DATES: tuple[read.DatePattern, ...] = (
    # Ranges of days: the first day is the date ("from 14 to 16 June")
    (
        re.compile(
            rf"\b(?P<d>\d{{1,2}}){_ORD}\s*(?:to|-|\u2013|and)\s*\d{{1,2}}{_ORD} {_MON}"
            rf"(?:,? {_YEAR})?\b"
        ),
        _named,
    ),
    (
        re.compile(
            rf"\b{_MON} (?P<d>\d{{1,2}}){_ORD}\s*(?:-|\u2013|to)\s*\d{{1,2}}(?:,? {_YEAR})?\b"
        ),
        _named,
    ),
    (re.compile(rf"\b{_MON} (?P<d>\d{{1,2}}){_ORD},? {_YEAR}\b"), _named),
    (re.compile(rf"\b(?P<d>\d{{1,2}}){_ORD} (?:of )?{_MON},? {_YEAR}\b"), _named),
    (re.compile(rf"\b{_MON},? {_YEAR}\b"), _named),
    (re.compile(rf"\b{_MON} (?P<d>\d{{1,2}}){_ORD}\b(?![.,]?\d)"), _named),
    (re.compile(rf"\b(?P<d>\d{{1,2}}){_ORD} (?:of )?{_MON}(?![a-z])"), _named),
    (
        re.compile(
            rf"\b(?:in|since|by|until|from|during|end of|beginning of|start of|early|mid|late)"
            rf"[ -](?:early |mid-|late )?{_MON}(?![a-z])(?!\.? \d)"
        ),
        _named,
    ),
    (
        re.compile(
            rf"\b(?:[Ii]n|[Bb]y|[Uu]ntil|[Ff]rom|[Ss]ince|[Dd]uring|[Bb]efore|[Aa]fter|[Ee]arly|"
            rf"[Ll]ate|[Mm]id|[Ee]nd of|[Bb]eginning of|[Ss]tart of|half of|quarter of|"
            rf"Q[1-4])[ -](?:early |late |mid-)?"
            rf"{_YEAR}\b(?!\s*[-\u2013/]\s*\d)"
        ),
        _year,
    ),
)
_RELATIVE_DATES: tuple[read.DatePattern, ...] = (
    (
        re.compile(r"\b(?:(?:earlier|later) )?(?P<rel>this|next|last) month\b", re.IGNORECASE),
        read.relative_month({"this": 0, "next": 1, "last": -1}),
    ),
    (
        re.compile(
            r"\b(?:(?:earlier|later|early|late) )?(?P<rel>this|next|last) year\b", re.IGNORECASE
        ),
        read.relative_year({"this": 0, "next": 1, "last": -1}),
    ),
    (
        re.compile(r"\b(?P<rel>today|tonight|yesterday|tomorrow)\b", re.IGNORECASE),
        read.relative_day({"today": 0, "tonight": 0, "yesterday": -1, "tomorrow": 1}),
    ),
    (
        re.compile(
            r"\b(?P<rel>this|next|last|coming) (?P<season>spring|summer|autumn|fall|winter)\b",
            re.IGNORECASE,
        ),
        read.season(
            {"spring": 3, "summer": 6, "autumn": 9, "fall": 9, "winter": 12},
            {"next", "coming"},
            {"last"},
        ),
    ),
    (
        re.compile(
            r"\b(?:(?P<rel>last|next|this|coming|late|early) )?(?P<wd>"
            + "|".join(_WEEKDAYS)
            + r")\b"
        ),
        read.weekday(_WEEKDAYS, {"next", "coming"}, {"last"}),
    ),
)

_MONEY = r"(?:\$|€|£|¥|₹|R\$|US\$|C\$|\d[\d,.]*\s*(?:billion|million|trillion|bn|crore|lakh))"
_CREATED_THING = (
    r"(?:agency|authority|office|institute|council|commission|committee|panel|centre|center|"
    r"body|board|regulator|unit|task ?force|network|hub|observatory|mechanisms?|secretariat|"
    r"department|ministry|directorate|bureau)"
)
_SIGNED_THING = (
    r"(?:memorandum|mou|moc|agreement|accord|pact|joint statement|declaration|partnership|"
    r"action plan|charter)"
)

LANGUAGE = Language(
    code="en",
    function_words=re.compile(
        r"\b(?:the|of|and|to|in|is|are|was|were|for|with|on|by|that|this|from|will|has|have)\b",
        re.IGNORECASE,
    ),
    triggers=(
        trigger(
            "instrument.amended",
            r"\b(?:amend(?:s|ed|ing|ment|ments)?|push(?:es|ed)? back|postpone[sd]?|"
            r"delay(?:s|ed|ing)?|moves? (?:back )?the (?:effective|start|application) date|"
            r"extend(?:s|ed) the deadline)\b|"
            # An existing policy updated, revised or overhauled.
            r"\b(?:updat(?:e|es|ed|ing)|revis(?:e|es|ed|ing)|refresh(?:es|ed)?|overhaul(?:s|ed)?)\b"
            r"[^.;\n]{0,40}?\b(?:strategy|plan|roadmap|framework|guidelines?|policy|programme|"
            r"program|code|rules?|act|law|regulations?)\b",
        ),
        trigger(
            "instrument.repealed",
            r"\b(?:repeal(?:s|ed|ing)?|revok(?:e|es|ed|ing)|revocation|rescind(?:s|ed|ing)?|"
            r"abolish(?:es|ed)?)\b",
        ),
        trigger(
            "membership.joined",
            r"\b(?:join(?:s|ed)?(?! us)|accede[sd]?|accession|adher(?:e|es|ed)|adhesion|"
            r"signator(?:y|ies)|ratif(?:y|ies|ied|ication)|becomes? (?:a )?(?:member|party))\b|"
            r"\bsign(?:s|ed|ing)?\b[^.;\n]{0,50}\b(?:convention|treaty)\b",
        ),
        trigger(
            "agreement.signed",
            rf"\b(?:sign(?:s|ed|ing)?|conclude[sd]?|ink(?:s|ed)?|seal(?:s|ed)?|agree(?:s|d)? on)\b"
            rf"[^.;\n]{{0,60}}\b{_SIGNED_THING}\b|"
            rf"\b{_SIGNED_THING}\b[^.;\n]{{0,40}}\bsigned\b|"
            # A joint text or initiative of named parties, however it is put out.
            r"\b(?:issu|releas|launch|unveil|announc|adopt|agree|present|conclud)\w*\b[^.;\n]{0,50}?"
            r"\b(?:joint (?:statement|declaration|communique|initiative|action plan)|"
            r"cooperation (?:initiative|framework|roadmap)|(?:bilateral|strategic) partnership)\b",
        ),
        trigger(
            "instrument.in_force",
            r"\b(?:(?:tak(?:e|es|ing)|took) (?:full |partial |legal )?effect|"
            r"(?:come|comes|came|coming) (?:fully )?into (?:force|effect)|"
            r"enter(?:s|ed|ing)? (?:fully )?into force|entry into force|"
            r"(?:goes|go|went) into effect|"
            r"kick(?:s|ed)? in|appl(?:y|ies) from|begins? to apply|effective date|applicable from|"
            r"becomes? (?:applicable|effective))\b|"
            r"\b(?:enforcement|application|obligations?|requirements?|duties|provisions?)\b"
            r"[^.;\n]{0,40}?\b(?:begin|begins|began|start|starts|started)\b",
        ),
        trigger(
            "instrument.proposed",
            r"\b(?:propos(?:e|es|ed|al|als)|introduc(?:e|es|ed)|tabl(?:e|es|ed)|draft|consultation|"
            r"have your say|seek(?:s|ing)? (?:views|comments|submissions)|"
            r"call for (?:views|comments))\b",
        ),
        trigger(
            "instrument.adopted",
            r"\bsign(?:s|ed|ing)?\b[^.;\n]{0,30}\binto law\b|"
            r"\b(?:enact(?:s|ed|ment)?|adopt(?:s|ed|ion)?|pass(?:es|ed)|final passage|"
            r"approv(?:e|es|ed|al)|promulgat(?:e|es|ed)|issu(?:e|es|ed)|finali[sz](?:e|es|ed)|"
            r"governor signed)\b|"
            r"\b(?:launch(?:es|ed)?|unveil(?:s|ed)?|roll(?:s|ed)? out|present(?:s|ed))\b"
            r"[^.;\n]{0,40}?\b(?:strategy|plan|roadmap|framework|guidelines|policy|programme|"
            r"program)\b|"
            r"\bsign(?:s|ed)?\b[^.;\n]{0,25}\b(?:bill|law|act|order|decree|measure|legislation|"
            r"[SHA]\.?B\.? ?\d+)\b",
        ),
        trigger(
            "body.established",
            # Creating or launching counts only with what is created: a launched
            # strategy is an adopted instrument, a launched agency a new body.
            rf"\b(?:establish(?:es|ed|ing|ment)?|creat(?:e|es|ed|ing|ion)|launch(?:es|ed|ing)?|"
            rf"set(?:s|ting)? up|inaugurat(?:e|es|ed)|found(?:s|ed)?|stand(?:s|ing)? up)\b"
            rf"[^.;\n]{{0,50}}?\b{_CREATED_THING}\b|"
            r"\b(?:(?:begins|began|starts|started|commences?|commenced) "
            r"(?:work|operations?|operating)|(?:opens?|opened|will open) its doors)\b|"
            r"\b(?:office|agency|authority|institute|council|commission|centre|center|observatory|"
            r"secretariat|bureau)\b[^.;\n]{0,60}?\bopens\b",
        ),
        trigger(
            "meeting.held",
            r"\b(?:summit|ministerial|talks|bilateral meeting)\b|"
            r"\b(?:ministers|leaders|officials|heads of (?:state|government)|presidents?|"
            r"prime ministers?|delegations)\b[^.;\n]{0,25}"
            r"\b(?:meet|meets|met|gather(?:s|ed)?|convene[sd]?)\b|"
            r"\b(?:hold|holds|held|host|hosts|hosted)\b[^.;\n]{0,40}"
            r"\b(?:talks|summit|meeting|dialogue|council|consultations|conference|forum|debate|"
            r"session)\b",
        ),
        trigger(
            "office.opened",
            r"\bopen(?:s|ed|ing)?\b[^.;\n]{0,40}\b(?:office|branch|lab|laboratory|hub|campus|"
            r"headquarters)\b",
        ),
        trigger(
            "investment.announced",
            r"\binvest(?:s|ed|ing|ment|ments)?\b|"
            rf"\b(?:pledg(?:e|es|ed)|commit(?:s|ted)?|earmark(?:s|ed)?)\b[^.;\n]{{0,40}}{_MONEY}",
        ),
        trigger("metric.reported", r"\b(?:statistics?|survey|census|index|ranking)\b"),
        trigger(
            "instrument.adopted",
            r"\b(?:unveil(?:s|ed)?|releas(?:e|es|ed)|publish(?:es|ed)?|present(?:s|ed))\b",
            weak=True,
        ),
    ),
    structure=Structure(
        adjunct_before=re.compile(
            r"\b(?:at|during|ahead of|after|before|following|amid|as|while|"
            r"on the (?:sidelines|margins|eve) of|at the close of|in the run-up to)\s+"
            r"(?:(?:the|a|an|its|their|this|next|last)\s+)?(?:[\w'.-]+\s+){0,3}[\w-]*$",
            re.IGNORECASE,
        ),
        nominal=re.compile(
            r"\w+(?:ment|ments|tion|tions|sion|sions|ance|al|als)|summit|talks|draft|"
            r"bilateral meeting|statistics?|survey|census|index|ranking|entry into force|"
            r"effective date|final passage",
            re.IGNORECASE,
        ),
    ),
    names=NameWords(
        heads=(
            r"Act|Law|Bill|Code|Strategy|Plan|Framework|Guidelines?|Regulations?|Directive|Order|"
            r"Principles|Standard|Policy|Roadmap|Charter|Institute|Office|Agency|Authority|"
            r"Council|Commission|Committee|Board|Centre|Center|Network|Observatory|Summit|"
            r"Partnership|Agreement|Accord|Declaration|Memorandum|Convention|Treaty|Process|"
            r"Dialogue|Forum"
        ),
        connectors=r"of|on|for|the|and|to|in",
        after_head=r"of|on|for",
        abbreviations=r"AI",
        stop_words=frozenset(
            {"the", "of", "on", "for", "and", "to", "in", "a", "an", "new", "national"}
        ),
    ),
    place_words=PlaceWords(
        coordinator=r"and",
        article=r"the\s+",
        host_before=r"in|at",
        host_after=r"hosts?|hosted",
        company_after=(
            r"firms?|compan(?:y|ies)|groups?|giants?|start-?ups?|providers?|makers?|"
            r"conglomerates?|chipmakers?|developers?|investors?"
        ),
    ),
    date_patterns=_DATES,
    late_date_patterns=_RELATIVE_DATES,
    date_context=DateContext(
        future=(
            r"\b(?:will|shall|due to|set to|expected to|to be held|"
            r"to (?:take|come|enter|apply|start|begin))\b"
        ),
        # A headline's present ("Summit opens Wednesday"): the nearest such day.
        present=(
            r"\b(?:opens|begins|starts|meets|convenes|gathers|kicks off|takes effect|"
            r"comes into (?:force|effect)|enters into force|goes into effect|launches|holds|"
            r"hosts)\s+(?:on\s+)?"
        ),
        announced=(
            r"\b(?:announced|announces|said|says|told|unveiled|revealed|confirmed|according to)"
            r"\s+(?:on\s+)?"
        ),
        negated=r"\bnot\s+(?:on\s+)?",
        document_of=(
            r"\b(?:order|act|law|regulation|decision|directive|resolution|decree|statute)\b"
            r"[^.;]{0,30}\b(?:of|dated)\s+|"
            r"\b(?:story|article|report)\s+(?:published\s+|dated\s+|of\s+)?"
        ),
        until=r"until|till|through",
        range_from=r"from",
        range_to=r"to|until",
        weekdays=tuple(_WEEKDAYS),
    ),
    non_event_title=re.compile(
        r"^\s*(?:opinion|op-ed|comment|commentary|analysis|explainer|explained|column|podcast|"
        r"webinar|webcast|sponsored|partner content|advertorial|reading list|markets?|"
        r"interview|q&a|review|book review|newsletter|roundup|round-up|weekly|guest post|letter|"
        r"jobs?|careers?|event|events|save the date|call for \w+|guide|primer|backgrounder|"
        r"editorial|notice|maintenance)\s*[:|\u2013—-]|"
        # A veto adopts, ends or starts nothing (the labels: not an event).
        r"\bveto(?:es|ed)?\b|"
        r"^\s*(?:why|how)\b|"
        r"\b(?:we'?re hiring|we are hiring|now hiring|job opening|things to know|"
        r"what you need to know|what to know|the case for|the case against|reading list|"
        r"what [^:\n]{0,60}\bmeans? for|a look back|looking back|one year on|a year of|"
        r"anniversary|register now|join us|"
        r"(?:two|three|four|five|six|seven|eight|nine|ten|\d+) (?:questions|things|ways|lessons|"
        r"takeaways|charts|reasons)|retrospective)\b",
        re.IGNORECASE,
    ),
    non_event_body=re.compile(
        r"\b(?:partner content|sponsored content|register here|register now|"
        r"(?:^|[.!]\s)apply now|applications close|listen on|in this episode|join us|"
        r"tickets? (?:are )?on sale|early-bird|views are (?:his|her|their|my) own)\b",
        re.IGNORECASE,
    ),
    correction_title=re.compile(r"^\s*correction", re.IGNORECASE),
    unchanged=re.compile(r"\b(?:unchanged|remains? the same|is not affected)\b", re.IGNORECASE),
    updated_object=re.compile(r"\b(?:updated|revised|new version)\b", re.IGNORECASE),
    government_channel=re.compile(
        r"\b(?:ministry|ministers?|minister's|ministers'|government|department of|"
        r"cabinet office)\b",
        re.IGNORECASE,
    ),
    topic_stop_words=frozenset(
        """the a an and or of to in on at for by with from that this its it is are was were
        be been has have had will would said says say as into under over after before than
        then their they them which who whom whose not no but also more most new first""".split()  # noqa: SIM905 - a word list reads best as text
    ),
    government=re.compile(
        r"\b(?:the government|the cabinet|parliament|the nation|federal government|"
        r"prime minister|the commonwealth)\b",
        re.IGNORECASE,
    ),
)
