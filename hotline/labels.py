"""Every code a person reads, as words in their language: one table per kind of code, the time and name
formats, and the Jinja filters that draw them (registered by the app factory)."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from babel.dates import format_datetime as babel_format_datetime
from babel.dates import get_timezone as babel_timezone
from babel.dates import get_timezone_gmt, get_timezone_location
from flask import Flask, current_app, g, has_app_context, has_request_context
from flask_babel import get_locale, get_timezone, gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from directory.timezones import STAFF_TIME_ZONES
from hotline import keystore
from hotline.i18n import country_name, language_names, territory_names

log = logging.getLogger(__name__)

_RISK = {"critical": _l("Critical"), "high": _l("High"), "medium": _l("Medium"), "low": _l("Low")}
_TICKET_STATUS = {
    "received": _l("Received"),
    "needs_triage": _l("Needs triage"),
    "held_for_review": _l("Held for review (possible flood)"),
    "logged": _l("Logged, nothing to act on"),
    "triaged": _l("Triaged"),
    "referred": _l("Referred"),
    "acknowledged": _l("Acknowledged"),
    "assisted": _l("Assisted"),
    "closed": _l("Closed"),
}
# The referral flowcharts' nodes (routing/flows/referral_*.json): a referral's status is one of them.
_REFERRAL_STATUS = {
    **_TICKET_STATUS,
    "accepted": _l("Accepted"),
    "assistance": _l("Assistance under way"),
    "complaint_registered": _l("Complaint registered"),
    "declined": _l("Declined"),
    "escalated": _l("Escalated"),
    "escorted_return": _l("Escorted return"),
    "expired": _l("Expired"),
    "family_tracing": _l("Family tracing"),
    "guardian_appointed": _l("Guardian appointed"),
    "identified": _l("Identified as a victim"),
    "integration": _l("Integration"),
    "investigation": _l("Investigation"),
    "local_protection": _l("Local protection"),
    "more_info_requested": _l("More information requested"),
    "not_identified": _l("Not identified as a victim"),
    "origin_validation": _l("Validation by the country of origin"),
    "prosecution": _l("Prosecution"),
    "protection": _l("Protection"),
    "reception": _l("Reception"),
    "reintegration": _l("Reintegration"),
    "reparation": _l("Reparation"),
    "repatriation": _l("Repatriation"),
    "resettlement": _l("Resettlement"),
    "travel_documents": _l("Travel documents"),
    "validation": _l("Validation"),
    "verdict": _l("Verdict"),
    "withdrawn": _l("Withdrawn"),
}
_CASE_TYPE = {
    "trafficking": _l("Trafficking in persons"),
    "smuggling": _l("Smuggling of migrants"),
    "both": _l("Trafficking and smuggling"),
    "unclear": _l("Not yet clear"),
}
_CHANNEL = {
    "web": _l("Web form"),
    "sms": _l("SMS"),
    "voice": _l("Voice"),
    "chat": _l("Chat"),
    "api": _l("API"),
    "whatsapp": _l("WhatsApp"),
    "portal": _l("Staff portal"),
    "email": _l("Email"),
    "webhook": _l("Webhook"),
}
_AGENCY_KIND = {
    "coordinating_body": _l("Coordinating body"),
    "response_team": _l("Response team"),
    "police": _l("Police"),
    "prosecutor": _l("Prosecutor"),
    "child_protection": _l("Child protection"),
    "migration": _l("Migration"),
    "labour_inspection": _l("Labour inspection"),
    "victim_services": _l("Victim services"),
    "shelter": _l("Shelter"),
    "consulate": _l("Consulate"),
    "ngo": _l("NGO"),
    "emergency": _l("Emergency"),
    "hotline": _l("Hotline"),
    "regional_body": _l("Regional body"),
    "interpreter": _l("Interpreter"),
}
# A triage or consent answer: True, False or None (not known, or not asked).
_ANSWER = {
    True: _l("Yes"),
    False: _l("No"),
    None: _l("Unknown"),
    "yes": _l("Yes"),
    "no": _l("No"),
    "unknown": _l("Unknown"),
}
# The triage and consent questions, as staff read them beside the answer (routing/intake.py's vocabulary).
_QUESTION = {
    "in_danger_now": _l("Someone in danger right now"),
    "minor_involved": _l("A child or adolescent involved"),
    "movement_restricted": _l("Someone prevented from leaving"),
    "documents_withheld": _l("Identity documents taken"),
    "debt_bondage": _l("Held by a debt"),
    "forced_labour": _l("Forced to work"),
    "sexual_exploitation": _l("Sexual exploitation"),
    "deceived_about_job": _l("Deceived about a job"),
    "paid_to_cross_border": _l("Paid to be taken across a border"),
    "crossed_border": _l("Crossed a border"),
    "injured_or_ill": _l("Injured or ill"),
    "threats_or_violence": _l("Threats or violence"),
    "victim_nationality": _l("Nationality of the person concerned"),
    "contact_back": _l("Agrees to be contacted back"),
    "share_authorities": _l("Agrees to tell the authorities"),
    "share_origin": _l("Agrees to tell the country of origin"),
    "share_identity": _l("Agrees to share who they are"),
    "fear_of_return": _l("Fears going back or asks for asylum"),
}
# The risk indicators that are not triage questions (routing/rules/risk.json), as staff read them
# beside their evidence on the decision.
_INDICATOR = {
    "unaccompanied_minor": _l("A child or adolescent travelling alone"),
    "isolated": _l("Cut off from others"),
    "sold_or_bought": _l("Sold or bought"),
    "imminent_movement": _l("About to be moved"),
    "smuggler_involved": _l("A smuggler involved"),
    "kidnapping": _l("Kidnapping or ransom"),
    "weapon": _l("A weapon"),
    "followed": _l("Being followed"),
    "abandoned_in_danger": _l("Abandoned in a dangerous place"),
    "abandoned_by_smuggler": _l("Abandoned by the smuggler"),
    "money_demanded": _l("Money demanded"),
    # "La tienen", "they have him": someone holds the person (with money demanded, a kidnapping).
    "in_custody": _l("Held by someone"),
    "organ_removal": _l("Organ removal"),
    "forced_marriage": _l("Forced marriage"),
    "illegal_adoption": _l("Illegal adoption"),
    "forced_criminality": _l("Forced to commit crimes"),
    "recruitment_lure": _l("A recruitment lure"),
    "taken_by_someone": _l("Taken away by someone"),
    "possible_danger": _l("Possibly in danger"),
    "held_now": _l("Held right now"),
    "pregnant": _l("Pregnant"),
    "disability": _l("A disability"),
    "irregular_migrant": _l("An irregular migrant"),
    "indigenous": _l("Indigenous"),
    "lgbti": _l("LGBTI"),
}
_SEX = {"female": _l("Female"), "male": _l("Male"), "other": _l("Other"), "unknown": _l("Unknown")}
_AGE_BAND = {
    "0-11": _l("0 to 11 years"),
    "12-17": _l("12 to 17 years"),
    "18-29": _l("18 to 29 years"),
    "30-49": _l("30 to 49 years"),
    "50+": _l("50 years or more"),
    "unknown": _l("Unknown"),
}
_EXPLOITATION = {
    "sexual": _l("Sexual exploitation"),
    "labour": _l("Labour exploitation"),
    "domestic_servitude": _l("Domestic servitude"),
    "forced_begging": _l("Forced begging"),
    "forced_criminality": _l("Forced criminal activity"),
    "forced_marriage": _l("Forced marriage"),
    "organ_removal": _l("Organ removal"),
    "illegal_adoption": _l("Illegal adoption"),
    "other": _l("Other"),
    "unknown": _l("Unknown"),
}
_WISH = {
    "return": _l("To go back home"),
    "stay": _l("To stay"),
    "resettle": _l("To resettle elsewhere"),
    "undecided": _l("Undecided"),
    "unknown": _l("Unknown"),
}
_OUTCOME = {
    "assisted": _l("Assisted"),
    "referred": _l("Referred to an agency"),
    "information_only": _l("Information given, nothing to refer"),
    "not_applicable": _l("Not a trafficking or smuggling case"),
    "duplicate": _l("Duplicate"),
    "unreachable": _l("Reporter unreachable"),
    "no_competent_agency": _l("No competent agency"),
}
# The choices an agency makes as a referral moves on (routing/flows/referral_*.json, "one_of" values).
_FLOW_CHOICE = {
    **_OUTCOME,
    **_RISK,
    **_CASE_TYPE,
    "archived": _l("Archived"),
    "no_crime_found": _l("No crime found"),
    "integrated": _l("Integrated"),
    "no_reparation": _l("No reparation"),
    "acquitted": _l("Acquitted"),
    "dismissed": _l("Dismissed"),
    "not_a_national": _l("Not a national"),
    "identity_not_established": _l("Identity not established"),
    "not_identified": _l("Not identified as a victim"),
    "protected_locally": _l("Protected locally"),
    "reunited_locally": _l("Reunited with family locally"),
    "came_of_age": _l("Came of age"),
    "reintegrated": _l("Reintegrated"),
    "lost_contact": _l("Contact lost"),
    "reparation_paid": _l("Reparation paid"),
    "reparation_unpaid": _l("Reparation not paid"),
    "repatriated": _l("Repatriated"),
    "resettled": _l("Resettled"),
    "return_cancelled": _l("Return cancelled"),
    "returned_with_escort": _l("Returned with an escort"),
    "escorted_return": _l("Escorted return"),
    "local_protection": _l("Local protection"),
    "yes": _l("Yes"),
    "no": _l("No"),
    "undecided": _l("Undecided"),
    "confirmed": _l("Confirmed"),
    "conviction": _l("Conviction"),
    "acquittal": _l("Acquittal"),
    "dismissal": _l("Dismissal"),
    "integration": _l("Integration"),
    "repatriation": _l("Repatriation"),
    "resettlement": _l("Resettlement"),
}
# An outbound message's delivery (hotline/outbox.py OutboxStatus).
_DELIVERY = {
    "pending": _l("Waiting to be sent"),
    "sending": _l("Being sent"),
    "sent": _l("Sent"),
    "delivered": _l("Delivered"),
    "recorded": _l("Recorded (test gateway)"),
    "retry": _l("Will be tried again"),
    "failed": _l("Not delivered"),
    "uncertain": _l("Uncertain: check before resending"),
    "withheld": _l("Withheld: its report is held in a possible flood"),
}
_DISPATCH = {
    "proposed": _l("Proposed: waiting for your review"),
    "held": _l("Held, not sent"),
    "dispatched": _l("Sent to the agency"),
    "dropped": _l("Dropped"),
}
_ROUTING_ROLE = {
    "primary": _l("Lead agency"),
    "additional": _l("Also informed"),
    "origin_country": _l("Country of origin"),
    "regional": _l("Regional focal point"),
    "fallback": _l("Fallback"),
    "operator_choice": _l("Chosen by an operator"),
    "escalation": _l("Escalation"),
    "operator": _l("Chosen by an operator"),
}
_STAFF_ROLE = {
    "operator": _l("Operator"),
    "supervisor": _l("Supervisor"),
    "agency": _l("Agency officer"),
    "admin": _l("Administrator"),
}
_TIMER = {
    "triage_deadline": _l("Triage deadline"),
    "referral_deadline": _l("Referral deadline"),
    "ack_deadline": _l("Acknowledgement deadline"),
    "accept_deadline": _l("Deadline to accept"),
    "info_deadline": _l("Deadline to answer the agency"),
    "reroute_deadline": _l("Deadline to refer again"),
    "return_deadline": _l("Return deadline"),
    "validation_deadline": _l("Validation deadline"),
    "escalation_deadline": _l("Escalation deadline"),
    "escalation_rung": _l("Escalation step"),
    "follow_up_due": _l("Follow-up due"),
    "review_deadline": _l("Deadline to review the proposal"),
    "schedule_deadline": _l("Scheduling deadline"),
}
_EVENT_KIND = {
    "received": _l("Received"),
    "triaged": _l("Triaged"),
    "retriaged": _l("Triaged again"),
    "retriage_failed": _l("Triage failed again"),
    "routing_failed": _l("Routing failed"),
    "logged_contact": _l("Logged, nothing to act on"),
    "closed": _l("Closed"),
    "claimed": _l("Claimed"),
    "assigned": _l("Assigned"),
    "note": _l("Note"),
    "overruled": _l("Triage overruled"),
    "referral": _l("Referral"),
    "referred": _l("Referred"),
    "dispatch": _l("Dispatch decision"),
    "flood_hold": _l("Held in a possible flood"),
    "flood_released": _l("Released from a flood"),
    "consent_overridden": _l("Sent without consent on a legal ground"),
    "agency_notified": _l("Agency notified"),
    "delivery_failed": _l("Delivery failed"),
    "link_not_opened": _l("Link not opened"),
    "escalation": _l("Escalation"),
    "review_overdue": _l("Review overdue"),
    "deadline_changed": _l("Deadline changed"),
    "deadline_dropped": _l("Deadline dropped"),
    "reroute_needed": _l("Needs a new referral"),
    "linked": _l("Linked"),
    "linked_contact": _l("Linked contact"),
    "merged_from": _l("Merged from another ticket"),
    "merged_into": _l("Merged into another ticket"),
    "earlier_contact": _l("Earlier contact from the same number"),
    "person_added": _l("Person added"),
    "person_changed": _l("Person changed"),
    "people_identified": _l("People identified"),
    "reply_sent": _l("Reply sent to the reporter"),
    "follow_up_received": _l("Follow-up received"),
    "media_received": _l("Photo or file received"),
    "media_fetched": _l("Photo or file fetched and kept encrypted"),
    "consent_recorded": _l("Consent recorded"),
    "voicemail_left": _l("Voicemail left"),
    "caller_hung_up": _l("Caller hung up"),
    "chat_taken": _l("Chat taken by an operator"),
    "reporter_left_chat": _l("Reporter left the chat"),
    "reporter_went_quiet": _l("Reporter went quiet"),
    "conversation_closed": _l("Conversation closed"),
    "conversation_completed": _l("Conversation completed"),
    "caller_number_erased": _l("Caller's number erased"),
    "retention_erased": _l("Erased under the retention policy"),
    "sms_opt_out": _l("Reporter stopped text messages"),
    "transition": _l("Referral moved on"),
    # A staff account's own log (hotline/accounts.py record_staff_event).
    "created": _l("Account created"),
    "changed": _l("Account changed"),
    "signed_in": _l("Signed in"),
    "sign_in_failed": _l("Sign-in refused"),
    "second_factor_enrolled": _l("Second factor enrolled"),
    "second_factor_reset": _l("Second factor reset"),
    "status_changed": _l("Status changed"),
    "proposed": _l("Referral proposed"),
    "held": _l("Referral held"),
    "overruled_country": _l("Country overruled"),
    "overruled_language": _l("Language overruled"),
    "overruled_risk": _l("Risk overruled"),
    "overruled_case_type": _l("Case type overruled"),
    "triage_kept": _l("Triage checked and kept"),
    # The referral flowcharts' actions (what moved a referral on).
    "accept": _l("Accepted"),
    "acknowledge": _l("Acknowledged"),
    "appoint_guardian": _l("Guardian appointed"),
    "charge": _l("Charges brought"),
    "close": _l("Closed"),
    "decline": _l("Declined"),
    "determine_best_interests": _l("Best interests determined"),
    "escalate": _l("Escalated"),
    "identify": _l("Identified as a victim"),
    "not_identify": _l("Not identified as a victim"),
    "open_investigation": _l("Investigation opened"),
    "order_reparation": _l("Reparation ordered"),
    "provide_info": _l("Information provided"),
    "reconsider": _l("Reconsidered"),
    "record_participation": _l("Participation recorded"),
    "record_return": _l("Return recorded"),
    "record_validation": _l("Validation recorded"),
    "record_verdict": _l("Verdict recorded"),
    "record_wish": _l("Wish recorded"),
    "refer": _l("Referred"),
    "refuse_validation": _l("Validation refused"),
    "register_complaint": _l("Complaint registered"),
    "request_info": _l("More information requested"),
    "return_completed": _l("Return completed"),
    "start_assistance": _l("Assistance started"),
    "start_family_tracing": _l("Family tracing started"),
    "start_protection": _l("Protection started"),
    "start_reintegration": _l("Reintegration started"),
    "start_validation": _l("Validation started"),
    "triage": _l("Triaged"),
    "validate": _l("Validated"),
    "withdraw": _l("Withdrawn"),
}

_EVENT_KIND.update(_TIMER)
# Where the routing engine took a place or a language from (routing/location.py, routing/language.py).
_SOURCE = {
    "stated": _l("stated by the reporter"),
    "text": _l("read in the report"),
    "phone": _l("the phone's country"),
    "none": _l("nowhere"),
    "detected": _l("detected in the words"),
    "country_default": _l("the country's language"),
    "fallback": _l("the default"),
}

# Why a proposal is held (routing/dispatch.py held_reason); admin/console_views.py shows the same words.
_HELD = {
    "consent_not_given": _l("The person was not asked whether this agency may be told."),
    "consent_refused": _l("The person did not agree that this agency be told."),
    "fear_of_return": _l("The person fears going back: their country of origin is never told."),
    "operator_hold": _l("Held by an operator."),
    "flood": _l("Held in a possible flood: sent when a supervisor releases the report."),
    "flood_proposal": _l("Held in a possible flood: proposed again when a supervisor releases the report."),
    "no_agency_of_that_kind": _l("No agency of the right kind in that country."),
}
# What a cross-border flowchart asks the origin country to do (routing/flows/*.json open_linked_referral).
_PURPOSE = {
    "reception_of_the_child": _l("receive the child"),
    "validate_identification": _l("validate the identification"),
    "reception_on_return": _l("receive the person on return"),
    "the origin country": _l("the origin country"),
    "act": _l("act"),
}

# The learned reader's answer to "is the place the text names where it happens?" (routing/learned.py).
_PLACE = {
    "incident": _l("the place the report names"),
    "not": _l("not the place the report names"),
}

LABELS: dict[str, Mapping[Any, Any]] = {
    "risk": _RISK,
    "place": _PLACE,
    "ticket_status": _TICKET_STATUS,
    "referral_status": _REFERRAL_STATUS,
    "case_type": _CASE_TYPE,
    "channel": _CHANNEL,
    "agency_kind": _AGENCY_KIND,
    "answer": _ANSWER,
    "question": _QUESTION,
    "sex": _SEX,
    "age_band": _AGE_BAND,
    "exploitation": _EXPLOITATION,
    "wish": _WISH,
    "outcome": _OUTCOME,
    "dispatch": _DISPATCH,
    "delivery": _DELIVERY,
    "flow_choice": _FLOW_CHOICE,
    "routing_role": _ROUTING_ROLE,
    "staff_role": _STAFF_ROLE,
    "timer": _TIMER,
    "event_kind": _EVENT_KIND,
    "source": _SOURCE,
    "held": _HELD,
    "purpose": _PURPOSE,
}


# The fields of a triage decision that carry a confidence (routing/confidence.py), named inside a sentence.
LABELS["indicator"] = _INDICATOR
LABELS["triage_field"] = {
    "language": _l("language"),
    "location": _l("place"),
    "risk": _l("risk level"),
    "case_type": _l("case type"),
}

# A partner API key's history (hotline/partners.py) and what a key may do.
LABELS["partner_key_event"] = {"created": _l("Key created"), "revoked": _l("Key revoked")}
LABELS["scope"] = {"reports:create": _l("File reports")}

# Who did something, when it was not a staff member (hotline/tickets/service.py, referrals/lifecycle.py).
_ACTOR = {
    "system": _l("System"),
    "reporter": _l("Reporter"),
    "link": _l("Agency, through the link in its notice"),
    "sms": _l("Agency, by text message"),
    "email": _l("Agency, by email"),
    "api": _l("Partner system"),
    "caller": _l("Reporter"),
    "flow": _l("Automatic answer"),
    "timer": _l("System: a deadline passed"),
    "cli": _l("An administrator, on the server's command line"),
}
LABELS["actor"] = _ACTOR


class MissingLabel(LookupError):
    """A code is about to be shown with no words for it: in development and tests, a defect."""


def _strict() -> bool:
    return has_app_context() and bool(current_app.config.get("LABELS_STRICT"))


def label(code: Any, kind: str) -> str:
    """The words for `code` of `kind` in the current language.

    A code with no label raises `MissingLabel` in development and tests; in production the page shows
    the code made readable and the gap is logged (a code is vocabulary, never something a reporter typed).
    """
    if code is None and kind != "answer":
        return ""
    table = LABELS[kind]
    try:
        return str(table[code])
    except (KeyError, TypeError):
        if _strict():
            log.error("no %s label for %r", kind, code)
            raise MissingLabel(f"no {kind} label for {code!r}") from None
        log.warning("no %s label for %r", kind, code)
        return str(code).replace("_", " ")


def answer(key: str, value: Any) -> str:
    """A triage or consent answer as the question's words and the answer's: "Someone in danger right
    now: Yes". A country answer shows the country's name."""
    if key in ("victim_nationality",) and isinstance(value, str):
        shown = country_name(value)
    else:
        shown = label(value, "answer")
    return f"{label(key, 'question')}: {shown}"


def when(value: datetime | str | None, width: str = "medium") -> str:
    """A moment in the viewer's time zone, with the zone shown ("2 dic 2026, 3:56:50 GMT-06:00")."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    # Babel's own formatter with the request's locale and zone read once: flask_babel's wrapper looks
    # both up again on every call, and a list page draws hundreds of moments.
    locale, zone = get_locale(), get_timezone()
    shown = babel_format_datetime(value, width, tzinfo=zone, locale=locale)
    return f"{shown} {get_timezone_gmt(value.astimezone(zone), width='long', locale=locale)}"


def time_zone_choices(current: str | None = None) -> list[tuple[str, str]]:
    """The zones a staff member may read times in, each as (IANA id, "city (GMT-06:00)") in the page's
    language at today's offset; a known zone outside the list (stored before) is offered too, so saving
    keeps it, and a refused one is not."""
    zones = list(STAFF_TIME_ZONES)
    if current and current not in zones and _known_zone(current):
        zones.append(current)
    return [(zone, time_zone_label(zone)) for zone in zones]


def _known_zone(zone: str) -> bool:
    try:
        babel_timezone(zone)
    except LookupError:
        return False
    return True


def time_zone_label(zone: str) -> str:
    """A zone as its city and today's offset in the page's language: "Ciudad de México (GMT-06:00)"."""
    locale = get_locale()
    offset = get_timezone_gmt(datetime.now(UTC).astimezone(babel_timezone(zone)), width="long", locale=locale)
    return f"{get_timezone_location(zone, locale=locale, return_city=True)} ({offset})"


def _staff() -> dict[str, tuple[str, str]]:
    """Every staff member's actor id → (name, role), read once per request."""
    if "staff_names" not in g:
        from hotline.accounts import StaffUser
        from hotline.db import db_session

        g.staff_names = {user.actor: (user.name, user.role) for user in db_session().scalars(select(StaffUser))}
    return g.staff_names  # type: ignore[no-any-return]


def actor(code: str | None) -> str:
    """Who did it, named: "Ana (Operator)", "System"; never "staff:2"."""
    if not code:
        return ""
    if code.startswith("staff:"):
        found = _staff().get(code) if has_request_context() else None
        if found is None:
            return str(_l("A former staff member"))
        return f"{found[0]} ({label(found[1], 'staff_role')})"
    return label(code, "actor")


def _agency(agency_id: str) -> Any:
    """The directory row for an id, read once per request (a page lists the same agency many times)."""
    from directory.models import Agency
    from hotline.db import db_session

    cache = g.setdefault("agencies_by_id", {})
    if agency_id not in cache:
        cache[agency_id] = (
            db_session().get(Agency, agency_id) or type("Gone", (), {"id": agency_id, "name": agency_id})()
        )
    return cache[agency_id]


def agency_name(agency: Any) -> str:
    """An agency as a person tells it apart: its name in the page's language where the directory has
    it, its short name, and its country ("Equipo de Respuesta Inmediata (ERI) · GT")."""
    if not agency:
        return ""
    if isinstance(agency, str):
        agency = _agency(agency)
    names = getattr(agency, "names", None) or {}
    name = names.get(str(get_locale())) or getattr(agency, "name", "") or names.get("es") or str(agency.id)
    acronym = getattr(agency, "acronym", None)
    shown = f"{name} ({acronym})" if acronym and acronym not in name else name
    country = getattr(agency, "country", None)
    return f"{shown} · {country}" if country else f"{shown} · {_l('regional')}"


# Events whose from/to hold something other than a status: a person, a reference or an overruled value.
_STATE_AS = {
    "dispatch": "dispatch",
    "deadline_changed": "time",
    "claimed": "actor",
    "assigned": "actor",
    "overruled_risk": "risk",
    "overruled_case_type": "case_type",
    "triage_kept": "triage_field",
}
_STATE_VERBATIM = (
    "escalation",  # the escalation ladder's rung numbers
    "person_added",
    "person_changed",
    "people_identified",
    "linked_contact",
    "merged_from",
    "merged_into",
    "overruled_country",
    "overruled_language",
    "linked",
)


def event_state(event: Any, state: str | None) -> str:
    """An event's from or to state in words: a referral's node, a ticket's status, a person or a value."""
    if not state:
        return ""
    kind = _STATE_AS.get(event.kind)
    if kind == "actor":
        return actor(state)
    if kind == "time":
        return when(state)
    if kind is not None:
        return label(state, kind)
    if event.kind in _STATE_VERBATIM:
        return state
    return label(state, "referral_status" if event.referral_id else "ticket_status")


# The routing engine's reasons as message keys (routing/engine.py, routing/reasons.py).
_REASON = {
    "unclear_routed_as_trafficking": _l(
        "The case type is unclear but there are risk indicators, so it is routed as trafficking."
    ),
    "place_ambiguous": _l("The place could be in %(countries)s."),
    "best_of_unknown": _l(
        "No candidate fully qualifies; this is the best one with details the directory does not know."
    ),
    "acknowledge_within": _l("Acknowledge within %(minutes)s minutes (risk: %(risk)s)."),
    "acknowledge_within_own": _l(
        "Acknowledge within %(minutes)s minutes (risk: %(risk)s, this agency's own deadline)."
    ),
    "agency.takes_no_cases": _l("%(agency)s: a policy and coordination body; it is informed, never sent a case."),
    "agency.unverified": _l(
        "%(agency)s: listed by name only, with no source and no contact; not routed to until verified."
    ),
    "area.whole_region": _l("%(agency)s: serves the whole region."),
    "area.no_services": _l("%(agency)s: lists no services, so its area is unknown."),
    "area.country": _l("%(agency)s: covers all of %(country)s."),
    "area.region": _l("%(agency)s: covers %(region)s."),
    "area.region_unknown": _l("%(agency)s: covers only %(regions)s and the incident's region is unknown."),
    "area.other_regions": _l("%(agency)s: covers %(regions)s, not %(region)s."),
    "area.other_country": _l("%(agency)s: does not serve %(country)s."),
    "language.spoken": _l("%(agency)s: works in %(language)s."),
    "language.interpretation": _l("%(agency)s: offers interpretation for %(language)s."),
    "language.unknown": _l("%(agency)s: its languages are unknown."),
    "language.other_interpretation_unknown": _l(
        "%(agency)s: works in %(spoken)s, not %(language)s; whether it offers interpretation is unknown."
    ),
    "language.other_no_interpretation": _l(
        "%(agency)s: works in %(spoken)s, not %(language)s, and offers no interpretation."
    ),
    "hours.open": _l("%(agency)s: is open now (%(clock)s)."),
    "hours.after_hours": _l("%(agency)s: %(closed)s (%(clock)s) but takes referrals after hours."),
    "hours.no_after_hours": _l("%(agency)s: %(closed)s (%(clock)s) and takes no referrals after hours."),
    "hours.after_hours_unknown": _l(
        "%(agency)s: %(closed)s (%(clock)s); whether it takes referrals after hours is unknown."
    ),
}
_CLOSED = {
    "holiday": _l("closed for a holiday"),
    "closed": _l("closed now"),
    "unknown": _l("opening hours unknown"),
}
# routing/policy.json's sentences: data in English, translated here so a policy change that adds a
# sentence without words fails tests/hotline/test_labels.py.
POLICY_SENTENCES = {
    "Someone is kidnapped or held for ransom (migrants held by their smugglers too): the police "
    "act on the kidnapping, beside the immediate responder.": _l(
        "Someone is kidnapped or held for ransom (migrants held by their smugglers too): the police "
        "act on the kidnapping, beside the immediate responder."
    ),
    "Smuggled migrants in need (abandoned, hurt, threatened or held): a shelter or humanitarian "
    "service assists them, whatever their migration status (Smuggling Protocol art. 16.3, S002 "
    "L333: assistance to migrants whose lives or safety are endangered).": _l(
        "Smuggled migrants in need (abandoned, hurt, threatened or held): a shelter or humanitarian "
        "service assists them, whatever their migration status (Smuggling Protocol art. 16.3, S002 "
        "L333: assistance to migrants whose lives or safety are endangered)."
    ),
    "The risk is critical, so the incident country's immediate responder is alerted first.": _l(
        "The risk is critical, so the incident country's immediate responder is alerted first."
    ),
    "A child is involved, so the incident country's child protection authority is referred too.": _l(
        "A child is involved, so the incident country's child protection authority is referred too."
    ),
    "Possible trafficking: the response team (or, where there is none, the national line or the specialised "
    "police) identifies and assists victims.": _l(
        "Possible trafficking: the response team (or, where there is none, the national line or the specialised "
        "police) identifies and assists victims."
    ),
    "Possible trafficking: the prosecutor's office investigates.": _l(
        "Possible trafficking: the prosecutor's office investigates."
    ),
    "Smuggling of migrants only: the migration authority handles it.": _l(
        "Smuggling of migrants only: the migration authority handles it."
    ),
    "Smuggling as well as possible trafficking: the migration authority is referred too.": _l(
        "Smuggling as well as possible trafficking: the migration authority is referred too."
    ),
    "No indicator of a crime: the national hotline or coordinating body answers the question.": _l(
        "No indicator of a crime: the national hotline or coordinating body answers the question."
    ),
    "The victim is a national of another country: its foreign ministry's consular service identifies the person "
    "and supports a safe return if the person wants it.": _l(
        "The victim is a national of another country: its foreign ministry's consular service identifies the "
        "person and supports a safe return if the person wants it."
    ),
    "A child from another country: the origin country's child protection authority takes part in the "
    "best-interests determination, family tracing and any escorted return (RCM Regional Guidelines for the "
    "repatriation of child victims, 2007).": _l(
        "A child from another country: the origin country's child protection authority takes part in the "
        "best-interests determination, family tracing and any escorted return (RCM Regional Guidelines for the "
        "repatriation of child victims, 2007)."
    ),
    "The location is unknown, so the regional focal point triages the report by hand.": _l(
        "The location is unknown, so the regional focal point triages the report by hand."
    ),
    "No agency in the incident country could be found, so the regional focal point takes the report rather "
    "than drop it.": _l(
        "No agency in the incident country could be found, so the regional focal point takes the report rather "
        "than drop it."
    ),
    "An adult smuggling-only report never goes to child protection.": _l(
        "An adult smuggling-only report never goes to child protection."
    ),
}


def _language_name(code: str) -> str:
    return str(language_names().get(code, code))


def reason_text(key: Mapping[str, Any]) -> str:
    """A routing reason in the page's language, from its message key and parameters."""
    code, params = key.get("code"), dict(key.get("params") or {})
    if code == "policy":
        sentence = params.get("sentence", key.get("text", ""))
        if sentence in POLICY_SENTENCES:
            return str(POLICY_SENTENCES[sentence])
        code = None
    if code not in _REASON:
        if _strict():
            raise MissingLabel(f"no words for the routing reason {code!r}")
        return str(key.get("text", ""))
    locale = get_locale()
    shown: dict[str, Any] = dict(params)
    if "agency" in params:
        shown["agency"] = agency_name(params["agency"])
    territories = territory_names(locale)
    for field in ("country",):
        if params.get(field):
            shown[field] = territories.get(params[field], params[field])
    if "countries" in params:
        shown["countries"] = ", ".join(territories.get(c, c) for c in params["countries"])
    if "language" in params:
        shown["language"] = _language_name(params["language"])
    if "spoken" in params:
        shown["spoken"] = ", ".join(_language_name(c.strip()) for c in params["spoken"].split(","))
    if "risk" in params:
        shown["risk"] = label(params["risk"], "risk").lower()
    if "state" in params:
        shown["closed"] = str(_CLOSED[params["state"]])
    if "time" in params:
        day = locale.days["format"]["abbreviated"][params.get("weekday", 0)]
        shown["clock"] = f"{day} {params['time']} {params.get('zone', '')}".strip()
    return str(_REASON[code]) % shown


def overrule_value(field: str, value: str | None) -> str:
    """An overruled value in words: a risk or case type by its label, a country by its name."""
    if not value:
        return "—"
    if field in ("risk", "case_type"):
        return label(value, field)
    if field == "country":
        return country_name(value)
    if field == "language":
        return _language_name(value)
    return value


# A system reason's parameters that are codes: shown by their label; a value that is not one of the
# codes means the sentence was not written from the template (a staff member's words), so it stays as typed.
_REASON_CODES = {
    "channel": "channel",
    "timer": "timer",
    "risk": "risk",
    "case_type": "case_type",
    "location_source": "source",
    "language_source": "source",
    "role": "routing_role",
    "held": "held",
    "purpose": "purpose",
    "outbox": "delivery",
}
_CONSENT_CHANGE = re.compile(r"\w+=(yes|no)(, \w+=(yes|no))*")


_WHERE = {"ambiguous": _l("ambiguous"), "unknown": _l("unknown")}


def _system_reason(text: str) -> str | None:
    """A sentence the system wrote from a hotline/reasons.py template, in the page's language."""
    from hotline.reasons import candidates

    for key, params in candidates(text):
        shown = _reason_in_words(key, params)
        if shown is not None:
            return shown
    return None


def _reason_in_words(key: str, params: dict[str, str]) -> str | None:
    """The template's words with its parameters in words, or None when a parameter is not what the
    template takes (then the sentence was not written from it)."""
    from hotline.reasons import TEMPLATES

    shown: dict[str, Any] = dict(params)
    for field, kind in _REASON_CODES.items():
        if field in params:
            if params[field] not in LABELS[kind]:
                return None
            shown[field] = label(params[field], kind)
    for field in ("risk", "case_type"):
        if field in shown:
            shown[field] = shown[field].lower()
    if "status" in params:
        table = LABELS["referral_status"]
        if params["status"] not in table:
            return None
        shown["status"] = label(params["status"], "referral_status").lower()
    territories = territory_names()
    for field in ("country", "where"):
        if field in params:
            shown[field] = territories.get(params[field], params[field])
    if params.get("where") in _WHERE:
        shown["where"] = str(_WHERE[params["where"]])
    for field in ("agency", "other"):
        if field in params:
            shown[field] = agency_name(params[field]) if has_request_context() else params[field]
    if "language" in params:
        shown["language"] = _language_name(params["language"])
    if "who" in params:
        if not params["who"].startswith("staff:"):
            return None
        shown["who"] = actor(params["who"])
    if "reason" in params:
        shown["reason"] = stored_reason(params["reason"])
    if "rule" in params:
        from hotline.floods import RULE_LABELS

        if params["rule"] not in RULE_LABELS:
            return None
        # The rule's words in the page's language stand for the rule's English "why" stored beside it.
        shown["rule"], shown["why"] = str(RULE_LABELS[params["rule"]]), ""
    if key == "consent":
        if not _CONSENT_CHANGE.fullmatch(params["changed"]):
            return None
        shown["changed"] = ", ".join(
            answer(field, value == "yes")
            for field, value in (part.split("=") for part in params["changed"].split(", "))
        )
    return gettext(TEMPLATES[key]) % shown


def stored_reason(text: str | None) -> str:
    """A reason stored as an English sentence (a referral's or an event's) in the page's language: a
    system reason written from a hotline/reasons.py template is shown in the catalog's words with its
    parameters, and the policy's sentences in it are put into the page's language. What staff typed is
    shown as it was written."""
    if not text:
        return ""
    translated = _system_reason(text)
    if translated is not None:
        return translated
    parts = [_system_reason(part) for part in text.split(", ")] if ", " in text else []
    if parts and all(part is not None for part in parts):
        return ", ".join(str(part) for part in parts)
    for sentence, words in POLICY_SENTENCES.items():
        if sentence in text:
            text = text.replace(sentence, str(words))
    return text


def indicator(key: str) -> str:
    """A risk indicator's name: a triage question's words where it is one, else the indicator's own."""
    return label(key, "question") if key in _QUESTION else label(key, "indicator")


def indicator_evidence(evidence: str) -> str | None:
    """What an indicator was read from, in the reader's language, where that is not the reporter's
    own words (None then): the reporter's answer, or the indicators it follows from (routing/risk.py
    writes "implied by a and b")."""
    if evidence == "answer":
        return gettext("the reporter's answer")
    if evidence.startswith("implied by "):
        keys = evidence.removeprefix("implied by ").split(" and ")
        return gettext("follows from: %(indicators)s", indicators=", ".join(indicator(key) for key in keys))
    return None


def reporter_words(text: str) -> str:
    """A reporter's words as stored, or the erased wording in the reader's language once their key is gone."""
    return gettext("Erased under the retention policy") if text == keystore.ERASED else text


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(
        reporter_words=reporter_words,
        label=label,
        when=when,
        actor=actor,
        agency_name=agency_name,
        stored_reason=stored_reason,
        indicator=indicator,
        indicator_evidence=indicator_evidence,
        language_name=_language_name,
    )
    app.jinja_env.globals.update(
        time_zone_choices=time_zone_choices,
        time_zone_label=time_zone_label,
        answer_text=answer,
        event_state=event_state,
        reason_text=reason_text,
        overrule_value=overrule_value,
    )
