"""The read models of an SQLite file over the standard `sqlite3` driver: reads only.

What `timeline state` and `timeline compare` need when the read models are
caught up, without SQLAlchemy (a quarter to a third of a second to import;
docs/design.md, "Start-up").  The queries are the store's own
(`store/sql/readmodel_reads.py`); this module only opens the file, read-only,
and checks what the full store would check first: that it has the schema this
version writes.  Whenever it cannot say so with certainty, `open_reads` answers
None and the caller takes the full path, which says what is wrong.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

from timeline.errors import ReadOnlyDatabaseError, StoreError
from timeline.store.base import ReadModels, ReadModelView, Row
from timeline.store.sql.readmodel_reads import DriverReadModelView
from timeline.store.sql.revisions import head_revision

_PREFIX = "sqlite:///"

# How long a reader waits for a writer's lock (the full store's too).
BUSY_TIMEOUT_MS = 30_000


def sqlite_file(url: str) -> Path | None:
    """The file a plain `sqlite:///path` URL names (absolute, as the settings
    anchor it), or None for any other URL: another backend, a `file:` URI,
    options or escapes that only SQLAlchemy's parser reads with certainty."""
    if not url.startswith(_PREFIX):
        return None
    database = url.removeprefix(_PREFIX)
    if not database or database.startswith("file:") or any(c in database for c in "?#%"):
        return None
    path = Path(database)
    return path if path.is_absolute() else None


class SqliteReadView(DriverReadModelView):
    marker = "?"

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def _driver_rows(self, sql: str, parameters: Sequence[Any]) -> list[Row]:
        return self.conn.execute(sql, parameters).fetchall()


class _Reads(ReadModels):
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    @contextmanager
    def view(self) -> Iterator[ReadModelView]:
        # One read transaction: every query of the block sees one snapshot.
        try:
            self.conn.execute("BEGIN")
            try:
                yield SqliteReadView(self.conn)
            finally:
                self.conn.execute("ROLLBACK")
        except sqlite3.Error as exc:
            raise StoreError(f"reading the read models: {exc}") from None

    def transaction(self) -> NoReturn:
        raise ReadOnlyDatabaseError("the read path only reads")


class SqliteReads:
    """An SQLite file's read models, opened read-only (`HoldsReadModels`)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self._read_models = _Reads(conn)

    @property
    def read_models(self) -> ReadModels:
        return self._read_models

    def close(self) -> None:
        self.conn.close()


def open_reads(url: str) -> SqliteReads | None:
    """The read models of the SQLite file `url` names, when it exists, opens
    read-only and has the current schema; None otherwise (the full store decides)."""
    path = sqlite_file(url)
    if path is None or not path.is_file():
        return None
    try:
        conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, isolation_level=None)
    except sqlite3.Error:
        return None
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        rows = conn.execute("SELECT version_num FROM alembic_version").fetchall()
    except sqlite3.Error:
        conn.close()
        return None
    if rows != [(head_revision(),)]:
        conn.close()
        return None
    return SqliteReads(conn)
