"""Payments, the invoicing records, Stripe's events and staff's lists, as the API shows (or takes) them."""

from __future__ import annotations

from typing import Annotated, Literal, NotRequired

from pydantic import Field, WithJsonSchema
from typing_extensions import TypedDict

from welt.domain.payment import PaymentState
from welt.services.resources.parts import (
    DateTime,
    OptionalDateTime,
    component,
)

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


class RectifyingInvoice(TypedDict):
    """A rectifying invoice (R1, by differences) one refund of the payment produced; amounts in cents, negative."""

    number: Annotated[str, Field(pattern=r"^RECT-[0-9]{4}-[0-9]{6}$", examples=["RECT-2026-000001"])]
    issued_on: Annotated[str, Field(json_schema_extra={"format": "date"})]
    corrects: Annotated[str, Field(description="The number of the invoice it corrects.")]
    net: int
    vat: int
    total: int
    currency: str


class RectifyingInvoiceList(TypedDict):
    rectifying_invoices: list[RectifyingInvoice]
