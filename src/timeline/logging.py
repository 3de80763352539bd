"""structlog set-up, done once by an entry point (never by the library), and the
loggers the library logs through.

`import structlog` costs about 150 ms (its console renderer loads Rich's
traceback support), more than a question command spends on its answer: the
loggers here import it on the first line logged, and `configure_logging`
takes effect then.  A command that logs nothing never imports it.
"""

from __future__ import annotations

import logging
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

    from timeline.settings import LoggingSettings

# The configuration an entry point asked for, applied on the first line logged.
_pending: list[Callable[[], None]] = []


class _StderrLogger:
    """Writes each line to the `sys.stderr` of that moment, not the one seen when
    logging was configured: whoever swapped it in (a test runner capturing a
    command's output, say) may have closed it since."""

    def msg(self, message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    log = debug = info = warning = error = critical = exception = msg


def _stderr_logger(*_args: object) -> _StderrLogger:
    return _StderrLogger()


class _Logger:
    """A structlog logger, made on first use (`log.info(...)` and the rest)."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, method: str) -> Any:
        import structlog

        while _pending:
            _pending.pop()()
        return getattr(structlog.get_logger(self._name), method)


def get_logger(name: str) -> Any:
    """The logger called `name`; structlog is imported when it first logs."""
    return _Logger(name)


def configure_logging(
    settings: LoggingSettings, *, service: bool = False, log_json: bool = False
) -> None:
    """Readable lines on a terminal, JSON lines elsewhere (always with `log_json`);
    always to stderr.  At level "auto", only warnings and errors,
    and info too for a `service` (the daemon, the web server) or with `log_json`:
    a one-shot command says what it did on stdout, and its log would repeat it.
    Takes effect on the first line logged through `get_logger`."""
    as_json = (
        log_json
        or settings.format == "json"
        or (settings.format == "auto" and not sys.stderr.isatty())
    )
    level = logging.getLevelNamesMapping()[
        (
            settings.level
            if settings.level != "auto"
            else ("info" if service or log_json else "warning")
        ).upper()
    ]

    def configure() -> None:
        import structlog

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
            wrapper_class=structlog.make_filtering_bound_logger(level),
            logger_factory=_stderr_logger,
            cache_logger_on_first_use=False,
        )

    _pending[:] = [configure]
