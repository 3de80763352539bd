"""Projections: each jurisdiction's state on a date, as known at a time.

`definition` reads the declarative files of projections/, `fold` applies them,
`index` turns the log into versions of facts and `snapshots` folds them into
states along valid time (both kept by the store's read models), `runner`
catches those up and answers state and fact queries over them, and `queries`
compares and diffs the states it returns.
"""
