"""The projection definition language: shipped files load, mistakes name file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from timeline.errors import ProjectionDefinitionError
from timeline.projections.definition import load_definition, load_definitions, parse_definition

REPO = Path(__file__).resolve().parents[2]

MINIMAL = """\
name = "minimal"
sections = ["offices"]

[[rule]]
on = "office.opened"
section = "offices"
set = { title = "$payload.organisation" }
"""


def test_shipped_definitions_load() -> None:
    found = load_definitions(REPO / "projections")
    assert {"governance", "partners"} <= set(found)
    governance = found["governance"]
    assert governance.sections[:3] == ("instruments", "bodies", "agreements")
    assert "instrument.in_force" in governance.kinds
    assert [a.name for a in governance.aggregates] == ["max_penalty"]


def test_digest_follows_the_text() -> None:
    a = parse_definition(MINIMAL)
    b = parse_definition(MINIMAL + "# a comment\n")
    assert a.digest != b.digest
    assert parse_definition(MINIMAL).digest == a.digest


def _error_for(text: str, tmp_path: Path) -> str:
    path = tmp_path / "broken.toml"
    path.write_text(text)
    with pytest.raises(ProjectionDefinitionError) as caught:
        load_definition(path)
    message = str(caught.value)
    assert message.startswith(f"{path}:")
    assert "\n" not in message
    return message.removeprefix(f"{path}:")


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        (MINIMAL.replace('"office.opened"', '"office.openned"'), 5, "unknown event kind"),
        (MINIMAL.replace('section = "offices"', 'section = "ofices"'), 6, "not one of `sections`"),
        (MINIMAL + 'colour = "red"\n', 8, "unknown rule key 'colour'"),
        (
            MINIMAL.replace("$payload.organisation", "$payloads.organisation"),
            7,
            "unknown expression",
        ),
        (MINIMAL.replace("set = {", "sett = {"), 7, "unknown rule key 'sett'"),
        (MINIMAL.replace('title = "$payload', 'Title = "$payload'), 7, "lower-case name"),
        (MINIMAL + '[[rule]]\non = "office.opened"\nsection = "offices"\n', 8, "does nothing"),
        (MINIMAL.replace('on = "office.opened"', "on = office.opened"), 5, "Invalid value"),
        (MINIMAL.replace('on = "office.opened"', 'on = "event.retracted"'), 5, "applied before"),
        (
            MINIMAL + '[[rule]]\non = "office.opened"\nsection = "offices"\n'
            'advance = { status = "open" }\n',
            11,
            "needs an [order]",
        ),
        (MINIMAL + '[[aggregate]]\nname = "n"\nmax = "x"\ncount = "offices"\n', 8, "exactly one"),
        (
            MINIMAL + '[[rule]]\non = "office.opened"\nsection = "offices"\n'
            'stage = { stages = { summary = "$payload.stage", day = "$efective" } }\n',
            11,
            "unknown expression '$efective'",
        ),
        (
            MINIMAL + '[[rule]]\non = "office.opened"\nsection = "offices"\n'
            'existing = "yes"\nstage = { stages = "$payload.city" }\n',
            11,
            "`existing` is true or false",
        ),
        (MINIMAL + 'where = { "$item" = { jurisdiction = "yes" } }\n', 8, "true or false"),
        (MINIMAL + 'where = { "$item" = { country = true } }\n', 8, "{jurisdiction = true|false}"),
    ],
)
def test_mistakes_are_refused_with_file_and_line(
    text: str, line: int, words: str, tmp_path: Path
) -> None:
    message = _error_for(text, tmp_path)
    assert message.startswith(f"{line}:"), message
    assert words in message


def test_duplicate_names_and_missing_folder(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text(MINIMAL)
    (tmp_path / "b.toml").write_text(MINIMAL)
    with pytest.raises(ProjectionDefinitionError, match="already used"):
        load_definitions(tmp_path)
    with pytest.raises(ProjectionDefinitionError, match="not found"):
        load_definitions(tmp_path / "nowhere")
