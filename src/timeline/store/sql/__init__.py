"""The SQL behind every repository of `timeline.store`: one module per concern.

`schema.py` declares the tables (Alembic's migrations create them);
`events.py` is the event log; `candidates.py` and `feed_health.py` the feeds'
working state, `lease.py` the daemon's lease; the dialect differences of each
backend live in `timeline.store.sqlite` and `timeline.store.postgres`.
"""
