"""Adding and removing `[[follows]]` in config.toml, keeping the file's comments and layout."""

from __future__ import annotations

from pathlib import Path

from timeline.config_tables import add_table, remove_table
from timeline.errors import UnknownFollowError
from timeline.settings import FollowSettings


def add_follow(path: Path, follow: FollowSettings) -> None:
    """Append a `[[follows]]` table; a follow of the same name is an error."""
    add_table(path, "follows", follow, "follow")


def remove_follow(path: Path, name: str) -> None:
    """Drop the `[[follows]]` table called `name` (its alerts stay in the ledger)."""
    remove_table(path, "follows", name, "follow", UnknownFollowError)
