"""Snapshots for the routing tests: the real directory when it exists, else the hand-made one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from routing.snapshot import Place, Snapshot, snapshot_from_document
from tests.routing.factories import make_directory

REPO = Path(__file__).resolve().parents[2]
REAL_DIRECTORY = REPO / "directory" / "data" / "region.json"


def gazetteer_for(countries: list[str]) -> dict[str, tuple[Place, ...]]:
    from directory.gazetteer import build_gazetteer

    return build_gazetteer(countries)


@pytest.fixture(scope="session")
def small_snapshot() -> Snapshot:
    document = make_directory()
    return snapshot_from_document(document, gazetteer_for([c["code"] for c in document["countries"]]), "test-small")


@pytest.fixture(scope="session")
def directory_snapshot() -> Snapshot:
    """The snapshot the scenario table runs against: the real directory once it is there."""
    if REAL_DIRECTORY.exists():
        document = json.loads(REAL_DIRECTORY.read_text(encoding="utf-8"))
        version = "real"
    else:
        document = make_directory()
        version = "test-small"
    return snapshot_from_document(document, gazetteer_for([c["code"] for c in document["countries"]]), version)
