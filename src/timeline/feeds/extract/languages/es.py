"""Spanish: month and weekday names from the Unicode CLDR (babel), event wordings here.

Dates read "1 de enero de 2026", "el 30 de junio", "en mayo"; patterns see
folded text ("adhesión" reads "adhesion").
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


def spanish_forms(adjective: str) -> list[str]:
    """'español' -> española, españoles, españolas; 'chileno' -> chilena, chilenos, chilenas.

    Matching sees folded text, so the stems drop their accents ("alemán" ->
    "alemana"); adjectives in -e or -a ("canadiense", "belga") only take -s.
    """
    stem = fold(adjective)
    if stem.endswith("o"):
        forms = [stem, stem[:-1] + "a", stem + "s", stem[:-1] + "as"]
    elif stem.endswith(("n", "s", "l", "z")):
        forms = [stem, stem + "a", stem + "es", stem + "as"]
    else:
        forms = [stem, stem + "s"]
    return forms + [f[0].upper() + f[1:] for f in forms]


_MONTHS = {
    fold(name).lower(): number for number, name in get_month_names("wide", locale="es").items()
}
_WEEKDAYS = [fold(get_day_names("wide", locale="es")[i]).lower() for i in range(7)]

_SIGNED_THING = (
    r"(?:memorando|memorandum|acuerdo|convenio|declaracion|alianza|pacto|protocolo|"
    r"carta de intencion)"
)
_CREATED_THING = (
    r"(?:agencia|autoridad|oficina|instituto|consejo|comision|comite|centro|observatorio|"
    r"organismo|secretaria|direccion|unidad|laboratorio nacional)"
)

LANGUAGE = Language(
    code="es",
    function_words=re.compile(
        r"\b(?:el|los|las|del|y|que|en|por|para|con|una|un|se|su|sus|es|son|al|como|este|esta)\b",
        re.IGNORECASE,
    ),
    triggers=(
        trigger(
            "instrument.amended",
            r"\b(?:modifica\w*|reforma\w*|actualiza\w*|enmienda\w*|aplaza\w*|pospone\w*|prorroga\w*)\b",
        ),
        trigger("instrument.repealed", r"\b(?:deroga\w*|revoca\w*|abroga\w*)\b"),
        trigger(
            "membership.joined",
            r"\b(?:se adhiere|se adhirio|adhesion|adhiere|ratifica\w*|se (?:une|unio|suma|sumo) a|"
            r"ingresa en|ingreso en)\b",
        ),
        trigger(
            "agreement.signed",
            rf"\b(?:firma\w*|suscrib\w*|suscri\w*|sella\w*|acuerdan)\b[^.;\n]{{0,60}}\b{_SIGNED_THING}|"
            rf"\b{_SIGNED_THING}\b[^.;\n]{{0,60}}\b(?:firmad\w*|suscrit\w*)\b|"
            r"\b(?:emit|public|lanz|adopt|anunci|present|conclu|cierra)\w*\b[^.;\n]{0,50}?"
            r"\b(?:declaracion conjunta|comunicado conjunto|iniciativa (?:conjunta|de cooperacion)|"
            r"alianza estrategica)\b",
        ),
        trigger(
            "instrument.in_force",
            r"\b(?:entr(?:a|an|o|aron|ara|aran) en vigor|entrada en vigor|"
            r"en vigor (?:desde|a partir)|vigente desde|se aplica(?:ra)? (?:desde|a partir)|"
            r"(?:comienza|comenzara|empieza|"
            r"empezara) a (?:aplicarse|regir)|rige desde|regira)\b",
        ),
        trigger(
            "instrument.proposed",
            r"\b(?:anteproyecto|proyecto de (?:ley|decreto|reglamento)|propuesta|propone\w*|"
            r"consulta publica|borrador)\b",
        ),
        trigger(
            "instrument.adopted",
            r"\b(?:aprueba\w*|aprobad\w*|aprobo|aprobaron|promulga\w*|sanciona\w*|adopta\w*)\b|"
            r"\b(?:presenta\w*|lanza\w*)\b[^.;\n]{0,40}?\b(?:estrategia|plan|hoja de ruta|marco|"
            r"directrices|politica|programa|codigo)\b",
        ),
        trigger(
            "body.established",
            rf"\b(?:crea\w*|establece\w*|constituy\w*|constitu\w*|pone en marcha|puso en marcha|"
            rf"inaugura\w*|lanza\w*)\b[^.;\n]{{0,50}}?\b{_CREATED_THING}\b|"
            rf"\b{_CREATED_THING}\b[^.;\n]{{0,40}}\b(?:inicia|comienza|empieza) (?:su )?"
            rf"(?:actividad|funcionamiento|operaciones|a funcionar)\b|"
            r"\babr(?:e|en|ira|iran) sus puertas\b",
        ),
        trigger(
            "meeting.held",
            r"\b(?:cumbre|reunion ministerial|encuentro ministerial|(?:ministros|ministras|lideres|"
            r"jefes de estado)\b[^.;\n]{0,25}\b(?:se reunen|se reunieron|se reuniran)|"
            r"(?:celebra\w*|acoge\w*|organiza\w*)\b[^.;\n]{0,40}\b(?:cumbre|reunion|conferencia|"
            r"foro|dialogo))\b",
        ),
        trigger(
            "office.opened",
            r"\b(?:abre|abrio|abrira|inaugura\w*)\b[^.;\n]{0,40}\b(?:oficina|sede|filial|"
            r"laboratorio|centro de investigacion|campus)\b",
        ),
        trigger("investment.announced", r"\b(?:invierte\w*|invertir\w*|inversion\w*|invirtio)\b"),
        trigger("metric.reported", r"\b(?:estadistica\w*|encuesta\w*|indice|censo|ranking)\b"),
        trigger(
            "instrument.adopted", r"\b(?:presenta\w*|publica\w*|publico|divulga\w*)\b", weak=True
        ),
    ),
    dates=DateWords(
        months=_MONTHS,
        weekdays=_WEEKDAYS,
        day_range=[r"{d}\s*(?:al|-|\u2013|y)\s*\d{{1,2}} de {mon}(?: (?:de|del) {y})?"],
        day_month_year=[r"{d} de {mon} (?:de|del) {y}"],
        day_month=[r"{d} de {mon}\b"],
        month_year=[r"{mon} (?:de|del) {y}"],
        before_month=r"en|desde|hasta|a partir de|principios de|finales de|mediados de|para",
        before_year=(
            r"en|desde|hasta|a partir de|principios de|finales de|mediados de|para|antes de"
        ),
        relative_days={"hoy": 0, "ayer": -1, "anteayer": -2, "pasado manana": 2},
        next_words=r"proximo|proxima|que viene",
        last_words=r"pasado|pasada",
        relative_years={
            "el proximo ano": 1,
            "el ano que viene": 1,
            "este ano": 0,
            "el ano pasado": -1,
        },
    ),
    non_event_title=re.compile(
        r"^\s*(?:opinion|analisis|tribuna|entrevista|podcast|seminario web|webinario|webinar|"
        r"oferta de empleo|empleo|explicador|claves|preguntas y respuestas|cronologia|columna|"
        r"editorial|mercados|agenda|convocatoria|aviso)\s*[:|\u2013—-]|\bvet(?:a|o)\b|"
        r"\b(?:que significa|lo que hay que saber|un ano despues|hace (?:un|dos|tres|\d+) anos?|"
        r"buscamos|se busca)\b",
        re.IGNORECASE,
    ),
    non_event_body=re.compile(
        r"\b(?:inscribete|inscripciones abiertas|inscripcion gratuita|registrese|en este episodio|"
        r"envia tu candidatura|postulate)\b",
        re.IGNORECASE,
    ),
    date_context=DateContext(
        future=r"\b(?:\w{3,}(?:ara|eran|ira|aran|iran|era)|va a|van a|prevista?|previsto)\b",
        until=r"hasta(?: el)?",
    ),
    updated_object=re.compile(
        r"\b(?:actualizad[ao]s?|actualizacion|nueva version)\b", re.IGNORECASE
    ),
    names=NameWords(
        connectors=r"del|y|sobre",
        abbreviations=r"IA",
        stop_words=frozenset({"del", "y", "sobre"}),
    ),
    place_words=PlaceWords(
        coordinator=r"y|e",
        article=r"el\s+|la\s+|los\s+|las\s+",
        host_before=r"en",
        company_after=r"empresas?|companias?",
        company_before=r"empresas?|companias?|firmas?|grupos?|multinacionales?|gigantes?",
    ),
    structure=Structure(
        adjunct_before=re.compile(
            r"\b(?:durante|tras|antes de|despues de|en el marco de|al margen de|con motivo de|"
            r"mientras)\s+(?:(?:la|el|los|las|un|una|su)\s+)?(?:[\w-]+\s+){0,3}[\w-]*$",
            re.IGNORECASE,
        ),
        nominal=re.compile(
            r"\w+(?:cion|ciones|miento|mientos)|cumbre|reunion ministerial|encuentro ministerial|"
            r"estadistica\w*|encuesta\w*|indice|censo|ranking|anteproyecto\w*|proyecto de \w+",
            re.IGNORECASE,
        ),
    ),
    adjective_forms=spanish_forms,
    government_channel=re.compile(
        r"\b(?:ministerio|gobierno|secretaria de estado)\b", re.IGNORECASE
    ),
    topic_stop_words=frozenset(
        """el la los las un una unos unas y o de del en al a por para con que es son ha han
        se su sus lo como sobre mas no""".split()  # noqa: SIM905 - a word list reads best as text
    ),
    government=re.compile(
        r"\b(?:el gobierno|consejo de ministros|las cortes|el congreso|el ejecutivo)\b",
        re.IGNORECASE,
    ),
)
