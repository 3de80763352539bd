"""`python -m timeline` is the `timeline` command."""

# First: from this import on, Ctrl-C during start-up is one line, exit 130.
import timeline.interrupt  # noqa: F401
from timeline.cli import main

main()
