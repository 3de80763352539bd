"""A pause of CPython's cyclic garbage collector around work that makes many
containers and no cycles: appends to the log, projection catch-ups and state
queries.  Shared by the store and the projections, so it lives below both."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class _CyclicGcPause:
    """Holds off CPython's cyclic garbage collector while an append runs
    (reference counting still frees everything at once).

    Why: a batch allocates tens of thousands of container objects (models,
    lists, dicts) and keeps them until it is stored, so the collector's
    allocation counter triggers collection after collection, and the older
    generations' passes walk the whole heap (pycountry's registry, SQLAlchemy,
    pydantic schemas) to find nothing: what an append makes holds no reference
    cycles.  On 2 cores that was a quarter of an append's time
    (49 -> 36 us CPU per event at 20,000 events, bench/bench_log.py); `timeit`
    disables the collector for the same reason.  Nested and concurrent uses
    (threads) count depth, so only the last one out restores the collector,
    and only if it was enabled when the first one came in.  The pause lasts as
    long as the append, a wait for the log's lock included (at most the
    backend's lock timeout); cycles other threads make meanwhile are collected
    after it.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._depth = 0
        self._was_enabled = False

    @contextmanager
    def __call__(self) -> Iterator[None]:
        with self._lock:
            if self._depth == 0:
                self._was_enabled = gc.isenabled()
                gc.disable()
            self._depth += 1
        try:
            yield
        finally:
            with self._lock:
                self._depth -= 1
                if self._depth == 0 and self._was_enabled:
                    gc.enable()


cyclic_gc_paused = _CyclicGcPause()
