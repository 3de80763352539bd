"""The store against a reference model, over random sequences of appends (hypothesis).

The model is a few lines of plain Python: a list of events, a dict of keys,
a dict of stream versions.  Whatever batch hypothesis throws at the store
(repeated keys, stale or fresh expected versions, invalid events), the store
must end up exactly where the model says, with a chain that verifies.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.factories import office
from timeline.errors import ConcurrencyError, InvalidEventError
from timeline.model.events import content_key, parse_event
from timeline.store import open_store

SUBJECTS = ["a/one", "b/two", "c/three"]

events = st.builds(
    lambda n, subject, key: office(n, subject) | ({"idempotency_key": key} if key else {}),
    n=st.integers(0, 5),
    subject=st.sampled_from(SUBJECTS),
    key=st.one_of(st.none(), st.sampled_from(["k1", "k2", "k3"])),
)
batches = st.lists(events, min_size=1, max_size=4)
steps = st.lists(
    st.tuples(
        batches,
        st.dictionaries(st.sampled_from(SUBJECTS), st.integers(0, 3), max_size=2),
        st.booleans(),  # spoil the batch with an invalid event
    ),
    min_size=1,
    max_size=6,
)


class Reference:
    def __init__(self) -> None:
        self.keys: dict[str, int] = {}
        self.subjects: list[str] = []
        self.versions: dict[str, int] = {}

    def append(self, batch: list[dict[str, Any]], expected: dict[str, int]) -> list[bool] | None:
        """What the store must answer: which events are written, or None for a conflict."""
        keys = [e.get("idempotency_key") or content_key(parse_event(e)) for e in batch]
        # A retry: every event of the batch on that subject was stored before it.
        fresh_subjects = {
            e["subject"] for e, k in zip(batch, keys, strict=True) if k not in self.keys
        }
        retried = {e["subject"] for e in batch} - fresh_subjects
        for subject, version in expected.items():
            if subject not in retried and self.versions.get(subject, 0) != version:
                return None  # ConcurrencyError expected
        written = []
        for e, k in zip(batch, keys, strict=True):
            if k in self.keys:
                written.append(False)
                continue
            self.subjects.append(e["subject"])
            self.keys[k] = len(self.subjects)
            self.versions[e["subject"]] = self.versions.get(e["subject"], 0) + 1
            written.append(True)
        return written


@pytest.mark.slow
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=steps)
# Found by CI: a duplicate key inside the batch does not make its subject a retry.
@example(
    data=[
        (
            [
                office(0, "a/one") | {"idempotency_key": "k2"},
                office(0, "b/two") | {"idempotency_key": "k2"},
            ],
            {"b/two": 1},
            False,
        )
    ]
)
def test_store_matches_reference(make_database_url: Any, backend: str, data: list[Any]) -> None:
    url = make_database_url(backend)
    store = open_store(url)
    store.initialise()
    model = Reference()
    try:
        for batch, expected, spoil in data:
            if spoil:
                bad = [*batch, office(9) | {"effective": "2025-02-30"}]
                with pytest.raises(InvalidEventError):
                    store.append(bad, expected)
                continue
            want = model.append(batch, expected)
            if want is None:
                with pytest.raises(ConcurrencyError):
                    store.append(batch, expected)
                continue
            result = store.append(batch, expected)
            assert result.written == want
        stored = list(store.read())
        assert [e.subject for e in stored] == model.subjects
        assert [e.seq for e in stored] == list(range(1, len(model.subjects) + 1))
        for subject in SUBJECTS:
            assert store.stream_version(subject) == model.versions.get(subject, 0)
        assert store.verify().ok
    finally:
        store.close()
