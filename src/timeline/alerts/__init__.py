"""Alerts of the follows: which events and dates concern a follow (`match`), what an
alert says (`render`), how it is signed and posted (`webhook`), and its delivery
through the alert ledger, by webhook at once and by email in batches (`deliver`).
`config` adds and removes `[[follows]]` in config.toml."""
