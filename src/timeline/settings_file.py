"""Where the settings file is, and the defaults every reader of it shares.

`timeline.settings` validates the whole file (pydantic-settings); this module
is what a command needs before, or instead of, that: it imports nothing heavy,
so `timeline --help` and the question commands start fast (docs/design.md).
"""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_CONFIG = Path("config.toml")
DEFAULT_DATABASE_URL = "sqlite:///timeline.db"
DEFAULT_PROJECTIONS_PATH = "projections"
DEFAULT_PROJECTION = "governance"


def config_file(config_path: Path | None = None) -> Path:
    """The settings file in use: `config_path`, else $TIMELINE_CONFIG, else ./config.toml."""
    return config_path or Path(os.environ.get("TIMELINE_CONFIG", DEFAULT_CONFIG))
