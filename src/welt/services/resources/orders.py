"""Orders as the API shows them: the order, its page, its timeline and a quote; and shipping groups with their suggestions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, NotRequired, cast

from pydantic import Field, WithJsonSchema
from typing_extensions import TypedDict

from welt.domain.catalog import Catalog
from welt.domain.costs import Costs
from welt.domain.model import (
    Brand,
    Labeling,
    Order,
    OrderStatus,
    OrderType,
    PaymentStatus,
    ProductionStage,
    StampStatus,
    TimelineEvent,
)
from welt.domain.pricing import GroupShare, price_group, price_orders, share_group
from welt.domain.ship_dates import expected_ship_date
from welt.domain.shipping_group import GroupStatus, ShippingGroup
from welt.services.resources.parts import (
    SCHEMA_NAMED,
    BillingJson,
    BrandCode,
    CostsJson,
    DateTime,
    DesignJson,
    GroupId,
    NextCursor,
    OrderNumber,
    ShippingAddressJson,
    SizeLineJson,
    TrackingJson,
    component,
    costs_json,
    iso,
    nullable,
    tracking_json,
)

# ---------------------------------------------------------------- orders


class GroupShareResource(TypedDict):
    """An order's part of its shipping group's price; the parts of a group's orders add up to the group's, to the cent."""

    order_number: OrderNumber
    shipping: Annotated[int, Field(description="The order's share of the group's one shipment, by pairs.")]
    customization: Annotated[int, Field(description="The stamp fee, on the group's first CUSTOM_STAMPS order only.")]
    net: Annotated[int, Field(description="The order's manufacturing plus its shipping and customization shares.")]
    vat: Annotated[int, Field(description="The order's share of the group's IVA, by net.")]
    total: Annotated[int, Field(description="What the order adds to the group's payment: `net` + `vat`.")]


def share_json(share: GroupShare) -> GroupShareResource:
    return {
        "order_number": share.order_number,
        "shipping": share.shipping,
        "customization": share.customization,
        "net": share.net,
        "vat": share.vat,
        "total": share.total,
    }


class OrderResource(TypedDict):
    order_number: OrderNumber
    brand: BrandCode
    type: Annotated[OrderType, component("OrderType")]
    status: Annotated[OrderStatus, component("OrderStatus")]
    payment_status: Annotated[PaymentStatus, component("PaymentStatus")]
    production_stage: Annotated[
        ProductionStage | None,
        nullable("ProductionStage", "Where the order is in the factory while `WORK_IN_PROCESS`; `null` before payment."),
    ]
    design: Annotated[DesignJson, component("Design")]
    model_name: Annotated[str, Field(description="The model's name in the catalog (`Derby`).")]
    sizes: Annotated[list[SizeLineJson], WithJsonSchema({"type": "array", "items": {SCHEMA_NAMED: "SizeLine"}})]
    pairs: Annotated[int, Field(description="All pairs of the size run.")]
    labeling: Annotated[Labeling, component("Labeling")]
    shipping_address: Annotated[ShippingAddressJson, component("ShippingAddress")]
    billing: Annotated[BillingJson, component("Billing")]
    costs: Annotated[CostsJson, component("Costs")]
    shipping_group_id: Annotated[str | None, Field(description="The shipping group the order is in, if any.")]
    group_share: Annotated[
        GroupShareResource | None,
        Field(
            description="In a shipping group: the order's share of the group's price (`costs` stay the order's own, shipped "
            "alone); the shares of the group's orders add up to what the group's payment charges. `null` outside a group."
        ),
    ]
    version: Annotated[int, Field(description="Goes up with every change; send it as `If-Match` to edit.")]
    created_at: DateTime
    updated_at: DateTime
    wip_started_at: Annotated[
        str | None, Field(description="When the payment launched the order to production.", json_schema_extra={"format": "date-time"})
    ]
    stage_entered_at: Annotated[
        str | None,
        Field(
            description="When the order reached its current production stage (`null` for orders stored before it was recorded).",
            json_schema_extra={"format": "date-time"},
        ),
    ]
    expected_ship_date: Annotated[
        str | None,
        Field(
            description=(
                "While `WORK_IN_PROCESS`, the working day the order should leave the factory: the current stage's lead\n"
                "time from `stage_entered_at` (or today, if the stage runs late), plus every later stage's lead time\n"
                "(`stage_lead_days`, `stamp_development_days` in the catalog). `null` for any other status.\n"
            ),
            json_schema_extra={"format": "date"},
            examples=["2026-11-18"],
        ),
    ]
    days_in_production: Annotated[
        int | None, Field(description="Whole days from launch to shipping (or to now while still in the factory).")
    ]
    tracking: Annotated[TrackingJson | None, nullable("Tracking")]
    payment_id: Annotated[str | None, Field(description="The payment holding or having paid the order.")]
    open_payment_id: Annotated[
        str | None,
        Field(
            description=(
                "The payment in progress that locks the order (finish it, or cancel it with "
                "`POST /payments/{payment_id}/cancel`); null when none."
            )
        ),
    ]
    invoice_number: Annotated[str | None, Field(pattern=r"^INV-[0-9]{4}-[0-9]{6}$")]


def shown_costs(catalog: Catalog, order: Order, brand: Brand | None) -> Costs:
    """An order's costs as shown alone: an unpaid one priced as its payment would charge it (the stamp fee only while
    due), any other as it was paid."""
    if order.is_editable and brand is not None:
        return price_orders(catalog, [order], together=False, stamps=brand.stamps_status).priced
    return order.costs


def order_resource(catalog: Catalog, order: Order, brand: Brand | None, now: datetime, share: GroupShare | None = None) -> OrderResource:
    """The order as the API shows it, built here only (the timeline has its own route).

    An unpaid order is priced as its payment would charge it (the stamp fee only while due); an order in a
    group also shows `share`, its part of the group's price.
    """
    stored = order.model_dump(mode="json")
    model = catalog.shoe_model(order.design.model)
    shipping_on = expected_ship_date(order, catalog, now.date())
    costs = shown_costs(catalog, order, brand)
    return {
        "order_number": order.order_number,
        "brand": order.brand,
        "type": order.type,
        "status": order.status,
        "payment_status": order.payment_status,
        "production_stage": order.production_stage,
        "design": stored["design"],
        "model_name": model.name if model else order.design.model,
        "sizes": stored["sizes"],
        "pairs": order.pairs,
        "labeling": order.labeling,
        "shipping_address": stored["shipping_address"],
        "billing": stored["billing"],
        "costs": costs_json(costs),
        "shipping_group_id": order.shipping_group_id,
        "group_share": share_json(share) if share is not None and order.shipping_group_id else None,
        "version": order.version,
        "created_at": stored["created_at"],
        "updated_at": iso(order.updated_at),
        "wip_started_at": stored["wip_started_at"],
        "stage_entered_at": stored["stage_entered_at"],
        "expected_ship_date": shipping_on.isoformat() if shipping_on else None,
        "days_in_production": order.days_in_production(now),
        "tracking": stored["tracking"],
        "payment_id": order.payment_id,
        "open_payment_id": order.open_payment_id,
        "invoice_number": order.invoice_number,
    }


class OrderPage(TypedDict):
    orders: list[OrderResource]
    next_cursor: NextCursor


class TimelineEventResource(TypedDict):
    at: DateTime
    actor: Annotated[
        str,
        Field(
            description=(
                "`brand:<code>[:<user>]`, `staff:<user>` (staff reading) or `staff` (a brand reading: staff by role, never "
                "their user id), or `stripe`."
            )
        ),
    ]
    type: Annotated[str, component("TimelineEventType")]
    details: dict[str, object]


def event_resource(event: TimelineEvent, staff_names: bool) -> TimelineEventResource:
    """The event as shown; a brand sees factory staff by role (`staff`), never a staff user's id."""
    actor = "staff" if not staff_names and event.actor.startswith("staff:") else event.actor
    details: dict[str, object] = event.model_dump(mode="json", include={"details"})["details"]
    return {"at": iso(event.at), "actor": actor, "type": event.type, "details": details}


class Timeline(TypedDict):
    order_number: str
    events: list[TimelineEventResource]
    next_cursor: str | None


class Quote(TypedDict):
    costs: Annotated[CostsJson, component("Costs")]
    pairs: int
    labeling: NotRequired[Annotated[Labeling, component("Labeling")]]
    shipping_included: NotRequired[
        Annotated[bool, Field(description="For `order`, whether `costs.shipping` is priced (a country was given).")]
    ]
    order_numbers: NotRequired[list[str]]
    shipping_savings: NotRequired[
        Annotated[int, Field(description="For `order_numbers`, what one shipment saves against shipping each order alone.")]
    ]


# ---------------------------------------------------------------- shipping groups


class ShippingGroupResource(TypedDict):
    shipping_group_id: GroupId
    order_numbers: list[str]
    status: Annotated[GroupStatus, component("GroupStatus")]
    costs: Annotated[CostsJson, component("Costs")]
    shipping_savings: Annotated[int, Field(description="The orders' own shipping added up, minus the group's one shipment.")]
    pairs: int
    shipping_address: Annotated[ShippingAddressJson | None, nullable("ShippingAddress", "Where the group ships: its orders' one address.")]
    shares: Annotated[
        list[GroupShareResource],
        Field(description="Each order's part of `costs`, in `order_numbers` order; the totals add up to `costs.total`."),
    ]
    payment_id: str | None
    open_payment_id: Annotated[str | None, Field(description="The payment in progress that holds the group, if any.")]
    tracking: Annotated[TrackingJson | None, nullable("Tracking")]
    version: int
    created_at: DateTime
    updated_at: DateTime


def group_resource(catalog: Catalog, group: ShippingGroup, orders: Sequence[Order], brand: Brand | None) -> ShippingGroupResource:
    """The group as the API shows it: open groups priced as their payment would charge them."""
    members = [order for order in orders if order.order_number in group.order_numbers]
    stamps = brand.stamps_status if brand is not None else StampStatus.READY
    price = price_group(catalog, members, paid=group.status not in (GroupStatus.OPEN, GroupStatus.DISSOLVED), stamps=stamps)
    costs = price.priced
    return {
        "shipping_group_id": group.shipping_group_id,
        "order_numbers": group.order_numbers,
        "status": group.status,
        "costs": costs_json(costs),
        "shipping_savings": price.shipping_savings,
        "pairs": price.pairs,
        # The domain's dump has ShippingAddressJson's keys, one for one.
        "shipping_address": cast(ShippingAddressJson, members[0].shipping_address.model_dump(mode="json")) if members else None,
        "shares": [share_json(share) for share in share_group(members, costs)],
        "payment_id": group.payment_id,
        "open_payment_id": group.payment_id if group.status is GroupStatus.PAYMENT_IN_PROGRESS else None,
        "tracking": tracking_json(group.tracking) if group.tracking else None,
        "version": group.version,
        "created_at": group.created_at.isoformat(),
        "updated_at": group.updated_at.isoformat(),
    }


class ShippingGroupList(TypedDict):
    shipping_groups: list[ShippingGroupResource]
    next_cursor: str | None


class StaffShippingGroup(ShippingGroupResource):
    """A shipping group as staff see it, with its brand."""

    brand: BrandCode


class StaffShippingGroupList(TypedDict):
    shipping_groups: list[StaffShippingGroup]
    next_cursor: str | None


class GroupSuggestion(TypedDict):
    order_numbers: Annotated[list[str], Field(min_length=2, max_length=20)]
    pairs: int
    shipping_address: Annotated[ShippingAddressJson, component("ShippingAddress")]
    costs: Annotated[CostsJson, component("Costs")]
    shipping_savings: Annotated[int, Field(description="What the group would save against shipping each order alone, in cents.")]
    newest_order_at: Annotated[
        str, Field(description="When the newest order of the set was placed.", json_schema_extra={"format": "date-time"})
    ]


class GroupSuggestionList(TypedDict):
    suggestions: list[GroupSuggestion]
