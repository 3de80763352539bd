"""`timeline follow add|list|remove|test`: follows and their alerts; thin over the API.

Registered on the `timeline` app when `timeline.cli` imports this module.
"""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from timeline.cli._common import app, command, open_timeline, settings_of
from timeline.cli.render import Column, Format, FormatOption, render_rows
from timeline.errors import ConfigError, NotInitialisedError

follow_app = typer.Typer(
    help="Follows: alerts by email and webhook when followed facts change.",
    no_args_is_help=True,
)
app.add_typer(follow_app, name="follow")


@command("add", follow_app)
def follow_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Short stable name: lower-case, digits, . _ -")],
    jurisdiction: Annotated[
        list[str] | None,
        typer.Option(help="Facts concerning this code or group (repeatable; default: all)."),
    ] = None,
    with_subdivisions: Annotated[
        bool, typer.Option("--with-subdivisions", help="Also the jurisdictions' subdivisions.")
    ] = False,
    kind: Annotated[
        list[str] | None,
        typer.Option(help="Kind or shell-style pattern, e.g. 'instrument.*' (repeatable)."),
    ] = None,
    subject: Annotated[
        list[str] | None, typer.Option(help="Subject or pattern, e.g. 'eu/*' (repeatable).")
    ] = None,
    to: Annotated[
        list[str] | None, typer.Option(help="Email the alerts, batched, to this address.")
    ] = None,
    webhook: Annotated[
        str | None, typer.Option(help="POST each alert, signed, to this http(s) URL.")
    ] = None,
    secret_env: Annotated[
        str | None,
        typer.Option(
            help="Variable holding the webhook's whsec_ secret [TIMELINE_WEBHOOK_SECRET]."
        ),
    ] = None,
    disabled: Annotated[bool, typer.Option("--disabled", help="Listed but silent.")] = False,
) -> None:
    """Add a follow to config.toml (comments and layout are kept); its alerts begin now."""
    from pydantic import ValidationError

    from timeline.alerts.config import add_follow
    from timeline.settings import FollowSettings

    if not to and not webhook:
        raise ConfigError("a follow needs an address (--to) or a webhook (--webhook)")
    values = {
        "name": name,
        "jurisdictions": jurisdiction or [],
        "with_subdivisions": with_subdivisions,
        "kinds": kind or [],
        "subjects": subject or [],
        "to": to or [],
        "webhook": webhook,
        "enabled": not disabled,
    }
    try:
        follow = FollowSettings.model_validate(
            values | ({"secret_env": secret_env} if secret_env else {})
        )
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ConfigError(f"{where}: {first['msg'].removeprefix('Value error, ')}") from None
    path = ctx.ensure_object(dict)["config_path"]
    add_follow(path, follow)
    typer.echo(f"added follow {name} to {path}")
    try:
        with open_timeline(ctx) as tl:
            position = tl.start_follow(name)
    except NotInitialisedError:
        typer.echo("its alerts begin once the database is initialised and the daemon runs")
        return
    typer.echo(f"its alerts begin after log position {position}")


@command("list", follow_app)
def follow_list(ctx: typer.Context, format_: FormatOption = Format.table) -> None:
    """Each follow and its alerts: last alert, deliveries waiting and failing, next retry."""
    with open_timeline(ctx, read_only=True) as tl:
        rows = [status.as_dict() for status in tl.follow_status()]
    render_rows(
        rows,
        format_,
        sys.stdout,
        columns=_FOLLOW_COLUMNS,
        as_json=dict,
        csv_columns=_FOLLOW_CSV,
    )


def _follow_name(row: dict[str, Any]) -> str:
    return (
        str(row["follow"])
        + ("" if row["configured"] else " (not in config)")
        + ("" if row["enabled"] or not row["configured"] else " (disabled)")
    )


def _selects(row: dict[str, Any]) -> str:
    words = [
        *row["jurisdictions"],
        *(["+subdivisions"] if row["with_subdivisions"] else []),
        *row["kinds"],
        *row["subjects"],
    ]
    return " ".join(words) or "everything"


_FOLLOW_CSV = (
    "follow",
    "configured",
    "enabled",
    "jurisdictions",
    "with_subdivisions",
    "kinds",
    "subjects",
    "to",
    "webhook",
    "alerts",
    "last_alert_at",
    "last_sent_at",
    "waiting",
    "failing",
    "refused",
    "next_retry_at",
    "last_error",
)
_FOLLOW_COLUMNS = (
    Column("follow", _follow_name),
    Column("selects", _selects),
    Column("to", lambda row: " ".join([*row["to"], *([row["webhook"]] if row["webhook"] else [])])),
    Column("alerts", lambda row: str(row["alerts"])),
    Column("last alert", lambda row: row["last_alert_at"] or ""),
    Column("waiting", lambda row: str(row["waiting"])),
    Column(
        "failing",
        lambda row: (
            str(row["failing"]) + (f" ({row['refused']} refused)" if row["refused"] else "")
        ),
    ),
    Column("next retry", lambda row: row["next_retry_at"] or ""),
    Column("problem", lambda row: row["last_error"] or ""),
)


@command("remove", follow_app)
def follow_remove(
    ctx: typer.Context, name: Annotated[str, typer.Argument(help="The follow's name.")]
) -> None:
    """Remove a follow from config.toml; its alerts stay in the ledger, unsent ones unsent."""
    from timeline.alerts.config import remove_follow

    path = ctx.ensure_object(dict)["config_path"]
    remove_follow(path, name)
    typer.echo(f"removed follow {name} from {path}")


@command("test", follow_app)
def follow_test(
    ctx: typer.Context, name: Annotated[str, typer.Argument(help="The follow's name.")]
) -> None:
    """Send a test alert to each of the follow's addresses and its webhook, now."""
    from timeline import bootstrap

    settings_of(ctx).follow(name)  # an unknown name fails before the database is opened
    with open_timeline(ctx) as tl:
        outcomes = bootstrap.alerts(tl).test(name)
    for o in outcomes:
        typer.echo(f"{o.channel} {o.endpoint}: {o.outcome} ({o.detail})")
    if any(o.outcome != "sent" for o in outcomes):
        raise typer.Exit(1)
