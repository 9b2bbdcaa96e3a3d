"""Alembic environment: the app's own engine set-up and every model's metadata."""

from __future__ import annotations

from alembic import context

import hotline.models  # noqa: F401  (registers every table)
from hotline.db import Base, make_engine

config = context.config


def run_migrations() -> None:
    engine = make_engine(config.attributes["database_url"])
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations()
