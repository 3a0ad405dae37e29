"""Every business change is one `Transaction`: the services collect its writes, each with the state it expects,
and the store applies all of them or none."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from welt.domain.model import Brand, Order, OrderStatus, StampStatus
from welt.domain.payment import Payment
from welt.domain.shipping_group import ShippingGroup
from welt.domain.verifactu import RegistrationRecord, SendingTurn
from welt.services.ports.mail import OutboxMessage


class ConcurrentUpdateError(Exception):
    """A conditional write lost to another writer; the caller decides whether to retry."""


# ---------------------------------------------------------------- the write model


@dataclass(frozen=True)
class OrderWrite:
    """The order as changed (with its new timeline events); `expected` is the version it was read at (None: new)."""

    order: Order
    expected_version: int | None
    expected_status: OrderStatus | None = None


@dataclass(frozen=True)
class BrandWrite:
    """The brand as changed, at the version it was read at; None registers a new brand under a free code."""

    brand: Brand
    expected_version: int | None


@dataclass(frozen=True)
class BrandCheck:
    """The brand's stamps must still be at this status when the transaction applies (nothing is written)."""

    code: str
    stamps_status: StampStatus


@dataclass(frozen=True)
class GroupWrite:
    group: ShippingGroup
    expected_version: int | None


@dataclass(frozen=True)
class PaymentWrite:
    payment: Payment
    expected_version: int | None


@dataclass(frozen=True)
class InvoiceNumberWrite:
    """The year's invoice counter moves from `seq - 1` to `seq`, and the invoice row is written."""

    year: int
    seq: int
    number: str
    payment_id: str
    brand: str
    at: datetime
    # "" for full invoices (F1); RECTIFYING_SERIES for rectifying invoices, gapless on their own.
    series: str = ""


@dataclass(frozen=True)
class RegistrationRecordWrite:
    """A VERI*FACTU record, written once, and the chain's head moved onto it from the record before it.

    The head moves only from `record.previous_fingerprint` (or from nothing for the first record), so two
    invoices settling at once cannot both chain to the same record: one commits, the other reads again.
    `then` is a record chained right after it in the same transaction (a refund that overtook the success is
    rectified as the invoice is issued): the head moves once, onto the last of the two.
    """

    record: RegistrationRecord
    then: RegistrationRecord | None = None


@dataclass(frozen=True)
class SubmissionWrite:
    """AEAT's answer on a record: its submission state moves from PENDING, the record's fields untouched."""

    record: RegistrationRecord


@dataclass(frozen=True)
class SendingTurnWrite:
    """The queue's turn to send to AEAT moves from `expected_version` (None: it is created): one run at a time."""

    turn: SendingTurn
    expected_version: int | None


@dataclass(frozen=True)
class CheckoutKeyWrite:
    """Which checkout (brand and hashed Idempotency-Key) placed which order, written once."""

    brand: str
    key_hash: str
    fingerprint: str
    order_number: str
    at: datetime


@dataclass(frozen=True)
class MessageWrite:
    """An email to send exactly once: written once, with the change that calls for it."""

    message: OutboxMessage


@dataclass(frozen=True)
class CappedUse:
    """One more use of something a brand may do at most `cap` times in the clock hour starting at `hour`.

    Refused (the transaction with it) once the hour's uses reach the cap; the count is kept a while past the hour.
    """

    what: str
    brand: str
    hour: datetime
    cap: int

    @classmethod
    def now(cls, what: str, brand: str, cap: int, at: datetime) -> CappedUse:
        return cls(what, brand, at.replace(minute=0, second=0, microsecond=0), cap)

    def seconds_left(self, at: datetime) -> int:
        """Until the next hour, when the count starts again (at least one)."""
        return max(1, math.ceil((self.hour + timedelta(hours=1) - at).total_seconds()))


Write = (
    OrderWrite
    | BrandWrite
    | BrandCheck
    | GroupWrite
    | PaymentWrite
    | InvoiceNumberWrite
    | RegistrationRecordWrite
    | SubmissionWrite
    | SendingTurnWrite
    | CheckoutKeyWrite
    | MessageWrite
    | CappedUse
)


@dataclass
class Transaction:
    """The writes of one business change, applied together or not at all (at most 100 items)."""

    writes: list[Write] = field(default_factory=list)

    def add(self, *writes: Write) -> Transaction:
        self.writes.extend(writes)
        return self

    def order(self, changed: Order, was: Order | None) -> Transaction:
        """Write `changed`, which must still be at `was`'s version and status (a new order when `was` is None)."""
        if was is not None and changed is was:
            return self
        return self.add(OrderWrite(changed, was.version if was else None, was.status if was else None))

    def brand(self, changed: Brand, was: Brand | None) -> Transaction:
        """Write `changed` at `was`'s version (a new brand, whose code must be free, when `was` is None)."""
        if was is not None and changed is was:
            return self
        return self.add(BrandWrite(changed, was.version if was else None))

    def group(self, changed: ShippingGroup, was: ShippingGroup | None) -> Transaction:
        if was is not None and changed is was:
            return self
        return self.add(GroupWrite(changed, was.version if was else None))

    def payment(self, changed: Payment, was: Payment | None) -> Transaction:
        if was is not None and changed is was:
            return self
        return self.add(PaymentWrite(changed, was.version if was else None))

    def send(self, message: OutboxMessage) -> Transaction:
        return self.add(MessageWrite(message))


class TransactionConflictError(ConcurrentUpdateError):
    """A transaction was refused because the state one of its writes expected has changed: none applied."""

    def __init__(self, failed: Sequence[Write]) -> None:
        super().__init__(", ".join(type(write).__name__ for write in failed))
        self.failed = list(failed)

    def failed_on(self, kind: type[Any]) -> bool:
        return any(isinstance(write, kind) for write in self.failed)


class Store(Protocol):
    def commit(self, transaction: Transaction) -> None:
        """Apply every write of the transaction, or none (TransactionConflictError names the writes refused)."""
        ...


class Clock(Protocol):
    def __call__(self) -> datetime: ...
