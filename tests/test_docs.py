"""Keep the docs honest: commands, settings and CI match what the code has.

The README's command table lists every command and subcommand; docs/cli.md
gives each one a section naming all its options; docs/configuration.md
documents every setting with its environment variable.  Neither the README
nor docs/ may say where or when a figure was measured beyond the versions and
hardware that matter.
"""

from __future__ import annotations

import re
import tomllib
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer.main
from typer.core import TyperGroup

from timeline.cli import app
from timeline.settings import Settings

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text()
DOCS = REPO / "docs"
CLI_DOC = (DOCS / "cli.md").read_text()
CONFIG_DOC = (DOCS / "configuration.md").read_text()
ENV_PREFIX = "TIMELINE_"


def _readme_command(heading: str) -> str:
    section = README.split(heading, 1)[1]
    return re.search(r"```sh\n(.+?)\n```", section, re.S).group(1).strip()  # type: ignore[union-attr]


def _commands(command: Any, path: str = "timeline") -> Iterator[tuple[str, Any]]:
    """Every command below `command`, groups and their subcommands alike, by full path."""
    if isinstance(command, TyperGroup):
        for name, sub in command.commands.items():
            yield f"{path} {name}", sub
            yield from _commands(sub, f"{path} {name}")


# The commands as Typer builds them (its click objects), whichever module registers them.
COMMANDS = dict(_commands(typer.main.get_command(app)))
LEAVES = {path: cmd for path, cmd in COMMANDS.items() if not isinstance(cmd, TyperGroup)}


def _cli_sections() -> dict[str, str]:
    """docs/cli.md's command sections: heading "### `timeline feeds add NAME URL`" -> its text,
    keyed by the command's path (the heading's words before its first argument or option)."""
    sections: dict[str, str] = {}
    for match in re.finditer(r"^### `(timeline[^`]*)`\n(.*?)(?=^##|\Z)", CLI_DOC, re.S | re.M):
        path = re.match(r"[a-z][a-z-]*(?: [a-z][a-z-]*)*", match.group(1))
        assert path, match.group(1)
        sections[path.group(0)] = match.group(2)
    return sections


CLI_SECTIONS = _cli_sections()


def test_the_walk_reaches_the_command_groups() -> None:
    # Guards the walk itself: a group's subcommands must be among what is checked.
    assert {"timeline feeds add", "timeline candidates edit", "timeline log"} <= set(LEAVES)


@pytest.mark.parametrize("path", sorted(COMMANDS))
def test_every_command_and_subcommand_has_help(path: str) -> None:
    assert (COMMANDS[path].help or "").strip(), f"`{path}` has no help"


@pytest.mark.parametrize("path", sorted(LEAVES))
def test_every_command_is_in_the_readme_table(path: str) -> None:
    assert re.search(rf"^\| `{re.escape(path)}[ `]", README, re.M), (
        f"README's command table lacks `{path}`"
    )


@pytest.mark.parametrize("path", sorted(LEAVES))
def test_every_command_has_a_section_in_cli_md_naming_its_options(path: str) -> None:
    assert path in CLI_SECTIONS, f"docs/cli.md has no section ### `{path} ...`"
    section = CLI_SECTIONS[path]
    for param in LEAVES[path].params:
        if param.param_type_name != "option":
            continue
        option = next(o for o in param.opts if o.startswith("--"))
        assert f"`{option}" in section, f"docs/cli.md, `{path}`: option {option} undocumented"


def test_cli_md_documents_only_commands_that_exist() -> None:
    stale = sorted(set(CLI_SECTIONS) - set(LEAVES))
    assert not stale, f"docs/cli.md documents commands that do not exist: {stale}"


def _config_row(name: str) -> str:
    match = re.search(rf"^\| `{re.escape(name)}` \|.*$", CONFIG_DOC, re.M)
    assert match, f"docs/configuration.md does not document {name}"
    return match.group(0)


def _documented_with_variable(name: str, variable: str) -> None:
    assert f"`{variable}`" in _config_row(name), (
        f"docs/configuration.md: {name} does not name its variable {variable}"
    )


def test_every_setting_is_documented_and_in_config_toml() -> None:
    config_text = (REPO / "config.toml").read_text()
    config = tomllib.loads(config_text)
    for section, field in Settings.model_fields.items():
        annotation = field.annotation
        if typing.get_origin(annotation) is list:
            # A list of tables ([[feeds]]): config.toml shows a commented example;
            # the environment replaces the whole list, as JSON.
            (item,) = typing.get_args(annotation)
            for key in item.model_fields:
                _documented_with_variable(f"{section}.{key}", f"{ENV_PREFIX}{section.upper()}")
                assert f"# {key} = " in config_text, f"config.toml's example lacks {section}.{key}"
            continue
        for key, inner in annotation.model_fields.items():  # type: ignore[union-attr]
            variable = f"{ENV_PREFIX}{section.upper()}__{key.upper()}"
            _documented_with_variable(f"{section}.{key}", variable)
            assert key in config[section], f"config.toml lacks {section}.{key}"
            if typing.get_origin(inner.annotation) is list:
                # A list of tables inside a section ([[digest.lists]]): config.toml has one.
                (item,) = typing.get_args(inner.annotation)
                for sub in getattr(item, "model_fields", {}):
                    name = f"{section}.{key}.{sub}"
                    _documented_with_variable(name, variable)
                    assert sub in config[section][key][0], f"config.toml lacks {name}"


# Where or when a figure was measured is not documentation: say which versions
# and hardware matter, and give a change's effect as before / after.
FORBIDDEN = {
    "sessions": r"\bsessions?\b",
    "a particular machine": (
        r"\b(this|that|same|another|other|CI|our|shared|busier|slower|faster) "
        r"(machine|VM|host)s?\b"
    ),
    "commit hashes": (
        r"\bcommits? `?[0-9a-f]{7,40}\b"
        r"|`(?=[0-9a-f]*[a-f])(?=[0-9a-f]*[0-9])[0-9a-f]{7,40}`"
    ),
    "particular runs": (
        r"\b(earlier|previous|trial|final|last|other) runs?\b"
        r"|\b\d+ (minutes|hours) (earlier|later)\b"
    ),
    "other workers": r"\bshared (by|with) other\b|\bother workers\b",
    "dates of runs": r"\b(measured|run|ran|benchmarked) (on|at) \d{4}-\d{2}-\d{2}\b",
    "who measured": r"\b(I|we) (measured|ran|benchmarked)\b|\bmeasured by\b",
}
DOC_FILES = [REPO / "README.md", *sorted(DOCS.glob("*.md"))]


@pytest.mark.parametrize("doc", DOC_FILES, ids=lambda p: str(p.relative_to(REPO)))
def test_docs_do_not_say_where_or_when_figures_were_measured(doc: Path) -> None:
    text = doc.read_text()
    for what, pattern in FORBIDDEN.items():
        found = re.search(pattern, text, re.I)
        assert found is None, f"{doc.relative_to(REPO)} speaks of {what}: {found.group(0)!r}"


def test_forbidden_phrases_are_caught() -> None:
    # The patterns themselves, on sentences the docs once held.
    caught = [
        "Figures of one run on this session's 2-core machine",
        "The previous session's figures, on another machine (commit `eb3ce29`)",
        "One run on the 2-core CI machine, commit `379c151`",
        "in a run 20 minutes earlier",
        "15,025/s with 256 MiB in a trial run",
        "This machine is shared by other workers",
    ]
    for sentence in caught:
        assert any(re.search(p, sentence, re.I) for p in FORBIDDEN.values()), sentence
    fine = "On a fresh machine with only Python 3.11+; max_body_bytes `10000000`; a virtual machine"
    assert not any(re.search(p, fine, re.I) for p in FORBIDDEN.values())


def test_ci_runs_the_readme_commands() -> None:
    ci = (REPO / ".ci" / "run").read_text()
    assert _readme_command("**Run it**") in ci
    assert _readme_command("**Test it**") in ci
    assert "TIMELINE_REQUIRE_POSTGRES=1" in ci


def _anchor(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces as hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


@pytest.mark.parametrize("doc", DOC_FILES, ids=lambda p: str(p.relative_to(REPO)))
def test_links_between_docs_resolve(doc: Path) -> None:
    for target, anchor in re.findall(r"\]\(([\w./-]+\.md)(?:#([\w-]+))?\)", doc.read_text()):
        path = (doc.parent / target).resolve()
        assert path.is_file(), f"{doc.relative_to(REPO)} links to missing {target}"
        if anchor:
            headings = re.findall(r"^#+ (.+)$", path.read_text(), re.M)
            assert anchor in {_anchor(h) for h in headings}, (
                f"{doc.relative_to(REPO)} links to {target}#{anchor}, which has no such heading"
            )
