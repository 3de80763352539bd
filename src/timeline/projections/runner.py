"""The projection runner: read models in the database, caught up incrementally.

Two layers, both derived from the log and rebuildable at any time: the fact
index (`index`), shared by every projection, and each projection's snapshots
along valid time (`snapshots`).  The store keeps them (`EventStore.read_models`);
this module decides what to apply when, and answers queries over them.

The checkpoint of each layer is the last log position it reflects; both move
in the transaction that applies the events, so a crash loses nothing and
repeats nothing.  A definition whose text changed (sha256) rebuilds its
snapshots.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from timeline.errors import KnownAtError, TimelineError, UnknownProjectionError
from timeline.gc_pause import cyclic_gc_paused
from timeline.model.jurisdictions import subdivisions_of, validate_code
from timeline.projections.definition import ProjectionDefinition
from timeline.projections.fold import (
    FactVersion,
    State,
    apply_pending_fact,
    fold_versions,
    render,
)
from timeline.projections.index import (
    FACT_INDEX,
    FACT_INDEX_FORMAT,
    index_events,
    version_from_row,
)
from timeline.projections.queries import compare_states
from timeline.projections.snapshots import Snapshots, fold_until, scan_fields, snapshot_tag
from timeline.projections.tail import Tail, read_tail
from timeline.store.base import (
    Checkpoints,
    HoldsReadModels,
    ReadModelTransaction,
    ReadModelView,
    VersionCursor,
    format_utc,
)

NOT_BUILT = -1

Progress = Callable[[str, int, int], None]
"""progress(phase, done, total)"""


@dataclass(frozen=True, slots=True)
class CatchUpReport:
    position: int  # last log position applied
    applied: int  # events read from the log in this run
    snapshots: int  # snapshots written


class ProjectionRunner:
    """Keeps the read models of `definitions` up to date with the log.

    Args:
        store: the log, and the read models beside it.
        definitions: the projections, by name.
        snapshot_every: facts folded at least between two snapshots of a jurisdiction.
        space_by_state_size: space snapshots also at least half as many facts apart
            as the state has items.
        chunk: events applied per transaction when catching up.
        bulk_chunk: ... when snapshots are built once at the end.
        bulk_backlog: a backlog larger than this is applied as a rebuild: facts
            first, snapshots once at the end, instead of re-folding every
            jurisdiction after every chunk.
    """

    def __init__(
        self,
        store: HoldsReadModels,
        definitions: Mapping[str, ProjectionDefinition],
        *,
        snapshot_every: int = 128,
        space_by_state_size: bool = True,
        chunk: int = 5_000,
        bulk_chunk: int = 50_000,
        bulk_backlog: int = 20_000,
    ) -> None:
        self.store = store
        self.definitions = dict(definitions)
        self.snapshots = Snapshots(snapshot_every, space_by_state_size)
        self.chunk = chunk
        self.bulk_chunk = bulk_chunk
        self.bulk_backlog = bulk_backlog

    def definition(self, name: str) -> ProjectionDefinition:
        try:
            return self.definitions[name]
        except KeyError:
            known = ", ".join(sorted(self.definitions)) or "none"
            raise UnknownProjectionError(
                f"no projection named {name!r} (defined: {known})"
            ) from None

    # -- catching up ---------------------------------------------------------------
    def catch_up(self, progress: Progress | None = None) -> CatchUpReport:
        """Apply the events recorded since the checkpoints; rebuild what changed."""
        with cyclic_gc_paused():  # as for appends: batches of new containers, no cycles
            return self._catch_up(progress)

    def _catch_up(self, progress: Progress | None) -> CatchUpReport:
        models = self.store.read_models
        applied = snapshots = 0
        with models.view() as view:
            head = view.head()
            checkpoints = view.checkpoints()
        if self._is_current(checkpoints, head):
            return CatchUpReport(head, 0, 0)
        with models.transaction() as tx:
            checkpoints = tx.checkpoints()  # another process may have done it meanwhile
            position = self._reset_stale_index(tx, checkpoints)
            # Projections whose snapshots are built once, after the index: a
            # changed definition, or a backlog too long to refresh chunk by
            # chunk.  They are marked not built, so that a crash in between
            # is finished by the next catch-up.
            later = [
                d
                for d in self.definitions.values()
                if head - position > self.bulk_backlog
                or checkpoints.get(d.name) != (snapshot_tag(d), position)
            ]
            for definition in later:
                tx.save_checkpoint(definition.name, snapshot_tag(definition), NOT_BUILT)
                tx.delete_snapshots(definition.name)
            if head - position > self.bulk_backlog:
                tx.drop_start_index()
        later_names = {d.name for d in later}
        incremental = [d for d in self.definitions.values() if d.name not in later_names]
        while True:
            with models.transaction() as tx:
                # Re-read inside the lock: another process may have gone ahead.
                position = tx.checkpoints()[FACT_INDEX][1]
                # A rebuild takes bigger bites: each commit rewrites the index
                # pages the chunk touched, scattered over jurisdictions.
                batch = tx.log_rows(position, self.bulk_chunk if later else self.chunk)
                if not batch:
                    break
                dirty = index_events(tx, batch)
                position = batch[-1][0]
                tx.save_checkpoint(FACT_INDEX, FACT_INDEX_FORMAT, position)
                for definition in incremental:
                    snapshots += self.snapshots.refresh(tx, definition, dirty)
                    tx.save_checkpoint(definition.name, snapshot_tag(definition), position)
            applied += len(batch)
            if progress:
                progress("events", position, head)
        with models.transaction() as tx:
            tx.ensure_start_index()
            position = tx.checkpoints()[FACT_INDEX][1]
            done = tx.checkpoints()  # each save below touches only its own row
            for definition in self.definitions.values():
                if done.get(definition.name) != (snapshot_tag(definition), position):
                    snapshots += self._build_all_snapshots(tx, definition, progress)
                    tx.save_checkpoint(definition.name, snapshot_tag(definition), position)
        return CatchUpReport(position, applied, snapshots)

    def rebuild(self, progress: Progress | None = None) -> CatchUpReport:
        """Drop every read model and build them again from the whole log."""
        with self.store.read_models.transaction() as tx:
            tx.clear()
        return self.catch_up(progress)

    def caught_up(self) -> int | None:
        """The log's head when every read model reflects the whole log, built for its
        definition as it now reads (a question then needs no catching up and no
        tail); None otherwise."""
        with self.store.read_models.view() as view:
            head = view.head()
            return head if self._is_current(view.checkpoints(), head) else None

    def _is_current(self, checkpoints: Checkpoints, head: int) -> bool:
        if checkpoints.get(FACT_INDEX) != (FACT_INDEX_FORMAT, head):
            return False
        return all(
            checkpoints.get(d.name) == (snapshot_tag(d), head) for d in self.definitions.values()
        )

    @staticmethod
    def _reset_stale_index(tx: ReadModelTransaction, checkpoints: Checkpoints) -> int:
        found = checkpoints.get(FACT_INDEX)
        if found is not None and found[0] == FACT_INDEX_FORMAT:
            return found[1]
        tx.clear_index()
        tx.save_checkpoint(FACT_INDEX, FACT_INDEX_FORMAT, 0)
        return 0

    def _build_all_snapshots(
        self, tx: ReadModelTransaction, definition: ProjectionDefinition, progress: Progress | None
    ) -> int:
        tx.delete_snapshots(definition.name)
        jurisdictions = tx.jurisdictions_with(definition.kinds)
        written = 0
        for done, jurisdiction in enumerate(jurisdictions, start=1):
            written += self.snapshots.build(tx, definition, jurisdiction)
            if progress:
                progress(f"snapshots ({definition.name})", done, len(jurisdictions))
        return written

    # -- queries --------------------------------------------------------------------
    def state(
        self,
        name: str,
        jurisdiction: str,
        as_of: dt.date,
        known_at: dt.datetime | None = None,
        *,
        with_subdivisions: bool = False,
        fold_tail: bool = False,
    ) -> dict[str, Any]:
        """The state of `jurisdiction` on `as_of`, as the log knew it at `known_at`;
        `with_subdivisions`: the facts of its subdivisions folded in (`within`).

        `fold_tail`: the read models may be behind the log and cannot be caught up
        (a read-only database): the events after them are folded in memory."""
        definition = self.definition(name)
        known_at = self._known_at(known_at)
        # Decoding a snapshot makes thousands of containers at once: without the
        # pause, collections walk the whole heap mid-query (p99 x2 at 1M events).
        with cyclic_gc_paused():
            return self._state(
                definition, jurisdiction, as_of, known_at, with_subdivisions, fold_tail
            )

    def _state(
        self,
        definition: ProjectionDefinition,
        jurisdiction: str,
        as_of: dt.date,
        known_at: dt.datetime,
        with_subdivisions: bool,
        fold_tail: bool,
    ) -> dict[str, Any]:
        day = as_of.isoformat()
        known_text = format_utc(known_at)
        with self.store.read_models.view() as view:
            tail = read_tail(view) if fold_tail else None
            # Always asked, so that a state that leaves them out says so.
            subdivisions = view.codes_held(subdivisions_of(jurisdiction), known_text)
            codes = [jurisdiction, *subdivisions] if with_subdivisions else [jurisdiction]
            if len(codes) > 1 or (
                tail is not None and not self._snapshots_serve(tail, definition, jurisdiction)
            ):
                versions = _versions_of(view, tail, definition, codes, known_text)
                state, uncertain = fold_versions(definition, versions, jurisdiction, as_of)
            else:
                state = fold_until(view, definition, jurisdiction, day, known_text)
                if definition.stage_kinds:
                    _file_stages_to_come(view, definition, state, jurisdiction, day, known_text)
                uncertain = [
                    version_from_row(row)
                    for row in view.uncertain_versions(
                        jurisdiction, definition.kinds, day, known_text
                    )
                ]
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

    def compare(
        self,
        name: str,
        jurisdictions: Sequence[str],
        as_of: dt.date,
        known_at: dt.datetime | None = None,
        *,
        with_subdivisions: bool = False,
        fold_tail: bool = False,
    ) -> dict[str, Any]:
        """The states of several jurisdictions (codes, at least two different ones) on
        one date, as known at one moment, and which parts differ (see `state`)."""
        codes = list(dict.fromkeys(validate_code(j) for j in jurisdictions))
        if len(codes) < 2:
            raise TimelineError("compare needs at least two different jurisdictions")
        known_at = known_at or dt.datetime.now(dt.UTC)  # one T for every state compared
        states = {
            code: self.state(
                name,
                code,
                as_of,
                known_at,
                with_subdivisions=with_subdivisions,
                fold_tail=fold_tail,
            )
            for code in codes
        }
        first = next(iter(states.values()))
        return {
            "projection": name,
            "as_of": first["as_of"],
            "known_at": first["known_at"],
            "jurisdictions": codes,
            "states": states,
            "differences": compare_states(self.definition(name), states),
        }

    @staticmethod
    def _snapshots_serve(tail: Tail, definition: ProjectionDefinition, jurisdiction: str) -> bool:
        """Whether the stored snapshots answer exactly despite the tail: built for this
        definition up to the index, and the tail changes none of the facts asked."""
        return (
            tail.stored_index
            and tail.checkpoints.get(definition.name) == (snapshot_tag(definition), tail.indexed)
            and not tail.touches(jurisdiction, definition.kinds)
        )

    def facts(
        self,
        jurisdiction: str | None,
        known_at: dt.datetime | None = None,
        *,
        start_after: dt.date | None = None,
        start_until: dt.date | None = None,
        fold_tail: bool = False,
    ) -> list[FactVersion]:
        """Every fact (of any kind) concerning `jurisdiction` (or all) whose interval
        starts in the window, as known at a time (see `iter_facts`), in one list."""
        return list(
            self.iter_facts(
                jurisdiction,
                known_at,
                start_after=start_after,
                start_until=start_until,
                fold_tail=fold_tail,
            )
        )

    def iter_facts(
        self,
        jurisdiction: str | None,
        known_at: dt.datetime | None = None,
        *,
        start_after: dt.date | None = None,
        start_until: dt.date | None = None,
        after: VersionCursor | None = None,
        fold_tail: bool = False,
        page: int = 2_000,
    ) -> Iterator[FactVersion]:
        """Every fact (of any kind) concerning `jurisdiction` (or all), as known at a
        time, by valid time (start, end, position), one entry per fact, from the
        cursor `after` on; with `fold_tail`, the events after the read models too.

        Read a page at a time, each in a snapshot of its own: the answer is as
        known at one moment (`known_at`, default now), which later commits cannot
        change, so the pages fit together and memory stays flat on any log."""
        known_text = format_utc(self._known_at(known_at))
        bounds = {
            "jurisdiction": jurisdiction,
            "start_after": start_after.isoformat() if start_after else None,
            "start_until": start_until.isoformat() if start_until else None,
        }
        while True:
            with self.store.read_models.view() as view:
                if fold_tail:
                    rows = read_tail(view).versions(
                        view, known_text, after=after, limit=page, **bounds
                    )
                else:
                    rows = view.versions(known_text, after=after, limit=page, **bounds)
            previous = None
            for row in rows:
                if row[0] != previous:  # a fact under several jurisdictions: once
                    previous = row[0]
                    yield version_from_row(row)
            if len(rows) < page:
                return
            last = rows[-1]  # the rest of its fact's rows are skipped by the cursor
            after = (last[7], last[8], last[0])

    def indexed(self) -> tuple[int, int]:
        """The log's head, and the last position the fact index reflects (0: none)."""
        with self.store.read_models.view() as view:
            head = view.head()
            found = view.checkpoints().get(FACT_INDEX)
        return head, found[1] if found is not None and found[0] == FACT_INDEX_FORMAT else 0

    def positions(self) -> tuple[int, dict[str, int]]:
        """The log's head, and the last position each projection's read model reflects
        (`NOT_BUILT` until it is built for the definition as it now reads)."""
        with self.store.read_models.view() as view:
            head = view.head()
            checkpoints = view.checkpoints()
        index = checkpoints.get(FACT_INDEX)
        indexed = index[1] if index is not None and index[0] == FACT_INDEX_FORMAT else NOT_BUILT
        positions = {}
        for definition in self.definitions.values():
            tag, position = checkpoints.get(definition.name, ("", NOT_BUILT))
            positions[definition.name] = (
                min(position, indexed) if tag == snapshot_tag(definition) else NOT_BUILT
            )
        return head, positions

    def fact_counts(self, *, fold_tail: bool = False) -> dict[str, int]:
        """How many facts the log now holds about each jurisdiction (retracted ones left
        out); with `fold_tail`, the events after the read models too."""
        with self.store.read_models.view() as view:
            return read_tail(view).fact_counts(view) if fold_tail else view.fact_counts()

    def valid_time_range(self, *, fold_tail: bool = False) -> tuple[dt.date, dt.date] | None:
        """The first day a fact's interval starts and the last day one ends, as known now;
        with `fold_tail`, the events after the read models too."""
        with self.store.read_models.view() as view:
            found = read_tail(view).valid_time_range(view) if fold_tail else view.valid_time_range()
        if found is None:
            return None
        first, last = found
        return dt.date.fromisoformat(first), dt.date.fromisoformat(last)

    def first_recorded_at(self) -> dt.datetime | None:
        """When the log's first event was recorded (None: the log is empty)."""
        with self.store.read_models.view() as view:
            return view.first_recorded_at()

    def known_moment(self, known_at: dt.datetime | None) -> dt.datetime:
        """`known_at` checked, or now: the one moment a paged answer is known at."""
        return self._known_at(known_at)

    def _known_at(self, known_at: dt.datetime | None) -> dt.datetime:
        return (
            dt.datetime.now(dt.UTC) if known_at is None else checked_known_at(self.store, known_at)
        )


def checked_known_at(store: HoldsReadModels, known_at: dt.datetime) -> dt.datetime:
    """`known_at`, refused when it has no time zone or is before the log's first event:
    the one rule for every answer "as known at" (states, diffs, the log's listing)."""
    if known_at.tzinfo is None:
        raise KnownAtError("known_at needs a timezone (e.g. 2026-01-31T12:00:00Z)")
    with store.read_models.view() as view:
        first = view.first_recorded_at()
    # An empty log answers every question with an empty answer; a log that began
    # after T could only answer with one that pretends to know.
    if first is not None and known_at < first:
        raise KnownAtError(
            f"known-at {format_utc(known_at)} is before the first event was recorded "
            f"({format_utc(first)}): nothing was known then"
        )
    return known_at


def _file_stages_to_come(
    view: ReadModelView,
    definition: ProjectionDefinition,
    state: State,
    jurisdiction: str,
    day: str,
    known_text: str,
) -> None:
    """File the facts after `day` that are stages of items of `state` (listed as next
    and later); with stages keyed by subject, the others are skipped undecoded."""
    keys = (
        {key for section in definition.stage_fields for key in state[section]}
        if definition.stages_by_subject
        else None
    )
    for row in view.fact_scan(
        jurisdiction, definition.stage_kinds, end_after=day, known_at=known_text
    ):
        if keys is None or row[4] in keys:  # SCAN_COLUMNS: subject
            apply_pending_fact(definition, state, jurisdiction, *scan_fields(row))


def _versions_of(
    view: ReadModelView,
    tail: Tail | None,
    definition: ProjectionDefinition,
    codes: Sequence[str],
    known_text: str,
) -> list[FactVersion]:
    """The versions of the facts of every one of `codes` (a jurisdiction and its
    subdivisions) the projection folds, each fact once however many of them it
    names, with the log's tail if given.  Snapshots are per code and cannot be
    merged (the fold order interleaves them): this is the cost of a state without
    snapshots."""
    facts: dict[int, FactVersion] = {}
    for code in codes:
        rows = (
            tail.versions(view, known_text, jurisdiction=code)
            if tail is not None
            else view.versions(known_text, jurisdiction=code)
        )
        for row in rows:
            if row[3] in definition.kinds and row[0] not in facts:  # kind, fact_seq
                facts[row[0]] = version_from_row(row)
    return list(facts.values())
