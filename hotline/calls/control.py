"""What the core asks of a live call (move it, add a participant, hold, end, ring a caller back):
implemented only by the outbound gateway (`channels/outbound.py`), which records instead of calling
Twilio in development and tests."""

from __future__ import annotations

from typing import Protocol


class CallControlRefused(Exception):
    """Twilio did not take the request (the call is gone, a number it cannot dial, no credentials)."""


class CallControl(Protocol):
    def redirect(self, call_sid: str, path: str) -> None:
        """Give a live call new TwiML from our `path` (say, out of its queue into a conference)."""
        ...

    def add_participant(self, conference: str, to: str, from_line: str | None, label: str, status_path: str) -> str:
        """Dial `to` into the conference from our line; return the new leg's CallSid."""
        ...

    def hold(self, conference_sid: str, call_sid: str, on: bool, hold_path: str) -> None:
        """Put a participant on hold (hearing `hold_path`) or take them off it."""
        ...

    def end_conference(self, conference_sid: str) -> None:
        ...

    def ring_back(self, number: str, from_line: str | None, path: str, status_path: str) -> str:
        """Call a caller back (the number is only ever in memory here); return the CallSid."""
        ...
