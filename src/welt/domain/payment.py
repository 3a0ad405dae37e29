"""Payments: what a brand pays for one order or one shipping group, and the states it goes through."""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any, TypedDict, Unpack

from pydantic import BaseModel, ConfigDict, model_validator

from welt.domain.errors import StateConflictError


class PaymentState(StrEnum):
    REQUIRES_PAYMENT_METHOD = "REQUIRES_PAYMENT_METHOD"
    PROCESSING = "PROCESSING"
    REQUIRES_ACTION = "REQUIRES_ACTION"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    CANCELED = "CANCELED"
    # Stripe took another amount or currency than the payment's: the orders stay locked until staff decide.
    NEEDS_REVIEW = "NEEDS_REVIEW"


# States in which a card may (again) be offered.
CONFIRMABLE = (PaymentState.REQUIRES_PAYMENT_METHOD, PaymentState.FAILED)
# Card tries on one payment: enough for typos and a second card, too few to test stolen cards with.
MAX_CARD_ATTEMPTS = 5
# States in which the orders are locked and Stripe has (or may have) an intent.
IN_FLIGHT = (PaymentState.PROCESSING, PaymentState.REQUIRES_ACTION)


class CostSummary(BaseModel):
    """What a payment charges: the net, its IVA and the total, frozen when the payment is created."""

    model_config = ConfigDict(defer_build=True)

    manufacturing: int
    shipping: int
    customization: int
    net: int
    vat_rate_percent: int
    vat: int
    vat_note: str | None
    total: int
    # Which IVA rule applied (the invoice and its billing record follow it).
    vat_treatment: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _charged_before_vat(cls, stored: Any) -> Any:
        """Payments stored before IVA was charged took their total as the net."""
        if isinstance(stored, dict) and "net" not in stored:
            return {**stored, "net": stored["total"], "vat_rate_percent": 0, "vat": 0, "vat_note": None}
        return stored


def invoice_number(year: int, seq: int) -> str:
    return f"INV-{year}-{seq:06d}"


# Rectifying invoices have their own gapless yearly series.
RECTIFYING_SERIES = "R"


def rectifying_invoice_number(year: int, seq: int) -> str:
    return f"RECT-{year}-{seq:06d}"


class Rectification(BaseModel):
    """A rectifying invoice of a payment (R1, by differences): what one refund gave back, negative, IVA within."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    number: str
    issued_at: datetime
    total: int
    vat: int

    @property
    def net(self) -> int:
        return self.total - self.vat


class PaymentChange(TypedDict, total=False):
    """What one step of a payment's life changes (named, so a misspelt field is a type error)."""

    status: PaymentState
    attempt: int
    intent_id: str | None
    client_secret: str | None
    failure_message: str | None
    invoice_number: str | None
    refunded_amount: int
    rectifying_invoices: list[str]
    rectifications: list[Rectification]
    settled_at: datetime | None


class Payment(BaseModel):
    """One payment for one order or one shipping group, attempted card by card."""

    model_config = ConfigDict(defer_build=True)

    payment_id: str
    brand: str
    status: PaymentState = PaymentState.REQUIRES_PAYMENT_METHOD
    amount: int
    currency: str = "EUR"
    summary: CostSummary
    order_numbers: list[str]
    shipping_group_id: str | None = None
    includes_stamp_fee: bool = False
    attempt: int = 0
    intent_id: str | None = None
    client_secret: str | None = None
    failure_message: str | None = None
    invoice_number: str | None = None
    refunded_amount: int = 0
    # The rectifying invoices its refunds produced, oldest first: their numbers, and each one's amounts.
    rectifying_invoices: list[str] = []
    rectifications: list[Rectification] = []
    created_at: datetime
    updated_at: datetime
    settled_at: datetime | None = None
    version: int = 1

    def _next(self, at: datetime, **changes: Unpack[PaymentChange]) -> Payment:
        return self.model_copy(update={**changes, "updated_at": at, "version": self.version + 1})

    def start_attempt(self, at: datetime) -> Payment:
        if self.status not in CONFIRMABLE:
            raise StateConflictError(f"Payment {self.payment_id} is {self.status.value} and cannot take a card now.")
        if self.attempt >= MAX_CARD_ATTEMPTS:
            raise StateConflictError(f"Payment {self.payment_id} has had {MAX_CARD_ATTEMPTS} card attempts; start a new payment.")
        return self._next(
            at, status=PaymentState.PROCESSING, attempt=self.attempt + 1, intent_id=None, client_secret=None, failure_message=None
        )

    def is_current_intent(self, intent_id: str | None, attempt: int | None) -> bool:
        """Whether a Stripe intent belongs to the attempt this payment is on (older attempts are history)."""
        if self.intent_id is not None and intent_id == self.intent_id:
            return True
        return attempt is not None and attempt == self.attempt

    def with_intent(self, intent_id: str, at: datetime) -> Payment:
        """The attempt's PaymentIntent exists (not yet confirmed): recorded first, so a lost answer can be traced."""
        if self.status is not PaymentState.PROCESSING or self.intent_id is not None:
            raise StateConflictError(f"Payment {self.payment_id} is {self.status.value}; no intent to record.")
        return self._next(at, intent_id=intent_id)

    def needs_review(self, reason: str, at: datetime) -> Payment:
        if self.status not in IN_FLIGHT:
            raise StateConflictError(f"Payment {self.payment_id} is {self.status.value}, not in flight.")
        return self._next(at, status=PaymentState.NEEDS_REVIEW, failure_message=reason, client_secret=None)

    def awaiting_action(self, intent_id: str, client_secret: str, at: datetime) -> Payment:
        return self._next(at, status=PaymentState.REQUIRES_ACTION, intent_id=intent_id, client_secret=client_secret)

    def processing(self, intent_id: str, at: datetime) -> Payment:
        return self._next(at, status=PaymentState.PROCESSING, intent_id=intent_id, client_secret=None)

    def failed(self, message: str, at: datetime, intent_id: str | None = None) -> Payment:
        return self._next(
            at, status=PaymentState.FAILED, failure_message=message, client_secret=None, intent_id=intent_id or self.intent_id
        )

    def canceled(self, at: datetime, reason: str) -> Payment:
        return self._next(at, status=PaymentState.CANCELED, failure_message=reason, client_secret=None)

    def succeeded(self, intent_id: str, invoice: str, at: datetime) -> Payment:
        """Stripe took the money; the invoice number is taken in the same write."""
        if self.status not in IN_FLIGHT:
            raise StateConflictError(f"Payment {self.payment_id} is {self.status.value}, not in flight.")
        return self._next(
            at,
            status=PaymentState.SUCCEEDED,
            intent_id=intent_id,
            settled_at=at,
            client_secret=None,
            failure_message=None,
            invoice_number=invoice,
        )

    def revived(self, intent_id: str, at: datetime) -> Payment:
        """Stripe took the money for an attempt Welt had given up on: the payment is back in flight to settle."""
        if self.status not in (PaymentState.FAILED, PaymentState.CANCELED):
            raise StateConflictError(f"Payment {self.payment_id} is {self.status.value}; only a closed payment is revived.")
        return self._next(at, status=PaymentState.PROCESSING, intent_id=intent_id, failure_message=None)

    def invoiced(self, number: str, at: datetime) -> Payment:
        if self.status is not PaymentState.SUCCEEDED or self.invoice_number is not None:
            raise StateConflictError(f"Payment {self.payment_id} cannot take invoice {number}.")
        return self._next(at, invoice_number=number)

    def refunded(self, amount_refunded: int, at: datetime, rectification: Rectification | None = None) -> Payment:
        if rectification is None:
            return self._next(at, refunded_amount=amount_refunded)
        return self._next(
            at,
            refunded_amount=amount_refunded,
            rectifying_invoices=[*self.rectifying_invoices, rectification.number],
            rectifications=[*self.rectifications, rectification],
        )

    def rectification(self, number: str) -> Rectification | None:
        return next((r for r in self.rectifications if r.number == number), None)

    def vat_refunded(self, amount_refunded: int) -> int:
        """The IVA within `amount_refunded` of the total: in proportion, rounded half up, all of it at a full refund."""
        if amount_refunded >= self.amount:
            return self.summary.vat
        return int((Decimal(self.summary.vat) * amount_refunded / self.amount).quantize(Decimal(1), rounding=ROUND_HALF_UP))
