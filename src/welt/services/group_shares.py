"""Each grouped order's share of its group's price, for the order as shown alone (its page, the pool, the CSV).

The group is priced as `group_resource` and the group's payment price it (`price_group`), then shared out
(`share_group`), so the orders' shares add up to what the group's payment charges.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from welt.domain.catalog import Catalog
from welt.domain.model import Brand, Order, StampStatus, parse_order_number
from welt.domain.pricing import GroupShare, price_group, share_group
from welt.domain.shipping_group import GroupStatus, parse_group_id
from welt.services.ports import OrderRepository, ShippingGroupRepository


def group_shares(
    catalog: Catalog,
    groups: ShippingGroupRepository,
    repository: OrderRepository,
    orders: Sequence[Order],
    brands: Mapping[str, Brand],
) -> dict[str, GroupShare]:
    """The share of every order of `orders` that is in a group, by order number (two reads when any is)."""
    keys = {parsed for order in orders if order.shipping_group_id and (parsed := parse_group_id(order.shipping_group_id))}
    if not keys:
        return {}
    found = [group for group in groups.get_many(sorted(keys)) if group.status is not GroupStatus.DISSOLVED]
    known = {order.order_number: order for order in orders}
    missing = [parsed for group in found for n in group.order_numbers if n not in known and (parsed := parse_order_number(n))]
    known.update({order.order_number: order for order in repository.get_many(missing)} if missing else {})
    shares: dict[str, GroupShare] = {}
    for group in found:
        members = [known[n] for n in group.order_numbers if n in known]
        brand = brands.get(group.brand)
        stamps = brand.stamps_status if brand is not None else StampStatus.READY
        paid = group.status not in (GroupStatus.OPEN, GroupStatus.DISSOLVED)
        price = price_group(catalog, members, paid=paid, stamps=stamps)
        shares.update({share.order_number: share for share in share_group(members, price.priced)})
    return shares
