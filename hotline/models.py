"""Every table, imported in one place for migrations and tests."""

from directory.models import (
    Agency,
    AgencyPhone,
    AgencyService,
    Country,
    DirectoryChange,
    DirectoryVersion,
    ReferralContact,
)
from hotline.accounts import SignInLock, StaffUser
from hotline.calls.models import OperatorPresence, PresenceEvent, VoiceCall
from hotline.conversations.models import Conversation, ConversationTurn
from hotline.early_warning.models import DetailScan, EarlyWarning, EarlyWarningTicket, TicketDetail
from hotline.floods import Flood, FloodHold, FloodSignal
from hotline.outbox import OutboxMessage
from hotline.partners import PartnerKey, PartnerKeyEvent
from hotline.referrals.models import FlowDefinition, Referral
from hotline.stats.rollup import StatsRollup, StatsRollupMonth, StatsStale
from hotline.tickets.models import Ticket, TicketEvent, TicketMessage, TicketRecording, TicketSubmission
from hotline.tickets.people import CasePerson

__all__ = [
    "Flood",
    "FloodHold",
    "FloodSignal",
    "DetailScan",
    "EarlyWarning",
    "EarlyWarningTicket",
    "TicketDetail",
    "StatsRollup",
    "StatsRollupMonth",
    "StatsStale",
    "CasePerson",
    "Conversation",
    "ConversationTurn",
    "Agency",
    "AgencyPhone",
    "AgencyService",
    "Country",
    "DirectoryChange",
    "DirectoryVersion",
    "ReferralContact",
    "OutboxMessage",
    "PartnerKey",
    "PartnerKeyEvent",
    "OperatorPresence",
    "PresenceEvent",
    "VoiceCall",
    "FlowDefinition",
    "Referral",
    "SignInLock",
    "StaffUser",
    "Ticket",
    "TicketEvent",
    "TicketMessage",
    "TicketRecording",
    "TicketSubmission",
]
