"""Shipping groups: build, change and dissolve them while unpaid; show their costs and savings.

A group and its orders change together: each change is one transaction holding the group and every
order it touches, so no order is ever in a group that does not list it.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict, Field

from welt.domain.errors import FieldProblem, NotFoundError, ValidationFailedError
from welt.domain.model import Order, parse_order_number
from welt.domain.shipping_group import (
    MAX_ORDERS,
    MIN_ORDERS,
    GroupStatus,
    ShippingGroup,
    check_groupable,
    parse_group_id,
)
from welt.domain.text import OrderNumberText, shown
from welt.services.callers import Caller, brand_of, find_order, find_orders
from welt.services.changes import until_applied
from welt.services.orders import OrderDesk
from welt.services.ports import OrderRepository, ShippingGroupRepository, Transaction
from welt.services.resources import ShippingGroupList, ShippingGroupResource, group_resource

GROUP_PAGE = 20
MAX_GROUP_PAGE = 50
# A page of groups reads its orders in one BatchGetItem, which takes at most a hundred keys.
ORDERS_PER_PAGE = 100


class NewGroup(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="forbid")

    order_numbers: list[OrderNumberText] = Field(min_length=1, max_length=100)


class GroupAddition(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="forbid")

    order_number: OrderNumberText


def lookup_group(groups: ShippingGroupRepository, caller: Caller, text: str, include_dissolved: bool = False) -> ShippingGroup:
    """The caller's group by id; another brand's group is as missing as a missing one."""
    parsed = parse_group_id(text)
    missing = NotFoundError(f"No shipping group {shown(text)}.")
    if parsed is None or (not caller.staff and parsed[0] != caller.brand):
        raise missing
    group = groups.get(*parsed)
    if group is None or (group.status is GroupStatus.DISSOLVED and not include_dissolved):
        raise missing
    return group


def orders_of(repository: OrderRepository, numbers: Sequence[str]) -> list[Order]:
    """The orders by number, in one read."""
    return repository.get_many([parsed for n in numbers if (parsed := parse_order_number(n))])


def _show(desk: OrderDesk, group: ShippingGroup) -> ShippingGroupResource:
    return group_resource(desk.catalog, group, orders_of(desk.orders, group.order_numbers), desk.brands.get(group.brand))


def create_group(desk: OrderDesk, caller: Caller, request: NewGroup) -> ShippingGroupResource:
    """One transaction: the brand's next group number, the group, and every order joining it."""
    numbers = request.order_numbers
    if not MIN_ORDERS <= len(numbers) <= MAX_ORDERS:
        raise ValidationFailedError(
            f"A shipping group holds {MIN_ORDERS} to {MAX_ORDERS} orders.",
            [FieldProblem(("order_numbers",), f"{len(numbers)} orders given")],
        )
    repeated = sorted({n for n in numbers if numbers.count(n) > 1})
    if repeated:
        raise ValidationFailedError(
            "Each order may be named once.", [FieldProblem(("order_numbers",), f"{', '.join(repeated)} named twice")]
        )

    def attempt() -> ShippingGroupResource:
        brand = brand_of(desk.brands, caller)
        orders = find_orders(desk.orders, caller, numbers)
        check_groupable(orders)
        numbered, seq = brand.with_next_group()
        now = desk.clock()
        group = ShippingGroup(brand=brand.code, seq=seq, order_numbers=numbers, created_at=now, updated_at=now)
        transaction = Transaction().brand(numbered, brand).group(group, None)
        joined = [order.join_group(group.shipping_group_id, now, caller.actor) for order in orders]
        for order, was in zip(joined, orders, strict=True):
            transaction.order(order, was)
        desk.store.commit(transaction)
        return group_resource(desk.catalog, group, joined, numbered)

    return until_applied(attempt, f"Brand {caller.brand}")


def list_groups(desk: OrderDesk, caller: Caller, limit: int = GROUP_PAGE, cursor: str | None = None) -> ShippingGroupList:
    """The brand's groups not dissolved, newest first, a page at a time (three reads: brand, groups, their orders)."""
    brand = brand_of(desk.brands, caller)
    scope = f"groups:{brand.code}"
    after = desk.cursors.start_of(scope, cursor)
    page = desk.groups.page(brand.code, None, after, limit, ORDERS_PER_PAGE)
    orders = orders_of(desk.orders, [n for group in page.items for n in group.order_numbers])
    return {
        "shipping_groups": [group_resource(desk.catalog, group, orders, brand) for group in page.items],
        "next_cursor": desk.cursors.after(scope, page.last_key),
    }


def get_group(desk: OrderDesk, caller: Caller, text: str) -> ShippingGroupResource:
    return _show(desk, lookup_group(desk.groups, caller, text))


def _change_group(desk: OrderDesk, caller: Caller, text: str, number: str, joining: bool) -> ShippingGroupResource:
    """One transaction: the group with one order more or less, and that order."""
    brand_of(desk.brands, caller)

    def attempt() -> ShippingGroupResource:
        group = lookup_group(desk.groups, caller, text)
        now = desk.clock()
        if joining:
            order = find_order(desk.orders, caller, number)
            changed = group.with_order(order.order_number, now)
            members = orders_of(desk.orders, group.order_numbers)
            check_groupable([*members, order], group.shipping_group_id)
            moved = order.join_group(group.shipping_group_id, now, caller.actor)
        else:
            changed = group.without_order(number, now)
            order = find_order(desk.orders, caller, number)
            moved = order.leave_group(group.shipping_group_id, now, caller.actor)
        desk.store.commit(Transaction().group(changed, group).order(moved, order))
        return _show(desk, changed)

    return until_applied(attempt, f"Shipping group {text}")


def add_order(desk: OrderDesk, caller: Caller, text: str, request: GroupAddition) -> ShippingGroupResource:
    return _change_group(desk, caller, text, request.order_number, joining=True)


def remove_order(desk: OrderDesk, caller: Caller, text: str, number: str) -> ShippingGroupResource:
    return _change_group(desk, caller, text, number, joining=False)


def dissolve_group(desk: OrderDesk, caller: Caller, text: str) -> ShippingGroupResource:
    """One transaction: the group DISSOLVED and every order out of it; dissolving again changes nothing."""
    brand_of(desk.brands, caller)

    def attempt() -> ShippingGroupResource:
        group = lookup_group(desk.groups, caller, text, include_dissolved=True)
        if group.status is GroupStatus.DISSOLVED:
            return _show(desk, group)
        now = desk.clock()
        changed = group.dissolved(now)
        transaction = Transaction().group(changed, group)
        for order in orders_of(desk.orders, group.order_numbers):
            if order.shipping_group_id == group.shipping_group_id:
                transaction.order(order.leave_group(group.shipping_group_id, now, caller.actor), order)
        desk.store.commit(transaction)
        return _show(desk, changed)

    return until_applied(attempt, f"Shipping group {text}")
