"""Stripe's word on a payment (its webhook, or reconciliation asking): success, failure, refund.

Settling a success is one transaction: the payment SUCCEEDED with the year's next invoice number, every
order launched with its event, the group paid, the brand's stamps started (or checked unchanged) and the
payment email. A repeated, late or reordered event finds the payment already moved and changes nothing.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from aws_lambda_powertools import Logger

from welt.domain.errors import StateConflictError
from welt.domain.invoice import MADRID, factory_seller, issue_date
from welt.domain.model import Labeling, Order, PaymentStatus
from welt.domain.payment import (
    IN_FLIGHT,
    RECTIFYING_SERIES,
    Payment,
    PaymentState,
    Rectification,
    invoice_number,
    rectifying_invoice_number,
)
from welt.domain.shipping_group import GroupStatus
from welt.domain.verifactu import InvoiceType, RegistrationFields, RegistrationRecord, SaleDetails, register_invoice
from welt.services.changes import until_applied
from welt.services.notifications import payment_received_message
from welt.services.payments import alarms
from welt.services.payments.desk import PAYMENT_STATE_OF, STRIPE, PaymentDesk, PaymentParts, parts_of
from welt.services.payments.starting import close_attempt
from welt.services.ports import (
    BrandCheck,
    EventKind,
    IntentView,
    InvoiceNumberWrite,
    PaymentOutcomeUnknownError,
    RegistrationRecordWrite,
    Transaction,
    TransactionConflictError,
)
from welt.services.resources import WebhookReceipt
from welt.services.shipping_groups import orders_of

logger = Logger(child=True)


class RetryLaterError(StateConflictError):
    """The event cannot apply yet; answered 409, so Stripe delivers it again."""


class Settled(StrEnum):
    """What applying Stripe's word did, for reconciliation's count."""

    SETTLED = "settled"
    RELEASED = "released"
    WAITING = "waiting"
    NOTHING = "nothing"  # already settled, or not Welt's
    REFUNDED = "refunded"  # money taken for an attempt no longer current: given back
    MISMATCH = "mismatch"  # Stripe took another amount or currency than the payment's: a person must look


def settle_from_stripe(desk: PaymentDesk, payment: Payment, intent: IntentView) -> Settled:
    """Apply what Stripe says of the intent, as its webhook would."""
    state = PAYMENT_STATE_OF[intent.status]
    if state is PaymentState.SUCCEEDED:
        return settle_succeeded(desk, payment.payment_id, intent)
    if state in (PaymentState.FAILED, PaymentState.CANCELED):
        return settle_failed(desk, payment.payment_id, intent, state)
    return Settled.WAITING


def _attempt_of(intent: IntentView) -> int | None:
    value = intent.metadata.get("attempt", "")
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 9 else None


def settle_succeeded(desk: PaymentDesk, payment_id: str, intent: IntentView) -> Settled:
    """Stripe took the money: one transaction launches everything. Safe to run again."""
    return until_applied(lambda: _settle_success(desk, payment_id, intent), f"Payment {payment_id}")


def _settle_success(desk: PaymentDesk, payment_id: str, intent: IntentView) -> Settled:
    parts = parts_of(desk, payment_id)
    if parts is None:
        return Settled.NOTHING
    payment = parts.payment
    if payment.status is PaymentState.SUCCEEDED and payment.intent_id == intent.id:
        return Settled.NOTHING  # this success, again
    if payment.status is PaymentState.SUCCEEDED or not payment.is_current_intent(intent.id, _attempt_of(intent)):
        # An older attempt (or a second intent of a paid payment) took money too: the buyer must not pay twice.
        return refund_late_success(desk, payment, intent, "an attempt that is no longer current")
    if payment.status is PaymentState.NEEDS_REVIEW:
        return Settled.NOTHING
    if intent.amount != payment.amount or intent.currency.lower() != payment.currency.lower():
        return _hold_for_review(desk, payment, intent)
    transaction = Transaction()
    if payment.status in (PaymentState.FAILED, PaymentState.CANCELED):
        # Stripe took the money for an attempt Welt had given up on (a webhook later than reconciliation).
        try:
            return _launch(desk, parts, intent, transaction, payment.revived(intent.id, desk.clock()), revived=True)
        except StateConflictError as conflict:
            return refund_late_success(desk, payment, intent, f"a payment given up whose orders cannot launch: {conflict}")
    if payment.status not in IN_FLIGHT:
        return Settled.NOTHING
    return _launch(desk, parts, intent, transaction, payment, revived=False)


def refund_late_success(desk: PaymentDesk, payment: Payment, intent: IntentView, why: str) -> Settled:
    """Give back money Stripe took for nothing Welt will deliver; the key makes every repeat the same refund."""
    try:
        desk.gateway.refund(intent.id, idempotency_key=f"welt-{payment.payment_id}-refund-{intent.id}")
    except PaymentOutcomeUnknownError as lost:
        raise RetryLaterError(
            f"Not applicable yet (the refund of {intent.id} may not have been made: {lost.message}); deliver it again later."
        ) from None
    logger.error(
        "late success refunded", extra={"payment_id": payment.payment_id, "intent_id": intent.id, "amount": intent.amount, "reason": why}
    )
    alarms.count(alarms.LATE_SUCCESS_REFUNDED, payment_id=payment.payment_id)
    return Settled.REFUNDED


def _hold_for_review(desk: PaymentDesk, payment: Payment, intent: IntentView) -> Settled:
    """Stripe took another amount or currency than priced: nothing launches and nothing is released."""
    reason = (
        f"Stripe charged {intent.amount} {intent.currency.upper() or '(no currency)'} for a payment of "
        f"{payment.amount} {payment.currency.upper()}."
    )
    desk.store.commit(Transaction().payment(payment.needs_review(reason, desk.clock()), payment))
    logger.error(
        "payment needs review",
        extra={
            "payment_id": payment.payment_id,
            "intent_id": intent.id,
            "charged": intent.amount,
            "charged_currency": intent.currency,
            "expected": payment.amount,
            "expected_currency": payment.currency,
        },
    )
    alarms.count(alarms.PAYMENT_NEEDS_REVIEW, payment_id=payment.payment_id)
    return Settled.MISMATCH


def _launch(
    desk: PaymentDesk, parts: PaymentParts, intent: IntentView, transaction: Transaction, payment: Payment, revived: bool
) -> Settled:
    """The success's transaction. A revived payment takes its orders (and group) back first; otherwise they
    must still be held by it, and if they are not, another delivery settled it between our reads: read again."""
    now = desk.clock()
    year = now.year
    seq = desk.invoices.last_number(year) + 1
    number = invoice_number(year, seq)
    succeeded = payment.succeeded(intent.id, number, now)
    transaction.add(InvoiceNumberWrite(year=year, seq=seq, number=number, payment_id=payment.payment_id, brand=payment.brand, at=now))
    # The invoice's VERI*FACTU record, chained to the last one, in the same transaction as its number.
    registered = RegistrationFields(
        factory_seller().nif, number, issue_date(now), InvoiceType.F1, payment.summary.vat, payment.amount, now.astimezone(MADRID)
    )
    sale = _sale_details(payment, parts.orders, payment.summary.net)
    invoiced = register_invoice(registered, desk.invoices.chain_head(), payment.payment_id, sale)
    rectified = None
    if payment.refunded_amount:
        # A refund overtook this success: the sale is invoiced now, so what was given back is rectified now too,
        # in the same transaction, so no invoiced refund is ever left without its rectifying invoice.
        rectified = _rectify(desk, transaction, succeeded, payment.refunded_amount, 0, now, invoiced, parts.orders)
        succeeded = succeeded.refunded(payment.refunded_amount, now, _rectification(rectified, now))
    transaction.payment(succeeded, parts.payment)
    transaction.add(RegistrationRecordWrite(invoiced, then=rectified))
    brand = parts.brand.start_stamp_development(payment.payment_id) if payment.includes_stamp_fee else parts.brand
    if brand is parts.brand:
        # Stamps marked READY while this runs would leave orders waiting for them: the brand must not move.
        transaction.add(BrandCheck(code=brand.code, stamps_status=brand.stamps_status))
    else:
        transaction.brand(brand, parts.brand)
    group_id = payment.shipping_group_id
    stamped = [o.order_number for o in parts.orders if o.labeling is Labeling.CUSTOM_STAMPS]
    launched: list[Order] = []
    for order in parts.orders:
        if order.holds_payment(payment.payment_id):
            held = order
        elif revived:
            held = order.lock_for_payment(payment.payment_id, group_id, now, STRIPE)
        else:
            raise TransactionConflictError([])
        fee = payment.summary.customization if payment.includes_stamp_fee and stamped[:1] == [order.order_number] else 0
        going = held.launch_to_production(payment.payment_id, number, brand.stamps_ready, fee, now, STRIPE)
        if payment.refunded_amount:
            # A refund that overtook this success was recorded on the payment; the orders show it too.
            going = going.record_refund(_refund_state(payment, payment.refunded_amount), now, STRIPE)
        launched.append(going)
        transaction.order(launched[-1], order)
    group = parts.group
    if group_id:
        if group is None:
            raise StateConflictError(f"Shipping group {group_id} no longer exists.")
        if group.status is GroupStatus.PAYMENT_IN_PROGRESS and group.payment_id == payment.payment_id:
            held_group = group
        elif revived:
            held_group = group.payment_started(payment.payment_id, now)
        else:
            raise TransactionConflictError([])
        transaction.group(held_group.paid(payment.payment_id, now), group)
    transaction.send(payment_received_message(succeeded, launched, desk.catalog))
    desk.store.commit(transaction)
    logger.info("payment settled", extra={"payment_id": payment.payment_id, "invoice_number": number})
    return Settled.SETTLED


def settle_failed(desk: PaymentDesk, payment_id: str, intent: IntentView, state: PaymentState) -> Settled:
    """Stripe declined or canceled the intent: release the orders, if this is still the live attempt."""
    payment = desk.payments.get(payment_id)
    if payment is None or not payment.is_current_intent(intent.id, _attempt_of(intent)) or payment.status not in IN_FLIGHT:
        return Settled.NOTHING
    message = intent.error_message or ("The payment was canceled." if state is PaymentState.CANCELED else "The payment failed.")
    closed = close_attempt(desk, payment_id, payment.attempt, message, state, intent.id)
    return Settled.RELEASED if closed.status in (PaymentState.FAILED, PaymentState.CANCELED) else Settled.NOTHING


def _refund_state(payment: Payment, amount_refunded: int) -> PaymentStatus:
    return PaymentStatus.REFUNDED if amount_refunded >= payment.amount else PaymentStatus.PARTIALLY_REFUNDED


def _sale_details(payment: Payment, orders: list[Order], net: int) -> SaleDetails:
    buyer = orders[0].billing
    return SaleDetails(
        seller_name=factory_seller().name,
        description=f"Made-to-order footwear: {', '.join(payment.order_numbers)}",
        net_cents=net,
        vat_rate_percent=payment.summary.vat_rate_percent,
        vat_treatment=payment.summary.vat_treatment or "DOMESTIC",
        buyer_name=buyer.company or buyer.name,
        buyer_vat_id=buyer.vat_id,
        buyer_country=buyer.address.country,
    )


def _rectify(
    desk: PaymentDesk,
    transaction: Transaction,
    payment: Payment,
    amount_refunded: int,
    rectified_before: int,
    now: datetime,
    chain_head: RegistrationRecord | None,
    orders: list[Order],
) -> RegistrationRecord:
    """The rectifying invoice (R1, by differences) of what this refund gives back beyond `rectified_before`: its
    number is taken in `transaction`; its record, chained after `chain_head`, is for the caller to write."""
    assert payment.invoice_number is not None
    year = now.year
    seq = desk.invoices.last_number(year, RECTIFYING_SERIES) + 1
    number = rectifying_invoice_number(year, seq)
    given_back = amount_refunded - rectified_before
    vat_back = payment.vat_refunded(amount_refunded) - payment.vat_refunded(rectified_before)
    transaction.add(
        InvoiceNumberWrite(
            year=year, seq=seq, number=number, payment_id=payment.payment_id, brand=payment.brand, at=now, series=RECTIFYING_SERIES
        )
    )
    fields = RegistrationFields(
        factory_seller().nif, number, issue_date(now), InvoiceType.R1, -vat_back, -given_back, now.astimezone(MADRID)
    )
    sale = _sale_details(payment, orders, -(given_back - vat_back))
    assert payment.settled_at is not None
    corrects = (payment.invoice_number, issue_date(payment.settled_at))
    return register_invoice(fields, chain_head, payment.payment_id, sale, corrects)


def _rectification(record: RegistrationRecord, now: datetime) -> Rectification:
    return Rectification(number=record.invoice_number, issued_at=now, total=record.total_cents, vat=record.vat_cents)


def record_refund(desk: PaymentDesk, payment_id: str, amount_refunded: int) -> None:
    """One transaction: the payment's refunded amount and the refund state of the orders it paid, moving only
    forward. Recorded in any state: a refund of a payment not (yet) settled shows on its orders when it is."""

    def attempt() -> None:
        payment = desk.payments.get(payment_id)
        if payment is None or amount_refunded <= payment.refunded_amount:
            return
        now = desk.clock()
        transaction = Transaction()
        # A refund of an invoiced payment is a rectifying invoice; one that overtook the success is rectified when
        # the success settles (_launch), and one of a sale never invoiced has nothing to rectify.
        invoiced = payment.status is PaymentState.SUCCEEDED and payment.invoice_number is not None
        orders = orders_of(desk.orders, payment.order_numbers) if payment.status is PaymentState.SUCCEEDED else []
        rectifying = None
        if invoiced:
            head = desk.invoices.chain_head()
            record = _rectify(desk, transaction, payment, amount_refunded, payment.refunded_amount, now, head, orders)
            transaction.add(RegistrationRecordWrite(record))
            rectifying = _rectification(record, now)
        transaction.payment(payment.refunded(amount_refunded, now, rectifying), payment)
        if payment.status is PaymentState.SUCCEEDED:
            for order in orders:
                if order.payment_id != payment_id:
                    continue
                try:
                    transaction.order(order.record_refund(_refund_state(payment, amount_refunded), now, STRIPE), order)
                except StateConflictError:
                    pass  # already at this refund state or further
        desk.store.commit(transaction)
        logger.info("refund recorded", extra={"payment_id": payment_id, "status": payment.status.value, "amount_refunded": amount_refunded})

    until_applied(attempt, f"Payment {payment_id}")


def handle_webhook(desk: PaymentDesk, payload: bytes, signature: str | None) -> WebhookReceipt:
    """Apply one signed Stripe event at most once; unknown types and foreign intents are acknowledged."""
    event = desk.gateway.verify_event(payload, signature)
    if desk.events.seen(event.id):
        return {"received": True, "duplicate": True}
    if event.intent is not None:
        payment = _payment_of_intent(desk, event.intent)
        if payment is not None and event.kind is EventKind.CHARGED:
            settle_succeeded(desk, payment.payment_id, event.intent)
        elif payment is not None:
            state = PaymentState.CANCELED if event.kind is EventKind.CANCELED else PaymentState.FAILED
            settle_failed(desk, payment.payment_id, event.intent, state)
    elif event.kind is EventKind.REFUNDED and event.refunded_intent_id:
        refunded = desk.payments.by_intent(event.refunded_intent_id)
        if refunded is not None:
            record_refund(desk, refunded.payment_id, event.amount_refunded)
    desk.events.remember(event.id, event.type_name, desk.clock())
    logger.info("stripe event handled", extra={"event_id": event.id, "event_type": event.type_name})
    return {"received": True}


def _payment_of_intent(desk: PaymentDesk, intent: IntentView) -> Payment | None:
    payment_id = intent.metadata.get("payment_id")
    payment = desk.payments.get(payment_id) if payment_id else desk.payments.by_intent(intent.id)
    if payment is None or payment.brand != intent.metadata.get("brand", payment.brand):
        return None
    return payment
