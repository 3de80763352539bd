"""Every error timeline raises on purpose, in one place.

Entry points (the CLI, later the web view and the daemon) catch `TimelineError`
and show its message as one line; anything else is a bug and keeps its
traceback.  Stores translate driver exceptions (sqlite3, psycopg) into these
classes, so no caller ever has to import a database driver to handle a failure.
"""

from __future__ import annotations


class TimelineError(Exception):
    """Base class: a problem the user can act on, described in one line."""


class InvalidEventError(TimelineError, ValueError):
    """An event failed validation: unknown kind, unknown or missing field, bad value.

    Subclasses `ValueError` so pydantic validators may raise it and have the
    message kept in the validation error.
    """


class UnknownJurisdictionError(InvalidEventError):
    """A jurisdiction code is neither ISO 3166-1/3166-2 nor a known group."""

    def __init__(self, code: str, suggestions: list[str]) -> None:
        self.code = code
        self.suggestions = suggestions
        hint = f"; did you mean {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(f"unknown jurisdiction code {code!r}{hint}")


class InvalidDateError(InvalidEventError):
    """A date is not YYYY, YYYY-MM or YYYY-MM-DD, or names a day that does not exist."""


class EventNotFoundError(TimelineError):
    """A reference (position, id, id prefix, idempotency key, curated entry id) that
    names no event of the log, or an id prefix too short to be one."""


class AmbiguousEventError(EventNotFoundError):
    """An id prefix that more than one event's id starts with; the message lists them."""


class ConcurrencyError(TimelineError):
    """Optimistic concurrency failed: the subject's stream moved on since it was read."""

    def __init__(self, subject: str, expected: int, actual: int) -> None:
        self.subject = subject
        self.expected = expected
        self.actual = actual
        if expected < actual:
            gap = actual - expected
            why = (
                f"another writer appended {gap} event{'s' if gap > 1 else ''} first; "
                "re-read it and retry"
            )
        else:
            why = (
                "the expected version is ahead of the stream (nothing was ever appended "
                "that far); re-read it"
            )
        super().__init__(
            f"the stream of subject {subject!r} is at version {actual}, not the expected "
            f"{expected}: {why}"
        )


class StoreError(TimelineError):
    """The database refused or failed an operation (translated driver error)."""


class ReadOnlyDatabaseError(StoreError):
    """The database refused a write because this user or handle may only read it (a
    read-only SQLite file or URI, a PostgreSQL role with SELECT only).  Reading
    never needs to write: the read models' catch-up is skipped and the answer
    folds the log's not-yet-indexed tail in memory."""


class AppendOnlyViolationError(StoreError):
    """Something tried to UPDATE or DELETE a stored event; the database refused."""


class NotInitialisedError(StoreError):
    """The database has no timeline schema, or an older one: run `timeline init`."""


class ChainBrokenError(TimelineError):
    """The tamper-evident hash chain does not verify at some position."""

    def __init__(self, seq: int, detail: str) -> None:
        self.seq = seq
        super().__init__(f"hash chain broken at position {seq}: {detail}")


class ConfigError(TimelineError):
    """config.toml or a TIMELINE_ environment variable is invalid."""


class ImportFileError(TimelineError):
    """A curated event file cannot be read or parsed; names the file and entry."""


class EmptyInputError(TimelineError):
    """An event file, stdin or folder given to `append` or `import` that holds no events.

    Refused rather than done silently: an empty input is most likely the wrong file
    or an unsaved one, and "nothing happened" should not look like success."""


class ImportConflictError(TimelineError):
    """Curated entries changed both in their file and, differently, in the log since
    their import; nothing was written for them until a side is chosen."""


class ProjectionDefinitionError(TimelineError):
    """A projection definition in projections/ has a mistake; says file and line."""


class UnknownProjectionError(TimelineError):
    """A query named a projection that no file in projections/ defines."""


class KnownAtError(TimelineError):
    """A `known_at` time before the log's first event: nothing was known then."""


class FeedError(TimelineError):
    """A feed could not be fetched or parsed; the message is the one-line reason.

    Raised inside a poll and recorded in the feed's health row: one bad feed
    never stops the others.
    """


class UnknownFeedError(TimelineError):
    """A feed name that config.toml does not list."""


class UnknownFollowError(TimelineError):
    """A follow name that config.toml does not list."""


class CandidateNotFoundError(TimelineError):
    """A candidate id (or id prefix) that matches no candidate, or an id prefix too
    short to be one."""


class AmbiguousCandidateError(CandidateNotFoundError):
    """A candidate id prefix that more than one candidate's id starts with; the message
    lists them."""


class CandidateStateError(TimelineError):
    """The candidate's status forbids the action: editing an accepted one, accepting a
    rejected one, and so on."""


class InvalidWeekError(TimelineError):
    """An ISO week that is malformed (`2026-W25` is the form), does not exist, or is not
    over yet in the digest's time zone."""


class UnknownDigestListError(TimelineError):
    """A recipient list name that `[[digest.lists]]` in config.toml does not define."""


class DigestSendError(TimelineError):
    """Some digests could not be delivered now; they are recorded in the ledger and the
    daemon retries them.  The message says how many and the first server reply."""


class InvalidAddressError(TimelineError):
    """An email address given on the command line that is not one (`--to`)."""


class BackupFileError(TimelineError):
    """An export file that `restore` refuses: unreadable, not an export, corrupt,
    truncated, tampered with or reordered.  The message names the first bad line;
    nothing has been written when it is raised."""


class RestoreTargetError(TimelineError):
    """A database that a restore or copy may not write into: it holds events that are
    not a prefix of the log being restored, or working state of its own."""
