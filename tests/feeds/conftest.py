"""Feed tests log through structlog; a CLI test earlier in the session may have
configured it to print to a CliRunner stream that is closed by now."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import structlog


@pytest.fixture(autouse=True)
def _fresh_structlog() -> Iterator[None]:
    structlog.reset_defaults()
    yield
    structlog.reset_defaults()
