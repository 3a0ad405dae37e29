"""Who is asking, and what of the brand's data they may reach: another brand's object is as missing as a missing one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from welt.domain.errors import ForbiddenError, NotFoundError
from welt.domain.model import Brand, Order, parse_order_number
from welt.domain.text import shown
from welt.services.ports import BrandRepository, OrderRepository


@dataclass(frozen=True)
class Caller:
    """Who is asking, from a verified token only."""

    subject: str
    brand: str | None
    staff: bool
    email: str | None = None
    issued_at: datetime | None = None  # the token's `iat`: sign-ins revoked after it are no longer honoured

    @property
    def actor(self) -> str:
        return f"staff:{self.subject}" if self.staff else f"brand:{self.brand}:{self.subject}"


def brand_of(brands: BrandRepository, caller: Caller) -> Brand:
    """The caller's own brand; staff and unregistered brands place no orders."""
    if caller.brand is None:
        raise ForbiddenError("Only brand users place and manage orders.")
    brand = brands.get(caller.brand)
    if brand is None:
        raise ForbiddenError(f"Brand {caller.brand} is not registered with the factory.")
    return brand


def order_key(caller: Caller, number: str) -> tuple[str, int]:
    """The (brand, seq) of an order number the caller may ask about; anything else is a 404."""
    parsed = parse_order_number(number)
    if parsed is None or (not caller.staff and parsed[0] != caller.brand):
        raise NotFoundError(f"No order {shown(number)} in your order pool.")
    return parsed


def find_orders(repository: OrderRepository, caller: Caller, numbers: Sequence[str]) -> list[Order]:
    """The caller's orders by number, in one read; the first one missing (or another brand's) is a 404."""
    keys = [order_key(caller, number) for number in numbers]
    orders = repository.get_many(keys)
    if len(orders) != len(keys):
        found = {order.order_number for order in orders}
        raise NotFoundError(f"No order {shown(next(n for n in numbers if n not in found))} in your order pool.")
    return orders


def find_order(repository: OrderRepository, caller: Caller, number: str) -> Order:
    """The caller's order by number."""
    order = repository.get(*order_key(caller, number))
    if order is None:
        raise NotFoundError(f"No order {shown(number)} in your order pool.")
    return order
