"""The hotline core: app factory, settings, tickets, referrals and jobs."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask

    from hotline.settings import Settings


def create_app(settings: Settings | None = None, surface: str = "public") -> Flask:
    """Build the public or staff app; see `hotline.app.create_app`."""
    from hotline.app import create_app as build

    return build(settings, surface)
