"""Adding and removing `[[feeds]]` in config.toml, keeping the file's comments and layout."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.exceptions import TOMLKitError
from tomlkit.items import AoT

from timeline.errors import ConfigError, UnknownFeedError
from timeline.settings import FeedSettings


def _read(path: Path) -> tomlkit.TOMLDocument:
    if not path.exists():
        return tomlkit.document()
    try:
        return tomlkit.parse(path.read_text())
    except (OSError, TOMLKitError) as exc:
        raise ConfigError(f"{path}: {exc}") from None


def _feeds(doc: tomlkit.TOMLDocument) -> list[Any]:
    feeds = doc.get("feeds")
    return list(feeds) if feeds is not None else []


def add_feed(path: Path, feed: FeedSettings) -> None:
    """Append a `[[feeds]]` table; a feed of the same name is an error."""
    doc = _read(path)
    if any(entry.get("name") == feed.name for entry in _feeds(doc)):
        raise ConfigError(f"{path}: a feed named {feed.name!r} is already listed")
    table = tomlkit.table()
    for key, value in feed.model_dump(exclude_none=True, exclude_defaults=True).items():
        table[key] = value
    if "feeds" in doc:
        doc["feeds"].append(table)
    else:
        doc["feeds"] = AoT([table])
    path.write_text(tomlkit.dumps(doc))


def remove_feed(path: Path, name: str) -> None:
    """Drop the `[[feeds]]` table called `name` (its health and candidates stay)."""
    doc = _read(path)
    entries = _feeds(doc)
    kept = [entry for entry in entries if entry.get("name") != name]
    if len(kept) == len(entries):
        known = ", ".join(str(e.get("name")) for e in entries) or "none configured"
        raise UnknownFeedError(f"no feed named {name!r} in {path} (known: {known})")
    feeds = doc["feeds"]
    for index in reversed(range(len(entries))):
        if entries[index].get("name") == name:
            del feeds[index]
    if not kept:
        del doc["feeds"]
    path.write_text(tomlkit.dumps(doc))
