"""Settings: config.toml, overridden by TIMELINE_* environment variables.

Nested keys use a double underscore: `database.url` is TIMELINE_DATABASE__URL.
Secrets (passwords) are never read from the file, only from the environment.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from timeline.errors import (
    ConfigError,
    UnknownDigestListError,
    UnknownFeedError,
    UnknownFollowError,
)
from timeline.settings_file import (
    DEFAULT_DATABASE_URL,
    DEFAULT_PROJECTION,
    DEFAULT_PROJECTIONS_PATH,
    SECTIONS,
    config_file,
    mark_validated,
    validation_stamp,
)
from timeline.store.urls import anchor_sqlite_path

if TYPE_CHECKING:
    from timeline.model.selection import Selection


class DatabaseSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = DEFAULT_DATABASE_URL
    """SQLAlchemy URL: sqlite:///relative/or/absolute.db or postgresql+psycopg://..."""


class LoggingSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    level: Literal["auto", "debug", "info", "warning", "error"] = "auto"
    """auto: warnings and errors only, but info too for the daemon, `serve` and
    `--log-json` (one-shot commands say what they did on stdout)."""
    format: Literal["auto", "json", "console"] = "auto"
    """auto: readable on a terminal, JSON lines otherwise; `--log-json` forces json."""


class ProjectionSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    path: str = DEFAULT_PROJECTIONS_PATH
    """Folder of projection definitions (*.toml), relative to the config file."""
    default: str = DEFAULT_PROJECTION
    """The projection `state`, `compare` and `diff` use when none is named."""
    catch_up_seconds: float = Field(default=60.0, gt=0)
    """How often the daemon brings the read models up to the end of the log."""


FEED_NAME_PATTERN = r"^[a-z0-9][a-z0-9._-]{0,99}$"
_FEED_URL = re.compile(r"^(https?://|file:/)\S+$", re.IGNORECASE)


class FeedSettings(BaseModel):
    """One watched feed: a `[[feeds]]` table in config.toml."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=FEED_NAME_PATTERN)
    """Short stable name (lower-case, digits, . _ -): the key of its health and candidates."""
    url: str
    """An http(s) URL, or an absolute `file:` URL: a downloaded feed, to try the watcher
    on (`timeline poll` reads it; the daemon only with `daemon.poll_file_feeds`)."""
    jurisdiction: str | None = None
    """Hint for items that name no place (ISO code or group, e.g. "FR", "EU")."""
    language: str | None = None
    """Language of the items (e.g. "ja", "fr"), when the feed does not say."""
    interval: int = Field(default=3600, ge=1)
    """Seconds between polls when the feed is healthy."""
    enabled: bool = True
    auto_accept_threshold: float | None = Field(default=None, ge=0, le=1)
    """Accept candidates at or above this confidence without review; off when unset."""

    @field_validator("url")
    @classmethod
    def _http_or_file(cls, url: str) -> str:
        if not _FEED_URL.match(url):
            raise ValueError(f"expected an http(s) URL or an absolute file: URL, got {url!r}")
        return url

    @field_validator("jurisdiction")
    @classmethod
    def _known_jurisdiction(cls, code: str | None) -> str | None:
        from timeline.model.jurisdictions import validate_code

        return validate_code(code) if code else None

    @property
    def is_file(self) -> bool:
        """A `file:` feed: a local file, not a server."""
        return self.url[:5].lower() == "file:"


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
    poll_file_feeds: bool = False
    """Whether the daemon polls `file:` feeds too; off, only `timeline poll` reads them
    (a downloaded feed is for trying the watcher, and does not change by itself)."""


class WebSettings(BaseModel):
    """`timeline serve`: the analysts' web view and read-only HTTP API."""

    model_config = ConfigDict(extra="forbid")

    host: str = "127.0.0.1"
    """Address to listen on; the loopback default keeps the view on this machine."""
    port: int = Field(default=8080, ge=1, le=65535)
    catch_up_seconds: float = Field(default=5.0, ge=0)
    """How often the server brings the read models up to the end of the log; 0: never
    (it then writes nothing at all, and answers lag until something else catches up)."""


def _refuse_repeated(names: list[str], problem: str) -> None:
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ValueError(f"{problem}: {', '.join(repeated)}")


def _email_addresses(addresses: list[str]) -> list[str]:
    import re

    for address in addresses:
        if not re.match(EMAIL_ADDRESS_PATTERN, address):
            raise ValueError(f"{address!r} is not an email address")
    return addresses


def _jurisdiction_codes(codes: list[str]) -> list[str]:
    from timeline.model.jurisdictions import validate_code

    return [validate_code(code) for code in codes]


DIGEST_LIST_NAME_PATTERN = r"^[a-z0-9][a-z0-9._-]{0,99}$"
EMAIL_ADDRESS_PATTERN = r"^[^@\s<>,;\"]+@[^@\s<>,;\"]+$"


class DigestListSettings(BaseModel):
    """One recipient list of the weekly digest: a `[[digest.lists]]` table."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=DIGEST_LIST_NAME_PATTERN)
    """Short stable name (lower-case, digits, . _ -): `--list NAME` and the ledger's key."""
    recipients: list[str] = []
    """Addresses that get this list's digest (`--to` replaces them for one run)."""
    subject_prefix: str = "[timeline]"
    jurisdictions: list[str] = []
    """Only events concerning one of these codes; empty: every jurisdiction."""
    kinds: list[str] = []
    """Only events of these kinds; empty: every kind."""

    @field_validator("recipients")
    @classmethod
    def _addresses(cls, recipients: list[str]) -> list[str]:
        return _email_addresses(recipients)

    @field_validator("jurisdictions")
    @classmethod
    def _known_jurisdictions(cls, codes: list[str]) -> list[str]:
        return _jurisdiction_codes(codes)

    @field_validator("kinds")
    @classmethod
    def _known_kinds(cls, kinds: list[str]) -> list[str]:
        from timeline.model.kinds import KINDS

        for kind in kinds:
            if kind not in KINDS:
                raise ValueError(f"unknown kind {kind!r}; known kinds: {', '.join(KINDS)}")
        return kinds


class DigestSettings(BaseModel):
    """The weekly digest: what goes in, when the daemon sends it, how it retries."""

    model_config = ConfigDict(extra="forbid")

    timezone: str = "Europe/Brussels"
    """IANA zone in which weeks start (Monday 00:00) and the schedule is read."""
    schedule: str = "0 8 * * mon"
    """Cron expression (minute hour day month day-of-week) of the daemon's weekly send."""
    upcoming_days: int = Field(default=30, ge=1)
    silent_feed_days: int = Field(default=7, ge=1)
    """A feed with no successful poll for longer than this is listed as silent."""
    skip_empty_weeks: bool = False
    retry_seconds: float = Field(default=300.0, gt=0)
    """How often the daemon looks for failed deliveries that are due again."""
    retry_backoff: int = Field(default=300, ge=1)
    """Seconds before the first retry of a failed delivery; doubled after each failure."""
    retry_ceiling: int = Field(default=21_600, ge=1)
    """Longest wait between retries: a failed delivery is retried at least this often."""
    sending_timeout: int = Field(default=900, ge=1)
    """A delivery claimed this long ago without an outcome (its sender died) is retried."""
    lists: list[DigestListSettings] = [DigestListSettings(name="weekly")]

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, name: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {name!r} (an IANA name like Europe/Brussels)"
            ) from None
        return name

    @field_validator("schedule")
    @classmethod
    def _cron(cls, expression: str) -> str:
        from apscheduler.triggers.cron import CronTrigger

        try:
            CronTrigger.from_crontab(expression)
        except ValueError as exc:
            raise ValueError(f"cron expression {expression!r}: {exc}") from None
        return expression

    @field_validator("lists")
    @classmethod
    def _unique_lists(cls, lists: list[DigestListSettings]) -> list[DigestListSettings]:
        _refuse_repeated([item.name for item in lists], "digest list name(s) used twice")
        return lists

    def digest_list(self, name: str) -> DigestListSettings:
        """The list called `name`; `UnknownDigestListError` naming the known ones otherwise."""
        for item in self.lists:
            if item.name == name:
                return item
        known = ", ".join(item.name for item in self.lists) or "none configured"
        raise UnknownDigestListError(
            f"no digest list named {name!r} in the config (known: {known})"
        )


FOLLOW_NAME_PATTERN = r"^[a-z0-9][a-z0-9._-]{0,99}$"
SECRET_VARIABLE_PATTERN = r"^[A-Z_][A-Z0-9_]{0,99}$"


class FollowSettings(BaseModel):
    """One follow: a `[[follows]]` table in config.toml (`timeline follow add`)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=FOLLOW_NAME_PATTERN)
    """Short stable name (lower-case, digits, . _ -): the key of its alerts in the ledger."""
    jurisdictions: list[str] = []
    """Facts concerning one of these codes (or groups); empty: every jurisdiction."""
    with_subdivisions: bool = False
    """Also the subdivisions of `jurisdictions` (JP follows JP-13, Tokyo)."""
    kinds: list[str] = []
    """Shell-style kind patterns (`instrument.*`); empty: every kind."""
    subjects: list[str] = []
    """Subjects or subject patterns (`eu/*`); empty: every subject."""
    to: list[str] = []
    """Addresses that get this follow's alerts by email, batched."""
    webhook: str | None = Field(default=None, pattern=r"^https?://\S+$")
    """URL each alert is POSTed to, signed as Standard Webhooks says."""
    secret_env: str = Field(default="TIMELINE_WEBHOOK_SECRET", pattern=SECRET_VARIABLE_PATTERN)
    """The environment variable holding the webhook's `whsec_...` secret."""
    enabled: bool = True

    @field_validator("to")
    @classmethod
    def _addresses(cls, recipients: list[str]) -> list[str]:
        return _email_addresses(recipients)

    @field_validator("jurisdictions")
    @classmethod
    def _known_jurisdictions(cls, codes: list[str]) -> list[str]:
        return _jurisdiction_codes(codes)

    @field_validator("kinds")
    @classmethod
    def _patterns_of_kinds(cls, patterns: list[str]) -> list[str]:
        from timeline.model.selection import checked_kind_pattern

        return [checked_kind_pattern(pattern) for pattern in patterns]

    @field_validator("subjects")
    @classmethod
    def _patterns_of_subjects(cls, patterns: list[str]) -> list[str]:
        from timeline.model.selection import checked_subject_pattern

        return [checked_subject_pattern(pattern) for pattern in patterns]

    def selection(self) -> Selection:
        """Which facts this follow is about (the rule the calendar shares)."""
        from timeline.model.selection import Selection

        return Selection.of(
            self.jurisdictions,
            with_subdivisions=self.with_subdivisions,
            kinds=self.kinds,
            subjects=self.subjects,
        )


class AlertSettings(BaseModel):
    """Alerts of the follows: when the daemon looks for them, batches and retries them."""

    model_config = ConfigDict(extra="forbid")

    poll_seconds: float = Field(default=30.0, gt=0)
    """How often the daemon looks for new alerts and sends the webhooks that are due."""
    batch_minutes: float = Field(default=15.0, gt=0)
    """How often the daemon sends each follow's waiting alerts, one email per address."""
    remind_days: list[int] = [30, 7]
    """Days before a followed fact takes effect on which a reminder is sent."""
    retry_backoff: float = Field(default=30.0, gt=0)
    """Seconds before the first retry of a failed delivery; doubled after each failure."""
    retry_ceiling: float = Field(default=21_600.0, gt=0)
    """Longest wait between retries: a failed delivery is retried at least this often."""
    jitter: float = Field(default=0.1, ge=0, lt=1)
    """Fraction by which every retry delay is randomly lengthened or shortened."""
    webhook_timeout: float = Field(default=15.0, gt=0)
    """Seconds a webhook receiver has to answer (the spec recommends 15 to 30)."""
    sending_timeout: float = Field(default=120.0, gt=0)
    """A delivery claimed this long ago without an outcome (its sender died) is sent
    again, with the same webhook-id or Message-ID: the only window for duplicates."""

    @field_validator("remind_days")
    @classmethod
    def _positive_days(cls, days: list[int]) -> list[int]:
        if any(day < 1 for day in days):
            raise ValueError("reminder days must be at least 1")
        return sorted(set(days), reverse=True)


class SmtpSettings(BaseModel):
    """The mail server digests are sent through; the password only from
    TIMELINE_SMTP_PASSWORD."""

    model_config = ConfigDict(extra="forbid")

    host: str = "localhost"
    port: int = Field(default=587, ge=1, le=65535)
    security: Literal["starttls", "tls", "none"] = "starttls"
    """starttls: upgrade a plain connection (port 587); tls: TLS from the start (465)."""
    user: str = ""
    """Login name; empty: no login."""
    sender: str = Field(default="timeline@localhost", pattern=EMAIL_ADDRESS_PATTERN)
    """The From address."""
    timeout: float = Field(default=30.0, gt=0)
    """Seconds for connecting and for each reply of the server."""
    ca_file: str = ""
    """PEM file of CA certificates trusted besides the system's (a private mail server's CA)."""


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
    digest: DigestSettings = DigestSettings()
    smtp: SmtpSettings = SmtpSettings()
    alerts: AlertSettings = AlertSettings()
    follows: list[FollowSettings] = []

    @model_validator(mode="after")
    def _sending_outlasts_smtp(self) -> Settings:
        # A sender still talking to a slow server must not look dead to another one.
        if self.digest.sending_timeout < 4 * self.smtp.timeout:
            raise ValueError(
                f"digest.sending_timeout ({self.digest.sending_timeout}) must be at least "
                f"4 x smtp.timeout ({self.smtp.timeout:g})"
            )
        if self.alerts.sending_timeout < 2 * max(self.smtp.timeout, self.alerts.webhook_timeout):
            raise ValueError(
                f"alerts.sending_timeout ({self.alerts.sending_timeout:g}) must be at least "
                "2 x the longer of smtp.timeout and alerts.webhook_timeout"
            )
        return self

    @field_validator("follows")
    @classmethod
    def _unique_follows(cls, follows: list[FollowSettings]) -> list[FollowSettings]:
        _refuse_repeated([f.name for f in follows], "follow name(s) listed twice")
        return follows

    def follow(self, name: str) -> FollowSettings:
        """The follow called `name`; `UnknownFollowError` naming the known ones otherwise."""
        for follow in self.follows:
            if follow.name == name:
                return follow
        known = ", ".join(f.name for f in self.follows) or "none configured"
        raise UnknownFollowError(f"no follow named {name!r} in the config (known: {known})")

    @field_validator("feeds")
    @classmethod
    def _unique_names(cls, feeds: list[FeedSettings]) -> list[FeedSettings]:
        _refuse_repeated([f.name for f in feeds], "feed name(s) listed twice")
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


# settings_file.py names the sections for the light reader of a question's keys.
if set(Settings.model_fields) != SECTIONS:
    raise AssertionError(
        f"settings_file.SECTIONS {sorted(SECTIONS)} != {sorted(Settings.model_fields)}"
    )


def load_settings(config_path: Path | None = None) -> Settings:
    """Read settings from `config_path` (or ./config.toml, or TIMELINE_CONFIG) and the env.

    A relative SQLite path is taken relative to the config file's folder, so
    the same config works from any working directory.
    """
    path = config_file(config_path)
    explicit = config_path is not None or "TIMELINE_CONFIG" in os.environ
    if explicit and not path.is_file():
        raise ConfigError(f"config file {path} not found")

    stamp = _stamp_of(path)

    class _FileSettings(Settings):
        model_config = SettingsConfigDict(toml_file=path if path.is_file() else None)

    try:
        settings = _FileSettings()
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ConfigError(
            f"{path}: {where}: {first['msg'].removeprefix('Value error, ')}"
        ) from None
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{path}: {exc}") from None
    projections = settings.projections.model_dump()
    projections["path"] = str((path.parent / settings.projections.path).resolve())
    anchored = Settings.model_validate(
        settings.model_dump()
        | {
            "database": {"url": anchor_sqlite_path(settings.database.url, path.parent)},
            "projections": projections,
        }
    )
    # Stamped only if the file read the same before and after: pydantic reads it
    # itself, and a file edited meanwhile must not be stamped for bytes it never saw.
    if stamp is not None and _stamp_of(path) == stamp:
        mark_validated(stamp)
    return anchored


def _stamp_of(path: Path) -> Path | None:
    """The validation stamp of the settings file as it is now (None: no file)."""
    try:
        return validation_stamp(path, path.read_bytes()) if path.is_file() else None
    except OSError:
        return None
