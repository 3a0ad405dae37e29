"""Group shipping: several MTO orders of one brand, one address, paid and shipped as one shipment."""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from typing import TypedDict, Unpack

from pydantic import BaseModel, ConfigDict

from welt.domain.errors import FieldProblem, StateConflictError, ValidationFailedError
from welt.domain.model import Order, OrderStatus, OrderType, PaymentStatus, Tracking

MIN_ORDERS = 2
MAX_ORDERS = 20
GROUP_ID = re.compile(r"^G(\d{4,12})-([A-Z]{3})$")


class GroupStatus(StrEnum):
    OPEN = "OPEN"
    PAYMENT_IN_PROGRESS = "PAYMENT_IN_PROGRESS"
    PAID = "PAID"
    SHIPPED = "SHIPPED"
    DISSOLVED = "DISSOLVED"


def group_id(brand: str, seq: int) -> str:
    return f"G{seq:04d}-{brand}"


def parse_group_id(text: str) -> tuple[str, int] | None:
    match = GROUP_ID.fullmatch(text)
    if not match:
        return None
    brand, seq = match.group(2), int(match.group(1))
    return (brand, seq) if seq > 0 and group_id(brand, seq) == text else None


def _normal(text: object) -> str:
    return " ".join(str(text or "").split()).casefold()


def address_key(order: Order) -> tuple[str, ...]:
    """Two addresses are the same shipment when they match field by field, ignoring case and spacing."""
    fields = order.shipping_address.model_dump()
    return tuple(_normal(fields[name]) for name in sorted(fields))


# The fields that tell two addresses apart, in the order a person names the difference: country first.
ADDRESS_FIELDS = ("country", "postal_code", "city", "line1", "line2", "region", "company", "name", "phone", "email")


def address_difference(order: Order, first: Order, others: str) -> str:
    """How `order`'s address differs from `first`'s, naming the first field that does: "00007-DMO ships to FR, the group to DE"."""
    mine, theirs = order.shipping_address.model_dump(), first.shipping_address.model_dump()
    name = next((name for name in ADDRESS_FIELDS if _normal(mine[name]) != _normal(theirs[name])), "line1")
    if name in ("country", "postal_code", "city"):
        return f"{order.order_number} ships to {mine[name]}, {others} to {theirs[name]}"
    shown = name.replace("_", " ").replace("line1", "street").replace("line2", "second address line")
    return f"{order.order_number} ships to another address ({shown} '{mine[name] or ''}'), {others} to '{theirs[name] or ''}'"


def grouping_problems(orders: list[Order], group: str | None = None) -> tuple[list[FieldProblem], list[str]]:
    """Why these orders cannot ship together: (validation problems, state conflicts), each naming the order."""
    invalid: list[FieldProblem] = []
    conflicts: list[str] = []
    first = orders[0] if orders else None
    for index, order in enumerate(orders):
        loc = ("order_numbers", index)
        if order.type is not OrderType.MTO:
            invalid.append(FieldProblem(loc, f"{order.order_number} is a {order.type.value} order; only MTO orders ship in groups"))
        if order.status is not OrderStatus.PENDING_PAYMENT:
            conflicts.append(f"{order.order_number} is {order.status.value}")
        elif order.payment_status is not PaymentStatus.UNPAID:
            conflicts.append(f"{order.order_number} has a payment {order.payment_status.value}")
        if order.shipping_group_id not in (None, group):
            conflicts.append(f"{order.order_number} is already in shipping group {order.shipping_group_id}")
        if first is not None and order is not first and address_key(order) != address_key(first):
            others = "the group" if group else first.order_number
            invalid.append(FieldProblem(loc, address_difference(order, first, others)))
    return invalid, conflicts


def check_groupable(orders: list[Order], group: str | None = None) -> None:
    invalid, conflicts = grouping_problems(orders, group)
    if invalid:
        raise ValidationFailedError("These orders cannot ship together.", invalid)
    if conflicts:
        raise StateConflictError(f"These orders cannot be grouped now: {'; '.join(conflicts)}.")


class GroupChange(TypedDict, total=False):
    """What one step of a group's life changes (named, so a misspelt field is a type error)."""

    order_numbers: list[str]
    status: GroupStatus
    payment_id: str | None
    tracking: Tracking | None


class ShippingGroup(BaseModel):
    model_config = ConfigDict(defer_build=True)

    brand: str
    seq: int
    order_numbers: list[str]
    status: GroupStatus = GroupStatus.OPEN
    payment_id: str | None = None
    tracking: Tracking | None = None
    version: int = 1
    created_at: datetime
    updated_at: datetime

    @property
    def shipping_group_id(self) -> str:
        return group_id(self.brand, self.seq)

    def _next(self, at: datetime, **changes: Unpack[GroupChange]) -> ShippingGroup:
        return self.model_copy(update={**changes, "updated_at": at, "version": self.version + 1})

    def _ensure_open(self, action: str) -> None:
        if self.status is not GroupStatus.OPEN:
            raise StateConflictError(
                f"Shipping group {self.shipping_group_id} is {self.status.value}; it can only {action} while unpaid "
                "with no payment in progress."
            )

    def with_order(self, number: str, at: datetime) -> ShippingGroup:
        self._ensure_open("gain orders")
        if number in self.order_numbers:
            raise StateConflictError(f"{number} is already in shipping group {self.shipping_group_id}.")
        if len(self.order_numbers) >= MAX_ORDERS:
            raise ValidationFailedError(
                f"A shipping group holds at most {MAX_ORDERS} orders.",
                [FieldProblem(("order_number",), f"{self.shipping_group_id} already has {MAX_ORDERS} orders")],
            )
        return self._next(at, order_numbers=[*self.order_numbers, number])

    def without_order(self, number: str, at: datetime) -> ShippingGroup:
        self._ensure_open("lose orders")
        if number not in self.order_numbers:
            raise StateConflictError(f"{number} is not in shipping group {self.shipping_group_id}.")
        if len(self.order_numbers) <= MIN_ORDERS:
            raise StateConflictError(f"Shipping group {self.shipping_group_id} needs at least {MIN_ORDERS} orders; dissolve it instead.")
        return self._next(at, order_numbers=[n for n in self.order_numbers if n != number])

    def dissolved(self, at: datetime) -> ShippingGroup:
        self._ensure_open("be dissolved")
        return self._next(at, status=GroupStatus.DISSOLVED)

    def payment_started(self, payment_id: str, at: datetime) -> ShippingGroup:
        self._ensure_open("be paid")
        return self._next(at, status=GroupStatus.PAYMENT_IN_PROGRESS, payment_id=payment_id)

    def payment_released(self, payment_id: str, at: datetime) -> ShippingGroup:
        if self.status is not GroupStatus.PAYMENT_IN_PROGRESS or self.payment_id != payment_id:
            raise StateConflictError(f"Shipping group {self.shipping_group_id} is not held by payment {payment_id}.")
        return self._next(at, status=GroupStatus.OPEN, payment_id=None)

    def paid(self, payment_id: str, at: datetime) -> ShippingGroup:
        if self.status is not GroupStatus.PAYMENT_IN_PROGRESS or self.payment_id != payment_id:
            raise StateConflictError(f"Shipping group {self.shipping_group_id} is not held by payment {payment_id}.")
        return self._next(at, status=GroupStatus.PAID)

    def shipped(self, tracking: Tracking, at: datetime) -> ShippingGroup:
        if self.status is not GroupStatus.PAID:
            raise StateConflictError(f"Shipping group {self.shipping_group_id} is {self.status.value}, not PAID.")
        return self._next(at, status=GroupStatus.SHIPPED, tracking=tracking)
