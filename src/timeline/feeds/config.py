"""Adding and removing `[[feeds]]` in config.toml, keeping the file's comments and layout."""

from __future__ import annotations

from pathlib import Path

from timeline.config_tables import add_table, remove_table
from timeline.errors import ConfigError, UnknownFeedError
from timeline.feeds.fetch import HTTP, file_path
from timeline.settings import FeedSettings


def feed_url(source: str) -> str:
    """The URL a feed is kept under: an http(s) URL as given; a `file:` URL or a plain
    path as the absolute `file:` URL of the file it names, which must exist (a
    downloaded feed, to try the watcher on)."""
    if HTTP.match(source):
        return source
    path = file_path(source).expanduser()
    if path.is_dir():
        raise ConfigError(f"url: {path.absolute()} is a folder, not a feed file")
    if not path.is_file():
        raise ConfigError(
            f"url: no such file {path.absolute()} (a feed is an http(s) URL, or the path "
            "or file: URL of a downloaded feed)"
        )
    return path.resolve().as_uri()


def add_feed(path: Path, feed: FeedSettings) -> None:
    """Append a `[[feeds]]` table; a feed of the same name is an error."""
    add_table(path, "feeds", feed, "feed")


def remove_feed(path: Path, name: str) -> None:
    """Drop the `[[feeds]]` table called `name` (its health and candidates stay)."""
    remove_table(path, "feeds", name, "feed", UnknownFeedError)
