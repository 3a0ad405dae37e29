"""What the payment use cases share: the desk they talk to, the payment as shown, and its price."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import cast

from welt.domain.catalog import Catalog
from welt.domain.errors import FieldProblem, ForbiddenError, NotFoundError, StateConflictError, ValidationFailedError
from welt.domain.model import Brand, Order
from welt.domain.payment import CostSummary, Payment, PaymentState
from welt.domain.pricing import one_buyer_problem, price_orders
from welt.domain.shipping_group import ShippingGroup, parse_group_id
from welt.domain.text import shown
from welt.services.callers import Caller
from welt.services.ports import (
    BrandRepository,
    Clock,
    EventLog,
    Idempotency,
    IntentStatus,
    InvoiceRegister,
    OrderRepository,
    Outbox,
    PaymentGateway,
    PaymentRepository,
    SessionRegistry,
    ShippingGroupRepository,
    Store,
)
from welt.services.resources import CostSummaryJson, InvoicingRecord, InvoicingRecordList, PaymentResource, StaffPaymentList
from welt.services.shipping_groups import orders_of

STRIPE = "stripe"

# What the buyer is told of a payment whose intent stands so (the one translation from intent to payment state).
PAYMENT_STATE_OF = {
    IntentStatus.CHARGED: PaymentState.SUCCEEDED,
    IntentStatus.CHARGING: PaymentState.PROCESSING,
    IntentStatus.UNCONFIRMED: PaymentState.PROCESSING,
    IntentStatus.NEEDS_BANK_STEP: PaymentState.REQUIRES_ACTION,
    IntentStatus.NEEDS_CARD: PaymentState.FAILED,
    IntentStatus.CANCELED: PaymentState.CANCELED,
}


@dataclass
class PaymentDesk:
    """Everything the payment use cases talk to."""

    store: Store
    orders: OrderRepository
    brands: BrandRepository
    groups: ShippingGroupRepository
    payments: PaymentRepository
    invoices: InvoiceRegister
    events: EventLog
    gateway: PaymentGateway
    outbox: Outbox
    idempotency: Idempotency
    catalog: Catalog
    clock: Clock
    new_payment_id: Callable[[], str]
    sessions: SessionRegistry
    # AEAT's ValidarQR service the invoices' QR codes point to.
    aeat_qr_service: str
    # Card confirmations one brand may start per clock hour (WELT_CARD_CONFIRMATIONS_PER_BRAND_HOUR).
    confirmations_per_hour: int = 20


def payment_view(desk: PaymentDesk, payment: Payment, status: PaymentState | None = None) -> PaymentResource:
    """The payment as the API shows it, with what Stripe.js needs."""
    shown = status or payment.status
    return {
        "payment_id": payment.payment_id,
        "status": shown,
        "amount": payment.amount,
        "currency": payment.currency,
        "summary": cast(CostSummaryJson, payment.summary.model_dump(mode="json")),
        "order_numbers": payment.order_numbers,
        "shipping_group_id": payment.shipping_group_id,
        "invoice_number": payment.invoice_number,
        "rectifying_invoices": payment.rectifying_invoices,
        "failure_message": payment.failure_message,
        "refunded_amount": payment.refunded_amount,
        "attempt": payment.attempt,
        "created_at": payment.created_at.isoformat(),
        "updated_at": payment.updated_at.isoformat(),
        "stripe": {
            "publishable_key": desk.gateway.publishable_key,
            "payment_intent_id": payment.intent_id,
            "client_secret": payment.client_secret if shown is PaymentState.REQUIRES_ACTION else None,
            "js_url": desk.gateway.js_url,
        },
    }


# Staff list payments by the states that need them; a page holds every one (there are few, or an alarm rang).
STAFF_LISTS = (PaymentState.NEEDS_REVIEW,)
STAFF_LIST_LIMIT = 200


def payments_for_staff(desk: PaymentDesk, caller: Caller, status: str | None) -> StaffPaymentList:
    """Payments in a state staff must act on (NEEDS_REVIEW: Stripe charged otherwise than priced), oldest first."""
    if not caller.staff:
        raise ForbiddenError("Only staff list payments.")
    wanted = status or PaymentState.NEEDS_REVIEW.value
    if wanted not in {state.value for state in STAFF_LISTS}:
        raise ValidationFailedError(
            f"Staff list payments by status {', '.join(s.value for s in STAFF_LISTS)}.",
            [FieldProblem(("query", "status"), f"must be one of: {', '.join(s.value for s in STAFF_LISTS)}")],
        )
    found = desk.payments.needing_review(STAFF_LIST_LIMIT)
    return {"payments": [{"brand": payment.brand, "payment": payment_view(desk, payment)} for payment in found]}


def payment_for(desk: PaymentDesk, caller: Caller, payment_id: str) -> Payment:
    payment = desk.payments.get(payment_id) if len(payment_id) <= 64 else None
    if payment is None or (not caller.staff and payment.brand != caller.brand):
        raise NotFoundError(f"No payment {shown(payment_id)}.")
    return payment


def price_payment(desk: PaymentDesk, brand: Brand, orders: Sequence[Order], grouped: bool) -> CostSummary:
    """What the orders cost now: the same price the pool and the group show."""
    problem = one_buyer_problem(orders)
    if problem:
        raise StateConflictError(f"One payment is one invoice: {problem}.")
    price = price_orders(desk.catalog, orders, together=grouped, stamps=brand.stamps_status)
    return CostSummary.model_validate(price.priced.model_dump(exclude={"currency"}))


@dataclass(frozen=True)
class PaymentParts:
    """The payment and everything its transaction may touch, read at one moment."""

    payment: Payment
    orders: list[Order]
    group: ShippingGroup | None
    brand: Brand


def parts_of(desk: PaymentDesk, payment_id: str) -> PaymentParts | None:
    payment = desk.payments.get(payment_id)
    if payment is None:
        return None
    parsed = parse_group_id(payment.shipping_group_id or "")
    group = desk.groups.get(*parsed) if parsed else None
    brand = desk.brands.get(payment.brand)
    if brand is None:
        return None
    return PaymentParts(payment, orders_of(desk.orders, payment.order_numbers), group, brand)


RECORDS_PAGE = 50
RECORDS_MAX_PAGE = 100


def invoicing_records(desk: PaymentDesk, caller: Caller, size: int, after: int) -> InvoicingRecordList:
    """Staff: the VERI*FACTU records after position `after` (0: from the first), oldest first, with AEAT's field names;
    `next_cursor` is the last position shown.

    The cursor is a position in the factory's one chain, not a secret: only staff see the chain, all of it.
    """
    if not caller.staff:
        raise ForbiddenError("Only staff read the invoicing records.")
    records = desk.invoices.records(after, size + 1)
    shown = records[:size]
    return {
        # The domain's AEAT view has InvoicingRecord's keys, one for one.
        "records": [cast(InvoicingRecord, record.aeat_view()) for record in shown],
        "next_cursor": str(shown[-1].position) if len(records) > size else None,
    }
