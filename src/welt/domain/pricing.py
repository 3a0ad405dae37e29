"""Prices of orders and checks of a would-be order against the catalog. Integer cents, EUR."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict

from welt.domain.catalog import PARTS, Catalog
from welt.domain.errors import FieldProblem
from welt.domain.model import Costs, Design, Labeling, Order, OrderType, SizeLine, StampStatus
from welt.domain.vat import RULES, VatRule, VatTreatment


def pair_price(catalog: Catalog, design: Design, order_type: OrderType) -> int:
    """Model base plus material surcharges, times the order type's factor, rounded to the cent."""
    model = catalog.shoe_model(design.model)
    if model is None:
        raise ValueError(f"unknown model {design.model}")
    surcharges = 0
    for part in PARTS:
        material = catalog.material(getattr(design.materials, part))
        if material is None:
            raise ValueError(f"unknown material for {part}")
        surcharges += material.surcharge
    factor = catalog.order_types[order_type.value].factor
    return int((Decimal(model.base_price + surcharges) * factor).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def shipping_cost(catalog: Catalog, country: str, pairs: int) -> int:
    """One shipment to `country` holding `pairs` pairs."""
    zone = catalog.zone_for(country)
    return zone.base + zone.per_pair * pairs


def stamp_fee_due(catalog: Catalog, labeling: Labeling, stamps: StampStatus) -> int:
    """The one-time stamp development fee, due while the brand has no stamps yet."""
    if labeling is Labeling.CUSTOM_STAMPS and stamps is StampStatus.NONE:
        return catalog.stamp_fee
    return 0


def quote_order(
    catalog: Catalog,
    design: Design,
    order_type: OrderType,
    sizes: list[SizeLine],
    labeling: Labeling,
    country: str,
    stamps: StampStatus,
    rule: VatRule,
) -> Costs:
    pairs = sum(line.pairs for line in sizes)
    manufacturing = pair_price(catalog, design, order_type) * pairs
    shipping = shipping_cost(catalog, country, pairs)
    customization = stamp_fee_due(catalog, labeling, stamps)
    return Costs.priced(manufacturing, shipping, customization, rule, catalog.currency)


def one_buyer_problem(orders: Sequence[Order]) -> str | None:
    """Why these orders cannot go on one invoice: one buyer (name, VAT ID, country) and one IVA treatment."""
    buyers = {(o.billing.name, o.billing.vat_id, o.billing.address.country) for o in orders}
    if len(buyers) > 1:
        named = "; ".join(sorted(f"{name} ({vat_id or 'no VAT ID'}, {country})" for name, vat_id, country in buyers))
        return f"the orders are billed to different buyers ({named}); pay them separately or give them one billing"
    treatments = {o.vat_rule().treatment.value for o in orders}
    if len(treatments) > 1:
        return f"the orders fall under different IVA treatments ({', '.join(sorted(treatments))}); pay them separately"
    return None


class ShipmentPrice(BaseModel):
    """What a set of orders costs shipped as one (a group) or each alone, and what shipping together saves."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    priced: Costs
    shipping_savings: int
    pairs: int

    @property
    def manufacturing(self) -> int:
        return self.priced.manufacturing

    @property
    def shipping(self) -> int:
        return self.priced.shipping

    @property
    def customization(self) -> int:
        return self.priced.customization

    @property
    def total(self) -> int:
        return self.priced.total

    def costs(self) -> dict[str, Any]:
        return self.priced.model_dump(mode="json")


def price_orders(catalog: Catalog, orders: Sequence[Order], *, together: bool, stamps: StampStatus) -> ShipmentPrice:
    """The one price of unpaid orders, for the pool, a group, a quote and the payment alike.

    Each order keeps the manufacturing and shipping prices of the catalog it was placed (or last edited)
    under. Orders shipped together (a group) pay one shipment priced now instead of their own shipping.
    The one-time stamp fee is added once while the brand has no stamps. IVA is computed once, on the net of
    them all, under the first order's rule (a payment refuses orders whose buyer or rule differ).
    """
    pairs = sum(order.pairs for order in orders)
    manufacturing = sum(order.costs.manufacturing for order in orders)
    alone = sum(order.costs.shipping for order in orders)
    shipping = shipping_cost(catalog, orders[0].shipping_address.country, pairs) if together and orders else alone
    stamped = any(order.labeling is Labeling.CUSTOM_STAMPS for order in orders)
    customization = stamp_fee_due(catalog, Labeling.CUSTOM_STAMPS if stamped else Labeling.UNLABELED, stamps)
    rule = orders[0].vat_rule() if orders else RULES[VatTreatment.DOMESTIC]
    return ShipmentPrice(
        priced=Costs.priced(manufacturing, shipping, customization, rule, catalog.currency),
        shipping_savings=alone - shipping,
        pairs=pairs,
    )


def price_group(catalog: Catalog, orders: Sequence[Order], *, paid: bool, stamps: StampStatus) -> ShipmentPrice:
    """A group's price: as its payment would charge it while open, as charged once paid.

    A paid group's orders keep the stamp fee their payment carried (on one order at most), not the fee
    the brand would be quoted now.
    """
    price = price_orders(catalog, orders, together=True, stamps=stamps)
    if not paid or not orders:
        return price
    carried = sum(order.costs.customization for order in orders)
    priced = Costs.priced(price.manufacturing, price.shipping, carried, orders[0].vat_rule(), catalog.currency)
    return price.model_copy(update={"priced": priced})


class GroupShare(BaseModel):
    """One order's part of its group's price: the parts add up to the group's, to the cent."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    order_number: str
    shipping: int
    customization: int
    net: int
    vat: int
    total: int


def split_cents(amount: int, weights: Sequence[int]) -> list[int]:
    """`amount` in proportion to `weights`, each part rounded down; the cents left over go to the first part.

    Equal weights when they are all zero, so an amount is never lost.
    """
    if not weights:
        return []
    whole = sum(weights)
    if whole <= 0:
        weights, whole = [1] * len(weights), len(weights)
    parts = [amount * weight // whole for weight in weights]
    parts[0] += amount - sum(parts)
    return parts


def share_group(orders: Sequence[Order], group: Costs) -> list[GroupShare]:
    """What each order of a group carries of the group's price `group` (from `price_group`), in the group's order.

    Shipping is shared by pairs; the stamp fee goes to the first CUSTOM_STAMPS order (the one the payment
    records it on); IVA is shared by each order's net. Each share is rounded down and the cents left over go
    to the first order, so the orders' totals add up to what the group's payment charges.
    """
    shipping = split_cents(group.shipping, [order.pairs for order in orders])
    stamped = [i for i, order in enumerate(orders) if order.labeling is Labeling.CUSTOM_STAMPS][:1] or [0]
    customization = [group.customization if i == stamped[0] else 0 for i in range(len(orders))]
    nets = [order.costs.manufacturing + ship + fee for order, ship, fee in zip(orders, shipping, customization, strict=True)]
    vats = split_cents(group.vat, nets)
    return [
        GroupShare(order_number=order.order_number, shipping=ship, customization=fee, net=net, vat=vat, total=net + vat)
        for order, ship, fee, net, vat in zip(orders, shipping, customization, nets, vats, strict=True)
    ]


def design_problems(catalog: Catalog, design: Design, loc: tuple[str, ...] = ("design",)) -> list[FieldProblem]:
    """Why `design` cannot be made: unknown model, unknown or disallowed materials."""
    model = catalog.shoe_model(design.model)
    if model is None:
        return [FieldProblem((*loc, "model"), f"unknown model '{design.model}'; see GET /catalog")]
    problems = []
    for part in PARTS:
        chosen = getattr(design.materials, part)
        if chosen not in model.materials[part]:
            allowed = ", ".join(model.materials[part])
            problems.append(
                FieldProblem((*loc, "materials", part), f"'{chosen}' is not offered for {model.name} {part}s; choose one of {allowed}")
            )
    return problems


def size_run_problems(catalog: Catalog, order_type: OrderType, sizes: list[SizeLine]) -> list[FieldProblem]:
    """Whether the pair count fits the order type, and each size appears once."""
    problems = []
    seen: set[str] = set()
    for index, line in enumerate(sizes):
        if line.size in seen:
            problems.append(FieldProblem(("sizes", index, "size"), f"{line.size} appears more than once"))
        seen.add(line.size)
    rule = catalog.order_types[order_type.value]
    pairs = sum(line.pairs for line in sizes)
    if not rule.min_pairs <= pairs <= rule.max_pairs:
        if rule.min_pairs == rule.max_pairs:
            wanted = f"exactly {rule.min_pairs} pair"
        else:
            wanted = f"{rule.min_pairs} to {rule.max_pairs} pairs"
        problems.append(FieldProblem(("sizes",), f"a {order_type.value} order has {wanted}; this size run has {pairs}"))
    return problems
