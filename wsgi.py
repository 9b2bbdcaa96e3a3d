"""WSGI entry points: `public_app`, `staff_app`, and `app` (both under one host, staff under /staff).

Built on first use, so `gunicorn wsgi:public_app` builds only the public surface.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from flask import Flask

from hotline import create_app
from hotline.app import mount_staff


@cache
def _build(name: str) -> Flask:
    if name == "public_app":
        return create_app(surface="public")
    if name == "staff_app":
        return create_app(surface="staff")
    return mount_staff(create_app(surface="public"), _build("staff_app"))


def __getattr__(name: str) -> Any:
    if name in ("public_app", "staff_app", "app"):
        return _build(name)
    raise AttributeError(name)
