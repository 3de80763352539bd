"""A Timeline with a controllable clock and follows, a real SMTP server and a real
webhook receiver, on both backends."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
import structlog

from tests.alerts.receiver import Receiver, new_secret
from tests.digest.conftest import Clock
from tests.digest.smtp import SmtpServer
from tests.projections.conftest import PROJECTIONS
from timeline import bootstrap
from timeline.alerts.deliver import Alerts
from timeline.app import Timeline
from timeline.settings import Settings
from timeline.store import open_store

START = dt.datetime(2026, 6, 1, 9, tzinfo=dt.UTC)
SECRET_VARIABLE = "TIMELINE_TEST_WEBHOOK_SECRET"


@pytest.fixture(autouse=True)
def _fresh_structlog() -> Iterator[None]:
    structlog.reset_defaults()
    yield
    structlog.reset_defaults()


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


@pytest.fixture
def secret(monkeypatch: pytest.MonkeyPatch) -> str:
    value = new_secret()
    monkeypatch.setenv(SECRET_VARIABLE, value)
    return value


@pytest.fixture
def receiver(secret: str) -> Iterator[Receiver]:
    with Receiver(secret) as running:
        yield running


def follow(name: str = "jp", **fields: Any) -> dict[str, Any]:
    return {"name": name, "secret_env": SECRET_VARIABLE} | fields


def settings_for(smtp_port: int, follows: Sequence[dict[str, Any]], **alerts: Any) -> Settings:
    return Settings(
        smtp={
            "host": "127.0.0.1",
            "port": smtp_port,
            "security": "none",
            "timeout": 5,
            "sender": "alerts@timeline.example",
        },
        alerts={"sending_timeout": 30, "webhook_timeout": 5, "jitter": 0} | alerts,
        follows=list(follows),
    )


class Harness:
    """One timeline, its alerts and its clock."""

    def __init__(self, tl: Timeline, clock: Clock) -> None:
        self.tl = tl
        self.clock = clock
        self.alerts: Alerts = bootstrap.alerts(tl)

    def at(self, moment: dt.datetime) -> Harness:
        self.clock.now = moment
        return self

    def later(self, **delta: float) -> Harness:
        self.clock.now += dt.timedelta(**delta)
        return self

    def types(self, follow: str | None = None) -> list[str]:
        return [a.type for a in self.tl.store.alert_ledger.alerts(follow)]


@pytest.fixture
def make_harness(database_url: str, smtp: SmtpServer) -> Iterator[Callable[..., Harness]]:
    opened: list[Timeline] = []

    def make(
        follows: Sequence[dict[str, Any]] = (),
        *,
        projections: Path = PROJECTIONS,
        **alerts: Any,
    ) -> Harness:
        store = open_store(database_url)
        store.initialise()
        clock = Clock(START)
        store.clock = clock
        tl = Timeline(store, settings_for(smtp.port, follows, **alerts), projections=projections)
        opened.append(tl)
        return Harness(tl, clock)

    yield make
    for tl in opened:
        tl.close()
