"""The outbox every email waits in, and the mail service that sends it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol


class OutboxState(StrEnum):
    PENDING = "PENDING"
    SENDING = "SENDING"
    SENT = "SENT"
    DEAD = "DEAD"  # given up: SES refused the address, or it failed too often; listed for staff, never retried


@dataclass
class OutboxMessage:
    """An email that must go out exactly once, kept until SES has taken it."""

    message_id: str
    to: str
    subject: str
    body: str
    state: OutboxState = OutboxState.PENDING
    attempts: int = 0
    next_attempt_at: datetime | None = None
    lease_until: datetime | None = None
    last_error: str | None = None
    sent_at: datetime | None = None
    context: dict[str, str] = field(default_factory=dict)
    # The body holds a secret (a temporary password): once SES has it, the stored copy is erased.
    confidential: bool = False


class Outbox(Protocol):
    def get(self, message_id: str) -> OutboxMessage | None: ...

    def due(self, now: datetime, limit: int) -> list[OutboxMessage]:
        """Pending messages whose next attempt is due, and sends whose lease has run out."""
        ...

    def claim(self, message_id: str, now: datetime, lease_until: datetime) -> bool:
        """Take the message for sending unless it is sent or another sender holds it."""
        ...

    def mark_sent(self, message_id: str, at: datetime) -> None: ...

    def release(self, message_id: str, error: str, retry_at: datetime) -> None: ...

    def erase_body(self, message_id: str) -> None:
        """Forget a sent confidential message's body; who it went to and when stay."""
        ...

    def hold(self, message_id: str, until: datetime) -> None:
        """Put a claimed message back, unsent and without counting a failed attempt, until `until`."""
        ...

    def give_up(self, message_id: str, error: str, at: datetime) -> None:
        """A claimed message is dead: never retried again, kept for staff to see."""
        ...

    def count_send(self, brand: str, at: datetime, cap: int) -> bool:
        """Count one of the brand's sends in the clock hour of `at`; False (nothing counted) once `cap` are counted."""
        ...

    def dead(self, limit: int) -> list[OutboxMessage]:
        """Messages given up on, the most recent first."""
        ...


class UndeliverableAddressError(Exception):
    """The mail service refused the address for good (rejected, not a passing fault): retrying cannot help."""


class Mailer(Protocol):
    def send(self, to: str, subject: str, body: str) -> None:
        """Hand the message to the mail service; UndeliverableAddressError if it refuses the address for good."""
        ...
