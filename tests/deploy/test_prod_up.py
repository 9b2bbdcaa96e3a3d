"""The pieces of `make prod-up`: its settings, its PostgreSQL and its Redis (the whole run is bench/load.py's)."""

from __future__ import annotations

import importlib.util
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from urllib.parse import urlsplit

import pytest
import redis
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from hotline.settings import PRODUCTION_REQUIRED, Settings
from tests.conftest import require
from tests.pg import MissingPostgres, PostgresCluster

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def prod_up() -> ModuleType:
    spec = importlib.util.spec_from_file_location("prod_up", REPO / "scripts" / "prod_up.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def root() -> Iterator[Path]:
    # Short, and reachable by the postgres user when the tests run as root.
    folder = Path(tempfile.mkdtemp(prefix="hlup-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_settings_are_production_ones_made_once_and_kept_secret(prod_up: ModuleType, root: Path) -> None:
    first = prod_up.settings_for(root, 8000, 5433, 6380, live=False)
    assert (root / "production.env").stat().st_mode & 0o077 == 0
    assert prod_up.settings_for(root, 9999, 1, 2, live=True) == first
    settings = Settings.from_env(first)
    assert settings.is_production and settings.outbound_mode == "record"
    assert set(PRODUCTION_REQUIRED) <= set(first)
    assert settings.metrics_token and settings.metrics_dir == str(root / "metrics")
    assert urlsplit(settings.database_url).port == 5433 and urlsplit(str(settings.redis_url)).port == 6380


def test_redis_keeps_an_append_only_file_and_wants_its_password(prod_up: ModuleType, root: Path) -> None:
    port = prod_up.free_port()
    server = prod_up.RedisServer(root / "redis", port, "courier-password")
    server.start()
    try:
        with pytest.raises(redis.AuthenticationError):
            redis.Redis(host="127.0.0.1", port=port).ping()
        client = redis.Redis(host="127.0.0.1", port=port, password="courier-password")
        assert client.config_get("appendonly") == {"appendonly": "yes"}
        assert client.config_get("bind")["bind"] == "127.0.0.1"
    finally:
        server.stop()
    assert any((root / "redis").glob("appendonly*"))


def test_postgres_takes_the_app_by_password_over_tcp_and_keeps_data_across_restarts(
    prod_up: ModuleType, root: Path
) -> None:
    try:
        PostgresCluster(root)
    except MissingPostgres as missing:
        require(False, str(missing))
    port = prod_up.free_port()
    cluster = prod_up.Postgres(root / "postgres", port)
    cluster.init("database-password")
    url = f"postgresql+psycopg://hotline:database-password@127.0.0.1:{port}/hotline"
    try:
        engine = create_engine(url)
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE kept (n int)"))
            connection.execute(text("INSERT INTO kept VALUES (7)"))
        engine.dispose()
        wrong = create_engine(url.replace("database-password", "guess"))
        with pytest.raises(OperationalError):
            wrong.connect()
        wrong.dispose()
        cluster.stop()
        cluster.start()
        engine = create_engine(url)
        with engine.connect() as connection:
            assert connection.execute(text("SELECT n FROM kept")).scalar() == 7
        engine.dispose()
    finally:
        cluster.stop()
