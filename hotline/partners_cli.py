"""`flask --app wsgi partners create | list | revoke`: partners' API keys from the command line."""

from __future__ import annotations

from datetime import datetime

import click
from flask import current_app
from flask.cli import with_appcontext

from hotline.partners import REPORTS_CREATE, SCOPES, PartnerKeyError, all_keys, create_key, revoke_key

CLI_ACTOR = "cli"


@click.group("partners")
def partners_group() -> None:
    """Partners' API keys: make one (shown once), list them, revoke one."""


@partners_group.command("create")
@click.argument("partner")
@click.option(
    "--scope", "scopes", multiple=True, type=click.Choice(SCOPES), default=(REPORTS_CREATE,), show_default=True
)
@click.option("--why", default="", help="kept in the key's history")
@with_appcontext
def create(partner: str, scopes: tuple[str, ...], why: str) -> None:
    """Make a key for PARTNER. The key alone goes to standard output (for scripts); it is never shown again."""
    with current_app.extensions["database"].session() as session:
        try:
            issued = create_key(session, partner, scopes, CLI_ACTOR, why)
        except PartnerKeyError as error:
            raise click.ClickException(f"{error.field}: {error.message}") from None
    click.echo(issued.presented)
    click.echo(
        f"created key {issued.key.public_id} for {issued.key.partner} ({', '.join(issued.key.scopes)}); "
        "give it to the partner over a safe channel: it is not stored and cannot be shown again",
        err=True,
    )


@partners_group.command("list")
@with_appcontext
def list_keys() -> None:
    """Every key: public id, partner, scopes, created, last used, revoked. Never a secret."""
    with current_app.extensions["database"].session() as session:
        keys = all_keys(session)
        for key in keys:
            used = _minute(key.last_used_at) if key.last_used_at else "never"
            state = f"revoked {_minute(key.revoked_at)} by {key.revoked_by}" if key.revoked_at else "active"
            click.echo(
                f"{key.public_id}  {key.partner}  [{', '.join(key.scopes)}]  "
                f"created {_minute(key.created_at)} by {key.created_by}  last used {used}  {state}"
            )
    if not keys:
        click.echo("no partner keys yet")


def _minute(moment: datetime) -> str:
    return moment.isoformat(timespec="minutes")


@partners_group.command("revoke")
@click.argument("public_id")
@click.option("--why", required=True, help="kept in the key's history")
@with_appcontext
def revoke(public_id: str, why: str) -> None:
    """Revoke the key PUBLIC_ID at once; the partner's next request gets 401."""
    with current_app.extensions["database"].session() as session:
        try:
            key = revoke_key(session, public_id, CLI_ACTOR, why)
        except LookupError:
            raise click.ClickException(f"no key {public_id}") from None
        except PartnerKeyError as error:
            raise click.ClickException(f"{error.field}: {error.message}") from None
        click.echo(f"revoked key {key.public_id} of {key.partner}")
