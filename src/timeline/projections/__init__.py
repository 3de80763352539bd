"""Projections: each jurisdiction's state on a date, as known at a time.

`definition` reads the declarative files of projections/, `fold` applies them,
`runner` keeps the read models (fact index and snapshots) in the database, and
`queries` answers state, compare, diff, history and upcoming over them.
"""
