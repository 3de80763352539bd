"""What timeline publishes for other programs: a calendar and a change feed.

`lives` reads which facts a `Selection` covers and what became of each one
(its corrections and retractions, through the one rule of `model.facts`);
`calendar` writes them as RFC 5545, `atom` writes (and reads back) the change
feed, an Atom 1.0 entry per recorded event with its structured fields in the
`https://timeline.example/ns/1` namespace.
"""
