"""Factory staff's side: custom stamps, production stages, shipping and delivery.

Each change is one transaction: the order (or the group and its orders) with its timeline events, and
the shipped email when something ships.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from welt.domain.errors import ForbiddenError, NotFoundError, StateConflictError
from welt.domain.model import BRAND_CODE, Brand, OrderStatus, ProductionStage, Tracking, parse_order_number
from welt.domain.shipping_group import GroupStatus
from welt.domain.text import clean_text, shown
from welt.services.callers import Caller, find_order
from welt.services.changes import until_applied
from welt.services.notifications import shipped_message, stamps_message
from welt.services.orders import OrderDesk, current_view
from welt.services.ports import OrderFilter, Transaction
from welt.services.resources import (
    OrderResource,
    ShippingGroupResource,
    StaffShippingGroupList,
    StampsReady,
    brand_resource,
    group_resource,
)
from welt.services.shipping_groups import GROUP_PAGE, ORDERS_PER_PAGE, lookup_group, orders_of


class StampsUpdate(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="forbid")

    status: Literal["READY"]


def _staff_only(caller: Caller) -> None:
    if not caller.staff:
        raise ForbiddenError("This is for factory staff.")


def mark_stamps_ready(desk: OrderDesk, caller: Caller, code: str, update: StampsUpdate) -> StampsReady:
    """The brand's stamps are made: its orders waiting for them move on to cutting.

    The brand is written first; from then on no launch parks an order at the stamps (a launch checks the
    brand's stamps in its own transaction), so the orders still waiting are exactly those this sweep finds.
    Repeating it moves only what still waits.
    """
    _staff_only(caller)
    if not BRAND_CODE.fullmatch(code):
        raise NotFoundError(f"No brand {code}.")

    def ready() -> Brand:
        brand = desk.brands.get(code)
        if brand is None:
            raise NotFoundError(f"No brand {code}.")
        made = brand.stamps_made(desk.clock(), caller.actor)
        transaction = Transaction().brand(made, brand)
        if made is not brand and brand.contact_email:
            transaction.send(stamps_message(made, brand.contact_email))
        desk.store.commit(transaction)
        return made

    current = until_applied(ready, f"Brand {code}")
    moved: list[str] = []
    waiting = OrderFilter(brand=code, stage=ProductionStage.AWAITING_STAMPS)
    after = None
    while True:
        page = desk.orders.page(waiting, after, 100)
        moved += [number for order in page.items if (number := _release(desk, caller, order.order_number))]
        if page.last_key is None:
            shown = brand_resource(current)
            return {
                "code": shown["code"],
                "name": shown["name"],
                "labeling_default": shown["labeling_default"],
                "stamps_status": shown["stamps_status"],
                "orders_released": moved,
            }
        after = page.last_key


def _release(desk: OrderDesk, caller: Caller, number: str) -> str | None:
    """The order's number if this call moved it on from the stamps."""

    def attempt() -> str | None:
        order = find_order(desk.orders, caller, number)
        if order.production_stage is not ProductionStage.AWAITING_STAMPS:
            return None
        desk.store.commit(Transaction().order(order.release_from_stamps(desk.clock(), caller.actor), order))
        return number

    return until_applied(attempt, f"Order {number}")


class StageChange(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="forbid")

    stage: ProductionStage


class Shipment(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="forbid")

    carrier: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60), AfterValidator(clean_text)]
    tracking_number: str = Field(min_length=1, max_length=60, pattern=r"^[A-Za-z0-9 -]+$")
    tracking_url: str | None = Field(default=None, max_length=500, pattern=r"^https?://[^\s]+$")


def move_stage(desk: OrderDesk, caller: Caller, number: str, change: StageChange) -> OrderResource:
    _staff_only(caller)

    def attempt() -> OrderResource:
        order = find_order(desk.orders, caller, number)
        brand = desk.brands.get(order.brand)
        moved = order.move_to_stage(change.stage, brand is not None and brand.stamps_ready, desk.clock(), caller.actor)
        desk.store.commit(Transaction().order(moved, order))
        return current_view(desk, moved)

    return until_applied(attempt, f"Order {number}")


class StageMoveUndo(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="forbid")

    version: int = Field(ge=1, le=999_999_999, description="The move to take back, by the order `version` its answer gave.", examples=[7])


def undo_stage_move(desk: OrderDesk, caller: Caller, number: str, undo: StageMoveUndo) -> OrderResource:
    """Staff take back a stage move within a minute: the order goes back to the stage it left.

    One conditional write on the order's version, so an undo racing another move or undo has one winner;
    the loser reads the order again and finds the move it named is no longer the latest (409).
    """
    _staff_only(caller)

    def attempt() -> OrderResource:
        order = find_order(desk.orders, caller, number)
        back = order.undo_stage_move(undo.version, desk.clock(), caller.actor)
        desk.store.commit(Transaction().order(back, order))
        return current_view(desk, back)

    return until_applied(attempt, f"Order {number}")


def _tracking(shipment: Shipment, desk: OrderDesk) -> Tracking:
    return Tracking(
        carrier=shipment.carrier, tracking_number=shipment.tracking_number, tracking_url=shipment.tracking_url, shipped_at=desk.clock()
    )


def _same_shipment(tracking: Tracking | None, shipment: Shipment) -> bool:
    return tracking is not None and tracking.tracking_number == shipment.tracking_number


def ship_order(desk: OrderDesk, caller: Caller, number: str, shipment: Shipment) -> OrderResource:
    """One order leaves the factory with its email; an order of a group ships with its group."""
    _staff_only(caller)

    def attempt() -> OrderResource:
        order = find_order(desk.orders, caller, number)
        if order.shipping_group_id:
            raise StateConflictError(f"Order {number} is in shipping group {order.shipping_group_id}: ship the group.")
        if order.status is OrderStatus.SHIPPED and _same_shipment(order.tracking, shipment):
            return current_view(desk, order)  # the same request again: done, its email went with it
        tracking = _tracking(shipment, desk)
        shipped = order.ship(tracking, desk.clock(), caller.actor)
        desk.store.commit(Transaction().order(shipped, order).send(shipped_message(order.order_number, [shipped], tracking, desk.catalog)))
        return current_view(desk, shipped)

    return until_applied(attempt, f"Order {number}")


def ship_group(desk: OrderDesk, caller: Caller, text: str, shipment: Shipment) -> ShippingGroupResource:
    """A paid group ships once every order in it is ready: the group, its orders and one email, together."""
    _staff_only(caller)

    def attempt() -> ShippingGroupResource:
        group = lookup_group(desk.groups, caller, text)
        orders = orders_of(desk.orders, group.order_numbers)
        if group.status is GroupStatus.SHIPPED:
            if _same_shipment(group.tracking, shipment):
                return group_resource(desk.catalog, group, orders, None)
            raise StateConflictError(f"Shipping group {text} has already shipped.")
        not_ready = [
            o.order_number + f" ({(o.production_stage or o.status).value})"
            for o in orders
            if o.production_stage is not ProductionStage.READY_TO_SHIP or o.status is not OrderStatus.WORK_IN_PROCESS
        ]
        if group.status is not GroupStatus.PAID or not_ready:
            reason = f"it is {group.status.value}" if group.status is not GroupStatus.PAID else f"not ready: {', '.join(not_ready)}"
            raise StateConflictError(f"Shipping group {text} cannot ship: {reason}.")
        now = desk.clock()
        tracking = _tracking(shipment, desk)
        changed = group.shipped(tracking, now)
        transaction = Transaction().group(changed, group)
        shipped = [order.ship(tracking, now, caller.actor) for order in orders]
        for order, was in zip(shipped, orders, strict=True):
            transaction.order(order, was)
        desk.store.commit(transaction.send(shipped_message(group.shipping_group_id, shipped, tracking, desk.catalog)))
        return group_resource(desk.catalog, changed, shipped, None)

    return until_applied(attempt, f"Shipping group {text}")


def deliver_order(desk: OrderDesk, caller: Caller, number: str) -> OrderResource:
    _staff_only(caller)

    def attempt() -> OrderResource:
        order = find_order(desk.orders, caller, number)
        if order.status is not OrderStatus.DELIVERED:
            delivered = order.deliver(desk.clock(), caller.actor)
            desk.store.commit(Transaction().order(delivered, order))
            order = delivered
        return current_view(desk, order)

    return until_applied(attempt, f"Order {number}")


def order_for_staff(desk: OrderDesk, caller: Caller, number: str) -> OrderResource:
    _staff_only(caller)
    parsed = parse_order_number(number)
    order = desk.orders.get(*parsed) if parsed else None
    if order is None:
        raise NotFoundError(f"No order {shown(number)}.")
    return current_view(desk, order)


def list_groups(
    desk: OrderDesk, caller: Caller, status: GroupStatus | None, limit: int = GROUP_PAGE, cursor: str | None = None
) -> StaffShippingGroupList:
    """Staff: every brand's shipping groups (PAID ones are those to ship), newest first, a page at a time."""
    _staff_only(caller)
    scope = f"admin-groups:{status}"
    after = desk.cursors.start_of(scope, cursor)
    page = desk.groups.page(None, status, after, limit, ORDERS_PER_PAGE)
    orders = orders_of(desk.orders, [n for group in page.items for n in group.order_numbers])
    brands = desk.brands.get_many(sorted({group.brand for group in page.items if group.status is GroupStatus.OPEN}))
    return {
        "shipping_groups": [{**group_resource(desk.catalog, g, orders, brands.get(g.brand)), "brand": g.brand} for g in page.items],
        "next_cursor": desk.cursors.after(scope, page.last_key),
    }
