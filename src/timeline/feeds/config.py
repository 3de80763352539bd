"""Adding and removing `[[feeds]]` in config.toml, keeping the file's comments and layout."""

from __future__ import annotations

from pathlib import Path

from timeline.config_tables import add_table, remove_table
from timeline.errors import UnknownFeedError
from timeline.settings import FeedSettings


def add_feed(path: Path, feed: FeedSettings) -> None:
    """Append a `[[feeds]]` table; a feed of the same name is an error."""
    add_table(path, "feeds", feed, "feed")


def remove_feed(path: Path, name: str) -> None:
    """Drop the `[[feeds]]` table called `name` (its health and candidates stay)."""
    remove_table(path, "feeds", name, "feed", UnknownFeedError)
