"""Alembic migrations for every table; run with `flask --app wsgi init-db`."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

if TYPE_CHECKING:
    from hotline.settings import Settings

HERE = Path(__file__).resolve().parent


def alembic_config(database_url: str, settings: Settings | None = None) -> Config:
    """The migrations' configuration; a migration that seals stored words opens the key store of
    `settings` (else of the environment's settings)."""
    config = Config()
    config.set_main_option("script_location", str(HERE))
    config.set_main_option("path_separator", "os")
    config.attributes["database_url"] = database_url
    config.attributes["settings"] = settings
    return config


def upgrade(database_url: str, revision: str = "heads", settings: Settings | None = None) -> None:
    command.upgrade(alembic_config(database_url, settings), revision)


@cache
def head_revisions() -> frozenset[str]:
    """The revisions this code's migrations end at."""
    config = Config()
    config.set_main_option("script_location", str(HERE))
    config.set_main_option("path_separator", "os")
    return frozenset(ScriptDirectory.from_config(config).get_heads())


def at_head(connection: Connection) -> bool:
    """True when the database has every migration this code expects, and none it does not know."""
    return frozenset(MigrationContext.configure(connection).get_current_heads()) == head_revisions()
