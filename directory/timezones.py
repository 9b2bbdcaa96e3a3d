"""IANA time zone per country for the directory (business hours, after-hours referral decisions)."""

from zoneinfo import ZoneInfo

# Our own table rather than phonenumbers' timezone metadata: phonenumbers maps Nicaraguan numbers to a
# list of zones that includes one with daylight saving time, which is wrong (Nicaragua keeps UTC-6 all
# year), and it gives several zones for multi-zone countries.  One zone per country: the capital's.
COUNTRY_TIME_ZONES: dict[str, str] = {
    # CORETT members
    "BZ": "America/Belize",
    "CR": "America/Costa_Rica",
    "SV": "America/El_Salvador",
    "GT": "America/Guatemala",
    "HN": "America/Tegucigalpa",
    "MX": "America/Mexico_City",
    "NI": "America/Managua",
    "PA": "America/Panama",
    "DO": "America/Santo_Domingo",
    # Other countries in the directory and neighbours on migration routes
    "AR": "America/Argentina/Buenos_Aires",
    "BO": "America/La_Paz",
    "BR": "America/Sao_Paulo",
    "BS": "America/Nassau",
    "CA": "America/Toronto",
    "CL": "America/Santiago",
    "CO": "America/Bogota",
    "CU": "America/Havana",
    "EC": "America/Guayaquil",
    "GY": "America/Guyana",
    "HT": "America/Port-au-Prince",
    "JM": "America/Jamaica",
    "PE": "America/Lima",
    "PY": "America/Asuncion",
    "SR": "America/Paramaribo",
    "TT": "America/Port_of_Spain",
    "US": "America/New_York",
    "UY": "America/Montevideo",
    "VE": "America/Caracas",
}

# The zones a staff member may choose to read times in: the region's, where its partners sit, and UTC.
STAFF_TIME_ZONES: tuple[str, ...] = (
    "America/Guatemala",
    "America/El_Salvador",
    "America/Tegucigalpa",
    "America/Managua",
    "America/Costa_Rica",
    "America/Panama",
    "America/Belize",
    "America/Mexico_City",
    "America/Cancun",
    "America/Tijuana",
    "America/Santo_Domingo",
    "America/Port-au-Prince",
    "America/Bogota",
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "UTC",
)


def zone_for(country: str) -> ZoneInfo:
    """The time zone used for a country's office hours; KeyError for a country not in the table."""
    return ZoneInfo(COUNTRY_TIME_ZONES[country.upper()])
