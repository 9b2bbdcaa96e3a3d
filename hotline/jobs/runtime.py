"""The app a job runs in: the worker's own, set when it starts, else built from the environment."""

from __future__ import annotations

from flask import Flask

_app: Flask | None = None


def set_job_app(app: Flask) -> None:
    global _app
    _app = app


def job_app() -> Flask:
    global _app
    if _app is None:
        from hotline.app import create_app

        _app = create_app(surface="staff")
    return _app
