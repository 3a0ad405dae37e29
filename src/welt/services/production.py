"""Factory staff's side: custom stamps now; production stages and shipping follow."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from welt.domain.errors import ForbiddenError, NotFoundError, StateConflictError
from welt.domain.model import BRAND_CODE, Order, ProductionStage, StampStatus
from welt.services.orders import Caller, OrderDesk
from welt.services.ports import ConcurrentUpdateError, OrderFilter

RETRIES = 8


class StampsUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Literal["READY"]


def _staff_only(caller: Caller) -> None:
    if not caller.staff:
        raise ForbiddenError("This is for factory staff.")


def mark_stamps_ready(desk: OrderDesk, caller: Caller, code: str, update: StampsUpdate) -> dict[str, Any]:
    """The brand's stamps are made: its orders waiting for them move on to cutting."""
    _staff_only(caller)
    brand = desk.brands.get(code) if BRAND_CODE.match(code) else None
    if brand is None:
        raise NotFoundError(f"No brand {code}.")
    for _ in range(RETRIES):
        if brand.stamps_status is StampStatus.READY:
            break
        try:
            desk.brands.save(brand.model_copy(update={"stamps_status": StampStatus.READY, "version": brand.version + 1}),
                             brand.version)
            break
        except ConcurrentUpdateError:
            brand = desk.brands.get(code)
            assert brand is not None
    else:
        raise StateConflictError(f"Brand {code} keeps changing; try again.")
    moved = _move_waiting_orders(desk, caller, code)
    current = desk.brands.get(code)
    assert current is not None
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
    for _ in range(RETRIES):
        if order.production_stage is not ProductionStage.AWAITING_STAMPS:
            return False
        try:
            desk.orders.save(order.release_from_stamps(desk.clock(), caller.actor), order.version, order.status)
            return True
        except ConcurrentUpdateError:
            fresh = desk.orders.get(order.brand, order.seq)
            if fresh is None:
                return False
            order = fresh
    return False
