"""How every command prints its answer: one `-f/--format table|json|csv`, one
`--output FILE`, one way to write each format.

- **table**: Rich tables; piped (not a terminal), each row stays on one line so
  that grep and less keep it whole; a long answer prints as a run of tables (the
  header on the first), never laid out whole in memory.
- **json**: exact values; a list streams item by item (`write_json_array`), an
  answer (a state, a diff) is one indented document.
- **csv**: one row per item, exact values in their own columns beside the human
  ones; lists of codes and ids as space-separated words, nested values as JSON.

`--output FILE` writes to a temporary file in FILE's folder and renames it onto
FILE when the command completes, so a failure leaves no partial file (and an
existing FILE untouched).  Rich is imported when a table is printed.
"""

from __future__ import annotations

import contextlib
import csv
import itertools
import json
import os
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TextIO, cast

import typer

from timeline.errors import TimelineError

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


FormatOption = Annotated[
    Format, typer.Option("--format", "-f", help="table (default), json or csv.")
]
OutputOption = Annotated[
    Path | None,
    typer.Option(
        "--output",
        help="Write to this file instead of stdout: complete, or not at all.",
        dir_okay=False,
    ),
]

# Rows per table printed: a table is laid out whole, so a long answer is printed
# as a run of tables (the header on the first), not one table of every row.
TABLE_ROWS = 500


@dataclass(frozen=True, slots=True)
class Column:
    """A column of a table: its header and how a row's cell reads."""

    header: str
    cell: Callable[[Any], str]
    # Piped, cut at 70 characters with an ellipsis (a row stays one line).
    cut: bool = False


@contextlib.contextmanager
def output(path: Path | None) -> Iterator[TextIO]:
    """stdout, or a file written whole: a temporary file beside `path`, renamed onto
    it when the block completes and removed if the block raises."""
    if path is None:
        yield sys.stdout
        return
    folder = path.parent
    try:
        handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - renamed or removed below
            "w",
            encoding="utf-8",
            newline="",
            dir=folder,
            prefix=f".{path.name}.",
            suffix=".partial",
            delete=False,
        )
    except OSError as exc:
        raise TimelineError(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        with handle:
            yield cast("TextIO", handle)
        os.replace(handle.name, path)
    except OSError as exc:
        Path(handle.name).unlink(missing_ok=True)
        raise TimelineError(f"cannot write {path}: {exc.strerror or exc}") from None
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise


# Piped, a table is as wide as its rows (each on one line, a `cut` column at 70
# characters): the console's width only bounds it.
_PIPED_WIDTH = 1000


def console(out: TextIO) -> Console:
    """A Rich console on `out`: the terminal's width there, else wide enough for any row."""
    from rich.console import Console

    return Console(file=out, width=None if out.isatty() else _PIPED_WIDTH)


def write_json(value: Any, out: TextIO) -> None:
    """One answer (a state, a diff) as an indented JSON document."""
    out.write(json.dumps(value, indent=2, ensure_ascii=False, default=str) + "\n")


def write_json_array(items: Iterable[Mapping[str, Any]], out: TextIO | None = None) -> None:
    """Stream a JSON array item by item, so a long log never sits in memory."""
    out = out or sys.stdout
    out.write("[")
    separator = "\n  "
    for item in items:
        out.write(separator + json.dumps(item, ensure_ascii=False, default=str))
        separator = ",\n  "
    out.write("]\n" if separator == "\n  " else "\n]\n")


def csv_cell(value: Any) -> Any:
    """A value as one CSV cell: lists of words as words, nested values as JSON."""
    if isinstance(value, list | tuple):
        if all(isinstance(v, str) for v in value):
            return " ".join(value)
        return json.dumps(value, ensure_ascii=False, default=str)
    if isinstance(value, Mapping):
        return json.dumps(value, ensure_ascii=False, default=str)
    return "" if value is None else value


def write_csv(
    rows: Iterable[Mapping[str, Any]],
    out: TextIO | None = None,
    columns: Sequence[str] | None = None,
) -> None:
    """Rows as CSV with a header: `columns`, or the first row's keys (streamed), or,
    when given a list, every key any row has."""
    stream = iter(rows)
    if columns is None:
        if isinstance(rows, list):
            columns = list(dict.fromkeys(key for row in rows for key in row))
        else:
            first = next(stream, None)
            if first is None:
                return
            columns = list(first)
            stream = itertools.chain([first], stream)
    writer = csv.DictWriter(out or sys.stdout, columns, extrasaction="ignore")
    writer.writeheader()
    for row in stream:
        writer.writerow({key: csv_cell(row.get(key)) for key in columns})


def table(columns: Sequence[Column], out: TextIO, *, title: str | None = None) -> Table:
    """An empty table of `columns`; piped, every row keeps to one line."""
    from rich.table import Table

    piped = not out.isatty()
    made = Table(box=None, title=title, title_justify="left")
    for column in columns:
        made.add_column(
            column.header,
            no_wrap=piped,
            overflow="ellipsis" if column.cut else "fold",
            max_width=70 if piped and column.cut else None,
        )
    return made


def print_table(
    rows: Iterable[Any],
    columns: Sequence[Column],
    out: TextIO,
    *,
    empty: str | None = None,
) -> None:
    """`rows` as tables of `TABLE_ROWS` rows at most (the header on the first);
    without rows, `empty` if given, else the header alone."""
    shown = console(out)
    printed = False
    stream = iter(rows)
    while chunk := list(itertools.islice(stream, TABLE_ROWS)):
        made = table(columns, out)
        made.show_header = not printed
        for row in chunk:
            made.add_row(*(column.cell(row) for column in columns))
        shown.print(made)
        printed = True
    if not printed:
        if empty is None:
            shown.print(table(columns, out))  # the header alone
        else:
            out.write(empty + "\n")


def render_rows(
    items: Iterable[Any],
    fmt: Format,
    out: TextIO,
    *,
    columns: Sequence[Column],
    as_json: Callable[[Any], Mapping[str, Any]],
    as_csv: Callable[[Any], Mapping[str, Any]] | None = None,
    csv_columns: Sequence[str] | None = None,
    empty: str | None = None,
) -> None:
    """Items of a list as the format asks: a table of `columns`, a streamed JSON
    array of `as_json`, or CSV of `as_csv` (default: `as_json`, flattened)."""
    if fmt is Format.json:
        write_json_array((as_json(item) for item in items), out)
    elif fmt is Format.csv:
        write_csv(((as_csv or as_json)(item) for item in items), out, csv_columns)
    else:
        print_table(items, columns, out, empty=empty)
