"""Which of a brand's open MTO orders could ship together as a group, and what each group would save."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from welt.domain.catalog import Catalog
from welt.domain.model import Order, StampStatus
from welt.domain.pricing import price_orders
from welt.domain.shipping_group import MAX_ORDERS, MIN_ORDERS, address_key, grouping_problems


def could_join_a_group(order: Order) -> bool:
    """What the group rules ask of each order on its own (the shared address is checked across orders)."""
    invalid, conflicts = grouping_problems([order])
    return not invalid and not conflicts


def _split(orders: list[Order]) -> list[list[Order]]:
    """Orders for one address in as few groups as the size limit allows, of near-equal size.

    Each group saves one shipment base per order beyond its first, so fewer groups save more; equal
    sizes keep every group at two orders or more (21 orders: 11 and 10, not 20 and a lone one).
    """
    count = -(-len(orders) // MAX_ORDERS)
    size, extra = divmod(len(orders), count)
    sets, start = [], 0
    for index in range(count):
        end = start + size + (1 if index < extra else 0)
        sets.append(orders[start:end])
        start = end
    return sets


def suggest_groups(orders: Iterable[Order], catalog: Catalog, stamp_fee_due: bool) -> list[dict[str, Any]]:
    """Every set of orders that could form a shipping group, the biggest saving first, then the newest.

    Orders that could not join a group are left out; within a set the newest order comes first.
    """
    by_address: dict[tuple[str, ...], list[Order]] = {}
    for order in sorted((o for o in orders if could_join_a_group(o)), key=lambda o: (o.created_at, o.seq), reverse=True):
        by_address.setdefault(address_key(order), []).append(order)
    ranked = []
    for same_address in by_address.values():
        if len(same_address) < MIN_ORDERS:
            continue
        for members in _split(same_address):
            # Priced as the group and its payment would price it.
            price = price_orders(catalog, members, together=True, stamps=StampStatus.NONE if stamp_fee_due else StampStatus.READY)
            costs, savings = price.costs(), price.shipping_savings
            newest = members[0].created_at
            ranked.append(
                (
                    savings,
                    newest,
                    {
                        "order_numbers": [order.order_number for order in members],
                        "pairs": sum(order.pairs for order in members),
                        "shipping_address": members[0].shipping_address.model_dump(mode="json"),
                        "costs": costs,
                        "shipping_savings": savings,
                        "newest_order_at": newest.isoformat().replace("+00:00", "Z"),
                    },
                )
            )
    ranked.sort(key=lambda entry: (entry[0], entry[1]), reverse=True)
    return [suggestion for _, _, suggestion in ranked]
