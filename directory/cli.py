"""`flask --app wsgi directory load | import PACKAGE | export TARGET`: the directory in and out of the database."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext

from directory.hsds import dumps, export_datapackage, read_package, write_csv_package
from directory.hsds_import import import_datapackage
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
@click.argument("source", type=click.Path(exists=True, path_type=Path))
@click.option("--language", default="es", show_default=True, help="Language of a partner's names (ISO 639-1).")
@with_appcontext
def import_command(source: Path, language: str) -> None:
    """Import an HSDS 3 data package: a JSON file with rows inline, or a datapackage.json (or its folder) with CSVs.

    Checked whole before anything is written; what the directory has no place for is listed, not imported.
    """
    try:
        package = read_package(source)
        with current_app.extensions["database"].session() as session:
            report = import_datapackage(
                session, package, actor=CLI_ACTOR, progress=_progress("organizations"), language=language
            )
    except DirectoryError as error:
        raise click.ClickException(f"nothing imported: {error}") from None
    click.echo(f"imported {report.organizations} organizations")
    for line in report.left_out:
        click.echo(f"left out: {line}")


@directory_group.command("export")
@click.argument("target", type=click.Path(dir_okay=True, writable=True, allow_dash=True, path_type=Path))
@click.option("--csv", "as_csv", is_flag=True, help="Write TARGET as a folder: datapackage.json and one CSV per table.")
@with_appcontext
def export_command(target: Path, as_csv: bool) -> None:
    """Export the directory as an HSDS 3.1 data package (TARGET file, - for standard output, or a folder with --csv)."""
    with current_app.extensions["database"].session() as session:
        package = export_datapackage(session)
    if as_csv:
        written = write_csv_package(package, target)
        click.echo(f"exported {len(written)} files to {target}", err=True)
    elif str(target) == "-":
        click.echo(dumps(package), nl=False)
    else:
        target.write_text(dumps(package), encoding="utf-8")
        click.echo(f"exported to {target}", err=True)


def _progress(label: str) -> Callable[[Iterable[Any]], Iterator[Any]]:
    def wrap(items: Iterable[Any]) -> Iterator[Any]:
        # The bar goes to stderr, so `export -` and pipes keep a clean stdout.
        items = list(items)
        with click.progressbar(items, label=label, file=sys.stderr) as bar:
            yield from bar

    return wrap
