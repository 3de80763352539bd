"""Comparisons over rendered states: what differs between two dates or jurisdictions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from timeline.projections.definition import ProjectionDefinition
from timeline.projections.fold import stage_summary, value_text

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
        staged = definition.stage_fields.get(section, frozenset())
        for key in sorted(new.keys() - old.keys()):
            item = new[key]
            changes.append(_change(section, item, "added", {}, item["events"]))
            changes += _stage_changes(section, staged, {}, item)
        for key in sorted(old.keys() - new.keys()):
            item = old[key]
            changes.append(_change(section, item, "removed", {}, item["events"]))
        for key in sorted(old.keys() & new.keys()):
            fields = _field_changes(old[key], new[key], staged)
            if fields:
                cited = [e for e in new[key]["events"] if e not in old[key]["events"]]
                changes.append(_change(section, new[key], "changed", fields, cited))
            changes += _stage_changes(section, staged, old[key], new[key])
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


def _stage_changes(
    section: str, staged: frozenset[str], old: Mapping[str, Any], new: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """A stage that applied between the two days, and a postponement proposed or
    adopted meanwhile, each as a change of its own: a stage never moves the date the
    item entered into force.  The first stage of an item that is new says nothing
    its addition does not."""
    changes: list[dict[str, Any]] = []
    for name in sorted(staged):
        before = {stage["from"]: stage for stage in old.get(name) or ()}
        stages = list(new.get(name) or ())
        for position, stage in enumerate(stages):
            was = before.get(stage["from"], {})
            applied_now = stage["status"] == "applied" and was.get("status") != "applied"
            if applied_now and (old or position > 0):
                changes.append(_stage_change(section, new, stage, "stage applies", stage["events"]))
            seen = {tuple(p["events"]) for p in was.get("proposed", ())}
            for proposal in stage.get("proposed", ()):
                if tuple(proposal["events"]) not in seen:
                    changes.append(
                        _stage_change(
                            section, new, stage, "stage postponement proposed",
                            proposal["events"], to=proposal["to"],
                        )
                    )  # fmt: skip
            moved = stage.get("moved")
            if moved and moved != was.get("moved"):
                changes.append(
                    _stage_change(
                        section, new, stage, "stage moved", moved["events"], to=moved["to"]
                    )
                )
    return changes


def stage_change_text(change: Mapping[str, Any]) -> str:
    """A stage change (`diff_states`) as a line: "stage applies: ...", or the
    postponement proposed or adopted."""
    stage = change["stage"]
    if change["change"] == "stage applies":
        return f"stage applies: {stage['summary']}"
    done = "postponement proposed" if change["change"] == "stage postponement proposed" else "moved"
    return f"stage of {stage['from']} ({stage['summary']}) {done} to {stage['to']}"


# How many of a change's events its line names; the JSON lists them all.
_CITED = 3


def change_text(change: Mapping[str, Any]) -> str:
    """A change (`diff_states`) as one line citing its events by short id:
    `max penalty: none -> JPY 0 (since f9722117)`,
    `instruments: AI Basic Plan added (2025-12-23; d5b181eb)`,
    `instruments: AI Act: stage applies: ... (2025-02-02; cf684811)`."""
    events = [e[:8] for e in change["events"]]
    cited = ", ".join(events[:_CITED]) + (
        f" and {len(events) - _CITED} more" if len(events) > _CITED else ""
    )
    section = str(change["section"]).replace("_", " ")
    if "title" not in change:  # an aggregate
        before, after = value_text(change["from"]), value_text(change["to"])
        return f"{section}: {before} -> {after} (since {cited})"
    where = f"{section}: {change['title']}"
    if "stage" in change:
        return f"{where}: {stage_change_text(change)} ({change['effective']}; {cited})"
    what = change["change"]
    if what == "changed":
        what = "; ".join(
            f"{field.replace('_', ' ')} {value_text(values['from'])} -> {value_text(values['to'])}"
            for field, values in change.get("fields", {}).items()
        )
    return f"{where}: {what} ({change['effective']}; {cited})"


def _stage_change(
    section: str,
    item: Mapping[str, Any],
    stage: Mapping[str, Any],
    change: str,
    events: Sequence[str],
    *,
    to: str | None = None,
) -> dict[str, Any]:
    entry = _change(section, item, change, {}, events)
    entry["effective"] = stage["applies_from"] if to is None else stage["from"]
    entry["stage"] = {"from": stage["from"], "summary": stage_summary(stage)}
    if to is not None:
        entry["stage"]["to"] = to
    return entry


def _field_changes(
    old: Mapping[str, Any], new: Mapping[str, Any], staged: frozenset[str] = frozenset()
) -> dict[str, Any]:
    changed: dict[str, Any] = {}
    for name in sorted((old.keys() | new.keys()) - _BOOKKEEPING - staged):
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
