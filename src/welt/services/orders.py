"""Checkout, the order pool, edits, cancellation, timelines and quotes."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from welt.domain.catalog import Catalog
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
    Country,
    Design,
    Labeling,
    Order,
    OrderStatus,
    OrderType,
    ProductionStage,
    ShippingAddress,
    SizeLine,
    parse_order_number,
)
from welt.domain.pricing import design_problems, price_orders, quote_order, size_run_problems
from welt.domain.ship_dates import expected_ship_date
from welt.domain.text import OrderNumberText, shown
from welt.domain.vat import EU_MEMBER_STATES, VatRule, vat_id_problem, vat_rule
from welt.services.callers import Caller, brand_of, find_order, find_orders, order_key
from welt.services.changes import until_applied
from welt.services.notifications import confirmation_message
from welt.services.pagination import CursorSigner
from welt.services.ports import (
    BrandRepository,
    CheckoutKeyWrite,
    Clock,
    OrderFilter,
    OrderRepository,
    Outbox,
    SessionRegistry,
    ShippingGroupRepository,
    Store,
    Transaction,
    TransactionConflictError,
    VatRegistry,
)

__all__ = ["Caller", "OrderDesk", "brand_of", "find_order"]

MAX_PAGE = 100
DEFAULT_PAGE = 25
TIMELINE_PAGE = 100


@dataclass
class OrderDesk:
    """Everything the order use cases talk to."""

    store: Store
    orders: OrderRepository
    brands: BrandRepository
    groups: ShippingGroupRepository
    outbox: Outbox
    catalog: Catalog
    cursors: CursorSigner
    clock: Clock
    sessions: SessionRegistry
    vat_registry: VatRegistry


class Checkout(BaseModel):
    """The checkout form. Prices a client sends are not part of it and are ignored."""

    model_config = ConfigDict(defer_build=True, extra="ignore")

    type: OrderType
    design: Design
    sizes: list[SizeLine] = Field(min_length=1, max_length=27)
    labeling: Labeling | None = None
    shipping_address: ShippingAddress
    # Left out: the brand's billing details as the factory registered them (legal name, VAT ID, contact, address).
    billing: Billing | None = None


class OrderEdit(BaseModel):
    """What a brand may change on an unpaid order; absent fields stay as they are."""

    model_config = ConfigDict(defer_build=True, extra="forbid")

    design: Design | None = None
    sizes: list[SizeLine] | None = Field(default=None, min_length=1, max_length=27)
    labeling: Labeling | None = None
    shipping_address: ShippingAddress | None = None
    billing: Billing | None = None


class OrderQuote(BaseModel):
    """A would-be order to price: what checkout takes, minus who pays."""

    model_config = ConfigDict(defer_build=True, extra="ignore")

    type: OrderType
    design: Design
    sizes: list[SizeLine] = Field(min_length=1, max_length=27)
    labeling: Labeling | None = None
    country: Country | None = None  # without it (no address yet) the quote leaves shipping out
    # Where in the country and who buys, for the IVA: without them, IVA as for a buyer without a VAT ID.
    postal_code: Annotated[str, StringConstraints(strip_whitespace=True, max_length=16)] = ""
    vat_id: Annotated[str, StringConstraints(strip_whitespace=True, max_length=32)] | None = None

    @field_validator("vat_id")
    @classmethod
    def _vat_id_well_formed(cls, value: str | None) -> str | None:
        problem = vat_id_problem(value) if value else None
        if problem:
            raise ValueError(problem)
        return value or None


class QuoteRequest(BaseModel):
    """Either one would-be order, or existing orders priced as one shipment."""

    model_config = ConfigDict(defer_build=True, extra="forbid")

    order: OrderQuote | None = None
    order_numbers: list[OrderNumberText] | None = Field(default=None, min_length=1, max_length=20)


def _check_buildable(desk: OrderDesk, order_type: OrderType, design: Design, sizes: list[SizeLine], within: tuple[str, ...] = ()) -> None:
    problems = design_problems(desk.catalog, design) + size_run_problems(desk.catalog, order_type, sizes)
    problems = [FieldProblem((*within, *p.loc), p.msg) for p in problems]
    if problems:
        raise ValidationFailedError("The order cannot be made as described.", problems)


def _labeling_for(brand: Brand, asked: Labeling | None, within: tuple[str, ...] = ()) -> Labeling:
    if asked is not None:
        return asked
    if brand.labeling_default is None:
        raise ValidationFailedError(
            "A brand's first order must choose its labeling.",
            [FieldProblem((*within, "labeling"), "choose UNLABELED or CUSTOM_STAMPS for your first order")],
        )
    return brand.labeling_default


def request_fingerprint(body: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def checkout(desk: OrderDesk, caller: Caller, form: Checkout, idempotency_key: str, raw_body: dict[str, Any]) -> dict[str, Any]:
    """Place an order once per Idempotency-Key; a retry (even of a checkout that died after storing it) gets it back.

    The key is written in the order's own transaction, so an order and its key exist together or not at all.
    """
    if caller.brand is None:
        raise ForbiddenError("Only brand users place and manage orders.")
    return _place_order(desk, caller, form, _hashed(idempotency_key), request_fingerprint(raw_body))


def _hashed(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:40]


def _place_order(desk: OrderDesk, caller: Caller, form: Checkout, key_hash: str, fingerprint: str) -> dict[str, Any]:
    """One transaction: the brand's next number (and labeling default), the order, its checkout key and its email."""
    _check_buildable(desk, form.type, form.design, form.sizes)

    def attempt() -> dict[str, Any]:
        brand = brand_of(desk.brands, caller)
        billing = _billing_for(brand, form.billing)
        rule = sale_vat_rule(desk, form.shipping_address, billing)
        labeling = _labeling_for(brand, form.labeling)
        costs = quote_order(
            desk.catalog, form.design, form.type, form.sizes, labeling, form.shipping_address.country, brand.stamps_status, rule
        )
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
        return order_view(desk.catalog, order, numbered, now)

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


def _placed_earlier(desk: OrderDesk, brand: Brand, key_hash: str, fingerprint: str) -> dict[str, Any]:
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
    return order_view(desk.catalog, order, brand, desk.clock())


def order_view(catalog: Catalog, order: Order, brand: Brand | None, now: datetime) -> dict[str, Any]:
    """The order as shown. An unpaid order is priced as its payment would charge it (the stamp fee only while due)."""
    view = order.public_view(now)
    model = catalog.shoe_model(order.design.model)
    view["model_name"] = model.name if model else order.design.model
    shipping_on = expected_ship_date(order, catalog, now.date())
    view["expected_ship_date"] = shipping_on.isoformat() if shipping_on else None
    if order.is_editable and brand is not None:
        view["costs"] = price_orders(catalog, [order], together=False, stamps=brand.stamps_status).costs()
    return view


def current_view(desk: OrderDesk, order: Order) -> dict[str, Any]:
    brand = desk.brands.get(order.brand) if order.is_editable else None
    return order_view(desk.catalog, order, brand, desk.clock())


def get_order(desk: OrderDesk, caller: Caller, number: str) -> dict[str, Any]:
    return current_view(desk, find_order(desk.orders, caller, number))


def order_timeline(desk: OrderDesk, caller: Caller, number: str, limit: int = TIMELINE_PAGE, cursor: str | None = None) -> dict[str, Any]:
    """The order's events, oldest first, a page at a time (one read; an order always has its CREATED event)."""
    brand, seq = order_key(caller, number)
    scope = f"events:{brand}:{seq}"
    after = desk.cursors.start_of(scope, cursor)
    page = desk.orders.timeline(brand, seq, after, limit)
    if not page.items and after is None:
        raise NotFoundError(f"No order {shown(number)} in your order pool.")
    return {
        "order_number": number,
        "events": [event.public_view(staff_names=caller.staff) for event in page.items],
        "next_cursor": desk.cursors.after(scope, page.last_key),
    }


def _editable(desk: OrderDesk, caller: Caller, number: str) -> Order:
    order = find_order(desk.orders, caller, number)
    if caller.staff:
        raise ForbiddenError("Only the brand changes its orders.")
    return order


def edit_order(desk: OrderDesk, caller: Caller, number: str, edit: OrderEdit, if_match: int) -> dict[str, Any]:
    """One transaction: the revised order with its EDITED event (and the brand's labeling default)."""
    changes = edit.model_dump(exclude_unset=True, exclude_none=True)
    updated = {name: getattr(edit, name) for name in changes}

    def attempt() -> dict[str, Any]:
        order = _editable(desk, caller, number)
        if order.version != if_match:
            raise VersionMismatchError(f"Order {number} is at version {order.version}, not {if_match}; reload it and try again.")
        if not changes:
            raise ValidationFailedError("Nothing to change.", [FieldProblem(("body",), "name at least one field to change")])
        design = updated.get("design", order.design)
        sizes = updated.get("sizes", order.sizes)
        _check_buildable(desk, order.type, design, sizes)
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
        return order_view(desk.catalog, revised, remembered, now)

    return until_applied(attempt, f"Order {number}")


def cancel_order(desk: OrderDesk, caller: Caller, number: str, if_match: int | None) -> dict[str, Any]:
    """One transaction: the order CANCELLED with its event; cancelling twice is the same as once."""
    if caller.staff:
        raise ForbiddenError("Only the brand cancels its orders.")

    def attempt() -> dict[str, Any]:
        order = find_order(desk.orders, caller, number)
        if if_match is not None and order.version != if_match:
            raise VersionMismatchError(f"Order {number} is at version {order.version}, not {if_match}.")
        if order.status is not OrderStatus.CANCELLED:
            cancelled = order.cancel(desk.clock(), caller.actor)
            desk.store.commit(Transaction().order(cancelled, order))
            order = cancelled
        return current_view(desk, order)

    return until_applied(attempt, f"Order {number}")


@dataclass(frozen=True)
class PoolQuery:
    status: OrderStatus | None = None
    type: OrderType | None = None
    q: str | None = None
    brand: str | None = None
    stage: ProductionStage | None = None
    limit: int = DEFAULT_PAGE
    cursor: str | None = None


def list_orders(desk: OrderDesk, caller: Caller, query: PoolQuery) -> dict[str, Any]:
    """The brand's order pool, newest first, a page at a time."""
    brand = brand_of(desk.brands, caller)
    where = OrderFilter(status=query.status, type=query.type, text=(query.q or "").strip().lower() or None, brand=brand.code)
    scope = f"orders:{brand.code}:{where}"
    after = desk.cursors.start_of(scope, query.cursor)
    page = desk.orders.page(where, after, query.limit)
    now = desk.clock()
    return {
        "orders": [order_view(desk.catalog, order, brand, now) for order in page.items],
        "next_cursor": desk.cursors.after(scope, page.last_key),
    }


def list_all_orders(desk: OrderDesk, caller: Caller, query: PoolQuery) -> dict[str, Any]:
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
        "orders": [order_view(desk.catalog, order, brands.get(order.brand), now) for order in page.items],
        "next_cursor": desk.cursors.after(scope, page.last_key),
    }


def quote(desk: OrderDesk, caller: Caller, request: QuoteRequest) -> dict[str, Any]:
    """Price a would-be order, or existing orders shipped together, without saving anything."""
    brand = brand_of(desk.brands, caller)
    if (request.order is None) == (request.order_numbers is None):
        raise ValidationFailedError(
            "Quote either one would-be order or a set of existing orders.",
            [FieldProblem(("body",), "give exactly one of 'order' or 'order_numbers'")],
        )
    if request.order is not None:
        wanted = request.order
        _check_buildable(desk, wanted.type, wanted.design, wanted.sizes, within=("order",))
        labeling = _labeling_for(brand, wanted.labeling, within=("order",))
        rule = _quoted_vat_rule(desk, wanted)
        costs = quote_order(
            desk.catalog, wanted.design, wanted.type, wanted.sizes, labeling, wanted.country or "ES", brand.stamps_status, rule
        )
        if wanted.country is None:
            costs = Costs.priced(costs.manufacturing, 0, costs.customization, rule, costs.currency)
        return {
            "costs": costs.model_dump(mode="json"),
            "pairs": sum(line.pairs for line in wanted.sizes),
            "labeling": labeling,
            "shipping_included": wanted.country is not None,
        }
    return _quote_shipment(desk, caller, brand, request.order_numbers or [])


def _quoted_vat_rule(desk: OrderDesk, wanted: OrderQuote) -> VatRule:
    """A quote without a destination shows Spain's IVA, the most a brand would pay."""
    if wanted.country is None:
        return vat_rule("ES", "", None, None)
    asks_vies = wanted.vat_id is not None and wanted.country != "ES" and wanted.country in EU_MEMBER_STATES
    check = desk.vat_registry.check(wanted.vat_id or "") if asks_vies else None
    return vat_rule(wanted.country, wanted.postal_code, wanted.vat_id, check)


def _quote_shipment(desk: OrderDesk, caller: Caller, brand: Brand, numbers: list[str]) -> dict[str, Any]:
    if len(set(numbers)) != len(numbers):
        raise ValidationFailedError("Each order may be named once.", [FieldProblem(("order_numbers",), "duplicates")])
    orders = find_orders(desk.orders, caller, numbers)
    countries = {order.shipping_address.country for order in orders}
    if len(countries) > 1:
        raise ValidationFailedError(
            "Orders shipped together need one destination.",
            [FieldProblem(("order_numbers",), f"the orders ship to {', '.join(sorted(countries))}")],
        )
    price = price_orders(desk.catalog, orders, together=True, stamps=brand.stamps_status)
    return {"costs": price.costs(), "pairs": price.pairs, "order_numbers": numbers, "shipping_savings": price.shipping_savings}


def brand_profile(desk: OrderDesk, caller: Caller) -> dict[str, Any]:
    return brand_of(desk.brands, caller).public_view()
