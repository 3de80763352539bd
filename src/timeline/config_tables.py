"""Adding and removing a named table of an array in config.toml (`[[feeds]]`,
`[[follows]]`), keeping the file's comments and layout (tomlkit)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import tomlkit
from pydantic import BaseModel
from tomlkit.exceptions import TOMLKitError
from tomlkit.items import AoT

from timeline.errors import ConfigError, TimelineError


def _read(path: Path) -> tomlkit.TOMLDocument:
    if not path.exists():
        return tomlkit.document()
    try:
        return tomlkit.parse(path.read_text())
    except (OSError, TOMLKitError) as exc:
        raise ConfigError(f"{path}: {exc}") from None


def _entries(doc: tomlkit.TOMLDocument, array: str) -> list[Any]:
    entries = doc.get(array)
    return list(entries) if entries is not None else []


def add_table(path: Path, array: str, entry: BaseModel, what: str) -> None:
    """Append `entry` as a `[[array]]` table (its values that differ from the
    defaults); one of the same `name` is an error."""
    doc = _read(path)
    values = entry.model_dump(exclude_none=True, exclude_defaults=True)
    name = values["name"]  # a named table's model has a name, with no default
    if any(item.get("name") == name for item in _entries(doc, array)):
        raise ConfigError(f"{path}: a {what} named {name!r} is already listed")
    table = tomlkit.table()
    for key, value in values.items():
        table[key] = value
    if array in doc:
        doc[array].append(table)
    else:
        doc[array] = AoT([table])
    path.write_text(tomlkit.dumps(doc))


def remove_table(
    path: Path, array: str, name: str, what: str, unknown: type[TimelineError]
) -> None:
    """Drop the `[[array]]` table called `name`; `unknown` naming the known ones if
    there is none."""
    doc = _read(path)
    entries = _entries(doc, array)
    kept = [entry for entry in entries if entry.get("name") != name]
    if len(kept) == len(entries):
        known = ", ".join(str(e.get("name")) for e in entries) or "none configured"
        raise unknown(f"no {what} named {name!r} in {path} (known: {known})")
    tables = doc[array]
    for index in reversed(range(len(entries))):
        if entries[index].get("name") == name:
            del tables[index]
    if not kept:
        del doc[array]
    path.write_text(tomlkit.dumps(doc))
