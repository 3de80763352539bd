"""The SQL behind every repository of `timeline.store`: one module per concern.

`schema.py` declares the tables (Alembic's migrations create them);
`events.py` is the event log; the dialect differences of each backend live in
`timeline.store.sqlite` and `timeline.store.postgres`.
"""
