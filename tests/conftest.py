"""Test fixtures: a real embedded Redis, real SQLite and real PostgreSQL, apps of both surfaces.

Every test that takes `app` runs twice, once per database. A database is migrated once per session
into a template and copied for each test, so tests are isolated and fast.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from directory.load import (
    DEMO_CONTACTS_FILE,
    LINES_FILE,
    REGION_FILE,
    apply_demo_contacts,
    load_document,
    load_lines,
    read_json,
)
from hotline import create_app
from hotline.db import Database
from hotline.embedded_redis import EmbeddedRedis
from hotline.jobs.queue import redis_connection
from hotline.migrations import upgrade
from hotline.settings import Settings, generate_secrets
from tests.pg import MissingPostgres, PostgresCluster

IN_CI = os.environ.get("CI") == "true"


def require(condition: bool, reason: str) -> None:
    """Skip locally when a system part is missing; in CI, fail: nothing is skipped silently."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"CI needs this and it is missing: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedRedis]:
    server = EmbeddedRedis(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresCluster]:
    # A short path: the socket name must fit in 108 bytes.
    root = Path(tempfile.mkdtemp(prefix="hlpg-"))
    root.chmod(0o755)
    try:
        cluster = PostgresCluster(root)
    except MissingPostgres as missing:
        require(False, str(missing))
        raise
    cluster.start()
    yield cluster
    cluster.stop()
    shutil.rmtree(root, ignore_errors=True)


def prepare(url: str) -> None:
    """Migrate to head and load the real directory with its fictional demo contacts."""
    upgrade(url)
    database = Database(url)
    with database.session() as session:
        load_document(session, read_json(REGION_FILE), actor="test-setup")
        session.flush()
        apply_demo_contacts(session, read_json(DEMO_CONTACTS_FILE))
        load_lines(session, read_json(LINES_FILE))
    database.engine.dispose()


class Templates:
    """Databases migrated to head once, copied for each test."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.sqlite_template: Path | None = None
        self.pg_ready = False

    def sqlite(self) -> str:
        if self.sqlite_template is None:
            self.sqlite_template = self.root / "template.sqlite3"
            prepare(f"sqlite:///{self.sqlite_template}")
        copy = self.root / f"{uuid.uuid4().hex}.sqlite3"
        shutil.copy(self.sqlite_template, copy)
        return f"sqlite:///{copy}"

    def postgresql(self, cluster: PostgresCluster) -> str:
        admin = create_engine(
            cluster.url("postgres").replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT"
        )
        with admin.connect() as connection:
            if not self.pg_ready:
                connection.execute(text("CREATE DATABASE hotline_template"))
                prepare(cluster.url("hotline_template"))
                self.pg_ready = True
            name = f"t_{uuid.uuid4().hex[:16]}"
            connection.execute(text(f"CREATE DATABASE {name} TEMPLATE hotline_template"))
        admin.dispose()
        return cluster.url(name)


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Templates:
    return Templates(tmp_path_factory.mktemp("databases"))


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, templates: Templates) -> str:
    if request.param == "sqlite":
        return templates.sqlite()
    return templates.postgresql(request.getfixturevalue("postgres"))


@pytest.fixture
def settings(tmp_path: Path, database_url: str, redis_server: EmbeddedRedis) -> Settings:
    secrets = generate_secrets()
    return Settings(
        env="test",
        instance_path=tmp_path / "instance",
        database_url=database_url,
        redis_url=redis_server.url,
        public_secret_key=secrets["PUBLIC_SECRET_KEY"],
        staff_secret_key=secrets["STAFF_SECRET_KEY"],
        phone_hash_key=secrets["PHONE_HASH_KEY"].encode(),
        phone_encryption_key=secrets["PHONE_ENCRYPTION_KEY"].encode(),
        link_signing_key=secrets["LINK_SIGNING_KEY"],
        twilio_auth_token=secrets["TWILIO_AUTH_TOKEN"],
        public_base_url="http://hotline.test",
        # Tests send many requests from one address; tests/channels/test_rate_limits.py sets it back to 1.
        rate_limit_scale=1000,
        # Agency notices go at once; tests/hotline/test_floods.py holds them as production does.
        notice_hold_seconds=0,
    )


@pytest.fixture
def app(settings: Settings) -> Iterator[Flask]:
    public = create_app(settings, surface="public")
    with public.app_context():
        redis_connection().flushdb()
    yield public
    public.extensions["database"].engine.dispose()


@pytest.fixture
def staff_app(settings: Settings) -> Iterator[Flask]:
    staff = create_app(settings, surface="staff")
    yield staff
    staff.extensions["database"].engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def staff_client(staff_app: Flask) -> FlaskClient:
    return staff_app.test_client()
