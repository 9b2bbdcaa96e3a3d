"""Write hotline/stats/data/population.json from the World Bank's SP.POP.TOTL series as a CSV file.

The CSV is the `data/population.csv` of the datasets/population data package (Country Name, Country
Code, Year, Value; ODC-PDDL-1.0). Run: python scripts/vendor_population.py population.csv COMMIT
Keeps the directory's countries (directory/data/region.json) and the years from 2015.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import pycountry

from directory.load import REGION_FILE, read_json

FIRST_YEAR = 2015
TARGET = Path(__file__).resolve().parent.parent / "hotline" / "stats" / "data" / "population.json"


def main() -> None:
    source, commit = Path(sys.argv[1]), sys.argv[2]
    codes = sorted(country["code"] for country in read_json(REGION_FILE)["countries"])
    alpha3 = {pycountry.countries.get(alpha_2=code).alpha_3: code for code in codes}
    figures: dict[str, dict[str, int]] = {code: {} for code in codes}
    with source.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            code = alpha3.get(row["Country Code"])
            if code is not None and int(row["Year"]) >= FIRST_YEAR and row["Value"]:
                figures[code][row["Year"]] = int(float(row["Value"]))
    document = {
        "indicator": "SP.POP.TOTL",
        "title": "Population, total (midyear estimate, all residents regardless of legal status or citizenship)",
        "publisher": "World Bank, World Development Indicators",
        "source_url": "https://data.worldbank.org/indicator/SP.POP.TOTL",
        "via": f"github.com/datasets/population data/population.csv at commit {commit}",
        "licence": "ODC-PDDL-1.0 (the data package); World Bank data CC BY 4.0",
        "primary_sources": (
            "UN Population Division World Population Prospects; national censuses and statistical offices"
        ),
        "figures": figures,
    }
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    TARGET.write_text(json.dumps(document, indent=1, sort_keys=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
