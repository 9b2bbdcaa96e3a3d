"""The statistics page in Chromium, in Spanish (the new indicators, "x" for withheld cells), and the
early-warning page in French. A screenshot is left in the test's temporary folder for a person to look at."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.browser.conftest import LiveServer
from tests.browser.staff import sign_in
from tests.early_warning.test_early_warning import SAME_VENUE, report, sweep
from tests.factories import make_user
from tests.stats.fixture import build


def test_supervisor_reads_the_indicators_in_spanish(live_server: LiveServer, page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    app, base = live_server.public, live_server.url
    build(app)
    sign_in(page, app, base, *make_user(app, role="supervisor", regional=True), lang="es")
    page.goto(f"{base}/staff/stats/?from=2025-01-01&to=2026-01-01&lang=es")
    for title in (
        "ODS 16.2.2: víctimas de trata por cada 100.000 habitantes",
        "Personas reportadas por sexo, grupo de edad y forma de explotación",
        "Flujo: de dónde vienen las personas",
        "Formas de asistencia brindada",
        "Carga de trabajo de la línea",
    ):
        assert page.get_by_role("heading", name=title).count() == 1 or page.get_by_text(title).count() >= 1, title
    justice = page.locator("#table-justice").locator("xpath=ancestor::section")
    # The justice track's steps, counted from the prosecutor's flowchart (none in this world).
    for step in ("Investigaciones abiertas", "Sentencias"):
        assert justice.get_by_text(step, exact=True).count() == 1, step
    assert justice.get_by_text("corre junto a la asistencia").count() == 1
    assert page.get_by_text("x: oculto para que un conteo de 1 o 2").count() == 1
    page.screenshot(path=str(tmp_path / "statistics-es.png"), full_page=True)
    page.locator("#table-sdg_country").locator("xpath=ancestor::section").screenshot(
        path=str(tmp_path / "statistics-sdg-es.png")
    )
    print(f"screenshots in {tmp_path}")


def test_supervisor_sees_reports_linked_by_a_shared_venue_in_french(
    live_server: LiveServer, page, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    app, base = live_server.public, live_server.url
    start = datetime.now(UTC) - timedelta(days=5)
    refs = [report(app, words, start + timedelta(days=i)) for i, words in enumerate(SAME_VENUE)]
    sweep(app)
    sign_in(page, app, base, *make_user(app, role="supervisor", countries=("GT",)), lang="fr")
    page.goto(f"{base}/staff/early-warning/?lang=fr")
    row = page.locator("tr[id^=warning-]")
    assert row.count() == 1
    assert "lieu ou établissement" in row.inner_text() and all(ref in row.inner_text() for ref in refs)
    assert "estrella" not in page.content().lower()
    page.screenshot(path=str(tmp_path / "early-warning-fr.png"), full_page=True)
    page.click(f"text={refs[0]}")
    # The click navigates: read the ticket page once it has loaded, not the warnings page it leaves.
    page.wait_for_url(f"**/tickets/{refs[0]}*")
    page.get_by_text("Lié par des détails partagés").wait_for(state="attached")
    assert page.get_by_text("Lié par des détails partagés").count() == 1
    page.screenshot(path=str(tmp_path / "ticket-linked-fr.png"), full_page=True)
    print(f"screenshots in {tmp_path}")
