"""Where the settings file is, and the defaults every reader of it shares.

`timeline.settings` validates the whole file (pydantic-settings); this module
is what a command needs before, or instead of, that: it imports nothing heavy,
so `timeline --help` and the question commands start fast (docs/design.md).
`question_settings` reads the few keys a question needs, and declines
whenever the file or the environment holds anything else.
"""

from __future__ import annotations

import hashlib
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

DEFAULT_CONFIG = Path("config.toml")
DEFAULT_DATABASE_URL = "sqlite:///timeline.db"
DEFAULT_PROJECTIONS_PATH = "projections"
DEFAULT_PROJECTION = "governance"


def config_file(config_path: Path | None = None) -> Path:
    """The settings file in use: `config_path`, else $TIMELINE_CONFIG, else ./config.toml."""
    return config_path or Path(os.environ.get("TIMELINE_CONFIG", DEFAULT_CONFIG))


# The sections of `Settings` (settings.py checks at import time that these are
# its fields): an environment variable or table naming any other than those the
# light reader below reads means pydantic's rules must decide.
SECTIONS = frozenset(
    {
        "database",
        "logging",
        "projections",
        "polling",
        "daemon",
        "web",
        "feeds",
        "digest",
        "smtp",
        "alerts",
        "follows",
    }
)
_ENV_PREFIX = "TIMELINE_"
# The keys the light reader understands, and each one's environment variable.
_LIGHT_KEYS = {
    ("database", "url"): "TIMELINE_DATABASE__URL",
    ("projections", "path"): "TIMELINE_PROJECTIONS__PATH",
    ("projections", "default"): "TIMELINE_PROJECTIONS__DEFAULT",
}
# Values of other keys of those sections the light reader accepts as they are:
# they change nothing a question answers or prints.
_QUIET_LOGGING = {"level": ("auto", "warning", "error"), "format": ("auto", "json", "console")}


@dataclass(frozen=True, slots=True)
class QuestionSettings:
    """What a question (`state`, `compare`) reads of the settings, as `load_settings`
    would resolve it: the database URL (a relative SQLite file anchored at the
    config file's folder) and the projections' folder (absolute) and default."""

    database_url: str
    projections_path: Path
    default_projection: str


def question_settings(config_path: Path | None = None) -> QuestionSettings | None:
    """The settings a question needs, read with tomllib and the environment when
    that is certain to agree with `timeline.settings.load_settings`; None when
    anything (another section, an unknown key, a value of the wrong type, an
    unreadable file) needs pydantic-settings' rules, which then also say what is wrong."""
    path = config_file(config_path)
    explicit = config_path is not None or "TIMELINE_CONFIG" in os.environ
    values: dict[tuple[str, str], str] = {
        ("database", "url"): DEFAULT_DATABASE_URL,
        ("projections", "path"): DEFAULT_PROJECTIONS_PATH,
        ("projections", "default"): DEFAULT_PROJECTION,
    }
    validated = False
    if path.is_file():
        # Read once: the stamp and the values must speak of the same bytes.
        try:
            content = path.read_bytes()
        except OSError:
            return None
        validated = validation_stamp(path, content).exists()
        found = _file_values(content, validated=validated)
        if found is None:
            return None
        values |= found
    elif explicit:
        return None
    found_env = _env_values(validated=validated)
    if found_env is None:
        return None
    values |= found_env
    base = path.parent
    return QuestionSettings(
        database_url=_anchored(values[("database", "url")], base),
        projections_path=(base / values[("projections", "path")]).resolve(),
        default_projection=values[("projections", "default")],
    )


# The sections whose keys the light reader checks itself; the others it may pass
# over only in a file (and environment) `load_settings` has already validated.
_READ_SECTIONS = ("database", "projections", "logging")


def validation_stamp(path: Path, content: bytes) -> Path:
    """Where `mark_validated` records that `load_settings` accepted the settings
    file at `path` holding `content`, with these TIMELINE_* variables, under these
    rules.

    A team's config.toml holds feeds, digest lists and follows that a question
    never reads but only pydantic can check; rather than answer while a later
    command would refuse the file, the light reader passes over those sections
    only once the whole file has been validated, exactly as it is now.  The key
    covers the file's bytes, its location, the environment's settings variables
    and the version of the rules (settings.py's size and time), so any change
    sends the next question through pydantic again."""
    digest = hashlib.sha256(content)
    try:
        rules = Path(__file__).with_name("settings.py").stat()
    except OSError:
        rules = None
    digest.update(str(path.resolve()).encode())
    if rules is not None:
        digest.update(f"{rules.st_size}:{rules.st_mtime_ns}".encode())
    for name, value in sorted(os.environ.items()):
        if name.upper().startswith(_ENV_PREFIX):
            digest.update(f"\0{name}={value}".encode())
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "timeline" / "validated-settings" / digest.hexdigest()


def mark_validated(stamp: Path) -> None:
    """Record that `load_settings` accepted the settings file `stamp` was taken of
    (`validation_stamp`); a cache, so a failure to write it only costs speed."""
    try:
        stamp.parent.mkdir(parents=True, exist_ok=True)
        stamp.touch()
    except OSError:
        pass


def _file_values(content: bytes, *, validated: bool) -> dict[tuple[str, str], str] | None:
    try:
        document = tomllib.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    found: dict[tuple[str, str], str] = {}
    for section, table in document.items():
        if validated and section in SECTIONS and section not in _READ_SECTIONS:
            continue  # checked by pydantic already; nothing a question reads
        if section not in _READ_SECTIONS or not isinstance(table, dict):
            return None
        for key, value in table.items():
            if (section, key) in _LIGHT_KEYS and isinstance(value, str):
                found[section, key] = value
            elif not _quiet(section, key, value):
                return None
    return found


def _quiet(section: str, key: str, value: object) -> bool:
    """Whether `key = value` of `section` is valid and changes nothing a question
    answers or prints (so the light reader may pass over it)."""
    if section == "logging":
        return key in _QUIET_LOGGING and value in _QUIET_LOGGING[key]
    if section == "projections" and key == "catch_up_seconds":
        # pydantic's float with gt=0: a positive number, not a bool; the daemon's only.
        return not isinstance(value, bool) and isinstance(value, int | float) and value > 0
    return False


def _env_values(*, validated: bool) -> dict[tuple[str, str], str] | None:
    names = {variable: key for key, variable in _LIGHT_KEYS.items()}
    found: dict[tuple[str, str], str] = {}
    for name, value in os.environ.items():
        upper = name.upper()
        if not upper.startswith(_ENV_PREFIX):
            continue
        section, _, key = upper.removeprefix(_ENV_PREFIX).lower().partition("__")
        if section not in SECTIONS:
            continue  # not a setting: TIMELINE_CONFIG, a secret's variable
        if validated and section not in _READ_SECTIONS:
            continue  # part of what load_settings validated (the stamp covers it)
        if name != upper:
            return None  # pydantic-settings matches names case-insensitively: its rules
        if upper in names:
            found[names[upper]] = value
        elif not _quiet(section, key, value):
            return None
    return found


def _anchored(url: str, base: Path) -> str:
    """`url` with a plain relative SQLite file made absolute under `base`, as
    `timeline.store.urls.anchor_sqlite_path` does; any other URL as it is (the
    read path takes only plain SQLite file URLs)."""
    prefix = "sqlite:///"
    database = url.removeprefix(prefix)
    if not url.startswith(prefix) or not database or database.startswith("file:"):
        return url
    if database == ":memory:" or Path(database).is_absolute():
        return url
    return prefix + str((base / database).resolve())
