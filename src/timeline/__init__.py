"""timeline: an event-sourced, bitemporal tracker of how jurisdictions govern AI.

The public surface is what `__all__` lists: the `Timeline` API, the answer
and record types it returns, and the errors it raises (all `TimelineError`).

>>> from timeline import Timeline
>>> with Timeline.open() as tl:
...     tl.state("JP", datetime.date(2025, 9, 1))

The names are imported on first use (PEP 562), so that `import timeline` and
the CLI's start-up do not pay for the database and web stacks.
"""

from __future__ import annotations

import importlib

# Not `from typing import TYPE_CHECKING`: `typing` costs 15 ms, and the CLI's
# Ctrl-C handler can only be installed once this package is imported.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from timeline.answers import (
        Aggregate,
        Change,
        Comparison,
        Diff,
        FactEntry,
        Item,
        JurisdictionEntry,
        ProjectionStatus,
        State,
        Uncertain,
    )
    from timeline.app import (
        FeedStatus,
        Timeline,
    )
    from timeline.errors import (
        AppendOnlyViolationError,
        CandidateNotFoundError,
        CandidateStateError,
        ChainBrokenError,
        ConcurrencyError,
        ConfigError,
        DigestSendError,
        EmptyInputError,
        EventNotFoundError,
        FeedError,
        ImportConflictError,
        ImportFileError,
        InvalidAddressError,
        InvalidDateError,
        InvalidEventError,
        InvalidWeekError,
        KnownAtError,
        NotInitialisedError,
        ProjectionDefinitionError,
        ReadOnlyDatabaseError,
        StoreError,
        TimelineError,
        UnknownDigestListError,
        UnknownFeedError,
        UnknownJurisdictionError,
        UnknownProjectionError,
    )
    from timeline.importer import (
        ImportConflict,
        ImportReport,
    )
    from timeline.model.dates import (
        PartialDate,
        Precision,
    )
    from timeline.settings import (
        Settings,
        load_settings,
    )
    from timeline.store.base import (
        AppendResult,
        EventFilter,
        RecordedEvent,
        VerifyReport,
    )

_WHERE = {
    "Aggregate": "timeline.answers",
    "AppendOnlyViolationError": "timeline.errors",
    "AppendResult": "timeline.store.base",
    "CandidateNotFoundError": "timeline.errors",
    "CandidateStateError": "timeline.errors",
    "ChainBrokenError": "timeline.errors",
    "Change": "timeline.answers",
    "Comparison": "timeline.answers",
    "ConcurrencyError": "timeline.errors",
    "ConfigError": "timeline.errors",
    "Diff": "timeline.answers",
    "DigestSendError": "timeline.errors",
    "EventFilter": "timeline.store.base",
    "EventNotFoundError": "timeline.errors",
    "FactEntry": "timeline.answers",
    "FeedError": "timeline.errors",
    "FeedStatus": "timeline.app",
    "ImportConflict": "timeline.importer",
    "EmptyInputError": "timeline.errors",
    "ImportConflictError": "timeline.errors",
    "ImportFileError": "timeline.errors",
    "ImportReport": "timeline.importer",
    "InvalidAddressError": "timeline.errors",
    "InvalidDateError": "timeline.errors",
    "InvalidEventError": "timeline.errors",
    "InvalidWeekError": "timeline.errors",
    "Item": "timeline.answers",
    "JurisdictionEntry": "timeline.answers",
    "KnownAtError": "timeline.errors",
    "NotInitialisedError": "timeline.errors",
    "PartialDate": "timeline.model.dates",
    "Precision": "timeline.model.dates",
    "ProjectionDefinitionError": "timeline.errors",
    "ProjectionStatus": "timeline.answers",
    "RecordedEvent": "timeline.store.base",
    "Settings": "timeline.settings",
    "State": "timeline.answers",
    "ReadOnlyDatabaseError": "timeline.errors",
    "StoreError": "timeline.errors",
    "Timeline": "timeline.app",
    "TimelineError": "timeline.errors",
    "Uncertain": "timeline.answers",
    "UnknownDigestListError": "timeline.errors",
    "UnknownFeedError": "timeline.errors",
    "UnknownJurisdictionError": "timeline.errors",
    "UnknownProjectionError": "timeline.errors",
    "VerifyReport": "timeline.store.base",
    "load_settings": "timeline.settings",
}

__all__ = [
    "Aggregate",
    "AppendOnlyViolationError",
    "AppendResult",
    "CandidateNotFoundError",
    "CandidateStateError",
    "ChainBrokenError",
    "Change",
    "Comparison",
    "ConcurrencyError",
    "ConfigError",
    "Diff",
    "DigestSendError",
    "EmptyInputError",
    "EventFilter",
    "EventNotFoundError",
    "FactEntry",
    "FeedError",
    "FeedStatus",
    "ImportConflict",
    "ImportConflictError",
    "ImportFileError",
    "ImportReport",
    "InvalidAddressError",
    "InvalidDateError",
    "InvalidEventError",
    "InvalidWeekError",
    "Item",
    "JurisdictionEntry",
    "KnownAtError",
    "NotInitialisedError",
    "PartialDate",
    "Precision",
    "ProjectionDefinitionError",
    "ProjectionStatus",
    "ReadOnlyDatabaseError",
    "RecordedEvent",
    "Settings",
    "State",
    "StoreError",
    "Timeline",
    "TimelineError",
    "Uncertain",
    "UnknownDigestListError",
    "UnknownFeedError",
    "UnknownJurisdictionError",
    "UnknownProjectionError",
    "VerifyReport",
    "load_settings",
]


def __getattr__(name: str) -> Any:
    try:
        module = _WHERE[name]
    except KeyError:
        raise AttributeError(f"module 'timeline' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
