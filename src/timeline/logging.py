"""structlog set-up, done once by an entry point (never by the library)."""

from __future__ import annotations

import logging
import sys
from typing import TYPE_CHECKING

import structlog

if TYPE_CHECKING:
    from timeline.settings import LoggingSettings


class _StderrLogger:
    """Writes each line to the `sys.stderr` of that moment, not the one seen when
    logging was configured: whoever swapped it in (a test runner capturing a
    command's output, say) may have closed it since."""

    def msg(self, message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    log = debug = info = warning = error = critical = exception = msg


def _stderr_logger(*_args: object) -> _StderrLogger:
    return _StderrLogger()


def configure_logging(
    settings: LoggingSettings, *, service: bool = False, log_json: bool = False
) -> None:
    """Readable lines on a terminal, JSON lines elsewhere (always with `log_json`);
    always to stderr.  Unless `settings` name a level, only warnings and errors,
    and info too for a `service` (the daemon, the web server) or with `log_json`:
    a one-shot command says what it did on stdout, and its log would repeat it."""
    as_json = (
        log_json
        or settings.format == "json"
        or (settings.format == "auto" and not sys.stderr.isatty())
    )
    level = settings.level or ("info" if service or log_json else "warning")
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer() if as_json else structlog.dev.ConsoleRenderer()
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.getLevelNamesMapping()[level.upper()]
        ),
        logger_factory=_stderr_logger,
        cache_logger_on_first_use=False,
    )
