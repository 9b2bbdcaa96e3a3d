"""`flask directory load | import | export` through the click runner, on the app's own database."""

from __future__ import annotations

import json
from pathlib import Path

from flask import Flask
from sqlalchemy import func, select

from directory.hsds import dumps, export_datapackage
from directory.models import Agency, AgencyPhone, AgencyService
from tests.directory.hsds_standard import EXAMPLE_PACKAGE


def counts(app: Flask) -> tuple[int, int, int]:
    with app.app_context(), app.extensions["database"].session() as session:
        return tuple(  # type: ignore[return-value]
            session.scalar(select(func.count()).select_from(model)) for model in (Agency, AgencyService, AgencyPhone)
        )


def test_load_twice_leaves_the_same_directory(app: Flask) -> None:
    runner = app.test_cli_runner()
    first = runner.invoke(args=["directory", "load"])
    assert first.exit_code == 0, first.output
    assert "loaded 100 organizations" in first.output
    with app.app_context(), app.extensions["database"].session() as session:
        after_first = dumps(export_datapackage(session))
    second = runner.invoke(args=["directory", "load"])
    assert second.exit_code == 0, second.output
    with app.app_context(), app.extensions["database"].session() as session:
        assert dumps(export_datapackage(session)) == after_first
    assert counts(app) == (100, 28, 23)


def test_export_to_stdout_then_import_from_a_file(app: Flask, tmp_path: Path) -> None:
    runner = app.test_cli_runner()
    exported = runner.invoke(args=["directory", "export", "-"])
    assert exported.exit_code == 0
    package = json.loads(exported.stdout)
    organizations = next(r["data"] for r in package["resources"] if r["name"] == "organization")
    assert len(organizations) == 100
    path = tmp_path / "directory.json"
    path.write_text(exported.stdout, encoding="utf-8")
    imported = runner.invoke(args=["directory", "import", str(path)])
    assert imported.exit_code == 0, imported.output
    assert "imported 100 organizations" in imported.output
    assert runner.invoke(args=["directory", "export", "-"]).stdout == exported.stdout


def test_import_of_a_bad_record_exits_non_zero_naming_it(app: Flask, tmp_path: Path) -> None:
    runner = app.test_cli_runner()
    package = json.loads(runner.invoke(args=["directory", "export", "-"]).stdout)
    organizations = next(r["data"] for r in package["resources"] if r["name"] == "organization")
    for organization in organizations:
        if organization["x_hotline"]["id"] == "mx-pf":
            organization["x_hotline"]["kind"] = "unknown_kind"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(package), encoding="utf-8")
    result = runner.invoke(args=["directory", "import", str(path)])
    assert result.exit_code != 0
    assert "mx-pf" in result.output and "kind" in result.output
    with app.app_context(), app.extensions["database"].session() as session:
        assert session.get(Agency, "mx-pf").kind == "police"  # type: ignore[union-attr]


def test_import_of_text_that_is_not_json_exits_non_zero(app: Flask, tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text("{not json", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["directory", "import", str(path)])
    assert result.exit_code != 0 and "not JSON" in result.output


def test_export_as_csv_then_import_the_folder(app: Flask, tmp_path: Path) -> None:
    runner = app.test_cli_runner()
    before = runner.invoke(args=["directory", "export", "-"]).stdout
    exported = runner.invoke(args=["directory", "export", "--csv", str(tmp_path / "package")])
    assert exported.exit_code == 0, exported.output
    assert (tmp_path / "package" / "datapackage.json").exists() and (tmp_path / "package" / "services.csv").exists()
    imported = runner.invoke(args=["directory", "import", str(tmp_path / "package")])
    assert imported.exit_code == 0, imported.output
    assert "imported 100 organizations" in imported.output and "left out" not in imported.output
    assert runner.invoke(args=["directory", "export", "-"]).stdout == before


def test_import_of_a_partner_package_lists_what_it_left_out(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["directory", "import", "--language", "en", str(EXAMPLE_PACKAGE)])
    assert result.exit_code == 0, result.output
    assert "imported 1 organizations" in result.output
    assert "left out: taxonomy: the directory has no place for this table (1)" in result.output
    assert "left out: organization: fields with no place in the directory: legal_status" in result.output
