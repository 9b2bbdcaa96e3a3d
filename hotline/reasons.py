"""The reasons the system writes on events, as message keys with parameters.

An event's reason is stored in English and is part of the audit hash chain, so it is never rewritten.
Each system reason is written from one template here (`system_reason`), so the stored sentence stays
exactly what it was; a page reading it back recognises the template (`recognise`) and shows the
catalog's words for it with the same parameters (hotline/labels.py `stored_reason`). Text typed by staff
matches no template and is shown as typed.

The templates are the msgids (`-k N_` for extraction): `%(name)s` placeholders, the same in English and
in every catalog.
"""

from __future__ import annotations

import re
from typing import Any


def N_(template: str) -> str:  # noqa: N802 - the gettext convention for a msgid marked, not translated
    """Mark a msgid for the catalogs; translated where it is read, not here."""
    return template


TEMPLATES: dict[str, str] = {
    "via": N_("via %(channel)s"),
    "timer_passed": N_("%(timer)s passed"),
    "referral_dispatched": N_("a referral was dispatched"),
    "referrals_sent": N_("%(count)s referral(s) sent"),
    "review_passed": N_("review deadline passed: dispatched as proposed"),
    "review_unattended": N_("no operator reviewed the proposal in time; supervisors alerted"),
    "triaged": N_(
        "risk %(risk)s (%(rules)s), %(case_type)s, location %(where)s from %(location_source)s, "
        "language %(language)s from %(language_source)s"
    ),
    "legal_ground": N_("legal ground: %(ground)s"),
    "rung_contact": N_("rung 1: %(agency)s's next referral contact notified"),
    "rung_referred": N_("rung %(rung)s: referred to %(other)s because %(agency)s did not acknowledge"),
    "did_not_acknowledge": N_("%(agency)s did not acknowledge in time (escalation rung %(rung)s)."),
    "acknowledged_instead": N_("%(agency)s acknowledged it instead (referral %(referral)s)"),
    "rerouted": N_("declined by %(agency)s; re-routed to %(other)s"),
    "no_agency_left": N_("no other agency left to try; an operator must decide"),
    "retriaged": N_("retriaged"),
    "triage_kept": N_("checked against the report and kept as triage read it"),
    "deadline_for_risk": N_("%(timer)s for risk %(risk)s"),
    "nationality_unknown": N_("the victim's nationality is unknown; an operator must choose the origin country"),
    "no_consular": N_("no consular service or case-taking body of %(country)s in the directory"),
    "referral_is": N_("referral %(referral)s is %(status)s"),
    "referred_to": N_("referred to %(agency)s"),
    "no_agency_found": N_("no agency found to refer to"),
    "routing_failed": N_("routing failed (%(fault)s)"),
    "no_content": N_("no content"),
    "retention_callback": N_("retention: callback window closed"),
    "earlier_contact": N_("the same number's earlier ticket %(reference)s"),
    "hung_up": N_("at %(node)s, via voice"),
    "left_chat": N_("the chat page was closed"),
    "files_received": N_("%(count)s file(s) via %(channel)s"),
    "sms_opt_out": N_("STOP received; no more messages"),
    "flood_released": N_("flood %(flood)s released"),
    "no_notification_contact": N_("%(why)s: no notification contact; portal only"),
    # A referral opened: its role, agency and flowchart, then why (a policy sentence, an escalation, an
    # operator's words), and whether it is held. `reason` is itself read as a stored reason.
    "opened": N_("%(role)s: %(agency)s (%(chart)s v%(version)s). %(reason)s"),
    "held": N_("%(reason)s Held: %(held)s."),
    "staff_said": N_("%(who)s: %(reason)s"),
    "cross_border": N_("The cross-border flowchart asks the origin country (%(country)s) to %(purpose)s."),
    "linked_for": N_("linked to referral %(referral)s for %(purpose)s"),
    "flood_hold": N_("flood %(flood)s (%(rule)s): %(why)s"),
    "media_fetched": N_("%(size)s bytes, kept encrypted"),
    "retention_erased": N_("retention policy: %(what)s"),
    "consent": N_("%(changed)s (%(reason)s)"),
    "notified": N_("contact %(position)s by %(channel)s"),
    "notified_only": N_("contact by %(channel)s"),
    "not_delivered": N_("contact %(position)s by %(channel)s: %(outbox)s (%(error)s)"),
    "not_delivered_only": N_("contact by %(channel)s: %(outbox)s (%(error)s)"),
    "provider_failed_next": N_("%(upper)s %(outbox)s; trying contact %(position)s"),
    "provider_failed_last": N_("%(upper)s %(outbox)s; no contact left"),
    "person": N_("person %(person)s"),
}


def system_reason(key: str, **params: Any) -> str:
    """The English sentence stored for the system reason `key` (the audit chain keeps this text)."""
    return TEMPLATES[key] % params


def _pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"%\((\w+)\)s", template)
    regex = "".join(re.escape(part) if index % 2 == 0 else f"(?P<{part}>.+?)" for index, part in enumerate(parts))
    return re.compile(regex, re.DOTALL)


_PATTERNS = {key: _pattern(template) for key, template in TEMPLATES.items()}


def candidates(text: str) -> list[tuple[str, dict[str, str]]]:
    """Every template a stored sentence could have been written from, with its parameters (the reader
    checks that the parameters are what the template takes: a code where a code goes)."""
    found = []
    for key, pattern in _PATTERNS.items():
        match = pattern.fullmatch(text)
        if match:
            found.append((key, match.groupdict()))
    return found


def recognise(text: str) -> tuple[str, dict[str, str]] | None:
    """The first template a stored sentence matches, with its parameters, or None (staff's own text)."""
    found = candidates(text)
    return found[0] if found else None
