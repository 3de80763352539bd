"""Lint, types and reproducible property tests are part of the test command, so
they cannot be forgotten."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_ruff_is_clean() -> None:
    lint = run("ruff", "check", "src", "tests", "bench")
    assert lint.returncode == 0, lint.stdout + lint.stderr
    fmt = run("ruff", "format", "--check", "src", "tests", "bench")
    assert fmt.returncode == 0, fmt.stdout + fmt.stderr


def test_mypy_is_clean_on_src() -> None:
    types = run("mypy")
    assert types.returncode == 0, types.stdout + types.stderr


@pytest.mark.parametrize(("ci", "derandomized"), [("true", True), ("", False)])
def test_property_tests_are_reproducible_in_ci_and_random_elsewhere(
    ci: str, derandomized: bool
) -> None:
    probe = (
        "import tests.conftest\n"
        "from hypothesis import settings\n"
        "assert not settings.get_profile('dev').derandomize\n"  # ours, not a default
        "print(settings.default.derandomize)\n"
    )
    env = {name: value for name, value in os.environ.items() if name != "CI"}
    if ci:
        env["CI"] = ci
    found = subprocess.run(
        [sys.executable, "-c", probe], env=env, cwd=REPO, capture_output=True, text=True, check=True
    )
    assert found.stdout.strip() == str(derandomized)
    assert "\nexport CI=true\n" in (REPO / ".ci" / "run").read_text()
