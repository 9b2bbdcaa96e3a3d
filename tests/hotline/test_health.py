"""Health probes: /healthz says the process answers; /readyz says whether it can work, and what is missing."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from hotline.app import create_app
from hotline.migrations import upgrade
from hotline.settings import Settings


@pytest.mark.parametrize("surface", ["public", "staff"])
def test_both_surfaces_answer_liveness_and_readiness(settings: Settings, surface: str) -> None:
    client = create_app(settings, surface=surface).test_client()
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.get_json() == {
        "status": "ready",
        "checks": {"database": "ok", "migrations": "ok", "redis": "ok"},
    }


def test_not_ready_without_redis_and_says_so(settings: Settings, tmp_path: Path) -> None:
    app = create_app(settings.with_changes(redis_url=f"unix://{tmp_path}/no-redis.sock"), surface="public")
    ready = app.test_client().get("/readyz")
    assert ready.status_code == 503
    checks = ready.get_json()["checks"]
    assert checks["redis"].startswith("failed: ") and checks["database"] == "ok"
    # Alive all the same: a probe that restarts the process would not bring Redis back.
    assert app.test_client().get("/healthz").status_code == 200


def test_not_ready_on_a_database_behind_the_code(settings: Settings, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    upgrade(url, "0006")
    app = create_app(settings.with_changes(database_url=url), surface="staff")
    ready = app.test_client().get("/readyz")
    assert ready.status_code == 503
    assert ready.get_json()["checks"]["migrations"].startswith("behind")
    upgrade(url)
    assert app.test_client().get("/readyz").status_code == 200


def test_not_ready_without_a_database_and_the_answer_holds_no_address(settings: Settings, tmp_path: Path) -> None:
    url = f"postgresql://hotline:s3cret-pass@/hotline?host={tmp_path}/nowhere"
    app: Flask = create_app(settings.with_changes(database_url=url), surface="public")
    ready = app.test_client().get("/readyz")
    assert ready.status_code == 503
    body = ready.get_data(as_text=True)
    assert ready.get_json()["checks"]["database"].startswith("failed: ")
    assert ready.get_json()["checks"]["migrations"] == "not checked"
    assert "s3cret" not in body and "nowhere" not in body
