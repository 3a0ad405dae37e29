"""The payments API: cost summaries, server-side card confirmation, Stripe webhooks, invoices, reconciliation.

This is the only function given the Stripe secret key and the webhook secret.
"""

from __future__ import annotations

from typing import Any, Literal

from aws_lambda_powertools import Logger
from chalice import Chalice, Rate, Response
from pydantic import BaseModel, ConfigDict, Field

from welt.adapters.invoice_pdf import render_invoice
from welt.bootstrap import wiring
from welt.domain.errors import (
    ForbiddenError,
    MalformedRequestError,
    NotFoundError,
    PreconditionRequiredError,
    StateConflictError,
    TooManyRequestsError,
    UnsupportedMediaTypeError,
    ValidationFailedError,
)
from welt.entrypoints.http import HttpRequest, WeltApi
from welt.entrypoints.observability import observed, traced
from welt.entrypoints.operations import links_to
from welt.entrypoints.stripe_webhook import StripeEvent
from welt.services import brand_home, payments
from welt.services.payments.desk import RECORDS_MAX_PAGE, RECORDS_PAGE
from welt.services.resources import Health, InvoicingRecordList, PaymentResource, RectifyingInvoiceList, StaffPaymentList, WebhookReceipt
from welt.services.resources.home import BrandSummary, InvoiceList

app = Chalice(app_name="welt-payments", configure_logs=False)
app.api.binary_types.append("application/pdf")
logger = Logger(service="welt-payments")


wiring.in_lambda(lambda: app.lambda_context)


def payment_desk() -> payments.PaymentDesk:
    return wiring.payment_desk()


class PaymentListParams(BaseModel):
    """The staff payment listing's query, as the document shows it; the service checks it (another status is 422)."""

    model_config = ConfigDict(defer_build=True, extra="ignore")

    status: Literal["NEEDS_REVIEW"] | None = None


class RecordPageParams(BaseModel):
    """The invoicing records' page: how many, and after which position in the chain."""

    model_config = ConfigDict(defer_build=True, extra="ignore")

    limit: int = Field(default=RECORDS_PAGE, ge=1, le=RECORDS_MAX_PAGE)
    cursor: str | None = Field(default=None, pattern=r"^[0-9]{1,12}$")


api = WeltApi(app, logger, lambda header: wiring.token_verifier().caller(header), lambda: payment_desk().sessions)


@api.route("/health", methods=["GET"], public=True, operation="health", tags=("Health",), answer="The API is up.")
def health(request: HttpRequest) -> Health:
    """Health check

    Both APIs answer it, without a token.
    """
    return {"status": "ok"}


@api.route(
    "/payments",
    methods=["POST"],
    status=201,
    operation="startPayment",
    links=links_to("payment_id", "getPayment", "confirmPayment", "cancelPayment", "getInvoice"),
    tags=("Payments",),
    answer="The payment, `REQUIRES_PAYMENT_METHOD`.",
    request=payments.PaymentRequest,
    example={"order_numbers": ["00042-DMO"]},
    errors=(
        MalformedRequestError,
        ForbiddenError,
        NotFoundError,
        StateConflictError,
        UnsupportedMediaTypeError,
        ValidationFailedError,
        PreconditionRequiredError,
    ),
    headers=("IdempotencyKey",),
)
def start_payment(request: HttpRequest) -> PaymentResource:
    """Start a payment

    One or more orders (`order_numbers`, at most 20, each named once) or one shipping group (`shipping_group_id`).
    The server computes the amount: manufacturing + shipping (one shipment for a group; for several orders
    outside a group, each order's own shipping, added up) + the one-time stamp fee if this payment is the one
    to pay it, which is the net, plus IVA on the net (see `Costs`); the PaymentIntent charges `total`. The
    answer carries the cost summary and what Stripe.js needs. Nothing is locked yet: confirming locks every
    order of the payment in one transaction, and a failed or canceled attempt releases them all.

    An order in a shipping group is paid through its group only. Something not payable (paid, cancelled, a
    payment in progress) is 409 naming the order; another brand's order is 404 like a missing one. A payment
    is one invoice: orders billed to different buyers (billing name, VAT ID, country) or under different IVA
    treatments are 409, naming the order that differs. `Idempotency-Key` is required, with the same rules as
    checkout.
    """
    key = request.idempotency_key()
    raw = request.json()
    body = request.body(payments.PaymentRequest, raw)
    return payments.start_payment(payment_desk(), request.caller, body, key, raw)


@api.route(
    "/payments/{payment_id}",
    methods=["GET"],
    operation="getPayment",
    tags=("Payments",),
    callers=(
        "brand",
        "staff",
    ),
    answer="The payment.",
    errors=(NotFoundError,),
)
def get_payment(request: HttpRequest, payment_id: str) -> PaymentResource:
    """One payment"""
    return payments.get_payment(payment_desk(), request.caller, payment_id)


@api.route(
    "/payments/{payment_id}/confirm",
    methods=["POST"],
    operation="confirmPayment",
    tags=("Payments",),
    answer="The payment, as Stripe answered.",
    request=payments.ConfirmRequest,
    example={"payment_method": "pm_card_visa"},
    errors=(
        MalformedRequestError,
        ForbiddenError,
        NotFoundError,
        StateConflictError,
        UnsupportedMediaTypeError,
        ValidationFailedError,
        TooManyRequestsError,
    ),
)
def confirm_payment(request: HttpRequest, payment_id: str) -> PaymentResource:
    """Pay with a card

    Locks the orders (and group), checks the price again and has Stripe charge the card on the server. The
    answer is Stripe's: `SUCCEEDED`, `PROCESSING`, `REQUIRES_ACTION` (finish 3-D Secure in the browser with
    `stripe.client_secret`) or `FAILED` (with `failure_message`; the orders are unlocked and the same payment
    can be confirmed again with another card). The orders launch to production when Stripe's
    `payment_intent.succeeded` event arrives.

    Confirming again while a payment is in flight or after it succeeded answers the payment and charges
    nothing. A `CANCELED` payment, or one whose orders, group or price changed since it was created, is 409:
    start a new payment.

    If Stripe cannot be reached: when the charge may have happened (Stripe's answer was lost) the answer is
    `PROCESSING` and Stripe's event, or reconciliation within the hour, settles it; when Stripe surely did
    nothing the answer is 503, the orders are unlocked and the same payment can be confirmed again. A new
    card on the same payment cancels the previous attempt at Stripe; money Stripe still takes for an earlier
    attempt is refunded automatically.

    Against card testing: only PaymentMethod ids (`pm_...`) are taken; a payment takes at most 5 card attempts
    (the sixth is 409: start a new payment); and a brand may start at most
    `WELT_CARD_CONFIRMATIONS_PER_BRAND_HOUR` (default 20) card attempts per clock hour: beyond that the answer
    is 429 with `Retry-After` (seconds until the next hour), nothing is locked and Stripe is not asked.
    """
    body = request.body(payments.ConfirmRequest)
    return payments.confirm_payment(payment_desk(), request.caller, payment_id, body)


@api.route(
    "/payments/{payment_id}/cancel",
    methods=["POST"],
    operation="cancelPayment",
    tags=("Payments",),
    answer="The payment, canceled.",
    errors=(
        ForbiddenError,
        NotFoundError,
        StateConflictError,
    ),
)
def cancel_payment(request: HttpRequest, payment_id: str) -> PaymentResource:
    """Cancel an unfinished payment

    For a payment the buyer will not finish (3-D Secure left open, or a card never given): the attempt's
    PaymentIntent is canceled at Stripe and the orders (and group) are released at once, editable and payable
    again. The answer is the payment, `CANCELED`; canceling again answers the same. Once Stripe has charged
    the card the answer is 409 and the payment settles as paid (its orders launch). If Stripe cannot be reached
    the answer is 503 and nothing changes. Another brand's payment is 404.
    """
    return payments.cancel_payment(payment_desk(), request.caller, payment_id)


@api.route(
    "/payments/{payment_id}/invoice",
    methods=["GET"],
    operation="getInvoice",
    tags=("Payments",),
    callers=(
        "brand",
        "staff",
    ),
    answer="The invoice, as a PDF attachment named after the invoice number.",
    media="application/pdf",
    errors=(NotFoundError,),
    answer_headers=("Content-Disposition",),
)
def invoice(request: HttpRequest, payment_id: str) -> Response:
    """The invoice of a paid payment (PDF)

    Only for a `SUCCEEDED` payment that has its invoice number; before that, 404.
    """
    document = payments.invoice_of(payment_desk(), request.caller, payment_id)
    return Response(
        body=render_invoice(document),
        headers={"Content-Type": "application/pdf", "Content-Disposition": f'attachment; filename="{document.number}.pdf"'},
    )


@api.route(
    "/payments/{payment_id}/rectifying-invoices",
    methods=["GET"],
    operation="listRectifyingInvoices",
    tags=("Payments",),
    callers=("brand", "staff"),
    answer="The payment's rectifying invoices.",
    errors=(NotFoundError,),
)
def rectifying_invoices(request: HttpRequest, payment_id: str) -> RectifyingInvoiceList:
    """A payment's rectifying invoices

    The rectifying invoices (R1, by differences) the payment's refunds produced, oldest first, with their amounts
    in cents, negative. Empty until a refund of the invoiced payment; another brand's payment is 404.
    """
    return payments.rectifying_invoices_of(payment_desk(), request.caller, payment_id)


@api.route(
    "/payments/{payment_id}/rectifying-invoices/{number}",
    methods=["GET"],
    operation="getRectifyingInvoice",
    tags=("Payments",),
    callers=("brand", "staff"),
    answer="The rectifying invoice, as a PDF attachment named after its number.",
    media="application/pdf",
    errors=(NotFoundError,),
    answer_headers=("Content-Disposition",),
)
def rectifying_invoice(request: HttpRequest, payment_id: str, number: str) -> Response:
    """A refund's rectifying invoice (PDF)

    The rectifying invoice (type R1, by differences) a refund of the payment produced: the amounts given back,
    negative, the invoice it corrects, AEAT's QR code and the VERI*FACTU legend. A number the payment does not
    list, or another brand's payment, is 404.
    """
    document = payments.rectifying_invoice_of(payment_desk(), request.caller, payment_id, number)
    return Response(
        body=render_invoice(document),
        headers={"Content-Type": "application/pdf", "Content-Disposition": f'attachment; filename="{document.number}.pdf"'},
    )


@api.route(
    "/admin/payments",
    methods=["GET"],
    staff=True,
    operation="listPaymentsForStaff",
    tags=("Staff",),
    answer="The payments, each with its brand.",
    query=PaymentListParams,
    errors=(
        MalformedRequestError,
        ValidationFailedError,
    ),
)
def staff_payments(request: HttpRequest) -> StaffPaymentList:
    """Payments staff must look at

    Every payment in the given state, of every brand, oldest first. `NEEDS_REVIEW` (the only state listed, and
    the default): Stripe charged another amount or currency than the payment's; its orders stay locked.
    """
    return payments.payments_for_staff(payment_desk(), request.caller, request.query("status"))


@api.route(
    "/admin/invoicing/records",
    methods=["GET"],
    staff=True,
    operation="listInvoicingRecords",
    tags=("Staff",),
    answer="A page of records.",
    query=RecordPageParams,
    errors=(
        MalformedRequestError,
        ValidationFailedError,
    ),
)
def invoicing_records(request: HttpRequest) -> InvoicingRecordList:
    """The VERI*FACTU billing records

    Every registration record (RegistroAlta), one per invoice, oldest first, with AEAT's field names: amounts in
    euros with two decimals and a dot, dates dd-mm-yyyy, the generation time in ISO 8601 with Madrid's offset.
    Each record's `Huella` chains to the one before (`HuellaAnterior`). Pass `next_cursor` as `cursor` for the
    next page.
    """
    page = request.query_model(RecordPageParams)
    return payments.invoicing_records(payment_desk(), request.caller, page.limit, int(page.cursor or 0))


class InvoicePageParams(BaseModel):
    """A page of the brand's invoices: how many payments, and where the previous page ended."""

    model_config = ConfigDict(defer_build=True, extra="ignore")

    limit: int = Field(default=brand_home.INVOICE_PAGE, ge=1, le=brand_home.INVOICE_MAX_PAGE, description="Payments per page.")
    cursor: str | None = Field(default=None, pattern=brand_home.CURSOR, description="The `next_cursor` of the previous page.")


@api.route(
    "/brand/summary",
    methods=["GET"],
    operation="getBrandSummary",
    tags=("Payments",),
    callers=("brand",),
    answer="The brand's home page figures.",
    errors=(ForbiddenError,),
)
def brand_summary(request: HttpRequest) -> BrandSummary:
    """The brand's home page

    What awaits payment (count, total, the oldest order), what is in production (with the next expected ship
    dates), what shipped this week and what the brand paid this month and this year (totals with VAT, by payment
    date, Madrid time). Each order figure names the pool's `status` filter that lists its orders. Each reads at
    most 500 orders; `complete` is false beyond.
    """
    return brand_home.brand_summary(payment_desk(), request.caller)


@api.route(
    "/invoices",
    methods=["GET"],
    operation="listInvoices",
    tags=("Payments",),
    callers=("brand",),
    answer="A page of the brand's invoices and rectifying invoices.",
    query=InvoicePageParams,
    errors=(ForbiddenError, MalformedRequestError, ValidationFailedError),
)
def list_invoices(request: HttpRequest) -> InvoiceList:
    """The brand's invoices

    Every invoice of the brand's payments, newest payment first, each followed by the rectifying invoices its
    refunds produced, with the path of its PDF. A page holds `limit` payments; pass `next_cursor` as `cursor`
    for the next one. Only the caller's brand's invoices are ever listed.
    """
    params = request.query_model(InvoicePageParams)
    return brand_home.brand_invoices(payment_desk(), request.caller, params.limit, params.cursor)


@api.route(
    "/webhooks/stripe",
    methods=["POST"],
    public=True,
    content_types=["application/json", "application/json; charset=utf-8"],
    operation="stripeWebhook",
    tags=("Webhooks",),
    callers=("stripe",),
    answer="Received (and applied, unless it was a duplicate or a type Welt ignores).",
    request=StripeEvent,
    errors=(
        MalformedRequestError,
        StateConflictError,
        UnsupportedMediaTypeError,
    ),
    headers=("StripeSignature",),
)
def stripe_webhook(request: HttpRequest) -> WebhookReceipt:
    """Stripe's events

    Stripe signs each event; the signature is checked on the raw body with a 300-second tolerance either way. A
    missing, forged, stale or future-dated signature is 400 and changes nothing, and so is a signed body that is
    not a readable Stripe event. Each event takes effect at most once, however often
    and in whatever order it arrives; unknown event types are acknowledged and ignored. An event that cannot
    apply yet (a refund overtaking its payment's success) is 409, so Stripe delivers it again later.
    """
    return payments.handle_webhook(payment_desk(), request.raw_body(), request.header("Stripe-Signature"))


@app.schedule(Rate(5, unit=Rate.MINUTES))
@traced
def reconcile_payments(event: Any) -> dict[str, int]:
    """Settles payments whose webhook never came, and releases abandoned ones."""
    return payments.reconcile(payment_desk())  # it counts the stuck payments it finds (StuckPayments)


@app.schedule(Rate(1, unit=Rate.MINUTES))
@traced
def submit_records(event: Any) -> dict[str, int]:
    """Sends the VERI*FACTU records AEAT has not answered yet, minding AEAT's wait between submissions."""
    return wiring.submission_queue().run()


@observed
def handler(event: dict[str, Any], context: Any) -> Any:
    """The API's Lambda entry point: the Chalice app, traced."""
    return app(event, context)
