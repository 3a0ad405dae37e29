"""Paying orders: the cost summary, server-side confirmation, Stripe's webhooks, reconciliation, invoices.

A payment locks its orders while Stripe works on it. Stripe's word (webhook, or reconciliation when a
webhook never came) settles it: success launches the orders to production, failure releases them.
Every step is a conditional write, so a repeated or late event finds nothing left to do.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from aws_lambda_powertools import Logger
from pydantic import BaseModel, ConfigDict, Field

from welt.domain.catalog import Catalog
from welt.domain.errors import (
    FieldProblem,
    ForbiddenError,
    NotFoundError,
    StateConflictError,
    ValidationFailedError,
)
from welt.domain.invoice import InvoiceDocument, invoice_for
from welt.domain.model import Brand, Labeling, Order, PaymentStatus, ProductionStage, StampStatus, parse_order_number
from welt.domain.payment import IN_FLIGHT, CostSummary, Payment, PaymentState
from welt.domain.shipping_group import GroupStatus, ShippingGroup, group_costs, parse_group_id
from welt.services.notifications import deliver_one, payment_received_message
from welt.services.orders import Caller, amend_brand, amend_order, brand_of, find_order, request_fingerprint
from welt.services.ports import (
    BrandRepository,
    CardDeclinedError,
    Clock,
    ConcurrentUpdateError,
    EventLog,
    Idempotency,
    IntentView,
    InvoiceRegister,
    Mailer,
    OrderRepository,
    Outbox,
    PaymentGateway,
    PaymentRepository,
    ShippingGroupRepository,
)
from welt.services.shipping_groups import lookup_group, orders_of

logger = Logger(child=True)

STRIPE = "stripe"
RETRIES = 8
# A payment Stripe has said nothing about for this long is asked about directly.
RECONCILE_AFTER = timedelta(minutes=5)
# 3-D Secure not completed within this time: the payment is abandoned and its orders released.
ABANDON_AFTER = timedelta(hours=1)


class RetryLaterError(Exception):
    """The event cannot apply yet (it overtook an earlier one); Stripe will deliver it again."""


@dataclass
class PaymentDesk:
    """Everything the payment use cases talk to."""

    orders: OrderRepository
    brands: BrandRepository
    groups: ShippingGroupRepository
    payments: PaymentRepository
    invoices: InvoiceRegister
    events: EventLog
    gateway: PaymentGateway
    outbox: Outbox
    mailer: Mailer
    idempotency: Idempotency
    catalog: Catalog
    clock: Clock
    new_payment_id: Callable[[], str]


class PaymentRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    order_numbers: list[str] | None = Field(default=None, min_length=1, max_length=1)
    shipping_group_id: str | None = Field(default=None, max_length=32)


class ConfirmRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    payment_method: str = Field(pattern=r"^(pm|card|src)_[A-Za-z0-9_]{1,200}$")


# ---------------------------------------------------------------- views


def payment_view(desk: PaymentDesk, payment: Payment, status: PaymentState | None = None) -> dict[str, Any]:
    shown = status or payment.status
    return {
        "payment_id": payment.payment_id,
        "status": shown.value,
        "amount": payment.amount,
        "currency": payment.currency,
        "summary": payment.summary.model_dump(),
        "order_numbers": payment.order_numbers,
        "shipping_group_id": payment.shipping_group_id,
        "invoice_number": payment.invoice_number,
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


def _payment_for(desk: PaymentDesk, caller: Caller, payment_id: str) -> Payment:
    payment = desk.payments.get(payment_id) if len(payment_id) <= 64 else None
    if payment is None or (not caller.staff and payment.brand != caller.brand):
        raise NotFoundError(f"No payment {payment_id}.")
    return payment


def get_payment(desk: PaymentDesk, caller: Caller, payment_id: str) -> dict[str, Any]:
    """The payment. One waiting for 3-D Secure is first brought up to date with Stripe: after the
    buyer's bank answers, the page polls this (Stripe's finalize-on-the-server step). A charge already
    under way (PROCESSING) is settled by Stripe's webhook, or reconciliation."""
    payment = _payment_for(desk, caller, payment_id)
    if payment.status is PaymentState.REQUIRES_ACTION and payment.intent_id and not caller.staff:
        _settle_from_stripe(desk, payment, desk.gateway.retrieve(payment.intent_id))
        payment = _payment_for(desk, caller, payment_id)
    return payment_view(desk, payment)


def _settle_from_stripe(desk: PaymentDesk, payment: Payment, intent: IntentView) -> str:
    """Apply what Stripe says of the intent, as its webhook would; what was done, for reconciliation's count."""
    if intent.status == "succeeded":
        settle_succeeded(desk, payment, intent)
        return "settled"
    if intent.status in ("requires_payment_method", "canceled"):
        state = PaymentState.CANCELED if intent.status == "canceled" else PaymentState.FAILED
        settle_failed(desk, payment, intent, state)
        return "released"
    return "waiting"


# ---------------------------------------------------------------- creating a payment


def _orders_to_pay(desk: PaymentDesk, caller: Caller, request: PaymentRequest) -> tuple[list[Order], ShippingGroup | None]:
    if (request.order_numbers is None) == (request.shipping_group_id is None):
        raise ValidationFailedError(
            "Pay either one order or one shipping group.",
            [FieldProblem(("body",), "give exactly one of 'order_numbers' (one order) or 'shipping_group_id'")],
        )
    if request.shipping_group_id is not None:
        group = lookup_group(desk.groups, caller, request.shipping_group_id)
        if group.status is not GroupStatus.OPEN:
            raise StateConflictError(f"Shipping group {group.shipping_group_id} is {group.status.value}; nothing to pay.")
        return orders_of(desk.orders, group), group
    return [find_order(desk.orders, caller, number) for number in request.order_numbers or []], None


def price_payment(desk: PaymentDesk, brand: Brand, orders: list[Order], payment_id: str | None,
                  grouped: bool = False) -> CostSummary:
    """What the orders cost now (a group as one shipment); the stamp fee once, if this payment is to pay it."""
    manufacturing = sum(order.costs.manufacturing for order in orders)
    if grouped:
        shipping = int(group_costs(desk.catalog, orders, stamp_fee_due=False)["shipping"])
    else:
        shipping = sum(order.costs.shipping for order in orders)
    wants_stamps = any(order.labeling is Labeling.CUSTOM_STAMPS for order in orders)
    customization = desk.catalog.stamp_fee if wants_stamps and brand.stamp_fee_due(payment_id) else 0
    return CostSummary(manufacturing=manufacturing, shipping=shipping, customization=customization,
                       total=manufacturing + shipping + customization)


def start_payment(desk: PaymentDesk, caller: Caller, request: PaymentRequest, key: str, raw: dict[str, Any]) -> dict[str, Any]:
    """A payment for the server-computed total, once per Idempotency-Key."""
    brand = brand_of(desk.brands, caller)
    return desk.idempotency.run(
        scope=f"payment:{brand.code}",
        key=key,
        payload={"fingerprint": request_fingerprint(raw)},
        work=lambda: _create_payment(desk, caller, brand, request),
    )


def _create_payment(desk: PaymentDesk, caller: Caller, brand: Brand, request: PaymentRequest) -> dict[str, Any]:
    orders, group = _orders_to_pay(desk, caller, request)
    group_id = group.shipping_group_id if group else None
    problems = [problem for order in orders if (problem := order.payable_problem(group_id))]
    if problems:
        raise StateConflictError(f"Nothing to pay: {'; '.join(problems)}.")
    payment_id = desk.new_payment_id()
    summary = price_payment(desk, brand, orders, payment_id, grouped=group is not None)
    now = desk.clock()
    payment = Payment(
        payment_id=payment_id,
        brand=brand.code,
        amount=summary.total,
        currency=desk.catalog.currency,
        summary=summary,
        order_numbers=[order.order_number for order in orders],
        shipping_group_id=group_id,
            includes_stamp_fee=summary.customization > 0,
        created_at=now,
        updated_at=now,
    )
    desk.payments.add(payment)
    logger.info("payment created", extra={"payment_id": payment_id, "order_numbers": payment.order_numbers})
    return payment_view(desk, payment)


# ---------------------------------------------------------------- confirming


STRIPE_ANSWERS = {
    "succeeded": PaymentState.SUCCEEDED,
    "processing": PaymentState.PROCESSING,
    "requires_action": PaymentState.REQUIRES_ACTION,
    "requires_payment_method": PaymentState.FAILED,
    "canceled": PaymentState.CANCELED,
}


def confirm_payment(desk: PaymentDesk, caller: Caller, payment_id: str, request: ConfirmRequest) -> dict[str, Any]:
    """Charge the card on the server; the answer is Stripe's, the orders launch when Stripe confirms it."""
    if caller.staff:
        raise ForbiddenError("Only the brand pays its orders.")
    payment = _payment_for(desk, caller, payment_id)
    if payment.status in (*IN_FLIGHT, PaymentState.SUCCEEDED):
        return payment_view(desk, payment)  # a second click or a retry: nothing is charged again
    if payment.status is PaymentState.CANCELED:
        raise StateConflictError(f"Payment {payment_id} was canceled: {payment.failure_message}. Start a new payment.")
    attempt = payment.start_attempt(desk.clock())
    try:
        desk.payments.save(attempt, expected_version=payment.version)
    except ConcurrentUpdateError:
        return payment_view(desk, _payment_for(desk, caller, payment_id))  # someone else is confirming it
    try:
        _lock_orders(desk, attempt)
    except StateConflictError as conflict:
        _close_attempt(desk, attempt, str(conflict), PaymentState.CANCELED)
        raise
    metadata = {"payment_id": attempt.payment_id, "brand": attempt.brand, "attempt": str(attempt.attempt)}
    try:
        intent = desk.gateway.create_and_confirm(
            attempt.amount, attempt.currency, request.payment_method, metadata,
            idempotency_key=f"welt-{attempt.payment_id}-attempt-{attempt.attempt}",
        )
    except CardDeclinedError as declined:
        closed = _close_attempt(desk, attempt, declined.message, PaymentState.FAILED, declined.intent_id)
        return payment_view(desk, closed)
    return payment_view(desk, _record_intent(desk, attempt, intent), STRIPE_ANSWERS.get(intent.status))


def _record_intent(desk: PaymentDesk, attempt: Payment, intent: IntentView) -> Payment:
    """Remember the intent; a declined one closes the attempt at once."""
    now = desk.clock()
    if intent.status == "requires_action" and intent.client_secret:
        updated = attempt.awaiting_action(intent.id, intent.client_secret, now)
    elif intent.status in ("requires_payment_method", "canceled"):
        message = intent.error_message or "The payment was not completed."
        state = PaymentState.FAILED if intent.status == "requires_payment_method" else PaymentState.CANCELED
        return _close_attempt(desk, attempt, message, state, intent.id)
    else:
        updated = attempt.processing(intent.id, now)
    try:
        desk.payments.save(updated, expected_version=attempt.version)
        return updated
    except ConcurrentUpdateError:
        current = desk.payments.get(attempt.payment_id)
        assert current is not None
        return current  # the webhook got there first


def _lock_orders(desk: PaymentDesk, payment: Payment) -> None:
    """Freeze the group and every order of the payment, re-checking the price; all or none."""
    if payment.shipping_group_id:
        _hold_group(desk, payment)
    locked: list[Order] = []
    try:
        for number in payment.order_numbers:
            locked.append(_update_order(desk, number, lambda o: o.lock_for_payment(
                payment.payment_id, payment.shipping_group_id, desk.clock(), f"brand:{payment.brand}")))
        brand = desk.brands.get(payment.brand)
        assert brand is not None
        now_costs = price_payment(desk, brand, locked, payment.payment_id, grouped=payment.shipping_group_id is not None)
        if now_costs.total != payment.amount:
            raise StateConflictError(
                f"The price changed since this payment was created ({payment.amount} -> {now_costs.total} cents); "
                "start a new payment."
            )
        if payment.includes_stamp_fee:
            _claim_stamp_fee(desk, payment)
    except StateConflictError:
        for order in locked:
            _release_order(desk, order.order_number, payment.payment_id, "payment could not start")
        _release_group(desk, payment)
        raise


def _group_of(desk: PaymentDesk, payment: Payment) -> ShippingGroup | None:
    parsed = parse_group_id(payment.shipping_group_id or "")
    return desk.groups.get(*parsed) if parsed else None


def _hold_group(desk: PaymentDesk, payment: Payment) -> None:
    """The group is fixed while its payment runs; one changed since it was priced voids the payment."""
    group = _group_of(desk, payment)
    # The orders decide, not the version: an earlier declined attempt of this payment moved the version on.
    if group is None or group.order_numbers != payment.order_numbers or group.status is not GroupStatus.OPEN:
        raise StateConflictError(
            f"Shipping group {payment.shipping_group_id} changed since this payment was created; start a new payment."
        )
    try:
        desk.groups.save(group.payment_started(payment.payment_id, desk.clock()), expected_version=group.version)
    except ConcurrentUpdateError:
        raise StateConflictError(f"Shipping group {payment.shipping_group_id} changed meanwhile; start a new payment.") from None


def _change_group(desk: PaymentDesk, payment: Payment, change: Callable[[ShippingGroup], ShippingGroup]) -> None:
    for _ in range(RETRIES):
        group = _group_of(desk, payment)
        if group is None:
            return
        try:
            changed = change(group)
        except StateConflictError:
            return  # not held by this payment (any more)
        try:
            desk.groups.save(changed, expected_version=group.version)
            return
        except ConcurrentUpdateError:
            continue


def _release_group(desk: PaymentDesk, payment: Payment) -> None:
    if payment.shipping_group_id:
        _change_group(desk, payment, lambda g: g.payment_released(payment.payment_id, desk.clock()))


def _claim_stamp_fee(desk: PaymentDesk, payment: Payment) -> None:
    """Only one payment may carry the brand's stamp fee; a second one in parallel must start over."""

    def claim(brand: Brand) -> Brand:
        if brand.stamp_fee_payment_id == payment.payment_id:
            return brand
        if not brand.stamp_fee_due(payment.payment_id):
            raise StateConflictError("The stamp fee is already paid; start a new payment without it.")
        if brand.stamp_fee_payment_id is not None:
            raise StateConflictError(
                f"The one-time stamp fee is being paid by payment {brand.stamp_fee_payment_id}; "
                "try again once it has completed (a new payment is then priced without the fee if it succeeded)."
            )
        return brand.model_copy(update={"stamp_fee_payment_id": payment.payment_id})

    amend_brand(desk.brands, payment.brand, claim)


def _release_stamp_fee(desk: PaymentDesk, payment: Payment) -> None:
    def release(brand: Brand) -> Brand:
        if brand.stamp_fee_payment_id != payment.payment_id or brand.stamps_status is not StampStatus.NONE:
            return brand
        return brand.model_copy(update={"stamp_fee_payment_id": None})

    try:
        amend_brand(desk.brands, payment.brand, release)
    except (NotFoundError, StateConflictError):
        pass  # nothing held, or the brand keeps changing: the claim is given back by the next close


def _update_order(desk: PaymentDesk, number: str, change: Callable[[Order], Order]) -> Order:
    try:
        return amend_order(desk.orders, number, change)
    except NotFoundError:
        raise StateConflictError(f"Order {number} no longer exists.") from None


def _release_order(desk: PaymentDesk, number: str, payment_id: str, reason: str) -> None:
    def release(order: Order) -> Order:
        return order.release_payment(payment_id, reason, desk.clock(), STRIPE)

    try:
        _update_order(desk, number, release)
    except StateConflictError:
        pass  # not held by this payment (any more): nothing to release


def _close_attempt(desk: PaymentDesk, payment: Payment, message: str, state: PaymentState,
                   intent_id: str | None = None) -> Payment:
    """End an attempt that took no money: the payment FAILED or CANCELED, then its orders, group and fee released.

    The payment is written first, so a success that wins the race keeps its orders; a writer that dies
    before the releases leaves them to the next failure event, reconciliation or confirm (all re-run them).
    """
    current = payment
    for _ in range(RETRIES):
        now = desk.clock()
        closed = current.failed(message, now, intent_id) if state is PaymentState.FAILED else current.canceled(now, message)
        try:
            desk.payments.save(closed, expected_version=current.version)
            logger.info("payment attempt closed", extra={"payment_id": payment.payment_id, "status": state.value})
            _release_everything(desk, closed, message)
            return closed
        except ConcurrentUpdateError:
            fresh = desk.payments.get(payment.payment_id)
            assert fresh is not None
            if fresh.status not in IN_FLIGHT or fresh.attempt != payment.attempt:
                return fresh
            current = fresh
    return current


def _release_everything(desk: PaymentDesk, payment: Payment, reason: str) -> None:
    for number in payment.order_numbers:
        _release_order(desk, number, payment.payment_id, reason)
    if payment.includes_stamp_fee:
        _release_stamp_fee(desk, payment)
    _release_group(desk, payment)


# ---------------------------------------------------------------- settling (webhooks and reconciliation)


def settle_succeeded(desk: PaymentDesk, payment: Payment, intent: IntentView) -> None:
    """Stripe took the money: invoice, stamps, orders to production, one email. Safe to run again."""
    if payment.status in (PaymentState.FAILED, PaymentState.CANCELED) and payment.is_current_intent(intent.id, _attempt_of(intent)):
        revived = _revive(desk, payment)
        if revived is None:
            return
        payment = revived
    if payment.status in IN_FLIGHT:
        if not payment.is_current_intent(intent.id, _attempt_of(intent)):
            logger.warning("success for an older attempt ignored", extra={"payment_id": payment.payment_id})
            return
        if intent.amount != payment.amount:
            logger.error("amount mismatch", extra={"payment_id": payment.payment_id})
            return
        try:
            # Concurrent deliveries race here; the invoice register hands every one of them the same number.
            succeeded = payment.succeeded(intent.id, desk.clock())
            desk.payments.save(succeeded, expected_version=payment.version)
            payment = succeeded
        except ConcurrentUpdateError:
            fresh = desk.payments.get(payment.payment_id)
            assert fresh is not None
            return settle_succeeded(desk, fresh, intent)
    if payment.status is not PaymentState.SUCCEEDED:
        return
    if payment.invoice_number is None:
        payment = _invoice(desk, payment)
    _finish_launch(desk, payment)


def _revive(desk: PaymentDesk, payment: Payment) -> Payment | None:
    """Stripe took the money for an attempt Welt had given up on (a webhook later than reconciliation).

    Take the orders back if they are still payable and carry on as a success; otherwise the money must
    go back, which staff do from Stripe: logged as an error with the payment id.
    """
    try:
        started = payment.model_copy(update={"status": PaymentState.PROCESSING, "version": payment.version + 1})
        desk.payments.save(started, expected_version=payment.version)
        _lock_orders(desk, started)
        return started
    except ConcurrentUpdateError:
        return desk.payments.get(payment.payment_id)
    except StateConflictError as conflict:
        logger.error("payment succeeded after it was closed and cannot launch: refund it",
                     extra={"payment_id": payment.payment_id, "reason": str(conflict)})
        closed = desk.payments.get(payment.payment_id)
        if closed is not None and closed.status is PaymentState.PROCESSING:
            desk.payments.save(closed.canceled(desk.clock(), f"paid too late: {conflict}; to be refunded"), closed.version)
        return None


def _invoice(desk: PaymentDesk, payment: Payment) -> Payment:
    assert payment.settled_at is not None
    number = desk.invoices.issue(payment.settled_at.year, payment.payment_id, payment.brand, desk.clock())
    for _ in range(RETRIES):
        try:
            invoiced = payment.invoiced(number, desk.clock())
            desk.payments.save(invoiced, expected_version=payment.version)
            return invoiced
        except (ConcurrentUpdateError, StateConflictError):
            fresh = desk.payments.get(payment.payment_id)
            assert fresh is not None
            if fresh.invoice_number is not None:
                return fresh
            payment = fresh
    raise StateConflictError(f"Payment {payment.payment_id} keeps changing; the next delivery will finish it.")


def _attempt_of(intent: IntentView) -> int | None:
    value = intent.metadata.get("attempt", "")
    return int(value) if value.isdigit() else None


def _finish_launch(desk: PaymentDesk, payment: Payment) -> None:
    """The parts of a success that may still be missing after a crash; each does nothing the second time."""
    assert payment.invoice_number is not None
    stamps_ready = _stamps_after_payment(desk, payment)
    stamped = [o.order_number for o in _orders_of_payment(desk, payment) if o.labeling is Labeling.CUSTOM_STAMPS]
    if payment.shipping_group_id:
        _change_group(desk, payment, lambda g: g.paid(payment.payment_id, desk.clock()))
    for number in payment.order_numbers:
        def launch(order: Order) -> Order:
            return order.launch_to_production(payment.payment_id, str(payment.invoice_number), stamps_ready,
                                              _stamp_fee_carried(payment, order, stamped), desk.clock(), STRIPE)
        try:
            _update_order(desk, number, launch)
        except StateConflictError:
            pass  # already launched by an earlier delivery
    _catch_up_with_stamps(desk, payment)
    message = payment_received_message(payment, _orders_of_payment(desk, payment), desk.catalog)
    desk.outbox.enqueue(message)
    deliver_one(desk.outbox, desk.mailer, message.message_id, desk.clock)


def _catch_up_with_stamps(desk: PaymentDesk, payment: Payment) -> None:
    """Stamps marked READY while this launch was running: its waiting orders move on like the others did."""
    brand = desk.brands.get(payment.brand)
    if brand is None or brand.stamps_status is not StampStatus.READY:
        return
    for number in payment.order_numbers:
        def release(order: Order) -> Order:
            if order.production_stage is not ProductionStage.AWAITING_STAMPS:
                return order
            return order.release_from_stamps(desk.clock(), STRIPE)
        _update_order(desk, number, release)


def _orders_of_payment(desk: PaymentDesk, payment: Payment) -> list[Order]:
    found = [desk.orders.get(*parse_order_number(n)) for n in payment.order_numbers]  # type: ignore[misc]
    return [order for order in found if order is not None]


def _stamp_fee_carried(payment: Payment, order: Order, stamped: list[str]) -> int:
    """The fee is shown on the payment's first stamped order, the one that carried it."""
    carries = payment.includes_stamp_fee and stamped[:1] == [order.order_number]
    return payment.summary.customization if carries else 0


def _stamps_after_payment(desk: PaymentDesk, payment: Payment) -> bool:
    """Whether the brand's stamps are ready; a payment that paid the fee starts their development."""

    def start_development(brand: Brand) -> Brand:
        if not (payment.includes_stamp_fee and brand.stamps_status is StampStatus.NONE):
            return brand
        return brand.model_copy(update={"stamps_status": StampStatus.IN_DEVELOPMENT})

    try:
        return amend_brand(desk.brands, payment.brand, start_development).stamps_status is StampStatus.READY
    except StateConflictError:
        return False


def settle_failed(desk: PaymentDesk, payment: Payment, intent: IntentView, state: PaymentState) -> None:
    """Stripe declined or canceled the intent: release the orders, if this is still the live attempt."""
    if not payment.is_current_intent(intent.id, _attempt_of(intent)):
        return
    if payment.status in (PaymentState.FAILED, PaymentState.CANCELED):
        _release_everything(desk, payment, payment.failure_message or "payment failed")  # finishes a closing that died
        return
    if payment.status not in IN_FLIGHT:
        return
    message = intent.error_message or ("The payment was canceled." if state is PaymentState.CANCELED
                                       else "The payment failed.")
    _close_attempt(desk, payment, message, state, intent.id)


def record_refund(desk: PaymentDesk, payment: Payment, amount_refunded: int) -> None:
    if payment.status is not PaymentState.SUCCEEDED:
        raise RetryLaterError(f"payment {payment.payment_id} is not settled yet")
    if amount_refunded > payment.refunded_amount:
        try:
            desk.payments.save(payment.refunded(amount_refunded, desk.clock()), expected_version=payment.version)
        except ConcurrentUpdateError:
            fresh = desk.payments.get(payment.payment_id)
            assert fresh is not None
            return record_refund(desk, fresh, amount_refunded)
    # Always brought to the orders, so a delivery that died half-way is finished by the next one;
    # an order already at this state or further refuses the change.
    refunded = max(amount_refunded, payment.refunded_amount)
    state = PaymentStatus.REFUNDED if refunded >= payment.amount else PaymentStatus.PARTIALLY_REFUNDED
    for number in payment.order_numbers:
        try:
            _update_order(desk, number, lambda o: o.record_refund(state, desk.clock(), STRIPE))
        except StateConflictError:
            pass  # already at this refund state or further


def _intent_from_event(obj: dict[str, Any]) -> IntentView:
    error = obj.get("last_payment_error") or {}
    return IntentView(
        id=str(obj.get("id")),
        status=str(obj.get("status")),
        amount=int(obj.get("amount") or 0),
        client_secret=None,
        error_message=error.get("message") if isinstance(error, dict) else None,
        metadata={str(k): str(v) for k, v in (obj.get("metadata") or {}).items()},
    )


def handle_webhook(desk: PaymentDesk, payload: bytes, signature: str | None) -> dict[str, Any]:
    """Apply one signed Stripe event at most once; unknown types and foreign intents are acknowledged."""
    event = desk.gateway.verify_event(payload, signature)
    event_id, event_type = event["id"], event["type"]
    if desk.events.seen(event_id):
        return {"received": True, "duplicate": True}
    obj = (event.get("data") or {}).get("object") or {}
    if event_type in ("payment_intent.succeeded", "payment_intent.payment_failed", "payment_intent.canceled"):
        intent = _intent_from_event(obj)
        payment = _payment_of_intent(desk, intent)
        if payment is not None:
            if event_type == "payment_intent.succeeded":
                settle_succeeded(desk, payment, intent)
            else:
                state = PaymentState.CANCELED if event_type == "payment_intent.canceled" else PaymentState.FAILED
                settle_failed(desk, payment, intent, state)
    elif event_type == "charge.refunded":
        payment = desk.payments.by_intent(str(obj.get("payment_intent")))
        if payment is not None:
            record_refund(desk, payment, int(obj.get("amount_refunded") or 0))
    desk.events.remember(event_id, event_type, desk.clock())
    logger.info("stripe event handled", extra={"event_id": event_id, "event_type": event_type})
    return {"received": True}


def _payment_of_intent(desk: PaymentDesk, intent: IntentView) -> Payment | None:
    payment_id = intent.metadata.get("payment_id")
    payment = desk.payments.get(payment_id) if payment_id else desk.payments.by_intent(intent.id)
    if payment is None or payment.brand != intent.metadata.get("brand", payment.brand):
        return None
    return payment


def reconcile(desk: PaymentDesk) -> dict[str, int]:
    """For webhooks that never came: ask Stripe about payments in flight for a while and settle them."""
    now = desk.clock()
    outcome = {"checked": 0, "settled": 0, "released": 0}
    for payment in desk.payments.in_flight_since(now - RECONCILE_AFTER, limit=100):
        outcome["checked"] += 1
        if payment.intent_id is None:
            if payment.updated_at < now - ABANDON_AFTER:  # the confirm call died before reaching Stripe
                _close_attempt(desk, payment, "The payment was not completed.", PaymentState.CANCELED)
                outcome["released"] += 1
            continue
        intent = desk.gateway.retrieve(payment.intent_id)
        done = _settle_from_stripe(desk, payment, intent)
        if done != "waiting":
            outcome[done] += 1
        elif intent.status == "requires_action" and payment.updated_at < now - ABANDON_AFTER:
            canceled = desk.gateway.cancel(intent.id, idempotency_key=f"welt-{payment.payment_id}-cancel-{payment.attempt}")
            settle_failed(desk, payment, canceled if canceled.error_message else IntentView(
                id=canceled.id, status=canceled.status, amount=canceled.amount,
                error_message="3-D Secure was not completed in time.", metadata=canceled.metadata),
                PaymentState.CANCELED)
            outcome["released"] += 1
    return outcome


def invoice_of(desk: PaymentDesk, caller: Caller, payment_id: str) -> InvoiceDocument:
    """The invoice of a settled payment, for the brand that paid (or staff)."""
    payment = _payment_for(desk, caller, payment_id)
    if payment.status is not PaymentState.SUCCEEDED or payment.invoice_number is None:
        raise NotFoundError(f"Payment {payment_id} has no invoice yet: it is {payment.status.value}.")
    return invoice_for(payment, _orders_of_payment(desk, payment), desk.catalog)
