"""The statistics page's block on calls to a person: per line, language and hour of the day."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from hotline.conversations.prompts import LANGUAGES
from hotline.stats import Filters, Table
from hotline.stats.calls import NO_LINE, call_figures

LANGUAGE_NAMES = {"es": "Español", "en": "English", "fr": "Français", "pt": "Português", "ht": "Kreyòl ayisyen"}


def call_tables(session: Session, filters: Filters) -> list[Table]:
    columns = (
        _("Calls offered to a person"),
        _("Answered"),
        _("Abandoned while waiting"),
        _("Median seconds to answer"),
        _("Median talk time, seconds"),
    )
    note = _(
        "A call is offered when the caller asked for, or was handed to, a person; abandoned when they hung "
        "up while waiting. Seconds to answer run from joining the line to being put through."
    )
    titles = {
        "line": (_("Calls per line"), _("Line")),
        "language": (_("Calls per language"), _("Language")),
        "hour": (_("Calls per hour of the day (UTC)"), _("Hour")),
    }
    tables = []
    for grouping, (title, label) in titles.items():
        rows = tuple(
            (
                _label(grouping, row.group),
                row.offered,
                row.answered,
                row.abandoned,
                row.seconds_to_answer,
                row.talk_seconds,
            )
            for row in call_figures(session, filters, grouping)
        )
        tables.append(Table(f"calls_{grouping}", title, (label, *columns), rows, note, meta={"additive": "rows"}))
    return tables


def _label(grouping: str, value: str) -> str:
    if grouping == "line" and value == NO_LINE:
        return _("Not known")
    if grouping == "language" and value in LANGUAGES:
        return LANGUAGE_NAMES.get(value, value)
    return value
