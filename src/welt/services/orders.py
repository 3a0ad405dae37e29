"""Checkout, reading one order and its timeline, edits and cancellation; the brand's own profile."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import NamedTuple

from pydantic import BaseModel, ConfigDict, Field

from welt.domain.errors import (
    FieldProblem,
    ForbiddenError,
    IdempotencyKeyReusedError,
    NotFoundError,
    ValidationFailedError,
    VersionMismatchError,
)
from welt.domain.model import (
    Billing,
    Brand,
    Costs,
    Design,
    Labeling,
    Order,
    OrderChanges,
    OrderStatus,
    OrderType,
    ShippingAddress,
    SizeLine,
    parse_order_number,
)
from welt.domain.pricing import quote_order
from welt.domain.text import shown
from welt.domain.vat import EU_MEMBER_STATES, VatRule, vat_rule
from welt.services.callers import Caller, brand_of, find_order, order_key
from welt.services.changes import until_applied
from welt.services.group_shares import group_shares
from welt.services.notifications import confirmation_message
from welt.services.order_desk import TIMELINE_PAGE, OrderDesk, check_buildable, labeling_for
from welt.services.ports import (
    CheckoutKeyWrite,
    Transaction,
    TransactionConflictError,
)
from welt.services.ports.orders import DEFAULT_PAGE, MAX_PAGE
from welt.services.resources import (
    BrandResource,
    OrderResource,
    Quote,
    Timeline,
    brand_resource,
    costs_json,
    event_resource,
    order_resource,
)

__all__ = ["DEFAULT_PAGE", "MAX_PAGE", "TIMELINE_PAGE", "Caller", "OrderDesk", "brand_of", "find_order"]


class Checkout(BaseModel):
    """The checkout form. Prices are never part of it; any price sent is ignored."""

    model_config = ConfigDict(defer_build=True, extra="ignore")

    type: OrderType
    design: Design
    sizes: list[SizeLine] = Field(
        min_length=1,
        max_length=27,
        description="Pairs per size, each size at most once. The total must fit the order type: exactly 1 pair for `MTO`,\n"
        "10 to 49 for `MINI_BULK`, 50 to 5000 for `BULK`.\n",
    )
    labeling: Labeling | None = Field(
        default=None, description="Required on the brand's first order; later it defaults to the brand's last choice."
    )
    shipping_address: ShippingAddress
    billing: Billing | None = Field(
        default=None,
        description="Left out, the order is billed as the factory registered the brand (legal name, VAT ID, contact email and\n"
        "billing address); a brand registered without billing details must send it (422).\n",
    )


class OrderEdit(BaseModel):
    """What may change on an unpaid order; at least one field."""

    model_config = ConfigDict(defer_build=True, extra="forbid")

    design: Design | None = None
    sizes: list[SizeLine] | None = Field(default=None, min_length=1, max_length=27)
    labeling: Labeling | None = None
    shipping_address: ShippingAddress | None = None
    billing: Billing | None = None

    def changes(self) -> OrderChanges:
        """The fields the brand sent, as the order's revision takes them (each named, so mypy sees a new one)."""
        changes = OrderChanges()
        if self.design is not None:
            changes["design"] = self.design
        if self.sizes is not None:
            changes["sizes"] = self.sizes
        if self.labeling is not None:
            changes["labeling"] = self.labeling
        if self.shipping_address is not None:
            changes["shipping_address"] = self.shipping_address
        if self.billing is not None:
            changes["billing"] = self.billing
        return changes


def request_fingerprint(body: Mapping[str, object]) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def checkout(desk: OrderDesk, caller: Caller, form: Checkout, idempotency_key: str, raw_body: Mapping[str, object]) -> OrderResource:
    """Place an order once per Idempotency-Key; a retry (even of a checkout that died after storing it) gets it back.

    The key is written in the order's own transaction, so an order and its key exist together or not at all.
    """
    if caller.brand is None:
        raise ForbiddenError("Only brand users place and manage orders.")
    return _place_order(desk, caller, form, _hashed(idempotency_key), request_fingerprint(raw_body))


def _hashed(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:40]


class PricedCheckout(NamedTuple):
    """What a checkout form comes to for the brand as it is now: who is billed, the labeling and the costs."""

    billing: Billing
    labeling: Labeling
    costs: Costs


def _priced(desk: OrderDesk, brand: Brand, form: Checkout) -> PricedCheckout:
    """Every check a checkout passes beyond its form's own, and its price: placing and checking share it."""
    billing = _billing_for(brand, form.billing)
    rule = sale_vat_rule(desk, form.shipping_address, billing)
    labeling = labeling_for(brand, form.labeling)
    country = form.shipping_address.country
    costs = quote_order(desk.catalog, form.design, form.type, form.sizes, labeling, country, brand.stamps_status, rule)
    return PricedCheckout(billing, labeling, costs)


def check_checkout(desk: OrderDesk, caller: Caller, form: Checkout) -> Quote:
    """A checkout's dry run: the same checks and price as placing it, with nothing written and no number taken."""
    if caller.brand is None:
        raise ForbiddenError("Only brand users place and manage orders.")
    check_buildable(desk, form.type, form.design, form.sizes)
    priced = _priced(desk, brand_of(desk.brands, caller), form)
    return {
        "costs": costs_json(priced.costs),
        "pairs": sum(line.pairs for line in form.sizes),
        "labeling": priced.labeling,
        "shipping_included": True,
    }


def _place_order(desk: OrderDesk, caller: Caller, form: Checkout, key_hash: str, fingerprint: str) -> OrderResource:
    """One transaction: the brand's next number (and labeling default), the order, its checkout key and its email."""
    check_buildable(desk, form.type, form.design, form.sizes)

    def attempt() -> OrderResource:
        brand = brand_of(desk.brands, caller)
        billing, labeling, costs = _priced(desk, brand, form)
        numbered, seq = brand.with_next_order(labeling)
        now = desk.clock()
        order = Order.place(
            at=now,
            actor=caller.actor,
            brand=brand.code,
            seq=seq,
            type=form.type,
            design=form.design,
            sizes=form.sizes,
            labeling=labeling,
            shipping_address=form.shipping_address,
            billing=billing,
            costs=costs,
        )
        placed = CheckoutKeyWrite(brand=brand.code, key_hash=key_hash, fingerprint=fingerprint, order_number=order.order_number, at=now)
        transaction = Transaction().brand(numbered, brand).order(order, None).add(placed)
        transaction.send(confirmation_message(order, desk.catalog))
        try:
            desk.store.commit(transaction)
        except TransactionConflictError as conflict:
            if conflict.failed_on(CheckoutKeyWrite):
                return _placed_earlier(desk, brand, key_hash, fingerprint)
            raise
        return order_resource(desk.catalog, order, numbered, now)

    return until_applied(attempt, f"Brand {caller.brand}")


def _billing_for(brand: Brand, asked: Billing | None) -> Billing:
    """The billing a checkout sends, else the brand's registered billing details; a brand with none must send it."""
    billing = asked or brand.billing()
    if billing is None:
        raise ValidationFailedError(
            f"Brand {brand.code} has no billing details registered with the factory: send billing with the order.",
            [FieldProblem(("body", "billing"), "required: the brand has no billing details on file")],
        )
    return billing


def sale_vat_rule(desk: OrderDesk, shipping_address: ShippingAddress, billing: Billing) -> VatRule:
    """The IVA rule of a sale: VIES is asked only when its answer can matter (shoes going to another member state)."""
    country = shipping_address.country
    asks_vies = billing.vat_id is not None and country != "ES" and country in EU_MEMBER_STATES
    check = desk.vat_registry.check(billing.vat_id or "") if asks_vies else None
    return vat_rule(country, shipping_address.postal_code, billing.vat_id, check)


def _placed_earlier(desk: OrderDesk, brand: Brand, key_hash: str, fingerprint: str) -> OrderResource:
    """A checkout with this key already placed its order (its answer was lost, or it is running right now)."""
    earlier = desk.orders.checkout(brand.code, key_hash)
    if earlier is None:
        raise TransactionConflictError([])  # the key's item vanished between the two reads: start over
    if earlier.fingerprint != fingerprint:
        raise IdempotencyKeyReusedError(
            "This Idempotency-Key was already used for a different request.",
            [FieldProblem(("header", "Idempotency-Key"), "use a new key for a new request")],
        )
    parsed = parse_order_number(earlier.order_number)
    order = desk.orders.get(*parsed) if parsed else None
    if order is None:
        raise NotFoundError(f"No order {earlier.order_number}.")
    return order_resource(desk.catalog, order, brand, desk.clock())


def current_view(desk: OrderDesk, order: Order) -> OrderResource:
    """The order as it stands, priced as its payment would charge it; in a group, with its share of the group's price."""
    brand = desk.brands.get(order.brand) if order.is_editable or order.shipping_group_id else None
    brands = {brand.code: brand} if brand is not None else {}
    share = group_shares(desk.catalog, desk.groups, desk.orders, [order], brands).get(order.order_number)
    return order_resource(desk.catalog, order, brand, desk.clock(), share)


def get_order(desk: OrderDesk, caller: Caller, number: str) -> OrderResource:
    return current_view(desk, find_order(desk.orders, caller, number))


def order_timeline(desk: OrderDesk, caller: Caller, number: str, limit: int = TIMELINE_PAGE, cursor: str | None = None) -> Timeline:
    """The order's events, oldest first, a page at a time (one read; an order always has its CREATED event)."""
    brand, seq = order_key(caller, number)
    scope = f"events:{brand}:{seq}"
    after = desk.cursors.start_of(scope, cursor)
    page = desk.orders.timeline(brand, seq, after, limit)
    if not page.items and after is None:
        raise NotFoundError(f"No order {shown(number)} in your order pool.")
    return {
        "order_number": number,
        "events": [event_resource(event, staff_names=caller.staff) for event in page.items],
        "next_cursor": desk.cursors.after(scope, page.last_key),
    }


def _editable(desk: OrderDesk, caller: Caller, number: str) -> Order:
    order = find_order(desk.orders, caller, number)
    if caller.staff:
        raise ForbiddenError("Only the brand changes its orders.")
    return order


def edit_order(desk: OrderDesk, caller: Caller, number: str, edit: OrderEdit, if_match: int) -> OrderResource:
    """One transaction: the revised order with its EDITED event (and the brand's labeling default)."""
    updated = edit.changes()

    def attempt() -> OrderResource:
        order = _editable(desk, caller, number)
        if order.version != if_match:
            raise VersionMismatchError(f"Order {number} is at version {order.version}, not {if_match}; reload it and try again.")
        if not updated:
            raise ValidationFailedError("Nothing to change.", [FieldProblem(("body",), "name at least one field to change")])
        design = updated.get("design", order.design)
        sizes = updated.get("sizes", order.sizes)
        check_buildable(desk, order.type, design, sizes)
        labeling = updated.get("labeling", order.labeling)
        address = updated.get("shipping_address", order.shipping_address)
        billing = updated.get("billing", order.billing)
        rule = sale_vat_rule(desk, address, billing) if {"shipping_address", "billing"} & set(updated) else order.vat_rule()
        brand = brand_of(desk.brands, caller)
        costs = quote_order(desk.catalog, design, order.type, sizes, labeling, address.country, brand.stamps_status, rule)
        now = desk.clock()
        revised = order.revise(updated, costs, now, caller.actor)
        remembered = brand.remember_labeling(labeling) if "labeling" in updated else brand
        desk.store.commit(Transaction().order(revised, order).brand(remembered, brand))
        return order_resource(desk.catalog, revised, remembered, now)

    return until_applied(attempt, f"Order {number}")


def cancel_order(desk: OrderDesk, caller: Caller, number: str, if_match: int | None) -> OrderResource:
    """One transaction: the order CANCELLED with its event; cancelling twice is the same as once."""
    if caller.staff:
        raise ForbiddenError("Only the brand cancels its orders.")

    def attempt() -> OrderResource:
        order = find_order(desk.orders, caller, number)
        if if_match is not None and order.version != if_match:
            raise VersionMismatchError(f"Order {number} is at version {order.version}, not {if_match}.")
        if order.status is not OrderStatus.CANCELLED:
            cancelled = order.cancel(desk.clock(), caller.actor)
            desk.store.commit(Transaction().order(cancelled, order))
            order = cancelled
        return current_view(desk, order)

    return until_applied(attempt, f"Order {number}")


def brand_profile(desk: OrderDesk, caller: Caller) -> BrandResource:
    return brand_resource(brand_of(desk.brands, caller))
