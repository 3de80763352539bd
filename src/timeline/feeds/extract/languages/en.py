"""English.  Its event wordings and date patterns are the core lists in `kinds` and `dates`."""

from __future__ import annotations

import re

from timeline.feeds.extract.languages.base import Language

LANGUAGE = Language(
    code="en",
    function_words=re.compile(
        r"\b(?:the|of|and|to|in|is|are|was|were|for|with|on|by|that|this|from|will|has|have)\b",
        re.IGNORECASE,
    ),
    government=re.compile(
        r"\b(?:the government|the cabinet|parliament|the nation|federal government|"
        r"prime minister|the commonwealth)\b",
        re.IGNORECASE,
    ),
)
