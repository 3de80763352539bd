"""French: event wordings, dates written out ("1er avril 2026", "le mois prochain",
"mardi"), the words around them, genre marks.  Patterns see folded text ("été"
reads "ete")."""

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


def french_forms(adjective: str) -> list[str]:
    """Masculine singular -> the four forms and their capitalised nouns ("les Français")."""
    stems = [adjective, adjective + "e"]
    if adjective.endswith("n"):
        stems.append(adjective + "ne")
    if adjective.endswith("e"):
        stems = [adjective]
    forms = [f for stem in stems for f in (stem, stem if stem.endswith("s") else stem + "s")]
    return forms + [f[0].upper() + f[1:] for f in forms]


_MONTHS = {
    "janvier": 1, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6, "juillet": 7,
    "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11, "decembre": 12,
}  # fmt: skip
_WEEKDAYS = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]
_MON = r"(?P<mon>" + "|".join(_MONTHS) + r")"
_YEAR = r"(?P<y>(?:19|20)\d{2})"
_named = read.absolute(read.named_month_parts(_MONTHS, {"prochain"}))

_DATES: tuple[read.DatePattern, ...] = (
    # A range of days is dated by its first ("du 3 au 5 juin")
    (
        re.compile(
            rf"\b(?P<d>1er|\d{{1,2}})\s*(?:au|-|\u2013|et)\s*\d{{1,2}} {_MON}(?: {_YEAR})?\b",
            re.IGNORECASE,
        ),
        _named,
    ),
    (re.compile(rf"\b(?P<d>1er|\d{{1,2}}) {_MON} {_YEAR}\b", re.IGNORECASE), _named),
    (
        re.compile(
            rf"\b(?P<d>1er|\d{{1,2}}) {_MON}\b(?: (?P<rel>prochain|dernier)\b)?", re.IGNORECASE
        ),
        _named,
    ),
    (re.compile(rf"\b{_MON} {_YEAR}\b", re.IGNORECASE), _named),
    (
        re.compile(
            rf"\b(?:en|d'|des|depuis|fin|debut|mi-|jusqu'en)\s?{_MON}\b"
            r"(?: (?P<rel>prochain|dernier)\b)?",
            re.IGNORECASE,
        ),
        _named,
    ),
    (
        re.compile(
            rf"\b(?:en|d'ici|des|depuis|a partir de|avant|apres|jusqu'en|debut|fin|mi-|courant)"
            rf"\s?{_YEAR}\b"
        ),
        read.absolute(read.year_only),
    ),
)
_RELATIVE_DATES: tuple[read.DatePattern, ...] = (
    (
        re.compile(
            r"\b(?:plus tard )?(?:(?P<rel>ce) mois(?:-ci)?|le mois (?P<rel2>prochain|dernier))\b",
            re.IGNORECASE,
        ),
        read.relative_month({"ce": 0, "prochain": 1, "dernier": -1}),
    ),
    (
        re.compile(
            r"\b(?:(?P<rel>cette) annee|l'an (?P<rel2>prochain|dernier)|"
            r"l'annee (?P<rel3>prochaine|derniere))\b",
            re.IGNORECASE,
        ),
        read.relative_year(
            {"cette": 0, "prochain": 1, "prochaine": 1, "dernier": -1, "derniere": -1}
        ),
    ),
    (
        re.compile(r"\b(?P<rel>aujourd'hui|hier|demain)\b", re.IGNORECASE),
        read.relative_day({"aujourd'hui": 0, "hier": -1, "demain": 1}),
    ),
    (
        re.compile(
            r"\b(?:(?P<rel>ce|cet) (?P<season>printemps|ete|automne|hiver)|"
            r"(?:le |l')(?P<season2>printemps|ete|automne|hiver) (?P<rel2>prochain|dernier))\b",
            re.IGNORECASE,
        ),
        read.season(
            {"printemps": 3, "ete": 6, "automne": 9, "hiver": 12}, {"prochain"}, {"dernier"}
        ),
    ),
    (
        re.compile(
            r"\b(?:ce )?(?P<wd>" + "|".join(_WEEKDAYS) + r")\b(?: (?P<rel>prochain|dernier)\b)?",
            re.IGNORECASE,
        ),
        read.weekday(_WEEKDAYS, {"prochain"}, {"dernier"}),
    ),
)

_CREATED_THING = (
    r"(?:agence|autorite|institut|conseil|comite|organisme|observatoire|reseau|ministere|"
    r"direction|commission|bureau|office|centre|secretariat|mecanismes?)"
)
_SIGNED_THING = (
    r"(?:accord|protocole|memorandum|entente|declaration|charte|plan d'action|feuille de route)"
)

LANGUAGE = Language(
    code="fr",
    function_words=re.compile(
        r"\b(?:le|la|les|des|du|une|est|sont|dans|pour|avec|sur|qui|que|au|aux|l'|d'|a été|"
        r"été|ont|cette|ces|entre|selon|mardi|lundi|mercredi|jeudi|vendredi)\b",
        re.IGNORECASE,
    ),
    triggers=(
        trigger(
            "instrument.amended",
            r"\b(?:modifi(?:e|ee|es|ent|cation)|report(?:e|ee) (?:au|a)|repousse|amendement)\b|"
            r"\b(?:met a jour|actualis\w*|revis(?:e|ee|ent))\b[^.;\n]{0,40}?"
            r"\b(?:strategie|plan|feuille de route|cadre|lignes directrices|politique|code|loi)\b",
        ),
        trigger(
            "instrument.repealed",
            r"\b(?:abrog(?:e|ee|ent|ation)|revoqu(?:e|ee)|revocation|abol(?:it|ition))\b",
        ),
        trigger(
            "membership.joined",
            r"\b(?:adher(?:e|es)|adhesion|accession|rejoint|signataire|"
            r"ratifi(?:e|ee|ent|cation))\b",
        ),
        trigger(
            "agreement.signed",
            rf"\b{_SIGNED_THING}\b[^.;\n]{{0,40}}\bsigne(?:e|s|es)?\b|"
            rf"\bsign(?:e|ent|ature)?\b[^.;\n]{{0,40}}\b{_SIGNED_THING}\b|"
            r"\b(?:publi|lanc|adopt|annonc|present|devoil|conclu|achev)\w*\b[^.;\n]{0,50}?"
            r"\b(?:declaration (?:commune|conjointe)|communique conjoint|"
            r"initiative (?:commune|conjointe|de cooperation)|partenariat strategique)\b",
        ),
        trigger(
            "instrument.in_force",
            r"\b(?:entr(?:e|era|ent|eront|ee) en vigueur|entree en application|"
            r"s'appliquer(?:a|ont)?|prend(?:ra)? effet)\b",
        ),
        trigger(
            "instrument.proposed",
            r"\b(?:projet de (?:loi|reglement|decret)|depos(?:e|ee)|avant-projet|"
            r"propos(?:e|es|ee|ees|ent)|proposition de (?:loi|reglement|directive)|"
            r"consultation)\b",
        ),
        trigger(
            "instrument.adopted",
            r"\b(?:adopt(?:e|ee|es|ees|ent)|adoption|promulgu(?:e|ee)|approuv(?:e|ee)|"
            r"vot(?:e|ee) par)\b|"
            r"\b(?:lanc(?:e|ee)|present(?:e|ee)|devoil(?:e|ee))\b[^.;\n]{0,40}?"
            r"\b(?:strategie|feuille de route|cadre|lignes directrices|politique|plan|programme)\b",
        ),
        trigger(
            "body.established",
            rf"\b(?:cre(?:e|ee|era|eront|ation|er)|lanc(?:e|ee|ement|era)|institu(?:e|ee)|"
            rf"(?:mis|met|mettra) en place|inaugur\w*|se dote d'une?|se dotent d'une?)\b"
            rf"[^.;\n]{{0,50}}?\b{_CREATED_THING}\b|"
            r"\b(?:verra le jour|ouvr(?:e|ent|ira|iront) ses portes)\b",
        ),
        trigger(
            "meeting.held",
            r"\b(?:sommet|reunion ministerielle|rencontre bilaterale)\b|"
            r"\b(?:ministres|dirigeants|delegations|presidents?)\b[^.;\n]{0,25}"
            r"\b(?:se reunissent|se sont reunis|se reuniront)\b|"
            r"\b(?:tiennent|tient|tiendront|tiendra)\b[^.;\n]{0,40}"
            r"\b(?:dialogue|consultations|conference|forum|debat|session|reunion|sommet)\b",
        ),
        trigger(
            "office.opened",
            r"\bouv(?:re|rira|ert)\b[^.;\n]{0,30}\b(?:bureau|filiale|laboratoire)\b",
        ),
        trigger("investment.announced", r"\binvest(?:it|ira|ir|issent|issement|issements)\b"),
        trigger(
            "metric.reported",
            r"\b(?:statistiques?|enquete|sondage|indice|classement|recensement)\b",
        ),
        trigger(
            "instrument.adopted",
            r"\b(?:devoil(?:e|ee)|publi(?:e|ee)|present(?:e|ee))\b",
            weak=True,
        ),
    ),
    structure=Structure(
        adjunct_before=re.compile(
            r"\b(?:lors d[eu']|en marge d[eu']|a l'issue d[eu']|au cours d[eu']|"
            r"a l'occasion d[eu']|avant|apres|pendant|alors que|tandis que)\s*"
            r"(?:(?:la|le|les|l'|un|une|des|sa|son|leur)\s*)?(?:[\w'-]+\s+){0,3}[\w-]*$",
            re.IGNORECASE,
        ),
        nominal=re.compile(
            r"\w+(?:ment|ments|tion|tions|sion|sions|ance)|sommet|reunion ministerielle|"
            r"rencontre bilaterale|statistiques?|enquete|sondage|indice|classement|recensement|"
            r"projet de \w+|avant-projet",
            re.IGNORECASE,
        ),
    ),
    names=NameWords(
        connectors=r"de|des|du|la|le|les|d'|l'|et",
        abbreviations=r"IA",
        stop_words=frozenset({"de", "des", "du", "la", "le", "les", "et"}),
    ),
    place_words=PlaceWords(
        coordinator=r"et",
        article=r"l'|la\s+|le\s+|les\s+",
        host_before=r"a|en|au|aux|dans",
        host_after=r"accueille",
        company_after=r"entreprises?|societes?",
        company_before=r"entreprises?|societes?|groupes?|firmes?|start-?ups?|geants?",
    ),
    date_patterns=_DATES,
    late_date_patterns=_RELATIVE_DATES,
    date_context=DateContext(
        future=r"\b(?:sera|seront|aura|auront|va|vont|\w{3,}(?:eront|iront|era|ira))\b",
        announced=(
            r"(?:\b(?:a|ont) (?:annonce|indique|declare|confirme|precise)|\bannonce)\s+(?:le\s+)?"
        ),
        negated=r"\b(?:non|pas)\s+(?:le\s+)?",
        document_of=(
            r"\b(?:loi|reglement|decret|arrete|decision|directive|resolution)\b"
            r"[^.;]{0,30}\bdu\s+|"
            r"\b(?:notre article|l'article|article)\s+(?:du\s+|publie\s+(?:le\s+)?)?"
        ),
        until=r"jusqu'(?:au|en|a)",
        range_from=r"du|de",
        range_to=r"au|a|jusqu'au",
        weekdays=tuple(_WEEKDAYS),
    ),
    non_event_title=re.compile(
        r"^\s*(?:chronique|tribune|analyse|decryptage|dossier|entrevue|editorial|"
        r"revue de presse|balado|offre d'emploi|publireportage|avis|opinion|entretien|"
        r"podcast|webinaire)\s*[:|\u2013—-]|"
        r"\boppose son veto\b|\bveto\b|\brejoignez-nous\b",
        re.IGNORECASE,
    ),
    non_event_body=re.compile(r"\b(?:inscrivez-vous|billetterie)\b", re.IGNORECASE),
    correction_title=re.compile(r"^\s*(?:correction|rectificatif|erratum)", re.IGNORECASE),
    unchanged=re.compile(r"\b(?:inchangee?s?|demeure la meme|reste la meme)\b", re.IGNORECASE),
    updated_object=re.compile(r"\b(?:mise a jour|mis a jour|revisee?s?)\b", re.IGNORECASE),
    adjective_forms=french_forms,
    government_channel=re.compile(r"\b(?:ministere|gouvernement)\b", re.IGNORECASE),
    topic_stop_words=frozenset(
        """le la les un une des du de et ou en au aux pour par sur dans avec que qui est sont
        ont ce cette ces son sa ses leur leurs ne pas plus""".split()  # noqa: SIM905 - a word list reads best as text
    ),
    government=re.compile(
        r"\b(?:le gouvernement|conseil federal|conseil des ministres|l'assemblee nationale|"
        r"le parlement|premier ministre)\b",
        re.IGNORECASE,
    ),
)
