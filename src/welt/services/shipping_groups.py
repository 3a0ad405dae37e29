"""Shipping groups: build, change and dissolve them while unpaid; show their costs and savings.

A group and its orders are separate items, written one after the other: the group is written
first when it is being fixed (created, paid), and undone if an order refuses, so no order is
ever left in a group that does not list it.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from welt.domain.errors import FieldProblem, NotFoundError, StateConflictError, ValidationFailedError
from welt.domain.model import Order, parse_order_number
from welt.domain.shipping_group import (
    MAX_ORDERS,
    MIN_ORDERS,
    GroupStatus,
    ShippingGroup,
    check_groupable,
    group_costs,
    parse_group_id,
)
from welt.services.orders import Caller, OrderDesk, amend_order, brand_of, find_order
from welt.services.ports import ConcurrentUpdateError, OrderRepository, ShippingGroupRepository


class NewGroup(BaseModel):
    model_config = ConfigDict(extra="forbid")

    order_numbers: list[str] = Field(min_length=1, max_length=100)


class GroupAddition(BaseModel):
    model_config = ConfigDict(extra="forbid")

    order_number: str = Field(max_length=32)


def find_group(desk: OrderDesk, caller: Caller, text: str) -> ShippingGroup:
    return lookup_group(desk.groups, caller, text)


def lookup_group(groups: ShippingGroupRepository, caller: Caller, text: str, include_dissolved: bool = False) -> ShippingGroup:
    """The caller's group by id; another brand's group is as missing as a missing one."""
    parsed = parse_group_id(text)
    missing = NotFoundError(f"No shipping group {text}.")
    if parsed is None or (not caller.staff and parsed[0] != caller.brand):
        raise missing
    group = groups.get(*parsed)
    if group is None or (group.status is GroupStatus.DISSOLVED and not include_dissolved):
        raise missing
    return group


def orders_of(repository: OrderRepository, group: ShippingGroup) -> list[Order]:
    found = [repository.get(*parse_order_number(n)) for n in group.order_numbers]  # type: ignore[misc]
    return [order for order in found if order is not None]


def group_view(desk: OrderDesk, group: ShippingGroup) -> dict[str, Any]:
    orders = orders_of(desk.orders, group)
    brand = desk.brands.get(group.brand)
    costs = group_costs(desk.catalog, orders, brand is not None and brand.stamp_fee_due(group.payment_id))
    if group.status not in (GroupStatus.OPEN, GroupStatus.DISSOLVED):
        # Paid: show what was charged; the orders keep the stamp fee their payment carried.
        carried = sum(order.costs.customization for order in orders)
        costs["total"] = int(costs["total"]) - int(costs["customization"]) + carried
        costs["customization"] = carried
    savings = costs.pop("shipping_savings")
    return {
        "shipping_group_id": group.shipping_group_id,
        "order_numbers": group.order_numbers,
        "status": group.status.value,
        "costs": costs,
        "shipping_savings": savings,
        "pairs": sum(order.pairs for order in orders),
        "payment_id": group.payment_id,
        "tracking": group.tracking.model_dump(mode="json") if group.tracking else None,
        "version": group.version,
        "created_at": group.created_at.isoformat(),
        "updated_at": group.updated_at.isoformat(),
    }


def _set_order_group(desk: OrderDesk, caller: Caller, number: str, group: str, joining: bool,
                     alongside: Order | None = None) -> Order:
    """Join or leave the group; a lost race re-reads and re-checks (against `alongside`, an order already in it)."""

    def change(order: Order) -> Order:
        if joining:
            if order.shipping_group_id == group:
                return order  # joined by an earlier attempt that did not finish
            check_groupable([alongside, order] if alongside and alongside is not order else [order], group)
            return order.join_group(group, desk.clock(), caller.actor)
        if order.shipping_group_id != group:
            return order
        return order.leave_group(group, desk.clock(), caller.actor)

    return amend_order(desk.orders, number, change)


def create_group(desk: OrderDesk, caller: Caller, request: NewGroup) -> dict[str, Any]:
    brand = brand_of(desk.brands, caller)
    numbers = request.order_numbers
    if not MIN_ORDERS <= len(numbers) <= MAX_ORDERS:
        raise ValidationFailedError(
            f"A shipping group holds {MIN_ORDERS} to {MAX_ORDERS} orders.",
            [FieldProblem(("order_numbers",), f"{len(numbers)} orders given")],
        )
    repeated = sorted({n for n in numbers if numbers.count(n) > 1})
    if repeated:
        raise ValidationFailedError("Each order may be named once.",
                                    [FieldProblem(("order_numbers",), f"{', '.join(repeated)} named twice")])
    orders = [find_order(desk.orders, caller, number) for number in numbers]
    check_groupable(orders)
    now = desk.clock()
    group = desk.groups.add_next(brand.code, lambda seq: ShippingGroup(
        brand=brand.code, seq=seq, order_numbers=numbers, created_at=now, updated_at=now))
    joined: list[str] = []
    try:
        first = None
        for number in numbers:
            # Each order is re-checked against the first one joined, which no edit can change any more.
            added = _set_order_group(desk, caller, number, group.shipping_group_id, joining=True, alongside=first)
            first = first or added
            joined.append(number)
    except (StateConflictError, ValidationFailedError):
        for number in joined:
            _set_order_group(desk, caller, number, group.shipping_group_id, joining=False)
        desk.groups.remove(group.brand, group.seq, group.version)
        raise
    return group_view(desk, group)


def list_groups(desk: OrderDesk, caller: Caller) -> dict[str, Any]:
    brand = brand_of(desk.brands, caller)
    return {"shipping_groups": [group_view(desk, g) for g in desk.groups.brand_groups(brand.code, include_dissolved=False)]}


def get_group(desk: OrderDesk, caller: Caller, text: str) -> dict[str, Any]:
    return group_view(desk, find_group(desk, caller, text))


def _save_group(desk: OrderDesk, group: ShippingGroup, changed: ShippingGroup) -> None:
    try:
        desk.groups.save(changed, expected_version=group.version)
    except ConcurrentUpdateError:
        raise StateConflictError(
            f"Shipping group {group.shipping_group_id} changed meanwhile (a payment may have started); reload it."
        ) from None


def add_order(desk: OrderDesk, caller: Caller, text: str, request: GroupAddition) -> dict[str, Any]:
    brand_of(desk.brands, caller)
    group = find_group(desk, caller, text)
    order = find_order(desk.orders, caller, request.order_number)
    changed = group.with_order(order.order_number, desk.clock())
    check_groupable([*orders_of(desk.orders, group), order], group.shipping_group_id)
    # The order first: if the group then refuses (a payment started), the order is taken back out.
    members = orders_of(desk.orders, group)
    _set_order_group(desk, caller, order.order_number, group.shipping_group_id, joining=True,
                     alongside=members[0] if members else None)
    try:
        _save_group(desk, group, changed)
    except StateConflictError:
        _set_order_group(desk, caller, order.order_number, group.shipping_group_id, joining=False)
        raise
    return group_view(desk, changed)


def remove_order(desk: OrderDesk, caller: Caller, text: str, number: str) -> dict[str, Any]:
    brand_of(desk.brands, caller)
    group = find_group(desk, caller, text)
    if number not in group.order_numbers:
        order = find_order(desk.orders, caller, number)
        if order.shipping_group_id == group.shipping_group_id:  # a removal that died half-way: finish it
            _set_order_group(desk, caller, number, group.shipping_group_id, joining=False)
            return group_view(desk, group)
    changed = group.without_order(number, desk.clock())
    # The group first: once it no longer lists the order, no payment of the group can take it.
    _save_group(desk, group, changed)
    _set_order_group(desk, caller, number, group.shipping_group_id, joining=False)
    return group_view(desk, changed)


def dissolve_group(desk: OrderDesk, caller: Caller, text: str) -> dict[str, Any]:
    brand_of(desk.brands, caller)
    group = lookup_group(desk.groups, caller, text, include_dissolved=True)
    if group.status is GroupStatus.DISSOLVED:
        changed = group  # dissolving again frees any order a dissolve that died half-way left behind
    else:
        changed = group.dissolved(desk.clock())
        _save_group(desk, group, changed)
    for number in group.order_numbers:
        _set_order_group(desk, caller, number, group.shipping_group_id, joining=False)
    return group_view(desk, changed)
