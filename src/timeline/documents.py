"""Reading event documents: JSON or TOML, one event or many.

Accepted shapes: a JSON object or array of objects; a TOML document with an
`[[event]]` array, or a TOML table that is itself one event.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

from timeline.errors import EmptyInputError, ImportFileError, InvalidEventError
from timeline.model.events import AnyEvent, parse_event

SHAPES = "a JSON object or an array of them, or TOML [[event]] tables"
"""The shapes an event document may take, for messages."""


def parse_documents(text: str, where: str, fmt: str | None = None) -> list[dict[str, Any]]:
    """The event entries in `text`; `fmt` is "json", "toml" or None to detect."""
    if fmt is None:
        fmt = "json" if text.lstrip()[:1] in ("{", "[") else "toml"
    try:
        data: Any = json.loads(text) if fmt == "json" else tomllib.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFileError(f"{where}: invalid JSON at line {exc.lineno}: {exc.msg}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ImportFileError(f"{where}: invalid TOML: {exc}") from None
    if isinstance(data, dict) and "event" in data and isinstance(data["event"], list):
        data = data["event"]
    elif fmt == "toml" and data == {}:  # an empty (or comments-only) TOML file
        data = []
    entries = data if isinstance(data, list) else [data]
    for index, entry in enumerate(entries, 1):
        if not isinstance(entry, dict):
            raise ImportFileError(f"{where}: entry {index} is not a table/object")
    return entries


def read_documents(path: Path) -> list[dict[str, Any]]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ImportFileError(f"cannot read {path}: {exc}") from None
    fmt = {".json": "json", ".toml": "toml"}.get(path.suffix.lower())
    return parse_documents(text, str(path), fmt)


def events_to_append(entries: list[dict[str, Any]], where: str) -> list[AnyEvent]:
    """The entries of the document `where`, validated; an empty document, or any
    invalid entry, fails them all (naming the first invalid entry and how many
    more there are), before anything is written."""
    if not entries:
        raise EmptyInputError(f"nothing to append: {where} holds no events; write {SHAPES}")
    events: list[AnyEvent] = []
    problems: list[str] = []
    for index, entry in enumerate(entries, 1):
        try:
            events.append(parse_event(entry, f"{where}: entry {index}"))
        except InvalidEventError as exc:
            problems.append(str(exc))
    if problems:
        more = len(problems) - 1
        raise InvalidEventError(
            problems[0]
            + (f" ({more} more invalid entr{'ies' if more > 1 else 'y'} after it)" if more else "")
        )
    return events
