"""Alembic environment: runs on the connection handed in by the store.

`timeline init` (EventStore.initialise) opens a transaction and passes its
connection in `config.attributes["connection"]`; there is no alembic.ini.
"""

from __future__ import annotations

from alembic import context

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `timeline init`, which supplies the connection")

context.configure(connection=connection, transactional_ddl=True)
with context.begin_transaction():
    context.run_migrations()
