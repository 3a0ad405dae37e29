"""The small interfaces the services need; adapters implement them, fakes stand in for tests."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from welt.domain.model import Brand, Order, OrderStatus, OrderType, ProductionStage


class ConcurrentUpdateError(Exception):
    """A conditional write lost to another writer; the caller decides whether to retry."""


@dataclass(frozen=True)
class OrderFilter:
    """What an order pool listing keeps: all given conditions must hold."""

    status: OrderStatus | None = None
    type: OrderType | None = None
    text: str | None = None  # lower-case; matched against order number, model and design reference
    brand: str | None = None
    stage: ProductionStage | None = None

    def matches(self, order: Order) -> bool:
        if self.status is not None and order.status is not self.status:
            return False
        if self.type is not None and order.type is not self.type:
            return False
        if self.brand is not None and order.brand != self.brand:
            return False
        if self.stage is not None and order.production_stage is not self.stage:
            return False
        return self.text is None or self.text in search_text(order)


def search_text(order: Order) -> str:
    """What `q` searches, lower-cased: order number, model id and the designer's reference."""
    return "|".join([order.order_number, order.design.model, order.design.design_ref or ""]).lower()


GROUPABLE_LIMIT = 1000


@dataclass(frozen=True)
class Page:
    orders: list[Order]
    last_key: dict[str, Any] | None  # where the next page starts, None at the end


class OrderRepository(Protocol):
    def add_next(self, brand: str, build: Callable[[int], Order]) -> Order:
        """Store `build(n)` under the brand's next order number n (gapless, never duplicated)."""
        ...

    def get(self, brand: str, seq: int) -> Order | None: ...

    def placed_by(self, brand: str, checkout_key: str) -> Order | None:
        """The order a checkout with this key placed, if any."""
        ...

    def save(self, order: Order, expected_version: int, expected_status: OrderStatus) -> None:
        """Replace the order only if it is still at that version and status, else ConcurrentUpdateError."""
        ...

    def brand_page(self, brand: str, where: OrderFilter, after: dict[str, Any] | None, limit: int) -> Page:
        """The brand's orders, newest first."""
        ...

    def all_brands_page(self, where: OrderFilter, after: dict[str, Any] | None, limit: int) -> Page:
        """Every brand's orders, newest first (staff)."""
        ...

    def groupable_orders(self, brand: str) -> list[Order]:
        """The brand's MTO orders that are PENDING_PAYMENT, UNPAID and in no group, newest first, at most 1000."""
        ...


class BrandRepository(Protocol):
    def get(self, code: str) -> Brand | None: ...

    def add(self, brand: Brand) -> None:
        """Register a brand that does not exist yet (seeding); an existing one is left alone."""
        ...

    def save(self, brand: Brand, expected_version: int) -> None: ...

    def all(self) -> list[Brand]:
        """Every brand in the registry (a factory has tens, not millions)."""
        ...


class OutboxState(StrEnum):
    PENDING = "PENDING"
    SENDING = "SENDING"
    SENT = "SENT"


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


class Outbox(Protocol):
    def enqueue(self, message: OutboxMessage) -> bool:
        """Add the message unless one with its id exists; True when added."""
        ...

    def get(self, message_id: str) -> OutboxMessage | None: ...

    def due(self, now: datetime, limit: int) -> list[OutboxMessage]:
        """Pending messages whose next attempt is due, and sends whose lease has run out."""
        ...

    def claim(self, message_id: str, now: datetime, lease_until: datetime) -> bool:
        """Take the message for sending unless it is sent or another sender holds it."""
        ...

    def mark_sent(self, message_id: str, at: datetime) -> None: ...

    def release(self, message_id: str, error: str, retry_at: datetime) -> None: ...


class Mailer(Protocol):
    def send(self, to: str, subject: str, body: str) -> None: ...


class Idempotency(Protocol):
    def run(self, scope: str, key: str, payload: dict[str, Any], work: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        """Run `work` once per (scope, key); a repeat returns the first result, another payload is refused."""
        ...


class Clock(Protocol):
    def __call__(self) -> datetime: ...


class PaymentRepository(Protocol):
    def add(self, payment: Any) -> None:
        """Store a new payment (its id must be new)."""
        ...

    def get(self, payment_id: str) -> Any | None: ...

    def save(self, payment: Any, expected_version: int) -> None:
        """Replace the payment only at that version, else ConcurrentUpdateError."""
        ...

    def by_intent(self, intent_id: str) -> Any | None: ...

    def in_flight_since(self, before: datetime, limit: int) -> list[Any]:
        """Payments still processing or awaiting 3-D Secure, last touched before `before`."""
        ...


class InvoiceRegister(Protocol):
    def issue(self, year: int, payment_id: str, brand: str, at: datetime) -> str:
        """The next invoice number of `year` for this payment; the same one if it already has one."""
        ...


class EventLog(Protocol):
    def seen(self, event_id: str) -> bool: ...

    def remember(self, event_id: str, event_type: str, at: datetime) -> None:
        """Note a handled event; kept longer than Stripe retries (3 days)."""
        ...


@dataclass(frozen=True)
class IntentView:
    """What Welt needs to know of a Stripe PaymentIntent."""

    id: str
    status: str  # Stripe's: succeeded, processing, requires_action, requires_payment_method, canceled, ...
    amount: int
    client_secret: str | None = None
    error_message: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)


class CardDeclinedError(Exception):
    """Stripe refused the card; the message is Stripe's, fit to show the buyer."""

    def __init__(self, message: str, intent_id: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.intent_id = intent_id


class InvalidSignatureError(Exception):
    """A webhook whose Stripe-Signature does not prove it came from Stripe."""


class PaymentGateway(Protocol):
    publishable_key: str
    js_url: str

    def create_and_confirm(self, amount: int, currency: str, payment_method: str, metadata: dict[str, str],
                           idempotency_key: str) -> IntentView:
        """Create a PaymentIntent with the card and confirm it on the server (CardDeclinedError if refused)."""
        ...

    def retrieve(self, intent_id: str) -> IntentView: ...

    def cancel(self, intent_id: str, idempotency_key: str) -> IntentView: ...

    def verify_event(self, payload: bytes, signature: str | None) -> dict[str, Any]:
        """The event, if the signature over the raw body is Stripe's and fresh; else InvalidSignatureError."""
        ...


class ShippingGroupRepository(Protocol):
    def add_next(self, brand: str, build: Callable[[int], Any]) -> Any:
        """Store `build(n)` under the brand's next group number n."""
        ...

    def get(self, brand: str, seq: int) -> Any | None: ...

    def save(self, group: Any, expected_version: int) -> None:
        """Replace the group only at that version, else ConcurrentUpdateError."""
        ...

    def remove(self, brand: str, seq: int, expected_version: int) -> None:
        """Forget a group whose creation could not be completed."""
        ...

    def brand_groups(self, brand: str, include_dissolved: bool) -> list[Any]:
        """The brand's groups, newest first."""
        ...
