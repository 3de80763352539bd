"""What the repositories need of the SQL store that builds them.

`SqlEventStore` (`events.py`) builds every repository, so they cannot import
it; they name here the few things they use of it, and `SqlEventStore`
provides them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Protocol

from sqlalchemy import Connection

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


AppendThen = Callable[..., AppendResult]
"""`SqlEventStore.append_then`: append a batch, then run working-state writes under
a lock in the same transaction (a candidate marked accepted with its event)."""
