"""Keep the README honest: commands, settings and CI match what the code has."""

from __future__ import annotations

import re
import tomllib
import typing
from pathlib import Path

from timeline.cli import app
from timeline.settings import Settings

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text()


def _readme_command(heading: str) -> str:
    section = README.split(heading, 1)[1]
    return re.search(r"```sh\n(.+?)\n```", section, re.S).group(1).strip()  # type: ignore[union-attr]


def test_every_command_is_documented_with_help() -> None:
    names = [c.name or c.callback.__name__ for c in app.registered_commands]  # type: ignore[union-attr]
    assert names
    for command in app.registered_commands:
        name = command.name or command.callback.__name__  # type: ignore[union-attr]
        assert f"`timeline {name}" in README, f"README does not document `timeline {name}`"
        assert (command.callback.__doc__ or "").strip(), f"`timeline {name}` has no help"  # type: ignore[union-attr]


def test_every_setting_is_documented_and_in_config_toml() -> None:
    config_text = (REPO / "config.toml").read_text()
    config = tomllib.loads(config_text)
    for section, field in Settings.model_fields.items():
        annotation = field.annotation
        if typing.get_origin(annotation) is list:
            # A list of tables ([[feeds]]): config.toml shows a commented example.
            (item,) = typing.get_args(annotation)
            for key in item.model_fields:
                assert f"`{section}.{key}`" in README, f"README does not document {section}.{key}"
                assert f"# {key} = " in config_text, f"config.toml's example lacks {section}.{key}"
            continue
        for key, inner in annotation.model_fields.items():  # type: ignore[union-attr]
            assert f"`{section}.{key}`" in README, f"README does not document {section}.{key}"
            assert key in config[section], f"config.toml lacks {section}.{key}"
            if typing.get_origin(inner.annotation) is list:
                # A list of tables inside a section ([[digest.lists]]): config.toml has one.
                (item,) = typing.get_args(inner.annotation)
                for sub in getattr(item, "model_fields", {}):
                    name = f"{section}.{key}.{sub}"
                    assert f"`{name}`" in README, f"README does not document {name}"
                    assert sub in config[section][key][0], f"config.toml lacks {name}"


def test_ci_runs_the_readme_commands() -> None:
    ci = (REPO / ".ci" / "run").read_text()
    assert _readme_command("**Run it**") in ci
    assert _readme_command("**Test it**") in ci
    assert "TIMELINE_REQUIRE_POSTGRES=1" in ci
