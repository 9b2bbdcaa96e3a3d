"""`flask --app wsgi routing preview FILE`: what the engine would decide for intakes, without storing them."""

from __future__ import annotations

import json
import sys
from typing import Any

import click
from flask.cli import with_appcontext

from hotline.referrals.service import preview_routing
from hotline.tickets.intake import IntakeError


@click.group("routing")
def routing_group() -> None:
    """The routing engine."""


@routing_group.command("preview")
@click.argument("source", type=click.File("r", encoding="utf-8"))
@with_appcontext
def preview_command(source: Any) -> None:
    """Print the routing decision for an Intake object or a list of them (FILE, or - for stdin)."""
    try:
        data = json.load(source)
    except json.JSONDecodeError as error:
        raise click.ClickException(f"not JSON: {error.msg} at line {error.lineno}") from None
    bodies = data if isinstance(data, list) else [data]
    try:
        decisions = preview_routing(bodies)
    except IntakeError as error:
        raise click.ClickException(f"{error.field}: {error.message}") from None
    json.dump(decisions, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
