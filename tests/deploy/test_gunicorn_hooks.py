"""gunicorn.conf.py's master, once it has warmed the app, takes what start-up built out of the garbage
collector's full collections before forking: left in view, the routing snapshot's objects are walked
again by every full collection, a pause that lands on a request (bench/pages.py measures it)."""

from __future__ import annotations

import gc
import runpy
from pathlib import Path
from types import SimpleNamespace

from flask import Flask

CONFIG = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"


class Marker:
    """An object made before the master is ready, as the app and its snapshot are."""


def test_the_master_freezes_what_start_up_built_before_it_forks(app: Flask) -> None:
    hooks = runpy.run_path(str(CONFIG))
    marker = Marker()
    gc.collect()
    assert any(found is marker for found in gc.get_objects(generation=2))
    # The arbiter as gunicorn hands it to the hook: only its app's `wsgi()` is read.
    server = SimpleNamespace(app=SimpleNamespace(wsgi=lambda: app))
    try:
        hooks["when_ready"](server)
        assert gc.get_freeze_count() > 0
        assert not any(found is marker for found in gc.get_objects(generation=2))
        made_after = Marker()
        gc.collect()
        assert any(found is made_after for found in gc.get_objects(generation=2))
    finally:
        gc.unfreeze()


def test_an_rq_worker_builds_the_snapshot_and_freezes_it_before_its_first_job(app: Flask, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # The routing sweeps run in the worker; its snapshot lives as long as the worker does.
    from rq import SimpleWorker

    import directory.snapshot

    built = []
    real = directory.snapshot.current_snapshot
    monkeypatch.setattr(directory.snapshot, "current_snapshot", lambda session: built.append(1) or real(session))
    seen: dict[str, object] = {}
    marker = Marker()

    def work(self, burst: bool = False, with_scheduler: bool = False) -> bool:  # type: ignore[no-untyped-def]
        seen["built"] = len(built)
        seen["marker frozen"] = not any(found is marker for found in gc.get_objects(generation=2))
        return True

    monkeypatch.setattr(SimpleWorker, "work", work)
    try:
        result = app.test_cli_runner().invoke(args=["worker", "--burst"])
        assert result.exit_code == 0, result.output
        assert seen == {"built": 1, "marker frozen": True}
    finally:
        gc.unfreeze()
