"""Settings: config.toml, overridden by TIMELINE_* environment variables.

Nested keys use a double underscore: `database.url` is TIMELINE_DATABASE__URL.
Secrets (passwords) are never read from the file, only from the environment.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from timeline.errors import ConfigError

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


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="TIMELINE_", env_nested_delimiter="__", extra="forbid"
    )

    database: DatabaseSettings = DatabaseSettings()
    logging: LoggingSettings = LoggingSettings()
    projections: ProjectionSettings = ProjectionSettings()

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


def load_settings(config_path: Path | None = None) -> Settings:
    """Read settings from `config_path` (or ./config.toml, or TIMELINE_CONFIG) and the env.

    A relative SQLite path is taken relative to the config file's folder, so
    the same config works from any working directory.
    """
    path = config_path or Path(os.environ.get("TIMELINE_CONFIG", DEFAULT_CONFIG))
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
