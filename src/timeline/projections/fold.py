"""Folding facts into a state: the one place projection rules are applied.

Both the runner (read model with snapshots) and the naive reference fold of
the tests (tests/projections/oracle.py) call `apply` and `render`, so they can
only differ in which facts they feed in, which is exactly what the property
test checks.

Valid time
----------
A fact dated "2025-11" is the interval 2025-11-01..2025-11-30.  On day D it is
*certain* when its interval ends on or before D, *uncertain* when the interval
contains D but ends later, and absent before it starts.  The state on D folds
the certain facts only, ordered by (end of interval, start, position); the
uncertain ones are listed apart.  Ordering by the end makes "the facts certain
by D" a prefix of one fixed order for every D, so a snapshot taken at S can be
extended to any D > S by folding the facts that became certain in (S, D]:
the incremental answer equals the full fold by construction.

Stages of application
---------------------
An act can enter into force on one day and apply in stages (the EU AI Act:
in force 2024-08-01, applying from 2025-02-02 to 2027-08-02).  A `stage`
operation files each fact under the item's timetable, keyed by its date,
instead of overwriting a date: the entry into force stays what it was.  The
state on D knows the stages certain by D (applied); the facts after D that are
stages of an item already in the state are filed too (`apply_pending`), so the
answer lists the next and later ones.  A `postpone` (a proposal) is shown
beside the stage it names and changes nothing; a `move` (an adopted amendment)
makes the stage apply from its new day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from timeline.model.dates import parse_text
from timeline.model.numbers import money
from timeline.projections.definition import (
    Aggregate,
    ProjectionDefinition,
    Rule,
)

State = dict[str, dict[str, dict[str, Any]]]
"""section -> item key -> item."""


@dataclass(slots=True)
class FactVersion:
    """One version of a fact, as the log knew it between two transaction times.

    An event is a fact's first version; each correction of it starts a new one
    and ends the previous; a retraction ends the last.
    """

    fact_seq: int  # position of the original event: the fact's identity
    version_seq: int  # position of the event that said this version
    cites: tuple[str, ...]  # event ids: the original, then the correction, if any
    kind: str
    subject: str
    jurisdictions: tuple[str, ...]
    effective: str
    start: dt.date
    end: dt.date
    payload: dict[str, Any]
    tx_from: dt.datetime
    tx_to: dt.datetime | None = None

    @property
    def order_key(self) -> tuple[dt.date, dt.date, int]:
        return (self.end, self.start, self.fact_seq)


def empty_state(definition: ProjectionDefinition) -> State:
    return {section: {} for section in definition.sections}


def apply(
    definition: ProjectionDefinition, state: State, fact: FactVersion, jurisdiction: str
) -> None:
    """Fold one certain fact into `state` (in place)."""
    apply_fact(
        definition,
        state,
        jurisdiction,
        fact.kind,
        fact.subject,
        fact.effective,
        fact.jurisdictions,
        fact.payload,
        fact.cites,
    )


def apply_fact(
    definition: ProjectionDefinition,
    state: State,
    jurisdiction: str,
    kind: str,
    subject: str,
    effective: str,
    jurisdictions: Sequence[str],
    payload: dict[str, Any],
    cites: Sequence[str],
) -> None:
    """`apply`, on the fact's fields: the runner's rebuild calls this on raw rows."""
    rules = definition.rules_by_kind.get(kind)
    if not rules:
        return
    context: dict[str, Any] = {
        "kind": kind,
        "subject": subject,
        "effective": effective,
        "jurisdictions": list(jurisdictions),
        "jurisdiction": jurisdiction,
        "payload": payload,
    }
    _apply_rules(definition, rules, state, subject, effective, cites, context, pending=False)


def apply_pending(
    definition: ProjectionDefinition, state: State, fact: FactVersion, jurisdiction: str
) -> None:
    """File a fact not certain by the day asked as a stage to come, if it is a stage of
    an item the state has; nothing else of it applies."""
    apply_pending_fact(
        definition,
        state,
        jurisdiction,
        fact.kind,
        fact.subject,
        fact.effective,
        fact.jurisdictions,
        fact.payload,
        fact.cites,
    )


def apply_pending_fact(
    definition: ProjectionDefinition,
    state: State,
    jurisdiction: str,
    kind: str,
    subject: str,
    effective: str,
    jurisdictions: Sequence[str],
    payload: dict[str, Any],
    cites: Sequence[str],
) -> None:
    """`apply_pending`, on the fact's fields (the runner's scan rows)."""
    # Only the rules that file stages: the others do nothing to a fact to come,
    # and a state lists hundreds of them.
    rules = definition.stage_rules_by_kind.get(kind)
    if not rules:
        return
    context: dict[str, Any] = {
        "kind": kind,
        "subject": subject,
        "effective": effective,
        "jurisdictions": list(jurisdictions),
        "jurisdiction": jurisdiction,
        "payload": payload,
    }
    _apply_rules(definition, rules, state, subject, effective, cites, context, pending=True)


def _apply_rules(
    definition: ProjectionDefinition,
    rules: Sequence[Rule],
    state: State,
    subject: str,
    effective: str,
    cites: Sequence[str],
    context: dict[str, Any],
    *,
    pending: bool,
) -> None:
    for rule in rules:
        if rule.each is None:
            _apply_rule(definition, rule, state, subject, effective, cites, context, pending)
            continue
        elements = rule.each.evaluate(context)
        for element in elements if isinstance(elements, list) else [elements]:
            if element is not None:
                _apply_rule(
                    definition,
                    rule,
                    state,
                    subject,
                    effective,
                    cites,
                    context | {"item": element},
                    pending,
                )


def _apply_rule(
    definition: ProjectionDefinition,
    rule: Rule,
    state: State,
    subject: str,
    effective: str,
    cites: Sequence[str],
    context: dict[str, Any],
    pending: bool,
) -> None:
    # Most rules are keyed by the fact's subject, unconditionally: no call for those.
    key = subject if rule.by_subject else _key(rule, context)
    if key is None:
        return
    section = state[rule.section]
    item = section.get(key)
    if pending:
        if item is not None:
            _file_pending(rule, item, effective, subject, cites, context)
        return
    if rule.remove:
        section.pop(key, None)
        return
    if item is None:
        if rule.existing:
            return
        item = section[key] = {"key": key, "subject": subject, "events": []}
    if rule.staged:
        _operate_with_stages(definition, rule, item, effective, subject, cites, context)
    else:
        for operation, field, expr in rule.operations:
            value = expr.evaluate(context)
            if value is not None:  # a field the event does not give leaves the item as it was
                _OPERATIONS[operation](item, field, value, definition)
    if not rule.existing:  # an item another subject's fact touches stays its own
        item["subject"] = subject
        item["effective"] = effective
    _cite(item, cites)


def _key(rule: Rule, context: dict[str, Any]) -> str | None:
    """The key of the item `rule` applies to, or None when it does not apply."""
    for condition in rule.where:
        if not condition.holds(context):
            return None
    key = rule.key.evaluate(context)
    return None if key is None else str(key)


def _operate_with_stages(
    definition: ProjectionDefinition,
    rule: Rule,
    item: dict[str, Any],
    effective: str,
    subject: str,
    cites: Sequence[str],
    context: dict[str, Any],
) -> None:
    for operation, field, expr in rule.operations:
        value = expr.evaluate(context)
        if value is None:
            continue
        stage_operation = _STAGE_OPERATIONS.get(operation)
        if stage_operation is not None:
            stage_operation(item, field, value, effective, subject, cites)
        else:
            _OPERATIONS[operation](item, field, value, definition)


def _file_pending(
    rule: Rule,
    item: dict[str, Any],
    effective: str,
    subject: str,
    cites: Sequence[str],
    context: dict[str, Any],
) -> None:
    # A stage to come is listed under an item the state has, and changes nothing else.
    for operation, field, expr in rule.operations:
        if operation == "stage" and (value := expr.evaluate(context)) is not None:
            _file_stage(item, field, value, effective, subject, cites, pending=True)


# -- operations ---------------------------------------------------------------------


def _parent(item: dict[str, Any], field: str) -> tuple[dict[str, Any], str]:
    if "." not in field:
        return item, field
    *path, last = field.split(".")
    for part in path:
        item = item.setdefault(part, {})
    return item, last


def _set(item: dict[str, Any], field: str, value: Any, _: ProjectionDefinition) -> None:
    parent, name = _parent(item, field)
    # A copy, so that later operations on the item never reach into the payload.
    parent[name] = value.copy() if isinstance(value, dict | list) else value


def _default(item: dict[str, Any], field: str, value: Any, d: ProjectionDefinition) -> None:
    parent, name = _parent(item, field)
    if name not in parent:
        _set(item, field, value, d)


def _advance(item: dict[str, Any], field: str, value: Any, d: ProjectionDefinition) -> None:
    order = d.orders[field]
    parent, name = _parent(item, field)
    current = parent.get(name)
    if value not in order:
        return
    if current is None or current not in order or order.index(value) > order.index(current):
        parent[name] = value


def _max(item: dict[str, Any], field: str, value: Any, d: ProjectionDefinition) -> None:
    parent, name = _parent(item, field)
    current = parent.get(name)
    if current is None or magnitude(value) > magnitude(current):
        _set(item, field, value, d)


def _add(item: dict[str, Any], field: str, value: Any, _: ProjectionDefinition) -> None:
    parent, name = _parent(item, field)
    values = value if isinstance(value, list) else [value]
    current = parent.get(name)
    if current is not None and all(v in current for v in values):
        return  # nothing new: the list stays as sorted as it is
    merged = list(current or [])
    for v in values:
        if v not in merged:
            merged.append(v)
    parent[name] = sorted(merged, key=str)


_OPERATIONS = {"set": _set, "default": _default, "advance": _advance, "max": _max, "add": _add}


# -- stages of application -------------------------------------------------------------
# While folding, an item's stages are a table by the day each applies from in the
# act ("from"); `render` turns it into the list the answer shows.  The "_fact" key
# says whether the stage's own fact was folded ("certain") or is still to come
# ("pending"); a stage only a proposal or an amendment has named yet has none.


def _stages(item: dict[str, Any], field: str) -> dict[str, dict[str, Any]]:
    parent, name = _parent(item, field)
    stages: dict[str, dict[str, Any]] = parent.setdefault(name, {})
    return stages


def _cite(entry: dict[str, Any], cites: Sequence[str]) -> None:
    """Add the events to what an item or a stage cites, once each, in order."""
    events: list[str] = entry.setdefault("events", [])
    for event_id in cites:
        if event_id not in events:
            events.append(event_id)


def _file_stage(
    item: dict[str, Any],
    field: str,
    value: Any,
    effective: str,
    _subject: str,
    cites: Sequence[str],
    *,
    pending: bool = False,
) -> None:
    entry = _stages(item, field).setdefault(effective, {"from": effective})
    entry.update(value if isinstance(value, dict) else {"provisions": value})
    entry["_fact"] = "pending" if pending else "certain"
    _cite(entry, cites)


def _postponement(value: Any) -> tuple[str, str] | None:
    if not isinstance(value, dict) or value.get("stage") is None or value.get("to") is None:
        return None
    return str(value["stage"]), str(value["to"])


def _postpone(
    item: dict[str, Any],
    field: str,
    value: Any,
    effective: str,
    subject: str,
    cites: Sequence[str],
) -> None:
    found = _postponement(value)
    if found is None:
        return
    stage, to = found
    entry = _stages(item, field).setdefault(stage, {"from": stage})
    proposed: list[dict[str, Any]] = entry.setdefault("proposed", [])
    if not any(p["events"] == list(cites) and p["to"] == to for p in proposed):
        proposed.append({"to": to, "by": subject, "proposed": effective, "events": list(cites)})


def _move(
    item: dict[str, Any],
    field: str,
    value: Any,
    effective: str,
    subject: str,
    cites: Sequence[str],
) -> None:
    found = _postponement(value)
    if found is None:
        return
    stage, to = found
    entry = _stages(item, field).setdefault(stage, {"from": stage})
    entry["moved"] = {"to": to, "by": subject, "adopted": effective, "events": list(cites)}


def _stage(
    item: dict[str, Any],
    field: str,
    value: Any,
    effective: str,
    subject: str,
    cites: Sequence[str],
) -> None:
    _file_stage(item, field, value, effective, subject, cites)


_STAGE_OPERATIONS: dict[
    str, Callable[[dict[str, Any], str, Any, str, str, Sequence[str]], None]
] = {"stage": _stage, "postpone": _postpone, "move": _move}


def shows_stages(stages: Any) -> bool:
    """Whether an item's `stages` are worth listing: it applies in more than one, or
    one was proposed to move or moved (an act in force at once has one stage)."""
    if not isinstance(stages, list):
        return False
    return len(stages) > 1 or any("proposed" in s or "moved" in s for s in stages)


def stage_summary(stage: Mapping[str, Any]) -> str:
    """What a stage makes apply, in a line: its `summary`, or its provisions."""
    if stage.get("summary"):
        return str(stage["summary"])
    provisions = stage.get("provisions") or []
    return "; ".join(map(str, provisions)) if provisions else "(provisions not recorded)"


def _timetable(stages: Mapping[str, dict[str, Any]], as_of: dt.date) -> list[dict[str, Any]]:
    """The stages in the order they apply, each `applied`, `next` or `later` on `as_of`."""
    listed = []
    for entry in stages.values():
        fact = entry.pop("_fact", None)
        # Cached (`parse_text`): a state lists thousands of stages over a few days.
        applies = parse_text(str(entry["moved"]["to"] if "moved" in entry else entry["from"]))
        entry["applies_from"] = str(applies)
        # Applied once its own fact is certain and the day it applies from (moved or
        # not) is past: a proposal never makes a stage apply later or sooner.
        applied = fact == "certain" and applies.end <= as_of
        entry["status"] = "applied" if applied else "pending"
        listed.append((applies.start, applies.end, entry["from"], entry))
    listed.sort(key=lambda found: found[:3])
    upcoming = [entry for *_key, entry in listed if entry["status"] == "pending"]
    for position, entry in enumerate(upcoming):
        entry["status"] = "next" if position == 0 else "later"
    return [entry for *_key, entry in listed]


def magnitude(value: Any) -> tuple[int, Any, Any]:
    """A sort key that compares numbers as numbers and penalties sensibly.

    A penalty {amount, currency, turnover_pct} ranks by share of turnover first
    (it scales with the company), then by amount; amounts in different
    currencies are not converted.
    """
    if isinstance(value, dict):
        return (2, _number(value.get("turnover_pct")), _number(value.get("amount")))
    number = _number(value)
    if number is not None and not isinstance(value, bool):
        return (1, number, 0)
    return (0, str(value), 0)


def penalty_text(penalty: Mapping[str, Any]) -> str:
    """A penalty as a person reads it, `EUR 35 million or 7% of turnover` (empty when it
    has neither part)."""
    parts = []
    if penalty.get("amount") is not None:
        parts.append(money(penalty["amount"], penalty.get("currency")))
    if penalty.get("turnover_pct") is not None:
        parts.append(f"{penalty['turnover_pct']}% of turnover")
    return " or ".join(parts)


def value_text(value: Any) -> str:
    """A value of a state (an aggregate, a changed field) as a person reads it: a
    penalty `EUR 35 million or 7% of turnover`, `none`, `yes`, lists as their items."""
    if value is None:
        return "none"
    if isinstance(value, Mapping):
        if "amount" in value or "turnover_pct" in value:
            return penalty_text(value) or "none"
        return ", ".join(f"{str(k).replace('_', ' ')} {value_text(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(value_text(v) for v in value) or "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _number(value: Any) -> Decimal:
    if value is None or isinstance(value, bool):
        return Decimal(0)
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return Decimal(0)


# -- the answer ---------------------------------------------------------------------


def fold_versions(
    definition: ProjectionDefinition,
    facts: Iterable[FactVersion],
    jurisdiction: str,
    as_of: dt.date,
) -> tuple[State, list[FactVersion]]:
    """`jurisdiction`'s state on `as_of` folded whole from the versions of its facts
    (no snapshot: its subdivisions' facts may be among them), with the stages to
    come, and the uncertain facts."""
    mine = list(facts)
    state = empty_state(definition)
    for fact in sorted((f for f in mine if f.end <= as_of), key=lambda f: f.order_key):
        apply(definition, state, fact, jurisdiction)
    for fact in sorted((f for f in mine if f.end > as_of), key=lambda f: f.order_key):
        apply_pending(definition, state, fact, jurisdiction)
    return state, [fact for fact in mine if fact.start <= as_of < fact.end]


def render(
    definition: ProjectionDefinition,
    state: State,
    uncertain: Iterable[FactVersion],
    *,
    jurisdiction: str,
    as_of: dt.date,
    known_at: dt.datetime,
    subdivisions: Sequence[str] = (),
    with_subdivisions: bool = False,
) -> dict[str, Any]:
    """The state as callers see it: sections as lists, aggregates, uncertain facts, and
    the subdivisions of the jurisdiction with facts, folded in or left out."""
    answer: dict[str, Any] = {
        "projection": definition.name,
        "jurisdiction": jurisdiction,
        "as_of": as_of.isoformat(),
        "known_at": known_at.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
        "with_subdivisions": with_subdivisions,
        "subdivisions": list(subdivisions),
    }
    for section in definition.sections:
        staged = definition.stage_fields.get(section, ())
        for item in state[section].values() if staged else ():
            for name in staged:
                *path, last = name.split(".")
                parent: Any = item
                for part in path:
                    parent = parent.get(part) if isinstance(parent, dict) else None
                if isinstance(parent, dict) and isinstance(parent.get(last), dict):
                    parent[last] = _timetable(parent[last], as_of)
        answer[section] = sorted(
            (_public(item) for item in state[section].values()),
            key=_by_date_and_key,
        )
    for aggregate in definition.aggregates:
        answer[aggregate.name] = _aggregate(aggregate, state)
    answer["uncertain"] = [
        entry
        for fact in sorted(uncertain, key=lambda f: f.order_key)
        for entry in _uncertain_entries(definition, fact, jurisdiction)
    ]
    return answer


def _public(item: dict[str, Any]) -> dict[str, Any]:
    # In place: every state handed to `render` was decoded or folded for this
    # answer alone, and a copy of each item cost a tenth of a query.
    if "title" not in item:
        item["title"] = item["key"]
    return item


def _by_date_and_key(item: dict[str, Any]) -> tuple[str, str]:
    return (str(item.get("effective", "")), item["key"])


def _aggregate(aggregate: Aggregate, state: State) -> Any:
    items = [
        item
        for item in state[aggregate.section].values()
        if all(condition.holds(item) for condition in aggregate.where)
    ]
    if aggregate.max_field is None:
        return len(items)
    best: dict[str, Any] | None = None
    for item in items:
        value = item.get(aggregate.max_field)
        if value is None:
            continue
        if best is None or magnitude(value) > magnitude(best[aggregate.max_field]):
            best = item
    if best is None:
        return None
    return {
        "value": best[aggregate.max_field],
        "subject": best["subject"],
        "title": best.get("title", best["key"]),
        "events": list(best["events"]),
    }


def _uncertain_entries(
    definition: ProjectionDefinition, fact: FactVersion, jurisdiction: str
) -> list[dict[str, Any]]:
    # What the fact would add on its own, so an uncertain item reads like the
    # certain ones (title, section) without touching the state.
    scratch = empty_state(definition)
    apply(definition, scratch, fact, jurisdiction)
    return [
        {
            "section": section,
            "kind": fact.kind,
            "subject": item["subject"],
            "title": item.get("title", item["key"]),
            "effective": fact.effective,
            "possible_from": fact.start.isoformat(),
            "certain_from": fact.end.isoformat(),
            "events": list(fact.cites),
        }
        for section, items in scratch.items()
        for item in items.values()
    ]
