"""French.  Its event wordings and date patterns are the core lists in `kinds` and `dates`."""

from __future__ import annotations

import re

from timeline.feeds.extract.languages.base import Language


def french_forms(adjective: str) -> list[str]:
    """Masculine singular -> the four forms and their capitalised nouns ("les Français")."""
    stems = [adjective, adjective + "e"]
    if adjective.endswith("n"):
        stems.append(adjective + "ne")
    if adjective.endswith("e"):
        stems = [adjective]
    forms = [f for stem in stems for f in (stem, stem if stem.endswith("s") else stem + "s")]
    return forms + [f[0].upper() + f[1:] for f in forms]


LANGUAGE = Language(
    code="fr",
    function_words=re.compile(
        r"\b(?:le|la|les|des|du|une|est|sont|dans|pour|avec|sur|qui|que|au|aux|l'|d'|a été|"
        r"été|ont|cette|ces|entre|selon|mardi|lundi|mercredi|jeudi|vendredi)\b",
        re.IGNORECASE,
    ),
    adjective_forms=french_forms,
    government=re.compile(
        r"\b(?:le gouvernement|conseil federal|conseil des ministres|l'assemblee nationale|"
        r"le parlement|premier ministre)\b",
        re.IGNORECASE,
    ),
)
