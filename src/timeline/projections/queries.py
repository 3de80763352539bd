"""Comparisons over rendered states: what differs between two dates or jurisdictions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from timeline.projections.definition import ProjectionDefinition

# Fields every item has that are bookkeeping, not content: a change in them
# alone (a newer event re-stating the same thing) is not a change of state.
_BOOKKEEPING = {"key", "events", "effective", "subject"}


def diff_states(
    definition: ProjectionDefinition, before: Mapping[str, Any], after: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """What changed from `before` to `after`, each change citing the events behind it."""
    changes: list[dict[str, Any]] = []
    for section in definition.sections:
        old = {item["key"]: item for item in before[section]}
        new = {item["key"]: item for item in after[section]}
        for key in sorted(new.keys() - old.keys()):
            item = new[key]
            changes.append(_change(section, item, "added", {}, item["events"]))
        for key in sorted(old.keys() - new.keys()):
            item = old[key]
            changes.append(_change(section, item, "removed", {}, item["events"]))
        for key in sorted(old.keys() & new.keys()):
            fields = _field_changes(old[key], new[key])
            if fields:
                cited = [e for e in new[key]["events"] if e not in old[key]["events"]]
                changes.append(_change(section, new[key], "changed", fields, cited))
    for aggregate in definition.aggregates:
        old_value, new_value = before[aggregate.name], after[aggregate.name]
        if _value_of(old_value) != _value_of(new_value):
            cited = new_value.get("events", []) if isinstance(new_value, dict) else []
            changes.append(
                {
                    "section": aggregate.name,
                    "change": "changed",
                    "from": _value_of(old_value),
                    "to": _value_of(new_value),
                    "events": cited,
                }
            )
    return changes


def _change(
    section: str,
    item: Mapping[str, Any],
    change: str,
    fields: Mapping[str, Any],
    events: Sequence[str],
) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "section": section,
        "subject": item["subject"],
        "title": item["title"],
        "change": change,
        "effective": item.get("effective"),
        "events": list(events),
    }
    if fields:
        entry["fields"] = dict(fields)
    return entry


def _field_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    changed: dict[str, Any] = {}
    for name in sorted((old.keys() | new.keys()) - _BOOKKEEPING):
        if old.get(name) != new.get(name):
            changed[name] = {"from": old.get(name), "to": new.get(name)}
    return changed


def _value_of(aggregate: Any) -> Any:
    return aggregate.get("value") if isinstance(aggregate, dict) else aggregate


def compare_states(
    definition: ProjectionDefinition, states: Mapping[str, Mapping[str, Any]]
) -> list[str]:
    """Names of the sections and aggregates whose content differs between the states."""
    differing: list[str] = []
    for section in definition.sections:
        seen = {
            code: sorted(_comparable(item) for item in state[section])
            for code, state in states.items()
        }
        if len({repr(v) for v in seen.values()}) > 1:
            differing.append(section)
    for aggregate in definition.aggregates:
        values = {repr(_value_of(state[aggregate.name])) for state in states.values()}
        if len(values) > 1:
            differing.append(aggregate.name)
    return differing


def _comparable(item: Mapping[str, Any]) -> str:
    # Two jurisdictions "have the same" item when it says the same, whatever
    # events said it: compare titles and statuses, not subjects or ids.
    return repr((item.get("title"), item.get("status")))
