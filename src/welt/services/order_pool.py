"""The order pool: a brand's orders, and staff's view of every brand's, a page at a time."""

from __future__ import annotations

from welt.domain.errors import ForbiddenError
from welt.services.callers import Caller, brand_of
from welt.services.group_shares import group_shares
from welt.services.order_desk import OrderDesk
from welt.services.ports import OrderFilter
from welt.services.resources import OrderPage, order_resource

__all__ = ["OrderFilter", "list_all_orders", "list_orders"]


def list_orders(desk: OrderDesk, caller: Caller, query: OrderFilter) -> OrderPage:
    """The brand's order pool, newest first, a page at a time; another brand's filter is replaced by the caller's."""
    brand = brand_of(desk.brands, caller)
    where = query.model_copy(update={"brand": brand.code, "stage": None})
    scope = f"orders:{brand.code}:{where.scope}"
    after = desk.cursors.start_of(scope, where.cursor)
    page = desk.orders.page(where, after, where.limit)
    now = desk.clock()
    shares = group_shares(desk.catalog, desk.groups, desk.orders, page.items, {brand.code: brand})
    return {
        "orders": [order_resource(desk.catalog, order, brand, now, shares.get(order.order_number)) for order in page.items],
        "next_cursor": desk.cursors.after(scope, page.last_key),
    }


def list_all_orders(desk: OrderDesk, caller: Caller, query: OrderFilter) -> OrderPage:
    """Staff: every brand's orders, newest first."""
    if not caller.staff:
        raise ForbiddenError("This listing is for factory staff.")
    scope = f"admin-orders:{query.scope}"
    after = desk.cursors.start_of(scope, query.cursor)
    page = desk.orders.page(query, after, query.limit)
    shown = {order.brand for order in page.items if order.is_editable or order.shipping_group_id}
    brands = desk.brands.get_many(sorted(shown))
    now = desk.clock()
    shares = group_shares(desk.catalog, desk.groups, desk.orders, page.items, brands)
    return {
        "orders": [
            order_resource(desk.catalog, order, brands.get(order.brand), now, shares.get(order.order_number)) for order in page.items
        ],
        "next_cursor": desk.cursors.after(scope, page.last_key),
    }
