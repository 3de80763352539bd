"""Ctrl-C as one line: what was written, exit code 130, never a traceback.

Importing this module installs it (the `timeline` entry points import it
first, before anything heavy, and no other module imports it): during
start-up nothing has been done, so the process just says so and exits; once
a command runs, the signal raises `Interrupted`, which Click does not catch
(it is no `KeyboardInterrupt`) and which unwinds every open transaction
(rolled back) up to `reporting_interrupts`.  Standard library only.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Iterator
from types import FrameType

EXIT_CODE = 130  # 128 + SIGINT, as shells report a process stopped by Ctrl-C
NOTHING_WRITTEN = "interrupted; nothing was written"

_said = [NOTHING_WRITTEN]  # the line for this moment: commands that commit in steps change it


class Interrupted(BaseException):
    """Ctrl-C arrived while a command ran.  A BaseException, not an Exception, so
    that no `except Exception` swallows it, and not a KeyboardInterrupt, which
    Click would turn into a silent exit."""


def _main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


def _exit_at_once(_signum: int, _frame: FrameType | None) -> None:
    # Still importing: nothing opened, nothing written; no unwinding needed.
    os.write(2, f"{_said[-1]}\n".encode())
    os._exit(EXIT_CODE)


def _raise_interrupted(_signum: int, _frame: FrameType | None) -> None:
    raise Interrupted


def exit_quietly_during_start_up() -> None:
    """Ctrl-C from now until a command runs: one line, exit 130.  Left alone when
    someone else (a test runner, an embedding program) handles SIGINT already."""
    if _main_thread() and signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, _exit_at_once)


@contextlib.contextmanager
def reporting_interrupts() -> Iterator[None]:
    """Run a command: Ctrl-C unwinds it, then prints its one line and exits 130."""
    previous = signal.getsignal(signal.SIGINT) if _main_thread() else None
    if previous is not None:
        signal.signal(signal.SIGINT, _raise_interrupted)
    try:
        yield
    except (Interrupted, KeyboardInterrupt):
        sys.stdout.flush()
        print(_said[-1], file=sys.stderr, flush=True)
        raise SystemExit(EXIT_CODE) from None
    finally:
        if previous is not None:
            restored = signal.default_int_handler if previous is _exit_at_once else previous
            signal.signal(signal.SIGINT, restored)


@contextlib.contextmanager
def on_interrupt_say(line: str) -> Iterator[None]:
    """While inside, Ctrl-C reports `line` (what a command that commits in steps
    has kept) instead of 'nothing was written'."""
    _said.append(line)
    try:
        yield
    finally:
        _said.pop()


# On import, so that no moment passes between the import and the handler.
exit_quietly_during_start_up()
