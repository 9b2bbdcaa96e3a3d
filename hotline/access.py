"""Who may see what: the one access policy, each rule both as a check on a row and as an SQL filter.

Agencies see only their own referrals, once dispatched; operators and supervisors see the tickets (and their
referrals) of the countries they cover, all of them when regional. A ticket whose country is not
known yet is for regional staff. A chat whose country is not known yet is for anyone who speaks
its language.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import false, select, true

from hotline.accounts import StaffUser
from hotline.conversations.models import Conversation
from hotline.referrals.models import DispatchState, Referral
from hotline.tickets.models import Ticket


def may_see_ticket(user: StaffUser, ticket: Ticket) -> bool:
    return user.role != "agency" and user.covers_country(ticket.incident_country)


def visible_tickets(user: StaffUser) -> Any:
    """The SQL condition on Ticket for `may_see_ticket`."""
    if user.role == "agency":
        return false()
    if user.regional:
        return true()
    return Ticket.incident_country.in_(user.countries or [""])


def may_see_referral(user: StaffUser, referral: Referral) -> bool:
    if user.role == "agency":
        # A proposal or a held referral has not been sent: its agency does not know of it yet.
        return referral.agency_id == user.agency_id and referral.dispatch == DispatchState.DISPATCHED
    return may_see_ticket(user, referral.ticket)


def visible_referrals(user: StaffUser) -> Any:
    """The SQL condition on Referral for `may_see_referral`."""
    if user.role == "agency":
        return (Referral.agency_id == user.agency_id) & (Referral.dispatch == DispatchState.DISPATCHED)
    if user.regional:
        return true()
    return Referral.ticket_id.in_(select(Ticket.id).where(visible_tickets(user)))


def may_see_chat(user: StaffUser, language: str | None, country: str | None, languages: Collection[str]) -> bool:
    """A conversation in `language` about `country` (None while unknown), for a user taking `languages`."""
    if user.role == "agency":
        return False
    if user.role in ("supervisor", "admin") or user.regional:
        return True
    speaks = language is None or language in languages
    return speaks and (country is None or user.covers_country(country))


def visible_chats(user: StaffUser, languages: Collection[str], ticket_country: Any) -> Any:
    """The SQL condition on Conversation (joined to its ticket's `ticket_country`) for `may_see_chat`."""
    if user.role == "agency":
        return false()
    if user.role in ("supervisor", "admin") or user.regional:
        return true()
    speaks = Conversation.language.is_(None) | Conversation.language.in_(list(languages) or [""])
    return speaks & (ticket_country.is_(None) | ticket_country.in_(user.countries or [""]))


def country_scope(user: StaffUser) -> frozenset[str] | None:
    """The countries whose figures the user may read; None for every country."""
    return None if user.regional else frozenset(user.countries)
