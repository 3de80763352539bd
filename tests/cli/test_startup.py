"""Start-up of the `timeline` command, in fresh processes: what it imports, its
one-screen help, Ctrl-C at any moment, and which logs reach stderr."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import typer.main

from timeline.cli import app
from timeline.cli._help import PANELS

REPO = Path(__file__).resolve().parents[2]
NOTHING_WRITTEN = "interrupted; nothing was written\n"

# What `import timeline.cli` must not load: each costs 50-300 ms, and the
# commands that need one import it themselves.
HEAVY = (
    "sqlalchemy",
    "alembic",
    "feedparser",
    "httpx",
    "fastapi",
    "uvicorn",
    "matplotlib",
    "jinja2",
    "pydantic_settings",
    "apscheduler",
    "structlog",
    "pydantic",  # building the event models alone takes 170 ms
)


def _python(code: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # type: ignore[call-overload, no-any-return]
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, **kwargs
    )


def test_importing_the_cli_loads_no_heavy_module() -> None:
    found = _python(
        f"import sys, timeline.cli; print(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    assert found.stdout.split() == []


def test_the_help_fits_one_screen_grouped_in_panels() -> None:
    shown = subprocess.run(
        [sys.executable, "-m", "timeline", "--help"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "COLUMNS": "100", "LINES": "40"},
    ).stdout
    lines = shown.splitlines()
    assert len(lines) <= 40, shown
    assert all(len(line.rstrip()) <= 100 for line in lines), shown
    titles = [line.split(" ─")[0] for line in lines if "────" in line]
    assert titles == ["Options", *PANELS]
    # every command is listed, once, under the panel that names it
    listed: dict[str, str] = {}
    panel = ""
    for line in lines:
        if "────" in line:
            panel = line.split(" ─")[0]
        elif line.startswith("  ") and panel != "Options":
            listed[line.split()[0]] = panel
    assert set(listed) == set(typer.main.get_group(app).commands)
    assert listed == {name: p for p, names in PANELS.items() for name in names}


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """A folder with the repository's projections and a config naming a new SQLite file."""
    shutil.copytree(REPO / "projections", tmp_path / "projections")
    (tmp_path / "config.toml").write_text('[database]\nurl = "sqlite:///timeline.db"\n')
    return tmp_path


def _timeline(workdir: Path, *args: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # type: ignore[call-overload, no-any-return]
        [sys.executable, "-m", "timeline", *args],
        check=False,
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=120,
        **kwargs,
    )


def _interrupted(command: list[str], workdir: Path, after: float | str) -> tuple[int, str]:
    """Start `command` and send it SIGINT `after` seconds later, or as soon as the
    module `after` has been imported (`-X importtime` reports each import on
    stderr as it ends): its exit code and stderr (the import lines left out)."""
    process = subprocess.Popen(
        [command[0], "-X", "importtime", *command[1:]],
        cwd=workdir,
        stdin=subprocess.PIPE,  # held open: `append -` waits on it
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    if isinstance(after, str):
        imported = re.compile(rf"\|\s+{re.escape(after)}$")
        for line in process.stderr:
            if imported.search(line.rstrip()):
                break
        else:
            pytest.fail(f"{after} was never imported")
    else:
        time.sleep(after)
    process.send_signal(signal.SIGINT)
    try:
        _out, rest = process.communicate(timeout=60)
    finally:
        process.kill()
    said = "".join(line for line in rest.splitlines(keepends=True) if "import time:" not in line)
    return process.returncode, said


CONSOLE_SCRIPT = "import sys; from timeline.cli import main; sys.exit(main())"

# Moments of a start-up: right after these modules are imported (the handler
# itself, the first thing the entry point imports; Typer; the first command
# module), and once the command runs.
MOMENTS: tuple[float | str, ...] = ("timeline.interrupt", "typer", "timeline.cli.log", 1.5)


@pytest.mark.parametrize("entry", ["python -m timeline", "console script"])
def test_ctrl_c_at_any_moment_is_one_line_and_exit_130(workdir: Path, entry: str) -> None:
    assert _timeline(workdir, "init").returncode == 0
    launcher = ["-m", "timeline"] if entry == "python -m timeline" else ["-c", CONSOLE_SCRIPT]
    command = [sys.executable, *launcher, "append", "-"]
    for after in MOMENTS:  # `append -` then waits on its stdin
        assert _interrupted(command, workdir, after) == (130, NOTHING_WRITTEN), after
    shown = _timeline(workdir, "log", "--format", "json")
    assert json.loads(shown.stdout) == []


def _big_folder(folder: Path, files: int, per_file: int) -> None:
    folder.mkdir()
    for f in range(files):
        entries = "".join(
            textwrap.dedent(f"""
            [[event]]
            id = "office-{f}-{n}"
            kind = "office.opened"
            subject = "org/company-{f}-{n}/office"
            jurisdictions = ["JP"]
            effective = "2025-11"
            payload = {{ organisation = "Company {f}-{n}", city = "Tokyo" }}
            [[event.sources]]
            publisher = "Example"
            title = "Offices"
            """)
            for n in range(per_file)
        )
        (folder / f"offices-{f}.toml").write_text(entries)


def test_ctrl_c_during_an_import_writes_nothing(workdir: Path) -> None:
    assert _timeline(workdir, "init").returncode == 0
    _big_folder(workdir / "big", files=40, per_file=200)
    started = time.monotonic()
    whole = _timeline(workdir, "import", "big")
    took = time.monotonic() - started
    assert whole.returncode == 0, whole.stderr
    assert _timeline(workdir, "init").returncode == 0
    fresh = workdir / "fresh"
    fresh.mkdir()
    shutil.copytree(workdir / "projections", fresh / "projections")
    shutil.copy(workdir / "config.toml", fresh)
    assert _timeline(fresh, "init").returncode == 0
    # Half-way through the import that took `took` seconds as a whole.
    command = [sys.executable, "-m", "timeline", "import", str(workdir / "big")]
    assert _interrupted(command, fresh, took / 2) == (130, NOTHING_WRITTEN)
    assert json.loads(_timeline(fresh, "log", "--format", "json").stdout) == []


def test_ordinary_commands_log_nothing_that_stdout_says(workdir: Path) -> None:
    for args in (("init",), ("import", str(REPO / "events")), ("log",)):
        done = _timeline(workdir, *args)
        assert done.returncode == 0, done.stderr
        assert done.stderr == "", args


def test_log_json_turns_machine_logs_on(workdir: Path) -> None:
    assert _timeline(workdir, "init").returncode == 0
    done = _timeline(workdir, "--log-json", "import", str(REPO / "events"))
    assert done.returncode == 0
    events = [json.loads(line) for line in done.stderr.splitlines()]
    imported = [e for e in events if e["event"] == "events.imported"]
    assert len(imported) == 1
    assert imported[0]["level"] == "info"
    assert "27 new" in done.stdout


def test_logging_settings_turn_logs_on_for_any_command(workdir: Path) -> None:
    config = workdir / "config.toml"
    config.write_text(config.read_text() + '[logging]\nlevel = "info"\nformat = "json"\n')
    done = _timeline(workdir, "init")
    assert [json.loads(line)["event"] for line in done.stderr.splitlines()] == [
        "database.initialised"
    ]


def test_the_schema_head_read_from_the_scripts_is_alembics() -> None:
    from importlib import resources

    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from timeline.store.sql.revisions import head_revision

    config = Config()
    config.set_main_option("script_location", str(resources.files("timeline") / "migrations"))
    assert head_revision() == ScriptDirectory.from_config(config).get_current_head()


def test_a_query_imports_no_alembic(workdir: Path) -> None:
    assert _timeline(workdir, "init").returncode == 0
    code = (
        "import sys, runpy; sys.argv = ['timeline', 'log']\n"
        "try:\n    runpy.run_module('timeline', run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        "print('alembic' in sys.modules, file=sys.stderr)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=workdir, capture_output=True, text=True, check=True
    )
    assert done.stderr.splitlines()[-1] == "False"
