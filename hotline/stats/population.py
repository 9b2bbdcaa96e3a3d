"""Population per country and year, the denominator of the SDG 16.2.2 rate.

Vendored from the World Bank's SP.POP.TOTL (total population, midyear) as data with its provenance
in `data/population.json` (written by scripts/vendor_population.py); nothing is fetched at run time.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

DATA_FILE = Path(__file__).resolve().parent / "data" / "population.json"


@lru_cache(maxsize=1)
def document() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    return loaded


def source() -> str:
    """The citation printed under every rate."""
    data = document()
    return f"{data['publisher']}, {data['indicator']} ({data['title']}); {data['via']}; {data['licence']}"


def population(country: str, year: int) -> tuple[int, int] | None:
    """(population, the year it is for): that year's figure, else the latest before it, else None."""
    figures: dict[str, int] = document()["figures"].get(country, {})
    years = sorted(int(y) for y in figures if int(y) <= year)
    if not years:
        return None
    return figures[str(years[-1])], years[-1]
