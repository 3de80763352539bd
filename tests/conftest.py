"""Shared fixtures: every store test runs once per backend.

PostgreSQL tests read TIMELINE_TEST_POSTGRES_URL (default: the local server).
Where no server answers they skip with the reason, unless
TIMELINE_REQUIRE_POSTGRES=1 (set by .ci/run), where they fail instead.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from timeline.store import EventStore, open_store

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
BACKENDS = ["sqlite", "postgresql"]

# Property tests: in CI (CI=true, set by .ci/run and by most CI services) the
# examples are derived from each test itself, so a run is reproducible and a
# failure is the same failure on a re-run; elsewhere hypothesis searches at
# random, and keeps what it finds in its example database for the next run.
# (Recent hypothesis versions load a "ci" profile of their own when a CI
# variable is set at all: both are spelled out here, so that the rule is ours.)
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
hypothesis_settings.register_profile("dev", derandomize=False)
hypothesis_settings.load_profile("ci" if os.environ.get("CI") == "true" else "dev")


# The settings-validation stamps (settings_file.validation_stamp) of this run's
# processes go to a cache of its own, not the user's ~/.cache.
os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="timeline-test-cache-")


def postgres_admin_url() -> str:
    return os.environ.get("TIMELINE_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)


def _require_postgres() -> None:
    url = postgres_admin_url()
    try:
        engine = create_engine(url, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # any failure to connect means "no server here"
        reason = f"PostgreSQL not reachable at {url}: {str(exc).splitlines()[0]}"
        if os.environ.get("TIMELINE_REQUIRE_POSTGRES") == "1":
            pytest.fail(reason + " (TIMELINE_REQUIRE_POSTGRES=1)")
        pytest.skip(reason)


def _require_browser() -> str:
    """Debian's Chromium, for tests that render or drive a real page.

    Skips with the reason where it is missing, unless TIMELINE_REQUIRE_BROWSER=1
    (set by .ci/run, which installs it), where it fails instead.
    """
    path = os.environ.get("TIMELINE_TEST_CHROMIUM") or shutil.which("chromium")
    if path:
        return path
    reason = "Debian's chromium is not installed (apt-get install chromium chromium-driver)"
    if os.environ.get("TIMELINE_REQUIRE_BROWSER") == "1":
        pytest.fail(reason + " (TIMELINE_REQUIRE_BROWSER=1)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Path of a headless-capable Chromium binary."""
    return _require_browser()


@pytest.fixture
def make_database_url(tmp_path: Path) -> Iterator[object]:
    """Factory: a URL of a new, empty database on the given backend."""
    created: list[str] = []
    admin = postgres_admin_url()

    def make(backend: str) -> str:
        if backend == "sqlite":
            return f"sqlite:///{tmp_path / f'timeline-{uuid.uuid4().hex[:8]}.db'}"
        _require_postgres()
        name = f"timeline_test_{uuid.uuid4().hex[:12]}"
        engine = create_engine(admin, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
        created.append(name)
        return make_url(admin).set(database=name).render_as_string(hide_password=False)

    yield make
    if created:
        engine = create_engine(admin, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            for name in created:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def database_url(backend: str, make_database_url) -> str:  # type: ignore[no-untyped-def]
    return str(make_database_url(backend))


@pytest.fixture
def store(database_url: str) -> Iterator[EventStore]:
    opened = open_store(database_url)
    opened.initialise()
    yield opened
    opened.close()
