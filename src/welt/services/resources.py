"""What the APIs answer: one typed resource per thing a client reads, each built here (or by one named builder) from the domain.

The resources are JSON-ready `TypedDict`s: the services return them, the routes send them as they are, and
`welt.entrypoints.contract` turns their annotations and descriptions into the schemas of docs/api/openapi.yaml.
A field added to a resource is a type error at every place that builds it until it is given.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal, NotRequired, cast

from pydantic import Field, WithJsonSchema
from typing_extensions import TypedDict

from welt.domain.catalog import Catalog as CatalogModel
from welt.domain.model import (
    Brand,
    Costs,
    Labeling,
    OrderStatus,
    OrderType,
    PaymentStatus,
    ProductionStage,
    StampStatus,
    TimelineEvent,
    Tracking,
)
from welt.domain.payment import PaymentState
from welt.domain.shipping_group import GroupStatus
from welt.domain.team import TeamMember, UserState

# The API document's generator turns this key into a `$ref` (pydantic would try to resolve a `$ref` itself).
SCHEMA_NAMED = "x-welt-schema"


def component(name: str, description: str | None = None) -> WithJsonSchema:
    """A nested part whose schema is the domain's own (`#/components/schemas/<name>`)."""
    schema: dict[str, object] = {SCHEMA_NAMED: name}
    return WithJsonSchema(schema if description is None else {**schema, "description": description})


def nullable(name: str, description: str | None = None) -> WithJsonSchema:
    schema: dict[str, object] = {"anyOf": [{SCHEMA_NAMED: name}, {"type": "null"}]}
    return WithJsonSchema(schema if description is None else {"description": description, **schema})


DateTime = Annotated[str, Field(json_schema_extra={"format": "date-time"})]
OptionalDateTime = Annotated[str | None, Field(json_schema_extra={"format": "date-time"})]
OrderNumber = Annotated[str, Field(pattern=r"^[0-9]{5,12}-[A-Z]{3}$", examples=["00042-DMO"])]
GroupId = Annotated[str, Field(pattern=r"^G[0-9]{4,12}-[A-Z]{3}$", examples=["G0007-DMO"])]
BrandCode = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
NextCursor = Annotated[str | None, Field(description="Pass as `cursor` for the next page; `null` on the last page.")]


# ---------------------------------------------------------------- the parts an order is made of, as JSON


class MaterialsJson(TypedDict):
    upper: str
    lining: str
    sole: str


class DesignJson(TypedDict):
    model: str
    materials: MaterialsJson
    design_ref: NotRequired[str | None]


class SizeLineJson(TypedDict):
    size: str
    pairs: int


class PostalAddressJson(TypedDict):
    line1: str
    line2: NotRequired[str | None]
    city: str
    postal_code: str
    region: NotRequired[str | None]
    country: str


class ShippingAddressJson(TypedDict):
    name: str
    company: NotRequired[str | None]
    line1: str
    line2: NotRequired[str | None]
    city: str
    postal_code: str
    region: NotRequired[str | None]
    country: str
    phone: str
    email: str


class BillingJson(TypedDict):
    name: str
    company: NotRequired[str | None]
    vat_id: NotRequired[str | None]
    email: str
    address: PostalAddressJson


class CostsJson(TypedDict):
    manufacturing: int
    shipping: int
    customization: int
    net: int
    vat_rate_percent: int
    vat: int
    vat_note: str | None
    total: int
    currency: str
    vat_treatment: NotRequired[str | None]


class TrackingJson(TypedDict):
    carrier: str
    tracking_number: str
    tracking_url: str | None
    shipped_at: str


def costs_json(costs: Costs) -> CostsJson:
    # pydantic's dump is untyped; its keys are Costs' fields, which CostsJson names one for one.
    return cast(CostsJson, costs.model_dump(mode="json"))


def tracking_json(tracking: Tracking) -> TrackingJson:
    return {
        "carrier": tracking.carrier,
        "tracking_number": tracking.tracking_number,
        "tracking_url": tracking.tracking_url,
        "shipped_at": iso(tracking.shipped_at),
    }


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


# ---------------------------------------------------------------- orders


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


# ---------------------------------------------------------------- brands and their people


class BrandResource(TypedDict):
    code: BrandCode
    name: str
    labeling_default: Annotated[Labeling | None, nullable("Labeling", "The labeling of the brand's last order; `null` before the first.")]
    stamps_status: Annotated[StampStatus, component("StampStatus")]
    legal_name: str | None
    vat_id: str | None
    contact_email: str | None
    billing_address: Annotated[
        PostalAddressJson | None,
        nullable("PostalAddress", "Where invoices are addressed by default; `null` for a brand registered without billing details."),
    ]


def brand_resource(brand: Brand) -> BrandResource:
    return {
        "code": brand.code,
        "name": brand.name,
        "labeling_default": brand.labeling_default,
        "stamps_status": brand.stamps_status,
        "legal_name": brand.legal_name,
        "vat_id": brand.vat_id,
        "contact_email": brand.contact_email,
        "billing_address": cast(PostalAddressJson, brand.billing_address.model_dump(mode="json")) if brand.billing_address else None,
    }


class StaffBrand(BrandResource):
    """A brand as staff see it: when it was registered, and the version to edit it at."""

    registered_at: OptionalDateTime
    version: int


def staff_brand_resource(brand: Brand) -> StaffBrand:
    return {
        **brand_resource(brand),
        "registered_at": brand.registered_at.isoformat() if brand.registered_at else None,
        "version": brand.version,
    }


class BrandList(TypedDict):
    brands: list[StaffBrand]
    next_cursor: str | None


class StampsReady(TypedDict):
    code: str
    name: str
    labeling_default: Annotated[Labeling | None, nullable("Labeling")]
    stamps_status: Annotated[StampStatus, component("StampStatus")]
    orders_released: Annotated[list[str], Field(description="The orders that moved from `AWAITING_STAMPS` to `CUTTING`.")]


class TeamMemberResource(TypedDict):
    email: str
    name: str
    state: Annotated[UserState, component("UserState")]
    brand: Annotated[str | None, Field(description="The user's brand; `null` for factory staff.")]
    created_at: str | None


def member_resource(member: TeamMember) -> TeamMemberResource:
    return {"email": member.email, "name": member.name, "state": member.state, "brand": member.brand, "created_at": member.created_at}


class TeamList(TypedDict):
    users: list[TeamMemberResource]


# ---------------------------------------------------------------- shipping groups


class ShippingGroupResource(TypedDict):
    shipping_group_id: GroupId
    order_numbers: list[str]
    status: Annotated[GroupStatus, component("GroupStatus")]
    costs: Annotated[CostsJson, component("Costs")]
    shipping_savings: Annotated[int, Field(description="The orders' own shipping added up, minus the group's one shipment.")]
    pairs: int
    payment_id: str | None
    open_payment_id: Annotated[str | None, Field(description="The payment in progress that holds the group, if any.")]
    tracking: Annotated[TrackingJson | None, nullable("Tracking")]
    version: int
    created_at: DateTime
    updated_at: DateTime


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


# ---------------------------------------------------------------- payments


class StripeParts(TypedDict):
    """What the browser needs for Stripe.js."""

    publishable_key: str
    payment_intent_id: str | None
    client_secret: Annotated[str | None, Field(description="Only while `REQUIRES_ACTION`, for `stripe.confirmCardPayment` (3-D Secure).")]
    js_url: str


class CostSummaryJson(TypedDict):
    manufacturing: int
    shipping: int
    customization: int
    net: int
    vat_rate_percent: int
    vat: int
    vat_note: str | None
    total: int
    vat_treatment: NotRequired[str | None]


class PaymentResource(TypedDict):
    payment_id: Annotated[str, Field(examples=["pay_ed91e3a16fbc7493b23d214f"])]
    status: Annotated[PaymentState, component("PaymentState")]
    amount: Annotated[int, Field(description="What the card is charged, in cents; equals `summary.total`.")]
    currency: Annotated[str, WithJsonSchema({"type": "string", "const": "EUR"})]
    summary: Annotated[CostSummaryJson, component("CostSummary")]
    order_numbers: list[str]
    shipping_group_id: str | None
    invoice_number: Annotated[str | None, Field(description="Set once the payment is settled (`INV-2026-000042`).")]
    rectifying_invoices: Annotated[
        list[str],
        Field(
            description=(
                "The rectifying invoices (type R1, by differences, series `RECT-{year}-{seq:06d}`, gapless per year) its\n"
                "refunds produced, oldest first; each corrects `invoice_number` and leaves its own VERI*FACTU record.\n"
            )
        ),
    ]
    failure_message: Annotated[str | None, Field(description="Stripe's words when the card was declined or the payment was abandoned.")]
    refunded_amount: int
    attempt: Annotated[int, Field(description="How many cards were offered for this payment.")]
    created_at: DateTime
    updated_at: DateTime
    stripe: StripeParts


class StaffPayment(TypedDict):
    brand: Annotated[str, Field(examples=["DMO"])]
    payment: PaymentResource


class StaffPaymentList(TypedDict):
    payments: list[StaffPayment]


class InvoicingRecord(TypedDict):
    """One VERI*FACTU record, with AEAT's field names."""

    IDEmisorFactura: Annotated[str, Field(description="The factory's NIF.")]
    NumSerieFactura: str
    FechaExpedicionFactura: Annotated[str, Field(pattern=r"^\d{2}-\d{2}-\d{4}$")]
    TipoFactura: Literal["F1", "R1"]
    CuotaTotal: Annotated[str, Field(pattern=r"^-?\d+\.\d{2}$")]
    ImporteTotal: Annotated[str, Field(pattern=r"^-?\d+\.\d{2}$")]
    Huella: Annotated[str, Field(pattern=r"^[0-9A-F]{64}$")]
    HuellaAnterior: str | None
    FechaHoraHusoGenRegistro: Annotated[str, Field(description="ISO 8601 with the Europe/Madrid offset, e.g. 2027-01-04T10:15:00+01:00.")]
    position: Annotated[int, Field(description="The record's place in the chain, from 1.")]
    corrects: Annotated[str | None, Field(description="For a rectifying invoice, the invoice it corrects.")]
    submission_state: Literal["PENDING", "Correcto", "AceptadoConErrores", "Incorrecto"]


class InvoicingRecordList(TypedDict):
    records: list[InvoicingRecord]
    next_cursor: str | None


class WebhookReceipt(TypedDict):
    received: Literal[True]
    duplicate: NotRequired[Annotated[bool, Field(description="`true` when this event id was already applied; nothing happened again.")]]


# ---------------------------------------------------------------- staff's email list


class StaffEmail(TypedDict):
    message_id: Annotated[str, Field(examples=["order-confirmation/00042-DMO"])]
    brand: str | None
    to: str
    subject: str
    state: Annotated[str, WithJsonSchema({"type": "string", "enum": ["DEAD"]})]
    attempts: int
    last_error: str | None
    given_up_at: OptionalDateTime


class StaffEmailList(TypedDict):
    emails: list[StaffEmail]


class Health(TypedDict):
    status: Literal["ok"]


# ---------------------------------------------------------------- the catalog


class OrderTypeRule(TypedDict):
    min_pairs: int
    max_pairs: int
    factor: Annotated[
        str, Field(pattern=r"^[0-9]+\.[0-9]+$", description='The manufacturing price factor, as a decimal string (`"0.85"`).')
    ]


class Material(TypedDict):
    id: str
    name: str
    part: Literal["upper", "lining", "sole"]
    surcharge: Annotated[int, Field(description="Added to the model's base price per pair, in cents.")]


class ModelMaterials(TypedDict):
    """The material ids this model allows, per part."""

    upper: list[str]
    lining: list[str]
    sole: list[str]


class ShoeModel(TypedDict):
    id: str
    name: str
    base_price: Annotated[int, Field(description="Per pair, in cents.")]
    materials: ModelMaterials


class ShippingZone(TypedDict):
    id: str
    name: str
    countries: Annotated[list[str], Field(description="ISO 3166-1 alpha-2 codes; `*` is every country no other zone lists.")]
    base: Annotated[int, Field(description="Per shipment, in cents.")]
    per_pair: Annotated[int, Field(description="Per pair in the shipment, in cents.")]


class StageLeadDays(TypedDict):
    """Working days an order spends at each production stage, from `CUTTING` to `READY_TO_SHIP`."""

    CUTTING: int
    STITCHING: int
    LASTING: int
    FINISHING: int
    PACKING: int
    READY_TO_SHIP: int


class OrderTypeRules(TypedDict):
    MTO: OrderTypeRule
    MINI_BULK: OrderTypeRule
    BULK: OrderTypeRule


class Catalog(TypedDict):
    currency: Annotated[str, WithJsonSchema({"type": "string", "const": "EUR"})]
    stamp_fee: Annotated[int, Field(description="The one-time custom stamp development fee, in cents.")]
    stamp_development_days: Annotated[
        int, Field(description="Working days the factory takes to make a brand's custom stamps (the `AWAITING_STAMPS` lead time).")
    ]
    stage_lead_days: StageLeadDays
    order_types: OrderTypeRules
    materials: list[Material]
    models: list[ShoeModel]
    shipping_zones: list[ShippingZone]


def catalog_resource(catalog: CatalogModel) -> Catalog:
    # The catalog's own view names Catalog's keys one for one, already in JSON form.
    return cast(Catalog, catalog.public_view())


# ---------------------------------------------------------------- Stripe's events, as they come in


class StripeEventData(TypedDict):
    object: NotRequired[dict[str, object]]


class StripeEvent(TypedDict):
    """A Stripe event, as Stripe sends it. Welt reads `id`, `type` and `data.object`."""

    id: Annotated[str, Field(examples=["evt_1QJ0xXXXXXXXXXXXX"])]
    type: Annotated[str, Field(examples=["payment_intent.succeeded"])]
    data: NotRequired[StripeEventData]
