"""`flask create-user` and `flask directory agencies`: the production guide's way to make the first accounts.

The command goes through the same service as the users page, so it refuses what the page refuses
with one line (no traceback) and leaves the same "created" event in the account's history.
"""

from __future__ import annotations

from flask import Flask
from sqlalchemy import func, select

from hotline.accounts import StaffEvent, StaffUser
from tests.factories import make_agency

PASSWORD = "a long enough passphrase"


def create(app: Flask, *args: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    return app.test_cli_runner().invoke(args=["create-user", *args, "--password", password])


def accounts(app: Flask) -> int:
    with app.app_context(), app.extensions["database"].session() as session:
        return session.scalar(select(func.count()).select_from(StaffUser)) or 0


def test_an_agency_officer_is_created_with_its_history_and_enrols_later(app: Flask) -> None:
    agency_id = make_agency(app, country="GT")
    result = create(app, "--email", "Officer@Ministry.example", "--name", "An Officer", "--role", "agency",
                    "--agency", agency_id)
    assert result.exit_code == 0, result.output
    assert "created agency officer@ministry.example" in result.output
    with app.app_context(), app.extensions["database"].session() as session:
        user = session.scalar(select(StaffUser).where(StaffUser.email == "officer@ministry.example"))
        assert user is not None and user.agency_id == agency_id and user.totp_secret is None
        assert user.check_password(PASSWORD)
        events = session.scalars(select(StaffEvent).where(StaffEvent.user_id == user.id)).all()
        assert [(event.kind, event.actor, event.reason) for event in events] == [("created", "cli", "role agency")]


def test_refusals_are_one_line_and_create_nothing(app: Flask) -> None:
    assert create(app, "--email", "admin@ministry.example", "--name", "Admin", "--role", "admin").exit_code == 0
    before = accounts(app)
    refused = {
        "short password": create(app, "--email", "b@ministry.example", "--name", "B", "--role", "admin",
                                 password="short"),
        "same email": create(app, "--email", "ADMIN@ministry.example", "--name", "Again", "--role", "admin"),
        "unknown agency": create(app, "--email", "c@ministry.example", "--name", "C", "--role", "agency",
                                 "--agency", "gt-no-such-agency"),
        "agency missing": create(app, "--email", "d@ministry.example", "--name", "D", "--role", "agency"),
        "bad country": create(app, "--email", "e@ministry.example", "--name", "E", "--role", "operator",
                              "--country", "Guatemala"),
    }
    for why, result in refused.items():
        assert result.exit_code == 1, (why, result.output)
        assert "Traceback" not in result.output and result.output.startswith("Error: "), (why, result.output)
    assert "password: at least 12 characters" in refused["short password"].output
    assert "email: an account with this email exists" in refused["same email"].output
    assert "directory agencies" in refused["unknown agency"].output
    assert "agency_id" in refused["agency missing"].output
    assert "countries: two-letter country codes" in refused["bad country"].output
    assert accounts(app) == before


def test_directory_agencies_lists_the_ids_create_user_takes(app: Flask) -> None:
    runner = app.test_cli_runner()
    guatemalan, honduran = make_agency(app, country="GT"), make_agency(app, country="HN")
    listed = runner.invoke(args=["directory", "agencies", "--country", "gt"])
    assert listed.exit_code == 0, listed.output
    ids = [line.split("\t")[0] for line in listed.output.splitlines()]
    assert guatemalan in ids and honduran not in ids
    everyone = runner.invoke(args=["directory", "agencies"]).output
    assert guatemalan in everyone and honduran in everyone
