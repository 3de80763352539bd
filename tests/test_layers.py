"""The layout's rules, checked on the source (see docs/architecture.md).

Every `import` statement in `src/timeline` counts, including those inside
functions: a lazy import that closes a circle is still a circle a reader has
to untangle.
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "timeline"

DRIVERS = ("sqlalchemy", "alembic", "psycopg", "sqlite3")
STORE_SIDE = ("timeline.store", "timeline.migrations")
ENTRY_POINTS = ("timeline.cli", "timeline.web", "timeline.daemon", "timeline.__main__")
# Who wires entry points to the rest, or is one.
WIRING = ("timeline.bootstrap", *ENTRY_POINTS)


def module_name(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports_of(name: str, path: Path) -> Iterator[tuple[str, int]]:
    """(imported module, line) for every import statement, resolved to modules."""
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".")
                base = base[: len(base) - node.level + (1 if is_package else 0)]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            yield target, node.lineno
            for alias in node.names:  # `from timeline import parsing` imports a module
                yield f"{target}.{alias.name}", node.lineno


def graph() -> dict[str, set[str]]:
    known = modules()
    edges: dict[str, set[str]] = {name: set() for name in known}
    for name, path in known.items():
        for target, _ in imports_of(name, path):
            if target in known and target != name:
                edges[name].add(target)
    return edges


def circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    sys.setrecursionlimit(max(10_000, sys.getrecursionlimit()))

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_no_import_circles() -> None:
    # A package's __init__ importing its own submodules is not a circle of design.
    edges = {
        name: {
            t
            for t in targets
            if not (name.startswith(t + ".") and modules()[t].name == "__init__.py")
        }
        for name, targets in graph().items()
    }
    assert circles(edges) == []


def test_the_circle_check_finds_a_circle() -> None:
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def under(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def test_database_drivers_only_behind_the_store() -> None:
    offenders = [
        f"{path.relative_to(SRC)}:{line}: {target}"
        for name, path in modules().items()
        if not under(name, STORE_SIDE)
        for target, line in imports_of(name, path)
        if under(target, DRIVERS) or under(target, ("timeline.store.sql",))
    ]
    assert offenders == []


def test_layers_point_down() -> None:
    known = modules()
    offenders = []
    for name, path in known.items():
        for target, line in imports_of(name, path):
            if target not in known or target == name:
                continue
            where = f"{path.relative_to(SRC)}:{line}: {target}"
            if under(name, ("timeline.model",)) and not under(
                target, ("timeline.model", "timeline.errors", "timeline.data")
            ):
                offenders.append(where + " (model imports only model and errors)")
            if under(name, ("timeline.store",)) and not under(
                target,
                ("timeline.store", "timeline.model", "timeline.errors", "timeline.gc_pause"),
            ):
                offenders.append(where + " (the store imports only model, errors, gc_pause)")
            if under(target, ENTRY_POINTS) and not under(name, WIRING) and name != "timeline":
                offenders.append(where + " (nothing but the wiring imports an entry point)")
    assert offenders == []


_FLAG = re.compile(r"(?<![\w-])--[a-z][a-z-]+")


def test_api_errors_name_no_cli_flags() -> None:
    offenders = []
    for name, path in modules().items():
        if under(name, ("timeline.cli",)):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Raise) and node.exc is not None:
                for part in ast.walk(node.exc):
                    if (
                        isinstance(part, ast.Constant)
                        and isinstance(part.value, str)
                        and _FLAG.search(part.value)
                    ):
                        offenders.append(f"{path.relative_to(SRC)}:{node.lineno}")
    assert offenders == []


@pytest.mark.parametrize("name", ["timeline"])
def test_the_package_is_typed_and_its_surface_resolves(name: str) -> None:
    import importlib

    package = importlib.import_module(name)
    assert (PACKAGE / "py.typed").exists()
    missing = [n for n in package.__all__ if getattr(package, n, None) is None]
    assert missing == []
    assert "Timeline" in package.__all__
