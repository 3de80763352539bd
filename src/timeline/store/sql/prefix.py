"""Finding rows by an id prefix (git-style short ids), for events and candidates alike."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_


def starting_with(column: ColumnElement[Any], prefix: str) -> ColumnElement[bool]:
    """Rows whose `column` starts with `prefix`, as a range (prefix <= id < the prefix
    with its last character one higher), which the column's index answers: `LIKE
    'f972%'` is a scan on SQLite (its LIKE ignores case, the index does not) and on
    PostgreSQL outside the C collation.  Ids are lower-case hex and dashes."""
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    return and_(column >= prefix, column < upper)
