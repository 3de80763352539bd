"""What the repositories need of the SQL store that builds them.

`SqlEventStore` (`events.py`) builds every repository, so they cannot import
it; they name here the few things they use of it, and `SqlEventStore`
provides them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any, Protocol

from sqlalchemy import Connection
from sqlalchemy.sql.elements import ColumnElement

from timeline.store.base import AppendResult


class Transactions(Protocol):
    """Transactions on the mutable tables beside the log, and the store's clock."""

    clock: Callable[[], dt.datetime]

    def write_transaction(self, lock_name: str) -> AbstractContextManager[Connection]:
        """A read-modify-write transaction serialised with every other naming `lock_name`."""

    def read_connection(self) -> AbstractContextManager[Connection]:
        """A connection that sees one snapshot of the database."""


class ReadModelTransactions(Protocol):
    """Connections for the derived read models."""

    def read_connection(self) -> AbstractContextManager[Connection]:
        """A connection that sees one snapshot of the database."""

    def read_model_transaction(self) -> AbstractContextManager[Connection]:
        """The one transaction at a time that writes the read models."""


class LogTransactions(Protocol):
    """What the privileged restore path needs of the store: the append lock, the
    append path's insert, and the log read as the text its hashes cover."""

    def read_connection(self) -> AbstractContextManager[Connection]:
        """A connection that sees one snapshot of the database."""

    def append_transaction(self) -> AbstractContextManager[Connection]:
        """A transaction holding the log's write lock."""

    def insert_events(self, conn: Connection, rows: list[dict[str, Any]]) -> None:
        """Insert whole event rows inside `append_transaction`."""

    def event_text_columns(self) -> list[ColumnElement[Any]]:
        """The events table's columns as the text the hash chain covers."""

    def forget_lookups(self) -> None:
        """Forget what was learnt of tables a restore may have filled."""


AppendThen = Callable[..., AppendResult]
"""`SqlEventStore.append_then`: append a batch, then run working-state writes under
a lock in the same transaction (a candidate marked accepted with its event)."""
