"""Database URLs: which backend one names, and where a relative SQLite file lives."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from timeline.errors import ConfigError


def parse_url(url: str) -> URL:
    """The URL `database.url` names; `ConfigError` when it is not a database URL."""
    try:
        return make_url(url)
    except ArgumentError:
        raise ConfigError(f"database.url {url!r} is not a database URL") from None


def anchor_sqlite_path(url: str, base: Path) -> str:
    """`url` with a relative SQLite file made absolute under `base` (the folder of
    the config file naming it); any other URL as it is."""
    parsed = parse_url(url)
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return url
    # An SQLite URI (`sqlite:///file:/path/t.db?mode=ro&uri=true`) names its file
    # itself, with the driver's options: read-only, immutable...
    if Path(database).is_absolute() or database.startswith("file:"):
        return url
    return parsed.set(database=str((base / database).resolve())).render_as_string(
        hide_password=False
    )
