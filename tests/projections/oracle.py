"""The reference the runner is checked against: a plain fold of the whole log.

No index, no snapshot, no SQL: every event read from the start, corrections
applied and retractions removed as of a transaction time, then the facts
certain by the day folded with the projections' own `apply` and `render` (and
the later ones filed as stages to come with `apply_pending`).  So
the runner and this can only differ in which facts they feed in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from timeline.model.dates import PartialDate
from timeline.model.jurisdictions import within
from timeline.model.kinds import META_KINDS
from timeline.projections.definition import ProjectionDefinition
from timeline.projections.fold import FactVersion, apply, apply_pending, empty_state, render
from timeline.store.base import RecordedEvent


def current_versions(
    events: Iterable[RecordedEvent], known_at: dt.datetime
) -> dict[int, FactVersion]:
    """Every fact as the log held it at `known_at`: corrections applied, retractions removed.

    The naive path: it reads the log from the start.  The runner's fact index
    must give the same versions.
    """
    by_id: dict[str, int] = {}
    facts: dict[int, FactVersion] = {}
    for event in events:
        if event.recorded_at > known_at:
            continue
        if event.kind not in META_KINDS:
            by_id[event.id] = event.seq
            facts[event.seq] = FactVersion(
                fact_seq=event.seq,
                version_seq=event.seq,
                cites=(event.id,),
                kind=event.kind,
                subject=event.subject,
                jurisdictions=event.jurisdictions,
                effective=str(event.effective),
                start=event.effective.start,
                end=event.effective.end,
                payload=event.payload,
                tx_from=event.recorded_at,
            )
            continue
        payload = event.payload
        fact_seq = by_id.get(payload["target"])
        if fact_seq is None or fact_seq not in facts:
            continue  # retracted before: nothing left to change
        if event.kind == "event.retracted":
            del facts[fact_seq]
            continue
        corrected = payload["corrected"]
        effective = PartialDate.parse(corrected["effective"])
        facts[fact_seq] = FactVersion(
            fact_seq=fact_seq,
            version_seq=event.seq,
            cites=(payload["target"], event.id),
            kind=corrected["kind"],
            subject=corrected["subject"],
            jurisdictions=tuple(corrected["jurisdictions"]),
            effective=str(effective),
            start=effective.start,
            end=effective.end,
            payload=corrected["payload"],
            tx_from=event.recorded_at,
        )
    return facts


def reference_state(
    definition: ProjectionDefinition,
    events: Iterable[RecordedEvent],
    jurisdiction: str,
    as_of: dt.date,
    known_at: dt.datetime,
    *,
    with_subdivisions: bool = False,
) -> dict[str, Any]:
    """The state by the definition of the word: fold every fact, no index, no snapshot.

    On `as_of` a fact is certain when its interval has ended by then, uncertain
    when the interval holds the day but ends later.  With `with_subdivisions`, a
    fact of any code `within` the jurisdiction counts.
    """
    current = current_versions(events, known_at).values()
    known = [f for f in current if f.kind in definition.kinds]
    subdivisions = sorted(
        {
            c
            for f in current
            for c in f.jurisdictions
            if c != jurisdiction and within(c, jurisdiction)
        }
    )
    wanted = {jurisdiction, *subdivisions} if with_subdivisions else {jurisdiction}
    facts = [fact for fact in known if wanted & set(fact.jurisdictions)]
    state = empty_state(definition)
    for fact in sorted((f for f in facts if f.end <= as_of), key=lambda f: f.order_key):
        apply(definition, state, fact, jurisdiction)
    # The stages still to come, filed under the items folded above.
    for fact in sorted((f for f in facts if f.end > as_of), key=lambda f: f.order_key):
        apply_pending(definition, state, fact, jurisdiction)
    uncertain = [f for f in facts if f.start <= as_of < f.end]
    return render(
        definition,
        state,
        uncertain,
        jurisdiction=jurisdiction,
        as_of=as_of,
        known_at=known_at,
        subdivisions=subdivisions,
        with_subdivisions=with_subdivisions,
    )
