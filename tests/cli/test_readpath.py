"""The read path of `state` and `compare` (timeline/readpath.py): the same answer
as the full path, taken only when it can be, in fresh processes where what is
imported matters."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.cli.test_cli import EVENTS, REPO
from tests.factories import in_force
from timeline import readpath
from timeline.cli import app
from timeline.settings_file import question_settings
from timeline.store.sqlite_reads import open_reads, sqlite_file

# What the read path must not import; the full path imports all of them.
HEAVY = ("sqlalchemy", "pydantic_settings", "timeline.model.events")
FULL = {"TIMELINE_READ_PATH": "full"}


def _clean_env(**extra: str) -> dict[str, str]:
    """The environment without settings variables: the folder's config.toml decides."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.upper().startswith("TIMELINE_") or k.upper().startswith("TIMELINE_TEST")
    }
    return env | extra


def _timeline(
    folder: Path, *args: str, env: dict[str, str] | None = None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "timeline", *args],
        cwd=folder,
        capture_output=True,
        text=True,
        check=check,
        env=env or _clean_env(),
    )


def _imported(done: subprocess.CompletedProcess[str]) -> set[str]:
    """The modules of `HEAVY` an `-X importtime` run imported."""
    names = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if "|" in line}
    return {m for m in HEAVY if m in names}


def _curate(folder: Path) -> Path:
    """`folder` with config.toml, the curated log imported and the read models caught up."""
    (folder / "config.toml").write_text(
        f'[database]\nurl = "sqlite:///timeline.db"\n\n'
        f'[projections]\npath = "{REPO / "projections"}"\ndefault = "governance"\n'
    )
    for args in (["init"], ["import", str(EVENTS)], ["rebuild"]):
        _timeline(folder, *args)
    return folder


@pytest.fixture(scope="module")
def curated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _curate(tmp_path_factory.mktemp("readpath"))


def _invoke(folder: Path, args: list[str], env: dict[str, str]) -> str:
    result = CliRunner().invoke(app, ["--config", str(folder / "config.toml"), *args], env=env)
    assert result.exit_code == 0, result.output
    return result.stdout


def _moments(folder: Path) -> list[str]:
    """Known-at moments: when the first event was recorded, the middle one, the last."""
    log = json.loads(_invoke(folder, ["log", "--format", "json"], FULL))
    recorded = sorted(e["recorded_at"] for e in log)
    return [recorded[0], recorded[len(recorded) // 2], recorded[-1]]


QUESTIONS = [
    ["state", "JP", "--as-of", "2025-08-31"],
    ["state", "JP", "--as-of", "2025-09-01"],
    ["state", "EU", "--as-of", "2026-08-02"],
    ["state", "US", "--as-of", "2025-06-01", "--with-subdivisions"],
    ["state", "US", "--as-of", "2025-06-01"],
    ["state", "JP", "--as-of", "2026-06-30", "--projection", "partners"],
    ["compare", "JP", "EU", "--as-of", "2026-06-30"],
    ["compare", "JP", "EU", "US", "--as-of", "2025-09-01", "--with-subdivisions"],
]


def test_the_read_path_answers_as_the_full_path(
    curated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = {name: "" for name in os.environ if name.upper().startswith("TIMELINE_")}
    for name in env:
        monkeypatch.delenv(name)
    settings = question_settings(curated / "config.toml")
    assert settings is not None
    compared = 0
    for known_at in _moments(curated):
        for question in QUESTIONS:
            args = [*question, "--known-at", known_at]
            for format_ in ("json", "table", "csv"):
                fast = _invoke(curated, [*args, "--format", format_], {})
                full = _invoke(curated, [*args, "--format", format_], FULL)
                assert fast == full, (args, format_)
                compared += 1
    assert compared == 3 * len(QUESTIONS) * 3
    # ... and those answers did come from the read path, not the full one:
    day = dt.date(2025, 9, 1)
    assert readpath.state(curated / "config.toml", "JP", day) is not None
    assert readpath.compare(curated / "config.toml", ["JP", "EU"], day) is not None
    monkeypatch.setenv("TIMELINE_READ_PATH", "full")
    assert readpath.state(curated / "config.toml", "JP", day) is None


def test_a_question_imports_neither_sqlalchemy_nor_pydantic_settings(curated: Path) -> None:
    db = curated / "timeline.db"
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    fast = _timeline(curated, "state", "JP", "--as-of", "2025-09-01")
    assert "AI Promotion Act" in fast.stdout
    assert _imported(fast) == set()
    compared = _timeline(curated, "compare", "JP", "EU", "--as-of", "2026-06-30")
    assert "max_penalty" in compared.stdout
    assert _imported(compared) == set()
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before  # it only read
    full = _timeline(curated, "state", "JP", "--as-of", "2025-09-01", env=_clean_env(**FULL))
    assert _imported(full) == set(HEAVY)
    assert full.stdout.splitlines()[1:] == fast.stdout.splitlines()[1:]  # but for 'now'


@pytest.mark.parametrize(
    ("config", "env"),
    [
        ('[database]\nurl = "sqlite:///timeline.db"\n[web]\nport = 8081\n', {}),
        ('[database]\nurl = "sqlite:///timeline.db"\nextra = 1\n', {}),
        ('[database]\nurl = "sqlite:///timeline.db"\n', {"TIMELINE_DIGEST__TIMEZONE": "UTC"}),
        ('[database]\nurl = "sqlite:///timeline.db"\n', {"TIMELINE_LOGGING__LEVEL": "info"}),
        ("[database\n", {}),
    ],
    ids=["other-section", "unknown-key", "other-env", "verbose-logs", "bad-toml"],
)
def test_the_light_reader_declines_what_only_pydantic_can_decide(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, config: str, env: dict[str, str]
) -> None:
    for name in [n for n in os.environ if n.upper().startswith("TIMELINE_")]:
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    (tmp_path / "config.toml").write_text(config)
    assert question_settings(tmp_path / "config.toml") is None


def test_a_whole_team_config_takes_the_read_path_once_validated(curated: Path) -> None:
    """feeds, digest lists and follows are nothing a question reads, but only
    pydantic can check them: the first question validates the file (full path),
    the next ones pass over those sections; an edit sends it through pydantic again."""
    team = curated / "team"
    team.mkdir()
    config = team / "config.toml"
    base = (
        (curated / "config.toml")
        .read_text()
        .replace("sqlite:///timeline.db", f"sqlite:///{curated / 'timeline.db'}")
    )
    feeds = '[[feeds]]\nname = "meti"\nurl = "https://www.meti.go.jp/rss.xml"\n'
    config.write_text(base + '\n[digest]\ntimezone = "Asia/Tokyo"\n\n' + feeds)
    question = ("state", "JP", "--as-of", "2025-09-01")
    first = _timeline(team, *question)
    assert _imported(first) == set(HEAVY)  # validated by pydantic-settings
    second = _timeline(team, *question)
    assert _imported(second) == set()
    assert second.stdout.splitlines()[1:] == first.stdout.splitlines()[1:]
    # A broken section no question reads: refused as before, by the full path.
    config.write_text(base + '\n[digest]\ntimezone = "Mars/Olympus"\n\n' + feeds)
    broken = _timeline(team, *question, check=False)
    assert broken.returncode == 1
    assert broken.stderr.splitlines()[-1].startswith("Error: config.toml: digest.timezone: ")
    # Back as it was validated: the read path again.
    config.write_text(base + '\n[digest]\ntimezone = "Asia/Tokyo"\n\n' + feeds)
    assert _imported(_timeline(team, *question)) == set()
    # Another settings variable than the one validated with: pydantic again, once.
    other = _clean_env(TIMELINE_WEB__PORT="8099")
    assert _imported(_timeline(team, *question, env=other)) == set(HEAVY)
    assert _imported(_timeline(team, *question, env=other)) == set()


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://postgres@127.0.0.1/test",
        "sqlite:///file:/tmp/t.db?mode=ro&uri=true",
        "sqlite:////tmp/t%20x.db",
        "sqlite:///relative.db",
        "sqlite://",
    ],
)
def test_the_read_path_takes_only_plain_sqlite_files(url: str) -> None:
    assert sqlite_file(url) is None
    assert open_reads(url) is None


def test_the_light_reader_resolves_as_load_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from timeline.settings import load_settings

    for name in [n for n in os.environ if n.upper().startswith("TIMELINE_")]:
        monkeypatch.delenv(name)
    config = tmp_path / "conf" / "config.toml"
    config.parent.mkdir()
    config.write_text(
        '[database]\nurl = "sqlite:///../data/t.db"\n[projections]\npath = "specs"\n'
        'catch_up_seconds = 5\n[logging]\nformat = "json"\n'
    )
    monkeypatch.setenv("TIMELINE_PROJECTIONS__DEFAULT", "partners")
    light, full = question_settings(config), load_settings(config)
    assert light is not None
    assert light.database_url == full.database.url
    assert str(light.projections_path) == full.projections.path
    assert light.default_projection == full.projections.default == "partners"
    monkeypatch.setenv("TIMELINE_DATABASE__URL", "sqlite:///elsewhere.db")
    light, full = question_settings(config), load_settings(config)
    assert light is not None
    assert light.database_url == full.database.url


def test_after_an_append_the_full_path_answers_with_the_new_event(tmp_path: Path) -> None:
    folder = _curate(tmp_path)
    late = in_force("jp/late-act", "2025-09-01", title="Late Act", binding=True)
    (folder / "late.json").write_text(json.dumps([late]))
    _timeline(folder, "append", "late.json")
    # Read-only, behind: the full path folds the tail in memory and says so.
    read_only = _clean_env(
        TIMELINE_DATABASE__URL=f"sqlite:///file:{folder / 'timeline.db'}?mode=ro&uri=true"
    )
    behind = _timeline(folder, "state", "JP", "--as-of", "2025-09-01", "-f", "json", env=read_only)
    answer = json.loads(behind.stdout)
    assert "Late Act" in {i["title"] for i in answer["instruments"]}
    assert answer["read_models"]["in_memory"] == 1
    assert "sqlalchemy" in _imported(behind)
    # Writable, behind: the full path catches up (and answers with it) ...
    caught = _timeline(folder, "state", "JP", "--as-of", "2025-09-01", "-f", "json")
    assert "sqlalchemy" in _imported(caught)
    assert "Late Act" in {i["title"] for i in json.loads(caught.stdout)["instruments"]}
    # ... after which the read path answers the same.
    fast = _timeline(folder, "state", "JP", "--as-of", "2025-09-01", "-f", "json")
    assert _imported(fast) == set()
    fast_answer, caught_answer = json.loads(fast.stdout), json.loads(caught.stdout)
    assert fast_answer["instruments"] == caught_answer["instruments"]
    assert fast_answer["read_models"] == caught_answer["read_models"]
