"""The statistics pages' charts: SVG drawn on the server from presented tables (no script, no tiles fetched).

Every chart takes cells as a reader sees them: numbers, "<3" (drawn as an outlined bar of 2), "x"
and "n/a" (no bar).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from markupsafe import Markup, escape

from hotline import stats
from hotline.i18n import country_name
from hotline.stats import NA, SUPPRESSED, Table

# A schematic map: each country a tile, placed roughly where it lies (column, row). No tiles fetched.
TILE_GRID = {
    "US": (1, 0),
    "MX": (0, 1),
    "GT": (1, 2),
    "BZ": (2, 2),
    "HT": (5, 2),
    "DO": (6, 2),
    "SV": (1, 3),
    "HN": (2, 3),
    "NI": (2, 4),
    "TT": (6, 4),
    "CR": (2, 5),
    "PA": (3, 5),
    "VE": (5, 5),
    "GY": (6, 5),
    "CO": (4, 6),
    "EC": (3, 7),
    "PE": (4, 8),
    "AR": (5, 9),
}


def _top(values: Sequence[Any]) -> float:
    """The longest bar's value; at least 3, so a "<3" bar never fills the chart on its own."""
    return max([float(stats.SMALL), *((_number(shown) or 0.0) for shown in values)])


def _number(shown: Any) -> float | None:
    """A presented cell as a bar length: "<3" draws as 2 (outlined), "n/a" draws nothing."""
    if shown == SUPPRESSED:
        return 2.0
    if isinstance(shown, int | float) and not isinstance(shown, bool):
        return float(shown)
    return None


def _svg(title: str, width: int, height: int, body: list[str]) -> Markup:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" font-family="system-ui, sans-serif" font-size="12">'
        f"<title>{escape(title)}</title>"
    )
    return Markup(head + "".join(body) + "</svg>")


def _bar(x: float, y: float, w: float, h: float, shown: Any, fill: str = "#0b5cad") -> str:
    if shown == SUPPRESSED:
        return (
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" fill="none" '
            f'stroke="{fill}" stroke-dasharray="3 2"/>'
        )
    return f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" fill="{fill}"/>'


def bar_chart(title: str, items: Sequence[tuple[str, Any]]) -> Markup:
    """Horizontal bars, one per row; values as presented (numbers, "<3" outlined, "n/a" no bar)."""
    label_w, bar_w, row_h = 190, 260, 22
    top = _top([shown for _label_text, shown in items])
    body = []
    for index, (text, shown) in enumerate(items):
        y = 6 + index * row_h
        body.append(f'<text x="{label_w - 6}" y="{y + 14}" text-anchor="end">{escape(_short(text, 30))}</text>')
        length = _number(shown)
        w = 0.0 if not length or not top else max(bar_w * length / top, 2.0)
        if w:
            body.append(_bar(label_w, y + 2, w, row_h - 6, shown))
        body.append(f'<text x="{label_w + w + 4:.1f}" y="{y + 14}">{escape(str(shown))}</text>')
    return _svg(title, label_w + bar_w + 50, 12 + max(len(items), 1) * row_h, body)


def column_chart(title: str, items: Sequence[tuple[str, Any]]) -> Markup:
    """Vertical bars over time, oldest first, with every few labels under them."""
    height, left, plot_h = 200, 36, 150
    step = max(8, min(40, 560 // max(len(items), 1)))
    top = _top([shown for _label_text, shown in items])
    body = [f'<line x1="{left}" y1="{plot_h + 10}" x2="{left + step * len(items)}" y2="{plot_h + 10}" stroke="#888"/>']
    body.append(f'<text x="{left - 4}" y="16" text-anchor="end">{escape(_format(top))}</text>')
    every = max(1, -(-64 // step))
    for index, (text, shown) in enumerate(items):
        length = _number(shown)
        h = 0.0 if not length or not top else max(plot_h * length / top, 2.0)
        x = left + index * step
        if h:
            body.append(_bar(x + 1, plot_h + 10 - h, step - 2, h, shown))
        if index % every == 0:
            body.append(f'<text x="{x + 1}" y="{plot_h + 26}" font-size="10">{escape(text)}</text>')
    return _svg(title, left + step * max(len(items), 1) + 60, height, body)


def funnel_chart(title: str, items: Sequence[tuple[str, Any]]) -> Markup:
    """Centred bars narrowing stage by stage."""
    width, row_h, centre = 560, 30, 340
    half = 160
    top = _top([shown for _label_text, shown in items])
    body = []
    for index, (text, shown) in enumerate(items):
        y = 4 + index * row_h
        length = _number(shown)
        w = 0.0 if not length or not top else max(2 * half * length / top, 2.0)
        body.append(f'<text x="{centre - half - 8}" y="{y + 18}" text-anchor="end">{escape(_short(text, 24))}</text>')
        if w:
            body.append(_bar(centre - w / 2, y + 2, w, row_h - 6, shown, fill="#3f7fbf"))
        body.append(f'<text x="{centre + max(w / 2, 1) + 6:.1f}" y="{y + 18}">{escape(str(shown))}</text>')
    return _svg(title, width, 8 + len(items) * row_h, body)


SHADES = ("#deebf7", "#9ecae1", "#4292c6", "#08519c")


def tile_map(title: str, values: dict[str, Any]) -> Markup:
    """The region as a tile-grid cartogram: one square per country, darker for more incidents."""
    size, gap = 54, 4
    top = _top(list(values.values()))
    body = []
    for code, (col, row) in TILE_GRID.items():
        shown = values.get(code, 0)
        length = _number(shown) or 0.0
        if shown == NA:
            fill = "#ffffff"
        elif not length:
            fill = "#f3f5f8"
        else:
            fill = SHADES[min(int(len(SHADES) * length / top), len(SHADES) - 1)] if top else SHADES[0]
        ink = "#fff" if fill in SHADES[2:] else "#1a1a1a"
        x, y = 4 + col * (size + gap), 4 + row * (size + gap)
        name = escape(country_name(code))
        body.append(
            f"<g><title>{name}: {escape(str(shown))}</title>"
            f'<rect x="{x}" y="{y}" width="{size}" height="{size}" rx="4" fill="{fill}" stroke="#8a96a3"/>'
            f'<text x="{x + size / 2}" y="{y + 22}" text-anchor="middle" font-weight="600" fill="{ink}">{code}</text>'
            f'<text x="{x + size / 2}" y="{y + 40}" text-anchor="middle" fill="{ink}">{escape(str(shown))}</text></g>'
        )
    return _svg(title, 8 + 7 * (size + gap), 8 + 10 * (size + gap), body)


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _format(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:.1f}"


def chart_for(table: Table) -> Markup | None:
    """The chart drawn beside a presented table, if the table has one."""
    rows = table.rows
    if table.key == "funnel":
        return funnel_chart(table.title, [(row[0], row[1]) for row in rows])
    if table.key == "volumes":
        return column_chart(table.title, [(row[0], row[1]) for row in rows])
    if table.key == "ack_times":
        return bar_chart(f"{table.title}: {table.columns[3]}", [(row[0], row[3]) for row in rows])
    if table.key == "incidents_country":
        return tile_map(table.title, dict(zip(table.meta["codes"], (row[1] for row in rows), strict=True)))
    if table.key == "sdg_country":
        return bar_chart(f"{table.title}", [(row[0], row[4]) for row in rows])
    if table.key in ("case_types", "identified_by_country", "assistance_forms", "flow"):
        return bar_chart(table.title, [(row[0], row[1]) for row in rows])
    if table.key in ("exploitation", "sex", "age_band", "nationality"):
        return bar_chart(f"{table.title}: {table.columns[1]}", [(row[0], row[1]) for row in rows])
    return None
