"""ISO 3166-2 region codes that were replaced, so reports using the old code still resolve.

Guatemala's departments moved from letter codes (GT-QZ) to numbers (GT-09) in ISO 3166-2 in 2021;
partners and older documents still use the letters.
"""

from __future__ import annotations

LEGACY_REGION_CODES = {
    "GT-GU": "GT-01",
    "GT-PR": "GT-02",
    "GT-SA": "GT-03",
    "GT-CM": "GT-04",
    "GT-ES": "GT-05",
    "GT-SR": "GT-06",
    "GT-SO": "GT-07",
    "GT-TO": "GT-08",
    "GT-QZ": "GT-09",
    "GT-SU": "GT-10",
    "GT-RE": "GT-11",
    "GT-SM": "GT-12",
    "GT-HU": "GT-13",
    "GT-QC": "GT-14",
    "GT-BV": "GT-15",
    "GT-AV": "GT-16",
    "GT-PE": "GT-17",
    "GT-IZ": "GT-18",
    "GT-ZA": "GT-19",
    "GT-CQ": "GT-20",
    "GT-JA": "GT-21",
    "GT-JU": "GT-22",
}


def current_region_code(code: str) -> str:
    """The code in force for `code` (upper-cased), mapping replaced codes to their successors."""
    code = code.upper()
    return LEGACY_REGION_CODES.get(code, code)
