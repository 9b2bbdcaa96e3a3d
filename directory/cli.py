"""`flask --app wsgi directory ...`: the directory in and out of the database, and its verification."""

from __future__ import annotations

import csv
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from directory.base import utcnow
from directory.editing import UnknownRecord
from directory.hsds import dumps, export_datapackage, read_package, write_csv_package
from directory.hsds_import import import_datapackage
from directory.load import REGION_FILE, DirectoryError, load_document, read_json
from directory.models import Agency
from directory.verification import STALE, apply_verification_sheet, records_to_verify, verification_sheet

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


@directory_group.command("agencies")
@click.option("--country", default=None, help="only this ISO country's agencies (GT, HN, ...)")
@with_appcontext
def agencies_command(country: str | None) -> None:
    """List the agencies' ids (what `create-user --agency` takes), with country, kind and name."""
    query = select(Agency).order_by(Agency.country, Agency.id)
    if country:
        query = query.where(Agency.country == country.strip().upper())
    with current_app.extensions["database"].session() as session:
        rows = [(agency.id, agency.country or "--", agency.kind, agency.name) for agency in session.scalars(query)]
    if not rows:
        raise click.ClickException("no agencies: run `flask --app wsgi directory load` first")
    for row in rows:
        click.echo("\t".join(row))


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


@directory_group.command("stale")
@with_appcontext
def stale_command() -> None:
    """List the records nobody has verified, and those verified more than a year ago, country by country."""
    now = utcnow()
    with current_app.extensions["database"].session() as session:
        groups = records_to_verify(session, now)
        total = 0
        for country, entries in groups:
            click.echo(f"{country or 'regional'} ({len(entries)})")
            for entry in entries:
                agency = entry.agency
                when = ""
                if entry.status == STALE and agency.last_verified_at is not None:
                    when = f" since {agency.last_verified_at.date().isoformat()} by {agency.last_verified_by}"
                click.echo(f"  {agency.id:<34} {entry.status}{when}  {agency.name}")
            total += len(entries)
    click.echo(f"{total} records to verify" if total else "every record was verified within the last year")


@directory_group.command("sheet")
@click.argument("target", type=click.Path(dir_okay=False, writable=True, allow_dash=True, path_type=Path))
@with_appcontext
def sheet_command(target: Path) -> None:
    """Write the verification sheet (CSV) for partners to check offline (TARGET file, or - for standard output)."""
    with current_app.extensions["database"].session() as session:
        text = verification_sheet(session, utcnow())
    if str(target) == "-":
        click.echo(text, nl=False)
    else:
        target.write_text(text, encoding="utf-8", newline="")
        click.echo(f"verification sheet written to {target}", err=True)


@directory_group.command("apply-sheet")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--by", "actor", default=CLI_ACTOR, show_default=True, help="Who checked the sheet (recorded).")
@with_appcontext
def apply_sheet_command(source: Path, actor: str) -> None:
    """Apply a filled-in verification sheet: only changed fields, each recorded; rows marked verified are verified."""
    if not actor.strip() or len(actor) > 80:
        raise click.BadParameter("say who checked the sheet in at most 80 characters", param_hint="--by")
    try:
        with current_app.extensions["database"].session() as session:
            report = apply_verification_sheet(session, source.read_text(encoding="utf-8-sig"), actor)
            edits = len(report.changes) - len(report.verified)
    except (DirectoryError, UnknownRecord, csv.Error, UnicodeDecodeError) as error:
        raise click.ClickException(f"nothing applied: {error}") from None
    click.echo(f"{edits} records changed, {len(report.verified)} verified")


def _progress(label: str) -> Callable[[Iterable[Any]], Iterator[Any]]:
    def wrap(items: Iterable[Any]) -> Iterator[Any]:
        # The bar goes to stderr, so `export -` and pipes keep a clean stdout.
        items = list(items)
        with click.progressbar(items, label=label, file=sys.stderr) as bar:
            yield from bar

    return wrap
