"""Checkout, the order pool, edits, cancellation, timelines and quotes."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from welt.domain.catalog import Catalog
from welt.domain.errors import (
    FieldProblem,
    ForbiddenError,
    IdempotencyKeyReusedError,
    NotFoundError,
    StateConflictError,
    ValidationFailedError,
    VersionMismatchError,
)
from welt.domain.model import (
    Billing,
    Brand,
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
from welt.domain.pricing import design_problems, quote_order, shipping_cost, size_run_problems
from welt.domain.ship_dates import expected_ship_date
from welt.services.notifications import confirmation_message, deliver_one
from welt.services.pagination import CursorSigner
from welt.services.ports import (
    BrandRepository,
    Clock,
    ConcurrentUpdateError,
    Idempotency,
    Mailer,
    OrderFilter,
    OrderRepository,
    Outbox,
    ShippingGroupRepository,
)

MAX_PAGE = 100
DEFAULT_PAGE = 25
SAVE_ATTEMPTS = 5


@dataclass(frozen=True)
class Caller:
    """Who is asking, from a verified token only."""

    subject: str
    brand: str | None
    staff: bool
    email: str | None = None

    @property
    def actor(self) -> str:
        return f"staff:{self.subject}" if self.staff else f"brand:{self.brand}:{self.subject}"


@dataclass
class OrderDesk:
    """Everything the order use cases talk to."""

    orders: OrderRepository
    brands: BrandRepository
    groups: ShippingGroupRepository
    outbox: Outbox
    mailer: Mailer
    idempotency: Idempotency
    catalog: Catalog
    cursors: CursorSigner
    clock: Clock


class Checkout(BaseModel):
    """The checkout form. Prices a client sends are not part of it and are ignored."""

    model_config = ConfigDict(extra="ignore")

    type: OrderType
    design: Design
    sizes: list[SizeLine] = Field(min_length=1, max_length=27)
    labeling: Labeling | None = None
    shipping_address: ShippingAddress
    billing: Billing


class OrderEdit(BaseModel):
    """What a brand may change on an unpaid order; absent fields stay as they are."""

    model_config = ConfigDict(extra="forbid")

    design: Design | None = None
    sizes: list[SizeLine] | None = Field(default=None, min_length=1, max_length=27)
    labeling: Labeling | None = None
    shipping_address: ShippingAddress | None = None
    billing: Billing | None = None


class OrderQuote(BaseModel):
    """A would-be order to price: what checkout takes, minus who pays."""

    model_config = ConfigDict(extra="ignore")

    type: OrderType
    design: Design
    sizes: list[SizeLine] = Field(min_length=1, max_length=27)
    labeling: Labeling | None = None
    country: Country | None = None  # without it (no address yet) the quote leaves shipping out


class QuoteRequest(BaseModel):
    """Either one would-be order, or existing orders priced as one shipment."""

    model_config = ConfigDict(extra="forbid")

    order: OrderQuote | None = None
    order_numbers: list[str] | None = Field(default=None, min_length=1, max_length=20)


def brand_of(brands: BrandRepository, caller: Caller) -> Brand:
    if caller.brand is None:
        raise ForbiddenError("Only brand users place and manage orders.")
    brand = brands.get(caller.brand)
    if brand is None:
        raise ForbiddenError(f"Brand {caller.brand} is not registered with the factory.")
    return brand


def _check_buildable(desk: OrderDesk, order_type: OrderType, design: Design, sizes: list[SizeLine],
                     within: tuple[str, ...] = ()) -> None:
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
    """Place an order once per Idempotency-Key; a retry gets the first order back."""
    brand = brand_of(desk.brands, caller)
    fingerprint = request_fingerprint(raw_body)
    return desk.idempotency.run(
        scope=f"checkout:{brand.code}",
        key=idempotency_key,
        payload={"fingerprint": fingerprint},
        work=lambda: _place_order(desk, caller, brand, form, _hashed(idempotency_key), fingerprint),
    )


def _hashed(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:40]


def _place_order(desk: OrderDesk, caller: Caller, brand: Brand, form: Checkout, checkout_key: str,
                 fingerprint: str) -> dict[str, Any]:
    # An earlier attempt with this key may have stored the order and died before answering (its
    # idempotency record is then gone): finish that order instead of placing a second one.
    earlier = desk.orders.placed_by(brand.code, checkout_key)
    if earlier is not None:
        if earlier.checkout_fingerprint != fingerprint:
            raise IdempotencyKeyReusedError(
                "This Idempotency-Key was already used for a different request.",
                [FieldProblem(("header", "Idempotency-Key"), "use a new key for a new request")],
            )
        return _confirm(desk, earlier)
    _check_buildable(desk, form.type, form.design, form.sizes)
    labeling = _labeling_for(brand, form.labeling)
    costs = quote_order(
        desk.catalog, form.design, form.type, form.sizes, labeling, form.shipping_address.country, brand.stamps_status
    )
    now = desk.clock()

    def build(seq: int) -> Order:
        return Order.place(
            at=now,
            actor=caller.actor,
            brand=brand.code,
            seq=seq,
            type=form.type,
            design=form.design,
            sizes=form.sizes,
            labeling=labeling,
            shipping_address=form.shipping_address,
            billing=form.billing,
            costs=costs,
            checkout_key=checkout_key,
            checkout_fingerprint=fingerprint,
        )

    order = desk.orders.add_next(brand.code, build)
    _remember_labeling(desk, brand, labeling)
    return _confirm(desk, order)


def _confirm(desk: OrderDesk, order: Order) -> dict[str, Any]:
    """The confirmation email, queued once (its id is the order's) and sent now if SES takes it."""
    message = confirmation_message(order, desk.catalog)
    desk.outbox.enqueue(message)
    deliver_one(desk.outbox, desk.mailer, message.message_id, desk.clock)
    return current_view(desk, order)


def _remember_labeling(desk: OrderDesk, brand: Brand, labeling: Labeling) -> None:
    """Later orders default to the brand's last choice; losing this race to a newer choice is fine."""
    if brand.labeling_default is labeling:
        return
    try:
        desk.brands.save(brand.model_copy(update={"labeling_default": labeling, "version": brand.version + 1}), brand.version)
    except ConcurrentUpdateError:
        pass


def _find_order(desk: OrderDesk, caller: Caller, number: str) -> Order:
    return find_order(desk.orders, caller, number)


def find_order(repository: OrderRepository, caller: Caller, number: str) -> Order:
    """The caller's order by number; another brand's order is as missing as a missing one."""
    parsed = parse_order_number(number)
    missing = NotFoundError(f"No order {number} in your order pool.")
    if parsed is None:
        raise missing
    brand, seq = parsed
    if not caller.staff and brand != caller.brand:
        raise missing
    order = repository.get(brand, seq)
    if order is None:
        raise missing
    return order


def amend_order(repository: OrderRepository, number: str, change: Callable[[Order], Order]) -> Order:
    """Apply `change` to the stored order with a conditional write.

    A lost race re-reads the order and applies `change` again, so the change re-checks its rules
    against the newer state; returning the order unchanged means there is nothing to do.
    """
    parsed = parse_order_number(number)
    for _ in range(SAVE_ATTEMPTS):
        order = repository.get(*parsed) if parsed else None
        if order is None:
            raise NotFoundError(f"No order {number}.")
        changed = change(order)
        if changed is order:
            return order
        try:
            repository.save(changed, expected_version=order.version, expected_status=order.status)
            return changed
        except ConcurrentUpdateError:
            continue
    raise StateConflictError(f"Order {number} keeps changing; try again.")


def amend_brand(repository: BrandRepository, code: str, change: Callable[[Brand], Brand]) -> Brand:
    """Apply `change` to the brand with a conditional write; a lost race re-reads and re-applies it.

    Returning the brand unchanged means there is nothing to do; the version is bumped here.
    """
    for _ in range(SAVE_ATTEMPTS):
        brand = repository.get(code)
        if brand is None:
            raise NotFoundError(f"No brand {code}.")
        changed = change(brand)
        if changed is brand:
            return brand
        changed = changed.model_copy(update={"version": brand.version + 1})
        try:
            repository.save(changed, expected_version=brand.version)
            return changed
        except ConcurrentUpdateError:
            continue
    raise StateConflictError(f"Brand {code} keeps changing; try again.")


def get_order(desk: OrderDesk, caller: Caller, number: str) -> dict[str, Any]:
    return current_view(desk, _find_order(desk, caller, number))


def current_view(desk: OrderDesk, order: Order) -> dict[str, Any]:
    """Unpaid orders are priced with today's stamps status, so a fee already paid is not shown again."""
    view = order.public_view(desk.clock())
    model = desk.catalog.shoe_model(order.design.model)
    view["model_name"] = model.name if model else order.design.model
    shipping_on = expected_ship_date(order, desk.catalog, desk.clock().date())
    view["expected_ship_date"] = shipping_on.isoformat() if shipping_on else None
    if order.is_editable:
        brand = desk.brands.get(order.brand)
        if brand is not None:
            costs = quote_order(
                desk.catalog,
                order.design,
                order.type,
                order.sizes,
                order.labeling,
                order.shipping_address.country,
                brand.stamps_status,
            )
            view["costs"] = costs.model_dump()
    return view


def order_timeline(desk: OrderDesk, caller: Caller, number: str) -> dict[str, Any]:
    order = _find_order(desk, caller, number)
    return {
        "order_number": order.order_number,
        "events": [event.model_dump(mode="json") for event in order.timeline],
    }


def edit_order(desk: OrderDesk, caller: Caller, number: str, edit: OrderEdit, if_match: int) -> dict[str, Any]:
    order = _find_order(desk, caller, number)
    if caller.staff:
        raise ForbiddenError("Only the brand edits its orders.")
    if order.version != if_match:
        raise VersionMismatchError(f"Order {number} is at version {order.version}, not {if_match}; reload it and try again.")
    changes = edit.model_dump(exclude_unset=True, exclude_none=True)
    if not changes:
        raise ValidationFailedError("Nothing to change.", [FieldProblem(("body",), "name at least one field to change")])
    updated = {name: getattr(edit, name) for name in changes}
    design = updated.get("design", order.design)
    sizes = updated.get("sizes", order.sizes)
    _check_buildable(desk, order.type, design, sizes)
    labeling = updated.get("labeling", order.labeling)
    country = updated.get("shipping_address", order.shipping_address).country
    brand = brand_of(desk.brands, caller)
    costs = quote_order(desk.catalog, design, order.type, sizes, labeling, country, brand.stamps_status)
    revised = order.revise(updated, costs, desk.clock(), caller.actor)
    try:
        desk.orders.save(revised, expected_version=order.version, expected_status=order.status)
    except ConcurrentUpdateError:
        raise VersionMismatchError(f"Order {number} changed while you were editing it; reload it and try again.") from None
    if "labeling" in updated:
        _remember_labeling(desk, brand, labeling)
    return current_view(desk, revised)


def cancel_order(desk: OrderDesk, caller: Caller, number: str, if_match: int | None) -> dict[str, Any]:
    if caller.staff:
        raise ForbiddenError("Only the brand cancels its orders.")
    _find_order(desk, caller, number)

    def cancel(order: Order) -> Order:
        if if_match is not None and order.version != if_match:
            raise VersionMismatchError(f"Order {number} is at version {order.version}, not {if_match}.")
        if order.status is OrderStatus.CANCELLED:
            return order  # cancelling twice is the same as once
        return order.cancel(desk.clock(), caller.actor)

    return current_view(desk, amend_order(desk.orders, number, cancel))


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
    where = OrderFilter(status=query.status, type=query.type, text=(query.q or "").strip().lower() or None)
    scope = f"orders:{brand.code}:{where}"
    after = desk.cursors.read(scope, query.cursor) if query.cursor else None
    page = desk.orders.brand_page(brand.code, where, after, query.limit)
    return {
        "orders": [current_view(desk, order) for order in page.orders],
        "next_cursor": desk.cursors.issue(scope, page.last_key) if page.last_key else None,
    }


def list_all_orders(desk: OrderDesk, caller: Caller, query: PoolQuery) -> dict[str, Any]:
    """Staff: every brand's orders, newest first."""
    if not caller.staff:
        raise ForbiddenError("This listing is for factory staff.")
    where = OrderFilter(status=query.status, type=query.type, brand=query.brand, stage=query.stage,
                        text=(query.q or "").strip().lower() or None)
    scope = f"admin-orders:{where}"
    after = desk.cursors.read(scope, query.cursor) if query.cursor else None
    page = desk.orders.all_brands_page(where, after, query.limit)
    return {
        "orders": [current_view(desk, order) for order in page.orders],
        "next_cursor": desk.cursors.issue(scope, page.last_key) if page.last_key else None,
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
        costs = quote_order(desk.catalog, wanted.design, wanted.type, wanted.sizes, labeling, wanted.country or "DE",
                            brand.stamps_status)
        if wanted.country is None:
            costs = costs.model_copy(update={"shipping": 0, "total": costs.total - costs.shipping})
        return {"costs": costs.model_dump(), "pairs": sum(line.pairs for line in wanted.sizes), "labeling": labeling,
                "shipping_included": wanted.country is not None}
    return _quote_shipment(desk, caller, brand, request.order_numbers or [])


def _quote_shipment(desk: OrderDesk, caller: Caller, brand: Brand, numbers: list[str]) -> dict[str, Any]:
    if len(set(numbers)) != len(numbers):
        raise ValidationFailedError("Each order may be named once.", [FieldProblem(("order_numbers",), "duplicates")])
    orders = [_find_order(desk, caller, number) for number in numbers]
    countries = {order.shipping_address.country for order in orders}
    if len(countries) > 1:
        raise ValidationFailedError(
            "Orders shipped together need one destination.",
            [FieldProblem(("order_numbers",), f"the orders ship to {', '.join(sorted(countries))}")],
        )
    country = countries.pop()
    pairs = sum(order.pairs for order in orders)
    each = [
        quote_order(desk.catalog, o.design, o.type, o.sizes, o.labeling, country, brand.stamps_status) for o in orders
    ]
    manufacturing = sum(c.manufacturing for c in each)
    separate_shipping = sum(c.shipping for c in each)
    shipping = shipping_cost(desk.catalog, country, pairs)
    customization = max((c.customization for c in each), default=0)  # the stamp fee is charged once
    return {
        "costs": {
            "manufacturing": manufacturing,
            "shipping": shipping,
            "customization": customization,
            "total": manufacturing + shipping + customization,
            "currency": desk.catalog.currency,
        },
        "pairs": pairs,
        "order_numbers": numbers,
        "shipping_savings": separate_shipping - shipping,
    }


def brand_profile(desk: OrderDesk, caller: Caller) -> dict[str, Any]:
    return brand_of(desk.brands, caller).public_view()
