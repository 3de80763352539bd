"""The `[alerts]` and `[[follows]]` settings: defaults, and bad values as one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from timeline.errors import ConfigError, UnknownFollowError
from timeline.settings import Settings, load_settings


def test_defaults() -> None:
    alerts = Settings().alerts
    assert (alerts.poll_seconds, alerts.batch_minutes, alerts.remind_days) == (30, 15, [30, 7])
    assert Settings().follows == []


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("[alerts]\nremind_days = [7, 0]\n", "alerts.remind_days: reminder days"),
        (
            "[alerts]\nsending_timeout = 10\n",
            "alerts.sending_timeout (10) must be at least 2 x the longer",
        ),
        (
            '[[follows]]\nname = "a"\n[[follows]]\nname = "a"\n',
            "follows: follow name(s) listed twice: a",
        ),
        (
            '[[follows]]\nname = "a"\nkinds = ["nothing.*"]\n',
            "follows.0.kinds: kind 'nothing.*' matches no kind",
        ),
        ('[[follows]]\nname = "a"\nsecret_env = "lower"\n', "follows.0.secret_env: String"),
    ],
)
def test_bad_settings_are_one_line(tmp_path: Path, text: str, error: str) -> None:
    config = tmp_path / "config.toml"
    config.write_text(text)
    with pytest.raises(ConfigError) as raised:
        load_settings(config)
    assert error in str(raised.value)
    assert "\n" not in str(raised.value)


def test_remind_days_are_kept_nearest_last() -> None:
    assert Settings(alerts={"remind_days": [7, 30, 7, 1]}).alerts.remind_days == [30, 7, 1]


def test_an_unknown_follow_names_the_known_ones() -> None:
    settings = Settings(follows=[{"name": "jp"}, {"name": "eu"}])
    with pytest.raises(
        UnknownFollowError, match=r"no follow named 'x' in the config \(known: jp, eu\)"
    ):
        settings.follow("x")
