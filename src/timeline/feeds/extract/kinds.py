"""Event kinds from wording, and the marks of items that report no event.

Each trigger is a pattern for one fact kind in English, French or Japanese.
Where two triggers overlap, the one listed first wins ("moves the effective
date" is an amendment, not an entry into force).  A "weak" trigger (unveil,
release) names a kind only when no strong trigger is found.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from functools import cache

from timeline.feeds.extract.languages import LANGUAGES, Trigger, trigger
from timeline.feeds.extract.text import fold

_MONEY = (
    r"(?:\$|€|£|¥|₹|R\$|US\$|C\$|\d[\d,.]*\s*(?:billion|million|trillion|bn|crore|lakh|"
    r"milliards?|millions?)|兆|億|万ドル|万ユーロ|ドル|ユーロ)"
)


_t = trigger

# The English, French and Japanese wordings; other languages bring their own
# (`languages/`), merged by kind order below.
_TRIGGERS: list[Trigger] = [
    # Amendments first: their wording contains "effective date", "signed", "law".
    _t(
        "instrument.amended",
        r"\b(?:amend(?:s|ed|ing|ment|ments)?|push(?:es|ed)? back|postpone[sd]?|delay(?:s|ed|ing)?|"
        r"moves? (?:back )?the (?:effective|start|application) date|extend(?:s|ed) the deadline|"
        r"modifi(?:e|ee|es|ent|cation)|report(?:e|ee) (?:au|a)|repousse)\b|改正|延期|改定",
    ),
    _t(
        "instrument.repealed",
        r"\b(?:repeal(?:s|ed|ing)?|revok(?:e|es|ed|ing)|revocation|rescind(?:s|ed|ing)?|"
        r"abolish(?:es|ed)?|abrog(?:e|ee|ent|ation)|revoqu(?:e|ee))\b|廃止|撤回",
    ),
    _t(
        "membership.joined",
        r"\b(?:join(?:s|ed)?(?! us)|accede[sd]?|accession|adher(?:e|es|ed)|adhesion|"
        r"signator(?:y|ies)|"
        r"ratif(?:y|ies|ied|ication)|becomes? (?:a )?(?:member|party)|rejoint|signataire)\b|"
        r"\bsign(?:s|ed|ing)?\b[^.;\n]{0,50}\b(?:convention|treaty)\b|加盟|加入|批准",
    ),
    _t(
        "agreement.signed",
        r"\b(?:sign(?:s|ed|ing)?|conclude[sd]?|ink(?:s|ed)?|seal(?:s|ed)?|agree(?:s|d)? on)\b"
        r"[^.;\n]{0,60}\b(?:memorandum|mou|moc|agreement|accord|pact|joint statement|declaration|"
        r"partnership|action plan|charter)\b|"
        r"\b(?:memorandum of understanding|joint statement)\b[^.;\n]{0,40}\bsigned\b|"
        r"\bsign(?:e|ent|ature)?\b[^.;\n]{0,40}\b(?:accord|protocole|memorandum|entente|"
        r"declaration|plan d'action|charte|feuille de route)\b|覚書|共同声明|協定に署名|署名|締結",
    ),
    _t(
        "instrument.in_force",
        r"\b(?:(?:tak(?:e|es|ing)|took) (?:full |partial |legal )?effect|"
        r"(?:come|comes|came|coming) (?:fully )?into (?:force|effect)|"
        r"enter(?:s|ed|ing)? (?:fully )?into force|entry into force|(?:goes|go|went) into effect|"
        r"kick(?:s|ed)? in|appl(?:y|ies) from|begins? to apply|effective date|applicable from|"
        r"becomes? (?:applicable|effective)|"
        r"entr(?:e|era|ent|eront|ee) en vigueur|s'appliquer(?:a|ont)?|prend(?:ra)? effet)\b|"
        r"施行(?!令|規則|細則)|発効|適用開始|(?:から|より)適用|適用され|"
        r"\b(?:enforcement|application|obligations?|requirements?|duties|provisions?)\b"
        r"[^.;\n]{0,40}?\b(?:begin|begins|began|start|starts|started)\b",
    ),
    _t(
        "instrument.proposed",
        r"\b(?:propos(?:e|es|ed|al|als)|introduc(?:e|es|ed)|tabl(?:e|es|ed)|draft|consultation|"
        r"have your say|seek(?:s|ing)? (?:views|comments|submissions)|call for (?:views|comments)|"
        r"projet de (?:loi|reglement)|depos(?:e|ee)|avant-projet)\b|"
        r"案を(?:公表|発表|提出|公開|まとめ)|草案|法案|意見募集|パブリックコメント",
    ),
    _t(
        "instrument.adopted",
        r"\bsign(?:s|ed|ing)?\b[^.;\n]{0,30}\binto law\b|"
        r"\b(?:enact(?:s|ed|ment)?|adopt(?:s|ed|ion)?|pass(?:es|ed)|"
        r"final passage|approv(?:e|es|ed|al)|promulgat(?:e|es|ed)|issu(?:e|es|ed)|"
        r"adopt(?:e|ee|es|ees|ent)|promulgu(?:e|ee)|approuv(?:e|ee)|vot(?:e|ee) par|"
        r"finali[sz](?:e|es|ed)|governor signed)\b|"
        r"\b(?:launch(?:es|ed)?|unveil(?:s|ed)?|roll(?:s|ed)? out|present(?:s|ed)|lanc(?:e|ee))\b"
        r"[^.;\n]{0,40}?\b(?:strategy|plan|roadmap|framework|guidelines|policy|programme|program|"
        r"strategie|feuille de route|cadre|lignes directrices|politique)\b|"
        r"\bsign(?:s|ed)?\b[^.;\n]{0,25}\b(?:bill|law|act|order|decree|measure|legislation|"
        r"[SHA]\.?B\.? ?\d+)\b|"
        r"成立|可決|制定|公布|閣議決定|採択",
    ),
    _t(
        "body.established",
        # Creating or launching counts only with what is created: a launched
        # strategy is an adopted instrument, a launched agency a new body.
        r"\b(?:establish(?:es|ed|ing|ment)?|creat(?:e|es|ed|ing|ion)|launch(?:es|ed|ing)?|"
        r"set(?:s|ting)? up|inaugurat(?:e|es|ed)|found(?:s|ed)?|stand(?:s|ing)? up|"
        r"cre(?:e|ee|era|eront|ation|er)|lanc(?:e|ee|ement|era)|institu(?:e|ee)|"
        r"(?:mis|met|mettra) en place|inaugur\w*|se dote d'une?|se dotent d'une?)\b"
        r"[^.;\n]{0,50}?\b(?:agency|authority|office|institute|council|commission|committee|"
        r"panel|centre|center|body|board|regulator|unit|task ?force|network|hub|observatory|"
        r"mechanisms?|secretariat|department|ministry|directorate|bureau|agence|autorite|"
        r"institut|conseil|comite|organisme|observatoire|reseau|ministere|direction)\b|"
        r"\b(?:verra le jour|(?:begins|began|starts|started|commences?|commenced) "
        r"(?:work|operations?|operating)|(?:opens?|opened|will open) its doors|"
        r"ouvr(?:e|ent|ira|iront) ses portes|abr(?:e|en|ira|iran) sus puertas|"
        r"offnet (?:seine|ihre) (?:turen|pforten))\b|"
        r"\b(?:office|agency|authority|institute|council|commission|centre|center|observatory|"
        r"secretariat|bureau)\b[^.;\n]{0,60}?\bopens\b|設立|設置|発足|創設|新設",
    ),
    _t(
        "meeting.held",
        r"\b(?:summit|ministerial|talks|bilateral meeting|sommet|reunion ministerielle|"
        r"rencontre bilaterale)\b|"
        r"\b(?:ministers|leaders|officials|heads of (?:state|government)|presidents?|"
        r"prime ministers?|delegations|ministres|dirigeants)\b[^.;\n]{0,25}"
        r"\b(?:meet|meets|met|gather(?:s|ed)?|convene[sd]?|se reunissent|se sont reunis)\b|"
        r"\b(?:hold|holds|held|host|hosts|hosted|tiennent|tient)\b[^.;\n]{0,40}"
        r"\b(?:talks|summit|meeting|dialogue|council|consultations|conference|forum|debate|"
        r"session)\b|"
        r"首脳会談|首脳会議|サミット|閣僚会合|大臣会合|会談|会合|で開催|を開催",
    ),
    _t(
        "office.opened",
        r"\bopen(?:s|ed|ing)?\b[^.;\n]{0,40}\b(?:office|branch|lab|laboratory|hub|campus|"
        r"headquarters)\b|\bouv(?:re|rira|ert)\b[^.;\n]{0,30}\b(?:bureau|filiale|laboratoire)\b|"
        r"(?:拠点|事務所|オフィス|研究所)を?開設",
    ),
    _t(
        "investment.announced",
        r"\binvest(?:s|ed|ing|ment|ments)?\b|\b(?:pledg(?:e|es|ed)|commit(?:s|ted)?|earmark(?:s|ed)?)\b"
        rf"[^.;\n]{{0,40}}{_MONEY}|\binvest(?:it|ira|issement|issements)\b|投資|出資",
    ),
    _t(
        "metric.reported",
        r"\b(?:statistics?|statistique|survey|census|index|ranking|enquete|sondage|indice|"
        r"classement)\b|統計|調査結果|指数|ランキング",
    ),
    _t(
        "instrument.adopted",
        r"\b(?:unveil(?:s|ed)?|releas(?:e|es|ed)|publish(?:es|ed)?|present(?:s|ed)|"
        r"devoil(?:e|ee)|publi(?:e|ee))\b|発表|公表",
        weak=True,
    ),
]


@dataclass(frozen=True, slots=True)
class KindMention:
    start: int
    end: int
    phrase: str
    kind: str
    weak: bool


# What the object of an adoption can make of it: a draft approved ("aprueba el
# anteproyecto", "approves the draft") is still a proposal; an updated or revised
# policy presented is an amendment of the existing one.
_OBJECT_WINDOW = 40
_UPDATED_OBJECT = re.compile(
    r"\b(?:updated|revised|new version|actualizad[ao]s?|actualizacion|nueva version|mise a jour|"
    r"mis a jour|revisee?s?|aktualisiert\w*|uberarbeitet\w*|fortgeschrieben\w*)\b|改定版|改訂版",
    re.IGNORECASE,
)


def _object_kind(text: str, mention: KindMention, found: list[KindMention]) -> str:
    """The kind an adoption reports, read from its object in the clause after the verb."""
    if mention.kind != "instrument.adopted" or mention.weak:
        return mention.kind
    clause = re.split(r"[.,;\n。、]", text[mention.end : mention.end + _OBJECT_WINDOW])[0]
    clause_end = mention.end + len(clause)
    if any(m.kind == "instrument.proposed" and mention.end <= m.start < clause_end for m in found):
        return "instrument.proposed"
    if _UPDATED_OBJECT.search(clause):
        return "instrument.amended"
    return mention.kind


def _by_object(text: str, found: list[KindMention]) -> list[KindMention]:
    """Adoptions re-read by their object ("approves the draft" is a proposal)."""
    return [
        KindMention(m.start, m.end, m.phrase, _object_kind(text, m, found), m.weak) for m in found
    ]


@cache
def _triggers(languages: frozenset[str] | None) -> list[Trigger]:
    """The core wordings with those of the given languages (all when None), in kind order.

    A stable sort: within a kind the core wordings keep their order, then each
    language's.
    """
    own = [
        t
        for language in LANGUAGES
        if languages is None or language.code in languages
        for t in language.triggers
    ]
    return sorted([*_TRIGGERS, *own], key=lambda t: t.rank)


def find_kinds(text: str, languages: Collection[str] | None = None) -> list[KindMention]:
    """Trigger phrases in `text` (already folded), in order; overlaps go to the earlier rule.

    `languages` limits the language modules read (the core English, French and
    Japanese wordings always run); by default, all.
    """
    taken: list[tuple[int, int]] = []
    found: list[KindMention] = []
    for rule in _triggers(frozenset(languages) if languages is not None else None):
        for match in rule.pattern.finditer(text):
            start, end = match.span()
            if any(start < t_end and t_start < end for t_start, t_end in taken):
                continue
            taken.append((start, end))
            found.append(KindMention(start, end, match.group(), rule.kind, rule.weak))
    return _by_object(text, sorted(found, key=lambda k: k.start))


# Genres that report no event (labels' "events and non-events"), recognised by
# how such items are headed: a rubric before a colon or in 【】, or stock phrases.
_NON_EVENT_TITLE = re.compile(
    r"^\s*(?:opinion|op-ed|comment|commentary|analysis|explainer|explained|column|podcast|"
    r"webinar|webcast|sponsored|partner content|advertorial|reading list|markets?|"
    r"interview|q&a|review|book review|newsletter|roundup|round-up|weekly|guest post|letter|"
    r"jobs?|careers?|event|events|save the date|call for \w+|guide|primer|backgrounder|"
    r"chronique|tribune|analyse|decryptage|dossier|entrevue|editorial|revue de presse|"
    r"balado|offre d'emploi|publireportage|notice|maintenance|avis|hinweis|aviso)\s*[:|\u2013—-]|"
    # A veto adopts, ends or starts nothing (the labels: not an event).
    r"\bveto(?:es|ed)?\b|\bvet(?:a|o)\b|\boppose son veto\b|"
    r"^\s*(?:why|how)\b|"
    r"\b(?:we'?re hiring|we are hiring|now hiring|job opening|things to know|"
    r"what you need to know|what to know|the case for|the case against|reading list|"
    r"what [^:\n]{0,60}\bmeans? for|a look back|looking back|one year on|a year of|"
    r"anniversary|register now|join us|"
    r"(?:two|three|four|five|six|seven|eight|nine|ten|\d+) (?:questions|things|ways|lessons|"
    r"takeaways|charts|reasons)|retrospective|rejoignez-nous)\b|"
    r"【(?:解説|コラム|お知らせ|告知|寄稿|インタビュー|PR|広告|求人|連載|特集|論説|社説|"
    r"オピニオン|視点|分析|イベント)】|(?:参加者|職員)?募集(?:のお知らせ|について)|参加者募集",
    re.IGNORECASE,
)
_NON_EVENT_BODY = re.compile(
    r"\b(?:partner content|sponsored content|register here|register now|inscrivez-vous|"
    r"(?:^|[.!]\s)apply now|applications close|listen on|in this episode|join us|"
    r"tickets? (?:are )?on sale|"
    r"early-bird|billetterie|"
    r"views are (?:his|her|their|my) own)\b|"
    r"配信を休止|お申し込み",
    re.IGNORECASE,
)
_CORRECTION_TITLE = re.compile(
    r"^\s*(?:correction|rectificatif|erratum|訂正|【訂正】)", re.IGNORECASE
)
_UNCHANGED = re.compile(
    r"\b(?:unchanged|remains? the same|is not affected|inchangee?s?|demeure la meme|"
    r"reste la meme)\b|"
    r"変更はない|変わらない",
    re.IGNORECASE,
)


_NON_EVENT_TITLES = [_NON_EVENT_TITLE] + [
    lang.non_event_title for lang in LANGUAGES if lang.non_event_title is not None
]
_NON_EVENT_BODIES = [_NON_EVENT_BODY] + [
    lang.non_event_body for lang in LANGUAGES if lang.non_event_body is not None
]


def non_event_reason(title: str, body: str) -> str | None:
    """Why an item is not an event by its genre, or None when it may be one.

    Matched on the folded text, quoted as written (folding keeps offsets).
    """
    folded_title, folded_body = fold(title), fold(body)
    for pattern in _NON_EVENT_TITLES:
        if match := pattern.search(folded_title):
            return f"title marks a non-event: {title[match.start() : match.end()].strip()!r}"
    for pattern in _NON_EVENT_BODIES:
        if match := pattern.search(folded_body):
            return f"text marks a non-event: {body[match.start() : match.end()].strip()!r}"
    if _CORRECTION_TITLE.search(folded_title) and (match := _UNCHANGED.search(folded_body)):
        return f"correction that changes no date: {body[match.start() : match.end()]!r}"
    return None


def is_correction(title: str) -> bool:
    return _CORRECTION_TITLE.search(title) is not None
