"""Factory staff's side: custom stamps, production stages, shipping and delivery."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from welt.domain.errors import ForbiddenError, NotFoundError, StateConflictError
from welt.domain.model import BRAND_CODE, Brand, Order, OrderStatus, ProductionStage, StampStatus, Tracking, parse_order_number
from welt.domain.shipping_group import GroupStatus, ShippingGroup
from welt.services.notifications import deliver_one, shipped_message
from welt.services.orders import Caller, OrderDesk, amend_brand, amend_order, current_view, find_order
from welt.services.ports import ConcurrentUpdateError, OrderFilter
from welt.services.shipping_groups import find_group, group_view, orders_of


class StampsUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Literal["READY"]


def _staff_only(caller: Caller) -> None:
    if not caller.staff:
        raise ForbiddenError("This is for factory staff.")


def mark_stamps_ready(desk: OrderDesk, caller: Caller, code: str, update: StampsUpdate) -> dict[str, Any]:
    """The brand's stamps are made: its orders waiting for them move on to cutting."""
    _staff_only(caller)
    if not BRAND_CODE.fullmatch(code):
        raise NotFoundError(f"No brand {code}.")

    def ready(brand: Brand) -> Brand:
        if brand.stamps_status is StampStatus.READY:
            return brand
        return brand.model_copy(update={"stamps_status": StampStatus.READY})

    current = amend_brand(desk.brands, code, ready)
    moved = _move_waiting_orders(desk, caller, code)
    return {**current.public_view(), "orders_released": moved}


def _move_waiting_orders(desk: OrderDesk, caller: Caller, code: str) -> list[str]:
    # Repeating this (a retry, or an order that launched meanwhile) moves only what still waits.
    moved = []
    waiting = OrderFilter(stage=ProductionStage.AWAITING_STAMPS)
    after = None
    while True:
        page = desk.orders.brand_page(code, waiting, after, 100)
        for order in page.orders:
            if _release(desk, caller, order):
                moved.append(order.order_number)
        if page.last_key is None:
            return moved
        after = page.last_key


def _release(desk: OrderDesk, caller: Caller, order: Order) -> bool:
    """Whether this call moved the order on; the last (winning) attempt decides."""
    outcome = {"moved": False}

    def release(current: Order) -> Order:
        outcome["moved"] = current.production_stage is ProductionStage.AWAITING_STAMPS
        return current.release_from_stamps(desk.clock(), caller.actor) if outcome["moved"] else current

    amend_order(desk.orders, order.order_number, release)
    return outcome["moved"]


class StageChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    stage: ProductionStage


class Shipment(BaseModel):
    model_config = ConfigDict(extra="forbid")

    carrier: str = Field(min_length=1, max_length=60)
    tracking_number: str = Field(min_length=1, max_length=60, pattern=r"^[A-Za-z0-9 -]+$")
    tracking_url: str | None = Field(default=None, max_length=500, pattern=r"^https?://[^\s]+$")


def _change_order(desk: OrderDesk, caller: Caller, number: str, change: Callable[[Order], Order]) -> Order:
    find_order(desk.orders, caller, number)  # 404 for what the caller may not see
    return amend_order(desk.orders, number, change)


def move_stage(desk: OrderDesk, caller: Caller, number: str, change: StageChange) -> dict[str, Any]:
    _staff_only(caller)

    def move(order: Order) -> Order:
        brand = desk.brands.get(order.brand)
        ready = brand is not None and brand.stamps_status is StampStatus.READY
        return order.move_to_stage(change.stage, ready, desk.clock(), caller.actor)

    return current_view(desk, _change_order(desk, caller, number, move))


def _tracking(shipment: Shipment, desk: OrderDesk) -> Tracking:
    return Tracking(carrier=shipment.carrier, tracking_number=shipment.tracking_number,
                    tracking_url=shipment.tracking_url, shipped_at=desk.clock())


def ship_order(desk: OrderDesk, caller: Caller, number: str, shipment: Shipment) -> dict[str, Any]:
    """One order leaves the factory; an order of a group ships with its group."""
    _staff_only(caller)
    order = find_order(desk.orders, caller, number)
    if order.shipping_group_id:
        raise StateConflictError(f"Order {number} is in shipping group {order.shipping_group_id}: ship the group.")
    if order.status is OrderStatus.SHIPPED and order.tracking and order.tracking.tracking_number == shipment.tracking_number:
        _send(desk, order.order_number, [order], order.tracking)  # the same request again: the email if it was lost
        return current_view(desk, order)
    tracking = _tracking(shipment, desk)
    shipped = _change_order(desk, caller, number, lambda o: o.ship(tracking, desk.clock(), caller.actor))
    _send(desk, shipped.order_number, [shipped], tracking)
    return current_view(desk, shipped)


def ship_group(desk: OrderDesk, caller: Caller, text: str, shipment: Shipment) -> dict[str, Any]:
    """A paid group ships once every order in it is ready, with one tracking number for all."""
    _staff_only(caller)
    group = find_group(desk, caller, text)
    if group.status is GroupStatus.SHIPPED:
        if group.tracking and group.tracking.tracking_number == shipment.tracking_number:
            _ship_group_orders(desk, caller, group, group.tracking)  # the same request again finishes what is left
            return group_view(desk, group)
        raise StateConflictError(f"Shipping group {text} has already shipped.")
    orders = orders_of(desk.orders, group)
    not_ready = [o.order_number + f" ({(o.production_stage or o.status).value})" for o in orders
                 if o.production_stage is not ProductionStage.READY_TO_SHIP or o.status is not OrderStatus.WORK_IN_PROCESS]
    if group.status is not GroupStatus.PAID or not_ready:
        reason = f"it is {group.status.value}" if group.status is not GroupStatus.PAID else f"not ready: {', '.join(not_ready)}"
        raise StateConflictError(f"Shipping group {text} cannot ship: {reason}.")
    tracking = _tracking(shipment, desk)
    try:
        # The group's conditional write picks one winner among staff shipping it at once.
        desk.groups.save(group.shipped(tracking, desk.clock()), expected_version=group.version)
    except ConcurrentUpdateError:
        raise StateConflictError(f"Shipping group {text} changed meanwhile (shipped by someone else?); reload it.") from None
    _ship_group_orders(desk, caller, group, tracking)
    return group_view(desk, find_group(desk, caller, text))


def _ship_group_orders(desk: OrderDesk, caller: Caller, group: ShippingGroup, tracking: Tracking) -> None:
    """Every order of a shipped group, shipped with the group's tracking; repeatable after a crash."""
    def ship(order: Order) -> Order:
        return order if order.status is OrderStatus.SHIPPED else order.ship(tracking, desk.clock(), caller.actor)

    shipped = [_change_order(desk, caller, number, ship) for number in group.order_numbers]
    _send(desk, group.shipping_group_id, shipped, tracking)


def _send(desk: OrderDesk, key: str, orders: list[Order], tracking: Tracking) -> None:
    message = shipped_message(key, orders, tracking, desk.catalog)
    desk.outbox.enqueue(message)
    deliver_one(desk.outbox, desk.mailer, message.message_id, desk.clock)


def deliver_order(desk: OrderDesk, caller: Caller, number: str) -> dict[str, Any]:
    _staff_only(caller)

    def deliver(order: Order) -> Order:
        if order.status is OrderStatus.DELIVERED:
            return order
        return order.deliver(desk.clock(), caller.actor)

    return current_view(desk, _change_order(desk, caller, number, deliver))


def order_for_staff(desk: OrderDesk, caller: Caller, number: str) -> dict[str, Any]:
    _staff_only(caller)
    parsed = parse_order_number(number)
    order = desk.orders.get(*parsed) if parsed else None
    if order is None:
        raise NotFoundError(f"No order {number}.")
    return current_view(desk, order)


def list_brands(desk: OrderDesk, caller: Caller) -> dict[str, Any]:
    """Staff: every brand with its labeling default and stamps status."""
    _staff_only(caller)
    return {"brands": [brand.public_view() for brand in desk.brands.all()]}


def list_groups(desk: OrderDesk, caller: Caller, status: GroupStatus | None) -> dict[str, Any]:
    """Staff: every brand's shipping groups (PAID ones are those to ship), newest first per brand."""
    _staff_only(caller)
    groups = [g for brand in desk.brands.all() for g in desk.groups.brand_groups(brand.code, include_dissolved=False)]
    return {"shipping_groups": [group_view(desk, g) | {"brand": g.brand} for g in groups
                                if status is None or g.status is status]}
