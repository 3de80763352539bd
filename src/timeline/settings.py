"""Settings: config.toml, overridden by TIMELINE_* environment variables.

Nested keys use a double underscore: `database.url` is TIMELINE_DATABASE__URL.
Secrets (passwords) are never read from the file, only from the environment.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from timeline.errors import ConfigError, UnknownFeedError

DEFAULT_CONFIG = Path("config.toml")


class DatabaseSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = "sqlite:///timeline.db"
    """SQLAlchemy URL: sqlite:///relative/or/absolute.db or postgresql+psycopg://..."""


class LoggingSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    level: Literal["debug", "info", "warning", "error"] = "info"
    format: Literal["auto", "json", "console"] = "auto"
    """auto: readable on a terminal, JSON lines otherwise."""


class ProjectionSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    path: str = "projections"
    """Folder of projection definitions (*.toml), relative to the config file."""
    default: str = "governance"
    """The projection `state`, `compare` and `diff` use when none is named."""
    catch_up_seconds: float = Field(default=60.0, gt=0)
    """How often the daemon brings the read models up to the end of the log."""


FEED_NAME_PATTERN = r"^[a-z0-9][a-z0-9._-]{0,99}$"


class FeedSettings(BaseModel):
    """One watched feed: a `[[feeds]]` table in config.toml."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=FEED_NAME_PATTERN)
    """Short stable name (lower-case, digits, . _ -): the key of its health and candidates."""
    url: str = Field(pattern=r"^https?://\S+$")
    jurisdiction: str | None = None
    """Hint for items that name no place (ISO code or group, e.g. "FR", "EU")."""
    language: str | None = None
    """Language of the items (e.g. "ja", "fr"), when the feed does not say."""
    interval: int = Field(default=3600, ge=1)
    """Seconds between polls when the feed is healthy."""
    enabled: bool = True
    auto_accept_threshold: float | None = Field(default=None, ge=0, le=1)
    """Accept candidates at or above this confidence without review; off when unset."""

    @field_validator("jurisdiction")
    @classmethod
    def _known_jurisdiction(cls, code: str | None) -> str | None:
        from timeline.model.jurisdictions import validate_code

        return validate_code(code) if code else None


class PollingSettings(BaseModel):
    """How politely feeds are fetched."""

    model_config = ConfigDict(extra="forbid")

    user_agent: str = ""
    """Empty: `timeline/<version> (+<project url>)`."""
    connect_timeout: float = Field(default=10.0, gt=0)
    read_timeout: float = Field(default=30.0, gt=0)
    """Seconds to wait for each read; the whole download is also cut at 4x this."""
    max_body_bytes: int = Field(default=10_000_000, ge=1024)
    max_redirects: int = Field(default=5, ge=0)
    backoff_ceiling: int = Field(default=86_400, ge=1)
    """Longest wait (seconds) after repeated failures; the feed is retried at least this often."""
    jitter: float = Field(default=0.1, ge=0, lt=1)
    """Fraction by which every delay is randomly lengthened or shortened."""


class DaemonSettings(BaseModel):
    """The background daemon: its lease on the database and its scheduler."""

    model_config = ConfigDict(extra="forbid")

    lease_seconds: float = Field(default=60.0, gt=0)
    """How long a silent daemon keeps the database before a standby takes over."""
    renew_seconds: float = Field(default=15.0, gt=0)
    """How often the active daemon renews its lease (and a standby retries)."""
    misfire_grace_seconds: int = Field(default=300, ge=1)
    workers: int = Field(default=4, ge=1)
    """Feeds polled at the same time."""


class WebSettings(BaseModel):
    """`timeline serve`: the analysts' web view and read-only HTTP API."""

    model_config = ConfigDict(extra="forbid")

    host: str = "127.0.0.1"
    """Address to listen on; the loopback default keeps the view on this machine."""
    port: int = Field(default=8080, ge=1, le=65535)
    catch_up_seconds: float = Field(default=5.0, ge=0)
    """How often the server brings the read models up to the end of the log; 0: never
    (it then writes nothing at all, and answers lag until something else catches up)."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="TIMELINE_", env_nested_delimiter="__", extra="forbid"
    )

    database: DatabaseSettings = DatabaseSettings()
    logging: LoggingSettings = LoggingSettings()
    projections: ProjectionSettings = ProjectionSettings()

    polling: PollingSettings = PollingSettings()
    daemon: DaemonSettings = DaemonSettings()
    web: WebSettings = WebSettings()
    feeds: list[FeedSettings] = []

    @field_validator("feeds")
    @classmethod
    def _unique_names(cls, feeds: list[FeedSettings]) -> list[FeedSettings]:
        names = [f.name for f in feeds]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValueError(f"feed name(s) listed twice: {', '.join(repeated)}")
        return feeds

    def feed(self, name: str) -> FeedSettings:
        """The feed called `name`; `UnknownFeedError` naming the known ones otherwise."""
        for feed in self.feeds:
            if feed.name == name:
                return feed
        known = ", ".join(f.name for f in self.feeds) or "none configured"
        raise UnknownFeedError(f"no feed named {name!r} in the config (known: {known})")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml_file = settings_cls.model_config.get("toml_file")
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        if toml_file is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=toml_file))
        return tuple(sources)


def config_file(config_path: Path | None = None) -> Path:
    """The settings file in use: `config_path`, else $TIMELINE_CONFIG, else ./config.toml."""
    return config_path or Path(os.environ.get("TIMELINE_CONFIG", DEFAULT_CONFIG))


def load_settings(config_path: Path | None = None) -> Settings:
    """Read settings from `config_path` (or ./config.toml, or TIMELINE_CONFIG) and the env.

    A relative SQLite path is taken relative to the config file's folder, so
    the same config works from any working directory.
    """
    path = config_file(config_path)
    explicit = config_path is not None or "TIMELINE_CONFIG" in os.environ
    if explicit and not path.is_file():
        raise ConfigError(f"config file {path} not found")

    class _FileSettings(Settings):
        model_config = SettingsConfigDict(toml_file=path if path.is_file() else None)

    try:
        settings = _FileSettings()
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ConfigError(f"{path}: {where}: {first['msg']}") from None
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{path}: {exc}") from None
    projections = settings.projections.model_dump()
    projections["path"] = str((path.parent / settings.projections.path).resolve())
    return Settings.model_validate(
        settings.model_dump()
        | {
            "database": {"url": _anchor_sqlite(settings.database.url, path.parent)},
            "projections": projections,
        }
    )


def _anchor_sqlite(url: str, base: Path) -> str:
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigError(f"database.url {url!r} is not a database URL") from None
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return url
    if Path(database).is_absolute():
        return url
    return parsed.set(database=str((base / database).resolve())).render_as_string(
        hide_password=False
    )
