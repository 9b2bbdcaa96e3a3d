"""`flask --app wsgi directory load | import FILE | export FILE`: the directory in and out of the database."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any

import click
from flask import current_app
from flask.cli import with_appcontext

from directory.hsds import dumps, export_datapackage, import_datapackage
from directory.load import REGION_FILE, DirectoryError, load_document, read_json

CLI_ACTOR = "cli"


@click.group("directory")
def directory_group() -> None:
    """Load, import and export the directory of key actors."""


@directory_group.command("load")
@with_appcontext
def load() -> None:
    """Load the bundled real directory (directory/data/region.json); running it again changes nothing."""
    document = read_json(REGION_FILE)
    try:
        with current_app.extensions["database"].session() as session:
            count = load_document(session, document, actor=CLI_ACTOR, progress=_progress("organizations"))
    except DirectoryError as error:
        raise click.ClickException(f"{REGION_FILE.name}: {error}") from None
    click.echo(f"loaded {count} organizations from {REGION_FILE.name}")


@directory_group.command("import")
@click.argument("source", type=click.File("r", encoding="utf-8"))
@with_appcontext
def import_command(source: IO[str]) -> None:
    """Import an HSDS datapackage (FILE, or - for standard input); checked whole before anything is written."""
    try:
        data = json.load(source)
    except json.JSONDecodeError as error:
        raise click.ClickException(f"{source.name} is not JSON: line {error.lineno}: {error.msg}") from None
    try:
        with current_app.extensions["database"].session() as session:
            count = import_datapackage(session, data, actor=CLI_ACTOR, progress=_progress("organizations"))
    except DirectoryError as error:
        raise click.ClickException(f"nothing imported: {error}") from None
    click.echo(f"imported {count} organizations")


@directory_group.command("export")
@click.argument("target", type=click.File("w", encoding="utf-8", lazy=True))
@with_appcontext
def export_command(target: IO[str]) -> None:
    """Export the directory as an HSDS datapackage (FILE, or - for standard output)."""
    with current_app.extensions["database"].session() as session:
        text = dumps(export_datapackage(session))
    target.write(text)
    if target.name not in ("-", "<stdout>"):
        click.echo(f"exported to {target.name}", err=True)


def _progress(label: str) -> Callable[[Iterable[Any]], Iterator[Any]]:
    def wrap(items: Iterable[Any]) -> Iterator[Any]:
        # The bar goes to stderr, so `export -` and pipes keep a clean stdout.
        items = list(items)
        with click.progressbar(items, label=label, file=sys.stderr) as bar:
            yield from bar

    return wrap
