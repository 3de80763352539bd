"""Digest and SMTP settings: a mistake in config.toml is one line naming the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from timeline.errors import ConfigError
from timeline.settings import load_settings


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        (
            '[digest]\ntimezone = "Europe/Brusels"\n',
            "digest.timezone: unknown time zone 'Europe/Brusels'",
        ),
        (
            '[digest]\nschedule = "0 8 * *"\n',
            "digest.schedule: cron expression '0 8 * *': Wrong number of fields",
        ),
        (
            '[[digest.lists]]\nname = "a"\n[[digest.lists]]\nname = "a"\n',
            "digest.lists: digest list name(s) used twice: a",
        ),
        (
            '[[digest.lists]]\nname = "a"\nrecipients = ["not an address"]\n',
            "digest.lists.0.recipients: 'not an address' is not an email address",
        ),
        (
            '[[digest.lists]]\nname = "a"\nkinds = ["instrument.inforce"]\n',
            "digest.lists.0.kinds: unknown kind 'instrument.inforce'",
        ),
        (
            "[digest]\nsending_timeout = 60\n[smtp]\ntimeout = 30.0\n",
            "digest.sending_timeout (60) must be at least 4 x smtp.timeout (30)",
        ),
        (
            '[smtp]\nsecurity = "ssl"\n',
            "smtp.security: Input should be 'starttls', 'tls' or 'none'",
        ),
    ],
)
def test_a_bad_setting_names_its_key(tmp_path: Path, toml: str, message: str) -> None:
    config = tmp_path / "config.toml"
    config.write_text(toml)
    with pytest.raises(ConfigError) as raised:
        load_settings(config)
    assert message in str(raised.value)
    assert "\n" not in str(raised.value)


def test_the_defaults_send_monday_at_eight_in_brussels(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("")
    settings = load_settings(config)
    assert (settings.digest.schedule, settings.digest.timezone) == (
        "0 8 * * mon",
        "Europe/Brussels",
    )
    assert [item.name for item in settings.digest.lists] == ["weekly"]
    assert (settings.smtp.security, settings.smtp.port) == ("starttls", 587)
