"""A lease row: at most one holder at a time per name, on either backend.

The daemon holds the lease `daemon` while it schedules polls and renews it
well within its lifetime; a standby retries, and takes the lease over once the
holder has let it expire (because it died, hung or lost the database).  The
same code serves SQLite and PostgreSQL: the read-modify-write runs in a
`write_transaction`, serialised by the backend's lock.  Expiry compares the
holders' clocks, so hosts sharing a PostgreSQL database need synchronised time
(NTP), which a lease of a minute tolerates easily.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import uuid

from sqlalchemy import select

from timeline.store.base import Clock, Lease
from timeline.store.sql.schema import daemon_lease
from timeline.store.sql.transactions import Transactions


def new_holder_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class SqlLease(Lease):
    """The lease `name` in one database, as seen by one would-be holder."""

    def __init__(
        self,
        store: Transactions,
        name: str,
        *,
        seconds: float,
        holder: str | None,
        clock: Clock,
    ) -> None:
        self.store = store
        self.name = name
        self.seconds = seconds
        self.holder = holder or new_holder_id()
        self.clock = clock

    def _lock(self) -> str:
        return f"lease:{self.name}"

    def acquire(self) -> bool:
        now = self.clock()
        expires = now + dt.timedelta(seconds=self.seconds)
        with self.store.write_transaction(self._lock()) as conn:
            row = conn.execute(select(daemon_lease).where(daemon_lease.c.name == self.name)).first()
            if row is None:
                conn.execute(
                    daemon_lease.insert().values(
                        name=self.name, holder=self.holder, acquired_at=now, expires_at=expires
                    )
                )
                return True
            if row.holder != self.holder and row.expires_at > now:
                return False
            values = {"holder": self.holder, "expires_at": expires}
            if row.holder != self.holder:
                values["acquired_at"] = now
            conn.execute(
                daemon_lease.update().where(daemon_lease.c.name == self.name).values(values)
            )
            return True

    def current_holder(self) -> str | None:
        with self.store.read_connection() as conn:
            row = conn.execute(select(daemon_lease).where(daemon_lease.c.name == self.name)).first()
        if row is None or row.expires_at <= self.clock():
            return None
        return str(row.holder)

    def release(self) -> None:
        with self.store.write_transaction(self._lock()) as conn:
            conn.execute(
                daemon_lease.delete().where(
                    (daemon_lease.c.name == self.name) & (daemon_lease.c.holder == self.holder)
                )
            )
