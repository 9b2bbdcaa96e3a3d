"""Settings: development makes its secrets once and reuses them; production refuses to start without them."""

from __future__ import annotations

from pathlib import Path

import pytest

from hotline.settings import PRODUCTION_REQUIRED, ConfigurationError, Settings, generate_secrets


def test_development_generates_secrets_once_and_reuses_them(tmp_path: Path) -> None:
    first = Settings.from_env({"HOTLINE_INSTANCE": str(tmp_path)})
    second = Settings.from_env({"HOTLINE_INSTANCE": str(tmp_path)})
    assert first.public_secret_key == second.public_secret_key
    assert first.public_secret_key != first.staff_secret_key
    assert (tmp_path / "secrets.json").stat().st_mode & 0o077 == 0
    assert first.database_url == f"sqlite:///{tmp_path / 'hotline.sqlite3'}"
    assert first.redis_url is None


def test_production_refuses_to_start_without_secrets_database_and_redis(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError) as refused:
        Settings.from_env({"HOTLINE_ENV": "production", "HOTLINE_INSTANCE": str(tmp_path)})
    for name in PRODUCTION_REQUIRED:
        assert name in str(refused.value)
    assert not (tmp_path / "secrets.json").exists()


def test_production_starts_with_everything_given(tmp_path: Path) -> None:
    env = {name: value for name, value in generate_secrets().items()}
    env |= {
        "HOTLINE_ENV": "production",
        "DATABASE_URL": "postgresql://db/hotline",
        "REDIS_URL": "redis://cache:6379/0",
        "PUBLIC_BASE_URL": "https://hotline.example.org/",
    }
    settings = Settings.from_env(env)
    assert settings.is_production and settings.behind_proxy and settings.outbound_mode == "live"
    assert settings.public_base_url == "https://hotline.example.org"
