"""Japanese.  Its event wordings and date patterns (era dates included) are the core lists in
`kinds` and `dates`; it is told apart by its kana, not by function words."""

from __future__ import annotations

import re

from timeline.feeds.extract.languages.base import Language

LANGUAGE = Language(
    code="ja",
    function_words=re.compile(r"[\u3040-\u309f]{2}"),
    government=re.compile(r"政府|閣議|国会|内閣|府省庁|各省"),
)
