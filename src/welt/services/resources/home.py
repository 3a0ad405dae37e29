"""A brand's home page (what awaits payment, what is being made, what shipped, what it spent) and its invoices."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field
from typing_extensions import TypedDict

from welt.domain.statuses import OrderStatus, ProductionStage
from welt.services.resources.parts import DateTime, OrderNumber

COUNTED = (
    "False when the brand has more such orders than the home page reads (`SUMMARY_BUDGET`, 500): "
    "`count` and `total` are then those of the newest 500."
)


class OldestOrder(TypedDict):
    order_number: OrderNumber
    created_at: DateTime
    total: Annotated[int, Field(description="Its total with VAT, in cents, as the pool shows it.")]


class AwaitingPayment(TypedDict):
    status: Annotated[OrderStatus, Field(description="The pool's `status` filter that lists these orders.")]
    count: int
    total: Annotated[int, Field(description="Their totals with VAT added up, in cents, as the pool shows each.")]
    complete: Annotated[bool, Field(description=COUNTED)]
    oldest: Annotated[OldestOrder | None, Field(description="The order waiting longest (null when none, or when not `complete`).")]


class ShipDate(TypedDict):
    order_number: OrderNumber
    production_stage: ProductionStage | None
    expected_ship_date: Annotated[str | None, Field(description="The day it should leave the factory (YYYY-MM-DD).")]


class InProduction(TypedDict):
    status: Annotated[OrderStatus, Field(description="The pool's `status` filter that lists these orders.")]
    count: int
    total: int
    complete: Annotated[bool, Field(description=COUNTED)]
    next_ships: Annotated[list[ShipDate], Field(description="The five orders expected to ship soonest, soonest first.")]


class ShippedThisWeek(TypedDict):
    status: Annotated[OrderStatus, Field(description="The pool's `status` filter that lists shipped orders (of every week).")]
    week_starts: Annotated[str, Field(description="Monday of this week in Madrid (YYYY-MM-DD).")]
    count: Annotated[int, Field(description="Orders still `SHIPPED` whose shipment left this week (Madrid time).")]
    total: int
    complete: Annotated[bool, Field(description=COUNTED)]


class Spend(TypedDict):
    this_month: Annotated[int, Field(description="Totals with VAT of the payments made this calendar month (Madrid time), in cents.")]
    this_year: Annotated[int, Field(description="Totals with VAT of the payments made this calendar year (Madrid time), in cents.")]
    payments_this_month: int
    payments_this_year: int
    currency: str


class BrandSummary(TypedDict):
    """The brand's home page: each figure with the pool's `status` filter that lists its orders."""

    as_of: DateTime
    awaiting_payment: AwaitingPayment
    in_production: InProduction
    shipped_this_week: ShippedThisWeek
    spend: Spend


class InvoiceRow(TypedDict):
    kind: Annotated[str, Field(description="`INVOICE`, or `RECTIFYING` for a refund's rectifying invoice.")]
    number: Annotated[str, Field(examples=["INV-2026-000042", "RECT-2026-000003"])]
    issued_on: Annotated[str, Field(description="Its date (Madrid), YYYY-MM-DD.")]
    payment_id: str
    order_numbers: list[OrderNumber]
    net: Annotated[int, Field(description="In cents; negative on a rectifying invoice.")]
    vat: int
    total: int
    currency: str
    corrects: Annotated[str | None, Field(description="The invoice a rectifying invoice corrects; null on an invoice.")]
    download: Annotated[str, Field(description="The path of its PDF on the payments API.")]


class InvoiceList(TypedDict):
    invoices: Annotated[list[InvoiceRow], Field(description="Newest payment first; each invoice followed by its rectifying invoices.")]
    next_cursor: Annotated[str | None, Field(description="Pass as `cursor` for the next page; null on the last page.")]
