"""The weekly digest: what the log learned in an ISO week, rendered as a multipart
email and delivered exactly once per recipient through a ledger in the database."""
