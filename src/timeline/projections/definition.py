"""Projection definitions: a small declarative language, read from TOML files.

A definition names the sections of a state and, per event kind, what an event
does to an item of a section.  The whole language (docs/projections.md) is:

    name, description, sections = [...]        the projection and its sections
    [order] FIELD = [v1, v2, ...]              orders used by `advance`
    [[rule]] on = KIND | [KINDS]               which facts the rule folds
             section = NAME                    where its item lives
             key = EXPR                        the item's identity (default "$subject")
             each = EXPR                       apply once per element of a list, as $item
             where = {EXPR = VALUE, ...}       apply only when each EXPR equals VALUE
                                               (VALUE may be {not = V}, {in = [..]},
                                               {jurisdiction = true|false}: is or is not
                                               a jurisdiction code, or several at once)
             existing = true                   touch only an item already there
             set / default / advance / max / add = {FIELD = EXPR, ...}
             stage / postpone / move = {FIELD = EXPR, ...}   the item's stages of
                                               application, by date (see fold.py)
             remove = true                     drop the item
    [[aggregate]] name = NAME, count = SECTION                  how many items
                  name = NAME, section = NAME, max = FIELD      the item with the highest FIELD
                  where = {FIELD = VALUE, ...}                  only items whose fields match

An EXPR is a literal, or a string starting with "$" naming part of the event:
$kind, $subject, $effective, $jurisdictions, $jurisdiction (the one queried),
$item (with `each`), $payload.a.b.  "$$" starts a literal "$".  A table of
EXPRs is an EXPR too: it gives a table of their values.

Definitions are checked when loaded; a mistake is refused with its file and line.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

from timeline.errors import ProjectionDefinitionError
from timeline.model.jurisdictions import is_jurisdiction
from timeline.model.kinds import KINDS, META_KINDS

STAGE_OPERATIONS = ("stage", "postpone", "move")
OPERATIONS = ("set", "default", "advance", "max", "add", *STAGE_OPERATIONS)
RULE_KEYS = {"on", "section", "key", "each", "where", "existing", "remove", *OPERATIONS}
AGGREGATE_KEYS = {"name", "section", "max", "count", "where"}
TOP_KEYS = {"name", "description", "sections", "order", "rule", "aggregate"}
EVENT_ROOTS = {"kind", "subject", "effective", "jurisdictions", "jurisdiction", "item", "payload"}
NAME = re.compile(r"^[a-z][a-z0-9_]*$")
FIELD = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")
RESERVED_FIELDS = {"key", "subject", "events", "effective"}
_WHERE_VALUES = (
    "a `where` value is a literal, or a table of {not = V}, {in = [..]}, "
    "{jurisdiction = true|false}"
)


@dataclass(frozen=True, slots=True)
class Expr:
    """A literal, or a path into the event being folded."""

    path: tuple[str, ...] | None
    literal: Any = None
    record: tuple[tuple[str, Expr], ...] | None = None  # a table of expressions
    evaluate: Callable[[Mapping[str, Any]], Any] = field(
        init=False, repr=False, compare=False, hash=False
    )

    def __post_init__(self) -> None:
        # Compiled once: folds call this millions of times in a rebuild.
        object.__setattr__(self, "evaluate", _getter(self.path, self.literal, self.record))

    @classmethod
    def parse(cls, value: Any) -> Expr:
        if isinstance(value, str) and value.startswith("$"):
            if value.startswith("$$"):
                return cls(None, value[1:])
            return cls(tuple(value[1:].split(".")))
        if isinstance(value, dict):
            return cls(None, record=tuple((k, cls.parse(v)) for k, v in value.items()))
        return cls(None, value)

    def parts(self) -> tuple[Expr, ...]:
        """This expression and those it is made of."""
        if self.record is None:
            return (self,)
        return (self, *(part for _name, expr in self.record for part in expr.parts()))


def _getter(
    path: tuple[str, ...] | None, literal: Any, record: tuple[tuple[str, Expr], ...] | None
) -> Callable[[Mapping[str, Any]], Any]:
    if record is not None:
        # Fields the event does not give are left out, as `set` leaves them.
        return lambda context: {
            name: value for name, expr in record if (value := expr.evaluate(context)) is not None
        }
    if path is None:
        return lambda _context: literal
    if len(path) == 1:
        (key,) = path
        return lambda context: context.get(key)

    def get(context: Mapping[str, Any]) -> Any:
        value: Any = context
        for part in path:
            if type(value) is not dict:  # contexts and payloads are plain dicts
                return None
            value = value.get(part)
        return value

    return get


@dataclass(frozen=True, slots=True)
class Condition:
    """`EXPR = VALUE`, `EXPR = {not = VALUE}`, `EXPR = {in = [VALUES]}`, or (`expected`
    None) `EXPR = {jurisdiction = true}`: EXPR is a jurisdiction code (a party that is
    a country or a group, not an organisation)."""

    subject: Expr
    expected: Expr | tuple[Expr, ...] | None
    negate: bool = False

    def holds(self, context: Mapping[str, Any]) -> bool:
        actual = self.subject.evaluate(context)
        if self.expected is None:
            found = isinstance(actual, str) and is_jurisdiction(actual)
        elif isinstance(self.expected, tuple):
            found = any(actual == e.evaluate(context) for e in self.expected)
        else:
            found = actual == self.expected.evaluate(context)
        return found != self.negate


@dataclass(frozen=True, slots=True)
class Rule:
    kinds: frozenset[str]
    section: str
    key: Expr
    each: Expr | None
    where: tuple[Condition, ...]
    operations: tuple[tuple[str, str, Expr], ...]  # (operation, field, value)
    remove: bool
    existing: bool = False  # touch only an item already in the state
    staged: bool = field(init=False)  # has a stage, postpone or move operation
    by_subject: bool = field(init=False)  # keyed by $subject, with no `where`

    def __post_init__(self) -> None:
        staged = any(op in STAGE_OPERATIONS for op, _, _ in self.operations)
        object.__setattr__(self, "staged", staged)
        by_subject = self.key.path == ("subject",) and not self.where
        object.__setattr__(self, "by_subject", by_subject)


@dataclass(frozen=True, slots=True)
class Aggregate:
    name: str
    section: str
    max_field: str | None
    where: tuple[Condition, ...]


@dataclass(frozen=True)
class ProjectionDefinition:
    name: str
    description: str
    sections: tuple[str, ...]
    orders: Mapping[str, tuple[Any, ...]]
    rules: tuple[Rule, ...]
    aggregates: tuple[Aggregate, ...]
    source: str
    path: Path | None = None
    digest: str = field(init=False)
    kinds: frozenset[str] = field(init=False)
    rules_by_kind: Mapping[str, tuple[Rule, ...]] = field(init=False)
    stage_kinds: frozenset[str] = field(init=False)
    """The kinds whose facts are stages of application (a `stage` operation): a state
    lists them before they apply, as next and later stages."""
    stage_rules_by_kind: Mapping[str, tuple[Rule, ...]] = field(init=False)
    """kind -> its rules with a `stage` operation: all of a fact to come that applies."""
    stage_fields: Mapping[str, frozenset[str]] = field(init=False)
    """section -> the fields holding its items' stages of application."""
    stages_by_subject: bool = field(init=False)
    """Every `stage` rule files a fact under the item of its own subject: a fact to
    come can only be a stage of an item keyed by its subject."""

    def __post_init__(self) -> None:
        # The hash covers the text: any edit, even a comment, rebuilds the read
        # model, which is cheap next to serving a state from stale rules.
        object.__setattr__(self, "digest", hashlib.sha256(self.source.encode()).hexdigest())
        by_kind: dict[str, list[Rule]] = {}
        for rule in self.rules:
            for kind in rule.kinds:
                by_kind.setdefault(kind, []).append(rule)
        object.__setattr__(self, "rules_by_kind", {k: tuple(v) for k, v in by_kind.items()})
        object.__setattr__(self, "kinds", frozenset(by_kind))
        staged = [r for r in self.rules if any(op in STAGE_OPERATIONS for op, _, _ in r.operations)]
        stage_rules: dict[str, list[Rule]] = {}
        for rule in staged:
            if _has(rule, "stage"):
                for kind in rule.kinds:
                    stage_rules.setdefault(kind, []).append(rule)
        object.__setattr__(
            self, "stage_rules_by_kind", {k: tuple(v) for k, v in stage_rules.items()}
        )
        object.__setattr__(self, "stage_kinds", frozenset(stage_rules))
        stage_fields: dict[str, set[str]] = {}
        for rule in staged:
            for operation, name, _expr in rule.operations:
                if operation in STAGE_OPERATIONS:
                    stage_fields.setdefault(rule.section, set()).add(name)
        object.__setattr__(self, "stage_fields", {k: frozenset(v) for k, v in stage_fields.items()})
        by_subject = all(
            r.key.path == ("subject",) and r.each is None for r in staged if _has(r, "stage")
        )
        object.__setattr__(self, "stages_by_subject", by_subject)


def _has(rule: Rule, operation: str) -> bool:
    return any(op == operation for op, _, _ in rule.operations)


# -- loading -----------------------------------------------------------------------


def load_definitions(folder: Path) -> dict[str, ProjectionDefinition]:
    """Every `*.toml` definition in `folder`, by name."""
    if not folder.is_dir():
        raise ProjectionDefinitionError(f"projections folder {folder} not found")
    found: dict[str, ProjectionDefinition] = {}
    for path in sorted(folder.glob("*.toml")):
        definition = load_definition(path)
        if definition.name in found:
            raise ProjectionDefinitionError(
                f"{path}:1: projection name {definition.name!r} is already used by "
                f"{found[definition.name].path}"
            )
        found[definition.name] = definition
    return found


def load_definition(path: Path) -> ProjectionDefinition:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ProjectionDefinitionError(f"{path}: cannot read: {exc}") from None
    return parse_definition(text, path)


def parse_definition(text: str, path: Path | None = None) -> ProjectionDefinition:
    where = str(path) if path else "<definition>"
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # tomllib says "... (at line 7, column 3)"; keep the file:line form.
        match = re.search(r"\(at line (\d+), column \d+\)", str(exc))
        line = match.group(1) if match else "1"
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        raise ProjectionDefinitionError(f"{where}:{line}: {message}") from None
    return _Checker(text, where, path).definition(doc)


class _Checker:
    """Builds a definition and refuses mistakes, naming the line they are on.

    tomllib keeps no positions, so the line is found by looking for the
    offending text from the start of the rule or aggregate it belongs to.
    """

    def __init__(self, text: str, where: str, path: Path | None) -> None:
        self.text = text
        self.lines = text.splitlines()
        self.where = where
        self.path = path
        self.block_lines = self._block_starts()

    def _block_starts(self) -> dict[str, list[int]]:
        starts: dict[str, list[int]] = {"rule": [], "aggregate": []}
        for number, line in enumerate(self.lines, start=1):
            stripped = line.strip()
            for block, lines in starts.items():
                if stripped.startswith(f"[[{block}]]"):
                    lines.append(number)
        return starts

    def fail(
        self, message: str, needle: str | None = None, block: tuple[str, int] | None = None
    ) -> NoReturn:
        start = 1
        if block is not None:
            starts = self.block_lines.get(block[0], [])
            if block[1] < len(starts):
                start = starts[block[1]]
        line = start
        if needle is not None:
            for number in range(start, len(self.lines) + 1):
                if needle in self.lines[number - 1]:
                    line = number
                    break
        raise ProjectionDefinitionError(f"{self.where}:{line}: {message}")

    def definition(self, doc: dict[str, Any]) -> ProjectionDefinition:
        for key in doc:
            if key not in TOP_KEYS:
                self.fail(
                    f"unknown key {key!r} (expected one of {', '.join(sorted(TOP_KEYS))})", key
                )
        name = doc.get("name")
        if not isinstance(name, str) or not NAME.match(name):
            self.fail('`name` must be a lower-case identifier like "governance"', "name")
        sections = doc.get("sections")
        if (
            not isinstance(sections, list)
            or not sections
            or not all(isinstance(s, str) and NAME.match(s) for s in sections)
        ):
            self.fail("`sections` must be a non-empty list of lower-case names", "sections")
        orders = doc.get("order", {})
        if not isinstance(orders, dict) or not all(
            isinstance(v, list) and v for v in orders.values()
        ):
            self.fail("`[order]` maps a field to a non-empty list of values", "[order]")
        raw_rules = doc.get("rule", [])
        if not isinstance(raw_rules, list) or not raw_rules:
            self.fail("a projection needs at least one [[rule]]")
        rules = tuple(self.rule(raw, i, sections, orders) for i, raw in enumerate(raw_rules))
        aggregates = tuple(
            self.aggregate(raw, i, sections) for i, raw in enumerate(doc.get("aggregate", []))
        )
        names = [a.name for a in aggregates]
        for i, agg_name in enumerate(names):
            if agg_name in sections or agg_name in names[:i]:
                self.fail(
                    f"aggregate name {agg_name!r} is already used", agg_name, ("aggregate", i)
                )
        return ProjectionDefinition(
            name=name,
            description=str(doc.get("description", "")),
            sections=tuple(sections),
            orders={k: tuple(v) for k, v in orders.items()},
            rules=rules,
            aggregates=aggregates,
            source=self.text,
            path=self.path,
        )

    def rule(
        self, raw: Any, index: int, sections: Sequence[str], orders: Mapping[str, Any]
    ) -> Rule:
        block = ("rule", index)
        if not isinstance(raw, dict):
            self.fail("each [[rule]] must be a table", block=block)
        for key in raw:
            if key not in RULE_KEYS:
                self.fail(
                    f"unknown rule key {key!r} (expected one of {', '.join(sorted(RULE_KEYS))})",
                    key,
                    block,
                )
        on = raw.get("on")
        kinds = [on] if isinstance(on, str) else on
        if not isinstance(kinds, list) or not kinds:
            self.fail("a rule needs `on`: an event kind or a list of kinds", "on", block)
        for kind in kinds:
            if kind not in KINDS or kind in META_KINDS:
                hint = (
                    "corrections and retractions are applied before rules run"
                    if kind in META_KINDS
                    else f"known kinds: {', '.join(k for k in KINDS if k not in META_KINDS)}"
                )
                self.fail(f"unknown event kind {kind!r} in `on` ({hint})", str(kind), block)
        section = raw.get("section")
        if section not in sections:
            self.fail(
                f"rule section {section!r} is not one of `sections` ({', '.join(sections)})",
                "section",
                block,
            )
        operations = self.operations(raw, block, orders)
        remove = raw.get("remove", False)
        if not isinstance(remove, bool):
            self.fail("`remove` is true or false", "remove", block)
        if not operations and not remove:
            self.fail(
                "a rule does nothing: give it set, default, advance, max, add, stage, "
                "postpone, move or remove",
                block=block,
            )
        existing = raw.get("existing", False)
        if not isinstance(existing, bool):
            self.fail("`existing` is true or false", "existing", block)
        each = self.expr(raw["each"], block) if "each" in raw else None
        return Rule(
            kinds=frozenset(kinds),
            section=str(section),
            key=self.expr(raw.get("key", "$subject"), block),
            each=each,
            where=self.conditions(raw.get("where", {}), block),
            operations=tuple(operations),
            remove=remove,
            existing=existing,
        )

    def operations(
        self, raw: Mapping[str, Any], block: tuple[str, int], orders: Mapping[str, Any]
    ) -> list[tuple[str, str, Expr]]:
        operations: list[tuple[str, str, Expr]] = []
        for operation in OPERATIONS:
            fields = raw.get(operation, {})
            if not isinstance(fields, dict):
                self.fail(f"`{operation}` must be a table of FIELD = EXPR", operation, block)
            for name, value in fields.items():
                if not FIELD.match(name) or name.split(".")[0] in RESERVED_FIELDS:
                    self.fail(
                        f"field {name!r} in `{operation}` must be a lower-case name "
                        f"(not {', '.join(sorted(RESERVED_FIELDS))}, which the runner fills)",
                        name,
                        block,
                    )
                expr = self.expr(value, block)
                if operation == "advance":
                    if name not in orders:
                        self.fail(
                            f"`advance` of {name!r} needs an [order] {name} = [...]", name, block
                        )
                    if expr.path is None and expr.literal not in orders[name]:
                        self.fail(
                            f"{expr.literal!r} is not in [order] {name} ({orders[name]})",
                            name,
                            block,
                        )
                operations.append((operation, name, expr))
        return operations

    def aggregate(self, raw: Any, index: int, sections: Sequence[str]) -> Aggregate:
        block = ("aggregate", index)
        if not isinstance(raw, dict):
            self.fail("each [[aggregate]] must be a table", block=block)
        for key in raw:
            if key not in AGGREGATE_KEYS:
                self.fail(
                    f"unknown aggregate key {key!r} (expected one of "
                    f"{', '.join(sorted(AGGREGATE_KEYS))})",
                    key,
                    block,
                )
        name = raw.get("name")
        if not isinstance(name, str) or not NAME.match(name):
            self.fail("an aggregate needs a lower-case `name`", "name", block)
        # `count = SECTION` counts a section's items; `max = FIELD` needs `section`.
        section = raw["count"] if isinstance(raw.get("count"), str) else raw.get("section")
        if section not in sections:
            self.fail(f"aggregate section {section!r} is not one of `sections`", "section", block)
        has_max, has_count = "max" in raw, "count" in raw
        if has_max == has_count:
            self.fail("an aggregate has exactly one of `max = FIELD` or `count`", block=block)
        max_field = raw.get("max")
        if has_max and (not isinstance(max_field, str) or not FIELD.match(max_field)):
            self.fail("`max` names a field of the section's items", "max", block)
        return Aggregate(
            name=str(name),
            section=str(section),
            max_field=max_field if has_max else None,
            where=self.conditions(raw.get("where", {}), block, item_fields=True),
        )

    def conditions(
        self, raw: Any, block: tuple[str, int], *, item_fields: bool = False
    ) -> tuple[Condition, ...]:
        if not isinstance(raw, dict):
            self.fail("`where` must be a table of EXPR = VALUE", "where", block)
        found: list[Condition] = []
        for left, right in raw.items():
            # In an aggregate, `where` compares fields of the section's items.
            subject = Expr((left,)) if item_fields and not left.startswith("$") else None
            subject = subject or self.expr(left, block)
            if not isinstance(right, dict):
                found.append(Condition(subject, self.expr(right, block)))
                continue
            # A table holds one test or several, all of which must hold.
            if not right or not set(right) <= {"not", "in", "jurisdiction"}:
                self.fail(_WHERE_VALUES, left, block)
            if "not" in right:
                found.append(Condition(subject, self.expr(right["not"], block), negate=True))
            if "in" in right:
                if not isinstance(right["in"], list):
                    self.fail(_WHERE_VALUES, left, block)
                found.append(Condition(subject, tuple(self.expr(v, block) for v in right["in"])))
            if "jurisdiction" in right:
                if not isinstance(right["jurisdiction"], bool):
                    self.fail("`jurisdiction` in a `where` value is true or false", left, block)
                found.append(Condition(subject, None, negate=not right["jurisdiction"]))
        return tuple(found)

    def expr(self, value: Any, block: tuple[str, int]) -> Expr:
        whole = Expr.parse(value)
        for expr in whole.parts():
            self._check_path(expr, block)
        return whole

    def _check_path(self, expr: Expr, block: tuple[str, int]) -> None:
        if expr.path is not None:
            root = expr.path[0]
            if root not in EVENT_ROOTS or (root != "payload" and len(expr.path) > 1):
                text = "$" + ".".join(expr.path)
                self.fail(
                    f"unknown expression {text!r}: use $kind, $subject, $effective, "
                    "$jurisdictions, $jurisdiction, $item or $payload.FIELD",
                    text,
                    block,
                )
