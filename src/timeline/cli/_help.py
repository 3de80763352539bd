"""`timeline --help` on one screen: the commands in their panels, one line each.

Typer draws each `rich_help_panel` as a box (two lines of border) and wraps
long help; with two dozen commands in five panels that is 47 lines.  The root
group draws its own page instead, from the same data (each command's
`rich_help_panel` and the first sentence of its help): a titled rule per
panel, one line per command cut to the width.  A command's own `--help` is
Typer's.
"""

from __future__ import annotations

import typer
import typer.core
from typer import _click as click

# The root page's panels in order, and the commands each lists (every command
# in one: tests/cli/test_startup.py keeps this whole).
PANELS = {
    "The log": ("init", "import", "append", "log", "show", "correct", "retract", "verify"),
    "Questions": ("state", "compare", "diff", "history", "upcoming", "rebuild"),
    "Feeds & review": ("feeds", "candidates", "poll", "extract"),
    "Digest & alerts": ("digest", "follow", "calendar"),
    "Serve, daemon & backups": ("serve", "daemon", "export", "restore", "copy"),
}


def file_in_panels(app: typer.Typer) -> None:
    """Set each registered command's `rich_help_panel` from `PANELS`."""
    panel_of = {name: panel for panel, names in PANELS.items() for name in names}
    for command in app.registered_commands:
        name = command.name or (command.callback.__name__ if command.callback else "")
        command.rich_help_panel = panel_of.get(name)
    for group in app.registered_groups:
        group.rich_help_panel = panel_of.get(group.name or "")


class GroupedHelp(typer.core.TyperGroup):
    """The root `timeline` group: its help page is `print_grouped_help`'s."""

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        print_grouped_help(self, ctx)


def print_grouped_help(group: typer.core.TyperGroup, ctx: click.Context) -> None:
    from rich.console import Console
    from rich.rule import Rule
    from rich.table import Table
    from rich.text import Text

    console = Console(highlight=False)
    usage = " ".join(group.collect_usage_pieces(ctx))
    console.print(
        Text.assemble(" ", ("Usage: ", "yellow"), (ctx.command_path, "bold"), f" {usage}")
    )
    console.print(Text(f" {group.help or ''}"), no_wrap=True, overflow="ellipsis")
    records = [param.get_help_record(ctx) for param in group.get_params(ctx)]
    sections = {"Options": [record for record in records if record is not None]}
    sections |= {panel: [] for panel in PANELS}
    commands = [(name, group.get_command(ctx, name)) for name in group.list_commands(ctx)]
    width = 2 + max(len(name) for name, _ in commands)
    order = {name: i for i, name in enumerate(n for names in PANELS.values() for n in names)}
    for name, command in sorted(commands, key=lambda item: order.get(item[0], len(order))):
        if command is None or command.hidden:
            continue
        panel = getattr(command, "rich_help_panel", None) or "Other commands"
        sections.setdefault(panel, [])
        sections[panel].append((name, command.get_short_help_str(console.width - width - 4)))
    for title, rows in sections.items():
        console.print(Rule(Text(title, "bold"), align="left", style="dim"))
        table = Table(box=None, show_header=False, padding=(0, 1), pad_edge=False)
        table.add_column(style="bold cyan", no_wrap=True, min_width=width)
        table.add_column(no_wrap=True, overflow="ellipsis")
        for name, text in rows:
            table.add_row(Text(f"  {name}"), Text(text))
        console.print(table)
