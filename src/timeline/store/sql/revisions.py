"""Which revision of the schema this version writes: the head of the Alembic
migrations in `timeline/migrations/versions/`, read from the scripts'
`revision = ...` and `down_revision = ...` lines.

Every command that opens a store checks the schema against it; Alembic
itself (120 ms to import beside SQLAlchemy) is needed only to migrate
(`timeline init`).  A test holds it to Alembic's own answer.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

_ASSIGNMENT = re.compile(r"^(revision|down_revision)\s*=\s*(None|\"([^\"]+)\"|'([^']+)')\s*$", re.M)


@cache
def head_revision() -> str:
    """The revision no other revision builds on (the schema as this version writes it)."""
    revisions: set[str] = set()
    built_on: set[str] = set()
    for script in resources.files("timeline").joinpath("migrations", "versions").iterdir():
        if not script.name.endswith(".py"):
            continue
        found = {
            name: quoted or single
            for name, _value, quoted, single in _ASSIGNMENT.findall(script.read_text())
        }
        revisions.add(found["revision"])
        if found.get("down_revision"):
            built_on.add(found["down_revision"])
    (head,) = revisions - built_on  # one line of history: one head
    return head
