"""The channel-neutral shape of one inbound contact, as the routing engine sees it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

CHANNELS = ("web", "sms", "voice", "chat", "api", "whatsapp")
REPORTER_ROLES = ("victim", "witness", "relative", "professional", "other")
MAX_TEXT_LENGTH = 20_000

# The documented vocabulary of triage answers. Each value is True, False or None (unknown),
# except victim_nationality, an ISO 3166-1 alpha-2 code.
BOOLEAN_ANSWERS = (
    "in_danger_now",
    "minor_involved",
    "movement_restricted",
    "documents_withheld",
    "debt_bondage",
    "forced_labour",
    "sexual_exploitation",
    "deceived_about_job",
    "paid_to_cross_border",
    "crossed_border",
    "injured_or_ill",
    "threats_or_violence",
)
COUNTRY_ANSWERS = ("victim_nationality",)
# What the person agreed to (True), refused (False) or was not asked (absent or None); see
# routing/dispatch.py. "fear_of_return" is a stated fear of going back or a request for asylum.
CONSENT_KEYS = ("contact_back", "share_authorities", "share_origin", "share_identity", "fear_of_return")
ANSWER_KEYS = BOOLEAN_ANSWERS + COUNTRY_ANSWERS


@dataclass(frozen=True)
class Location:
    """Where the reporter says it is happening; every part optional."""

    country: str | None = None
    region: str | None = None
    place: str | None = None


@dataclass(frozen=True)
class Intake:
    """One inbound contact after validation and normalisation by the core.

    The raw phone number never reaches routing: the core keeps it encrypted and passes only the
    country it belongs to (`caller_country`).
    """

    channel: str
    text: str = ""
    language: str | None = None
    caller_country: str | None = None
    location: Location = field(default_factory=Location)
    answers: Mapping[str, object] = field(default_factory=lambda: MappingProxyType({}))
    reporter_role: str | None = None
    contact_ok: bool = False
    consent: Mapping[str, object] = field(default_factory=lambda: MappingProxyType({}))
