"""The order pool: a brand's orders, and staff's view of every brand's, a page at a time."""

from __future__ import annotations

from dataclasses import dataclass

from welt.domain.errors import (
    ForbiddenError,
)
from welt.domain.model import (
    OrderStatus,
    OrderType,
    ProductionStage,
)
from welt.services.callers import Caller, brand_of
from welt.services.order_desk import DEFAULT_PAGE, OrderDesk
from welt.services.ports import (
    OrderFilter,
)
from welt.services.resources import OrderPage, order_resource


@dataclass(frozen=True)
class PoolQuery:
    status: OrderStatus | None = None
    type: OrderType | None = None
    q: str | None = None
    brand: str | None = None
    stage: ProductionStage | None = None
    limit: int = DEFAULT_PAGE
    cursor: str | None = None


def list_orders(desk: OrderDesk, caller: Caller, query: PoolQuery) -> OrderPage:
    """The brand's order pool, newest first, a page at a time."""
    brand = brand_of(desk.brands, caller)
    where = OrderFilter(status=query.status, type=query.type, text=(query.q or "").strip().lower() or None, brand=brand.code)
    scope = f"orders:{brand.code}:{where}"
    after = desk.cursors.start_of(scope, query.cursor)
    page = desk.orders.page(where, after, query.limit)
    now = desk.clock()
    return {
        "orders": [order_resource(desk.catalog, order, brand, now) for order in page.items],
        "next_cursor": desk.cursors.after(scope, page.last_key),
    }


def list_all_orders(desk: OrderDesk, caller: Caller, query: PoolQuery) -> OrderPage:
    """Staff: every brand's orders, newest first."""
    if not caller.staff:
        raise ForbiddenError("This listing is for factory staff.")
    where = OrderFilter(
        status=query.status, type=query.type, brand=query.brand, stage=query.stage, text=(query.q or "").strip().lower() or None
    )
    scope = f"admin-orders:{where}"
    after = desk.cursors.start_of(scope, query.cursor)
    page = desk.orders.page(where, after, query.limit)
    brands = desk.brands.get_many(sorted({order.brand for order in page.items if order.is_editable}))
    now = desk.clock()
    return {
        "orders": [order_resource(desk.catalog, order, brands.get(order.brand), now) for order in page.items],
        "next_cursor": desk.cursors.after(scope, page.last_key),
    }
