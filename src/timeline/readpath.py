"""The read path: `state` and `compare` answered from caught-up SQLite read models
without the full stack (no SQLAlchemy, no pydantic, no Alembic).

Taken only when all of these hold, else the caller takes the full path
(`timeline.app.Timeline`), silently:

- the settings a question needs are read with certainty by
  `settings_file.question_settings` (nothing else in the file or environment);
- the database is a plain SQLite file with the current schema
  (`store.sqlite_reads.open_reads`);
- every read model is caught up with the log head for the definitions as they
  now read (otherwise the full path catches up, or folds the tail);
- the question raises nothing: any error is left for the full path to say.

The answer is the full path's own: the same `ProjectionRunner` over the same
queries, on another connection.  `TIMELINE_READ_PATH=full` turns it off (to
compare the two, in tests).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from timeline.errors import TimelineError
from timeline.model.jurisdictions import validate_code
from timeline.projections.definition import ProjectionDefinition, load_definitions
from timeline.projections.runner import ProjectionRunner
from timeline.settings_file import question_settings
from timeline.store.sqlite_reads import open_reads

if TYPE_CHECKING:
    from timeline.answers import ReadModelsCaughtUp

OFF_SWITCH = "TIMELINE_READ_PATH"


@dataclass(frozen=True, slots=True)
class Answered:
    """An answer with what printing it needs, as the full path would give them."""

    result: Any  # State or Comparison
    definition: ProjectionDefinition
    read_models: ReadModelsCaughtUp


def _ask(
    config_path: Path | None, ask: Callable[[ProjectionRunner, str], dict[str, Any]]
) -> Answered | None:
    if os.environ.get(OFF_SWITCH) == "full":
        return None
    settings = question_settings(config_path)
    if settings is None:
        return None
    reads = open_reads(settings.database_url)
    if reads is None:
        return None
    try:
        runner = ProjectionRunner(reads, load_definitions(settings.projections_path))
        head = runner.caught_up()
        if head is None:
            return None
        result = ask(runner, settings.default_projection)
        definition = runner.definition(result["projection"])
    except TimelineError:
        return None  # the full path says it, in its words and order
    finally:
        reads.close()
    return Answered(result, definition, {"head": head, "indexed": head, "in_memory": 0})


def state(
    config_path: Path | None,
    jurisdiction: str,
    as_of: dt.date,
    known_at: dt.datetime | None = None,
    projection: str | None = None,
    *,
    with_subdivisions: bool = False,
) -> Answered | None:
    """`Timeline.state`'s answer from the read path, or None: take the full path."""

    def ask(runner: ProjectionRunner, default: str) -> dict[str, Any]:
        code = validate_code(jurisdiction)
        name = projection or default
        return runner.state(name, code, as_of, known_at, with_subdivisions=with_subdivisions)

    return _ask(config_path, ask)


def compare(
    config_path: Path | None,
    jurisdictions: Sequence[str],
    as_of: dt.date,
    known_at: dt.datetime | None = None,
    projection: str | None = None,
    *,
    with_subdivisions: bool = False,
) -> Answered | None:
    """`Timeline.compare`'s answer from the read path, or None: take the full path."""

    def ask(runner: ProjectionRunner, default: str) -> dict[str, Any]:
        return runner.compare(
            projection or default,
            jurisdictions,
            as_of,
            known_at,
            with_subdivisions=with_subdivisions,
        )

    return _ask(config_path, ask)


__all__ = ["Answered", "compare", "state"]
