"""Payments, the card processor (in Welt's words; the Stripe adapter translates), its webhook log and idempotency."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Protocol

from welt.domain.errors import MalformedRequestError, ServiceUnavailableError
from welt.domain.payment import Payment


def paid_key(settled_at: datetime, payment_id: str) -> str:
    """Where an invoiced payment sorts among its brand's (and a page of them resumes): when it was paid, then its id."""
    return f"{settled_at.astimezone(UTC).isoformat()}#{payment_id}"


@dataclass(frozen=True)
class PaidPage:
    """A brand's invoiced payments, newest paid first, and the position after the last (None at the end)."""

    payments: list[Payment]
    after: str | None


class PaymentRepository(Protocol):
    def get(self, payment_id: str) -> Payment | None: ...

    def by_intent(self, intent_id: str) -> Payment | None: ...

    def in_flight_since(self, before: datetime, limit: int) -> list[Payment]:
        """Payments still processing or awaiting 3-D Secure, last touched before `before`, oldest first."""
        ...

    def needing_review(self, limit: int) -> list[Payment]:
        """Payments Stripe charged otherwise than priced (NEEDS_REVIEW), oldest first."""
        ...

    def paid(self, brand: str, since: datetime | None, after: str | None, limit: int) -> PaidPage:
        """The brand's invoiced payments, newest paid first, at most `limit`: those paid at or after `since`
        (all of them when None), starting after the position `after` a previous page gave."""
        ...


class EventLog(Protocol):
    def seen(self, event_id: str) -> bool: ...

    def remember(self, event_id: str, event_type: str, at: datetime) -> None:
        """Note a handled event; kept longer than Stripe retries (3 days)."""
        ...


class Idempotency(Protocol):
    def run(self, scope: str, key: str, payload: dict[str, Any], work: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        """Run `work` once per (scope, key); a repeat returns the first result, another payload is refused."""
        ...


class IntentStatus(StrEnum):
    """Where a PaymentIntent stands, in Welt's words (the Stripe adapter translates Stripe's)."""

    CHARGED = "charged"  # the money is taken
    CHARGING = "charging"  # under way at Stripe: its word follows
    NEEDS_BANK_STEP = "needs_bank_step"  # 3-D Secure: the buyer must confirm with the bank
    NEEDS_CARD = "needs_card"  # refused, or never given a usable card: nothing charged
    UNCONFIRMED = "unconfirmed"  # created with its card, not yet confirmed
    CANCELED = "canceled"  # it can never charge


@dataclass(frozen=True)
class IntentView:
    """What Welt needs to know of a Stripe PaymentIntent."""

    id: str
    status: IntentStatus
    amount: int
    client_secret: str | None = None
    error_message: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    currency: str = ""  # lower case, as Stripe writes it


class EventKind(StrEnum):
    """What a Stripe event tells Welt; every other type is acknowledged and ignored."""

    CHARGED = "charged"
    DECLINED = "declined"
    CANCELED = "canceled"
    REFUNDED = "refunded"
    IGNORED = "ignored"


@dataclass(frozen=True)
class StripeEvent:
    """A verified Stripe event, read into Welt's terms: its intent (CHARGED, DECLINED, CANCELED) or its refund."""

    id: str
    kind: EventKind
    type_name: str  # Stripe's own name, for the logs
    intent: IntentView | None = None
    refunded_intent_id: str | None = None
    amount_refunded: int = 0


class CardDeclinedError(Exception):
    """Stripe refused the card; the message is Stripe's, fit to show the buyer."""

    def __init__(self, message: str, intent_id: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.intent_id = intent_id


class PaymentOutcomeUnknownError(Exception):
    """Stripe may have carried out the call (a charge, a refund, a cancel) but its answer never arrived.

    Nothing may be given up on this: ask Stripe (retrieve the intent, or repeat the call with the same
    idempotency key) or wait for its webhook.
    """

    def __init__(self, message: str, operation: str, intent_id: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.operation = operation
        self.intent_id = intent_id


class PaymentProviderUnavailableError(ServiceUnavailableError):
    """Stripe did not carry out the call: nothing was charged, refunded or cancelled; the buyer may try again later."""


@dataclass(frozen=True)
class RefundView:
    """What Welt needs to know of a Stripe Refund."""

    id: str
    intent_id: str
    amount: int
    status: str  # Stripe's own word, kept for the logs


class InvalidSignatureError(MalformedRequestError):
    """A webhook whose Stripe-Signature does not prove it came from Stripe now, or whose signed body is not an event."""


class PaymentGateway(Protocol):
    publishable_key: str
    js_url: str

    def takes_payment_method(self, payment_method: str) -> bool:
        """Whether a confirmation may use this id: PaymentMethods only, never a legacy card or source id."""
        ...

    def create_intent(self, amount: int, currency: str, payment_method: str, metadata: dict[str, str], idempotency_key: str) -> IntentView:
        """Create a PaymentIntent with the card, not yet confirmed, so its id is known before any charge."""
        ...

    def confirm(self, intent_id: str, idempotency_key: str) -> IntentView:
        """Confirm an intent on the server: charged, declined (CardDeclinedError), or waiting for 3-D Secure."""
        ...

    def retrieve(self, intent_id: str) -> IntentView: ...

    def cancel(self, intent_id: str, idempotency_key: str) -> IntentView:
        """Cancel an intent; one that can no longer be cancelled comes back as it is (read its status)."""
        ...

    def refund(self, intent_id: str, idempotency_key: str, amount: int | None = None) -> RefundView:
        """Refund a charged intent in full (or `amount` cents); the same key never refunds twice."""
        ...

    def verify_event(self, payload: bytes, signature: str | None) -> StripeEvent:
        """The event, if the signature over the raw body is Stripe's and fresh and the body an event; else InvalidSignatureError."""
        ...
