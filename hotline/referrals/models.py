"""A referral: one ticket handed to one agency, running a referral flowchart, with its deadlines."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from directory.models import Agency
from hotline.db import Base, UTCDateTime, utcnow
from hotline.tickets.models import Ticket


class ReferralStatus:
    """The flowchart nodes the core itself names; every other state comes from the flowchart file."""

    REFERRED = "referred"
    ACKNOWLEDGED = "acknowledged"
    ESCALATED = "escalated"
    DECLINED = "declined"
    ENDED = ("closed", "withdrawn", "expired")


class DispatchState:
    """Whether a referral has gone to its agency. Only `dispatched` referrals reach the agency
    (notice, portal); `hotline.referrals.dispatch.set_dispatch` is the one writer."""

    PROPOSED = "proposed"  # the engine's proposal, waiting for an operator or the review deadline
    HELD = "held"  # needs a consent the person has not given; `held_reason` says which
    DISPATCHED = "dispatched"
    DROPPED = "dropped"  # an operator took the proposal back


DISPATCH_TRANSITIONS: dict[str, frozenset[str]] = {
    DispatchState.PROPOSED: frozenset({DispatchState.DISPATCHED, DispatchState.HELD, DispatchState.DROPPED}),
    # Back to proposed only from a flood's hold (hotline/referrals/dispatch.py release_from_flood).
    DispatchState.HELD: frozenset({DispatchState.DISPATCHED, DispatchState.PROPOSED, DispatchState.DROPPED}),
    # Held only by a flood recognised before its agency was told (hotline/floods.py).
    DispatchState.DISPATCHED: frozenset({DispatchState.HELD}),
    DispatchState.DROPPED: frozenset(),
}


class Referral(Base):
    __tablename__ = "referral"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agency.id"), index=True)
    role: Mapped[str] = mapped_column(String(16), default="primary")
    # The flowchart this referral runs, the node it is at, and the run (its path) as JSON.
    flow_id: Mapped[str] = mapped_column(String(40))
    flow_version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(32), index=True)
    run: Mapped[dict[str, Any]] = mapped_column(JSON)
    # Bumped by every move; a move is a conditional UPDATE on it, so racing moves make one change.
    revision: Mapped[int] = mapped_column(Integer, default=0)
    reason: Mapped[str | None] = mapped_column(Text)
    # Indexed: time to acknowledge reads the referrals of a period (the rollup's build, a page's live part).
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    # The next deadline of the current node and which timer it is; None once the run has ended.
    deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    deadline_timer: Mapped[str | None] = mapped_column(String(40))
    ack_due_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    # 0 before any escalation; then the rung of the ladder reached (see hotline.referrals.escalation).
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    escalated_from_id: Mapped[int | None] = mapped_column(ForeignKey("referral.id"))
    linked_to_id: Mapped[int | None] = mapped_column(ForeignKey("referral.id"))
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acknowledged_by: Mapped[str | None] = mapped_column(String(80))
    outcome: Mapped[str | None] = mapped_column(String(40))
    dispatch: Mapped[str] = mapped_column(
        String(12), default=DispatchState.DISPATCHED, server_default=DispatchState.DISPATCHED, index=True
    )
    # Why a referral is held (a key: consent_not_given, consent_refused, fear_of_return, ...), the
    # consent that decides it, and the legal ground when it went without consent (a child, danger).
    held_reason: Mapped[str | None] = mapped_column(String(40))
    needs_consent: Mapped[str | None] = mapped_column(String(32))
    override_ground: Mapped[str | None] = mapped_column(String(48))

    ticket: Mapped[Ticket] = relationship()
    agency: Mapped[Agency] = relationship()

    @property
    def ended(self) -> bool:
        return self.status in ReferralStatus.ENDED

    @property
    def path_nodes(self) -> list[str]:
        """The flowchart nodes this referral has been through, in order (the run stores [node, event, at, actor])."""
        return [step[0] for step in self.run.get("path", ())]


class AckLink(Base):
    """A one-time link to acknowledge a referral without signing in. Only its hash is stored."""

    __tablename__ = "ack_link"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referral.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    referral: Mapped[Referral] = relationship()


class FlowDefinition(Base):
    """A referral flowchart version as it was when a referral first ran it: publishing a new version
    of the file never strands the referrals still running an earlier one."""

    __tablename__ = "flow_definition"

    flow_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    stored_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
