"""Plain text from feed markup, and its sentences.

Feed summaries mix escaped HTML, CDATA and entities.  Block elements (p, li,
br) end a sentence; inline ones (sup, em, b) join their text without a space,
so a date split by markup ("1<sup>er</sup> avril") reads back whole.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from html.parser import HTMLParser

_BLOCK_TAGS = frozenset(
    {"p", "br", "li", "ul", "ol", "div", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6"}
    | {"blockquote", "section", "article", "table", "dd", "dt", "hr"}
)
_SKIPPED_TAGS = frozenset({"script", "style"})


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED_TAGS:
            self._skipping += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED_TAGS:
            self._skipping = max(0, self._skipping - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def html_to_text(markup: str) -> str:
    """Text of `markup` with one newline between blocks and single spaces inside them."""
    collector = _TextCollector()
    collector.feed(markup)
    collector.close()
    text = "".join(collector.parts).replace("\xa0", " ")
    lines = (re.sub(r"[ \t\r\f\v]+", " ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def collapse(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _fold_table() -> dict[int, str]:
    table = {code: chr(code - 0xFF10 + ord("0")) for code in range(0xFF10, 0xFF1A)}
    for code in range(0x00C0, 0x0250):
        base = unicodedata.normalize("NFKD", chr(code))[0]
        if base.isascii():
            table[code] = base
    return table


# Full-width digits (common in Japanese text) and accented Latin letters, one
# character for one, so that folding keeps every offset.
_FOLD = _fold_table()


def fold(text: str) -> str:
    """Drop accents from Latin letters and narrow full-width digits, keeping every offset.

    Japanese must not go through NFKD (it would split voiced kana), and the
    matchers rely on offsets in the folded text being offsets in the original.
    """
    return text.translate(_FOLD)


# A full stop ends a sentence unless it closes an abbreviation ("Jan.", "U.S.",
# "Mr.") or is followed by something that is not a sentence start.
_ABBREVIATION = re.compile(
    r"(?:\b(?:jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec|mr|mrs|ms|dr|st|no|sen|rep|"
    r"gov|gen|inc|corp|ltd|co|vs|etc|e\.g|i\.e|approx|art|para|p)|\b[A-Z]|\.[A-Za-z])$",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"[.!?](?=\s+[\"'“«(]?[A-ZÀ-Ý0-9])|[。\uff01\uff1f]|\n|;\s")


@dataclass(frozen=True, slots=True)
class Sentence:
    start: int
    end: int
    text: str


def sentences(text: str, offset: int = 0) -> list[Sentence]:
    """Split `text` into sentences with their offsets (plus `offset`)."""
    found: list[Sentence] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        if match.group().startswith(".") and _ABBREVIATION.search(text[start : match.start()]):
            continue
        end = match.end()
        if text[start:end].strip():
            found.append(Sentence(start + offset, end + offset, text[start:end]))
        start = end
    if text[start:].strip():
        found.append(Sentence(start + offset, len(text) + offset, text[start:]))
    return found


# "SACRAMENTO —", "WASHINGTON (Reuters) -", "GENEVA, March 3 -"
_DATELINE = re.compile(
    r"^([A-ZÀ-Ý][A-ZÀ-Ý .'\u2019-]{2,40}?)(?=\s*(?:\([^)]{0,30}\)\s*)?[—\u2013-]|\s*,)"
)


def dateline_as_name(body: str) -> str:
    """'SACRAMENTO — ...' -> 'Sacramento — ...': a dateline names a place in capitals.

    Same length, so offsets are kept.
    """
    match = _DATELINE.match(body)
    if not match:
        return body
    return match.group(1).title() + body[match.end(1) :]
