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


@dataclass(frozen=True)
class Page:
    orders: list[Order]
    last_key: dict[str, Any] | None  # where the next page starts, None at the end


class OrderRepository(Protocol):
    def add_next(self, brand: str, build: Callable[[int], Order]) -> Order:
        """Store `build(n)` under the brand's next order number n (gapless, never duplicated)."""
        ...

    def get(self, brand: str, seq: int) -> Order | None: ...

    def save(self, order: Order, expected_version: int, expected_status: OrderStatus) -> None:
        """Replace the order only if it is still at that version and status, else ConcurrentUpdateError."""
        ...

    def brand_page(self, brand: str, where: OrderFilter, after: dict[str, Any] | None, limit: int) -> Page:
        """The brand's orders, newest first."""
        ...

    def all_brands_page(self, where: OrderFilter, after: dict[str, Any] | None, limit: int) -> Page:
        """Every brand's orders, newest first (staff)."""
        ...


class BrandRepository(Protocol):
    def get(self, code: str) -> Brand | None: ...

    def add(self, brand: Brand) -> None:
        """Register a brand that does not exist yet (seeding); an existing one is left alone."""
        ...

    def save(self, brand: Brand, expected_version: int) -> None: ...


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
