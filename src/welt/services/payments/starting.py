"""Creating a payment for the server-computed total, and confirming it on the server with the buyer's card.

Starting an attempt is one transaction: the payment, every order locked with its event, the group held,
and the stamp-fee claim. Closing an attempt that took no money is one transaction the other way round.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from aws_lambda_powertools import Logger
from pydantic import BaseModel, ConfigDict, Field

from welt.domain.errors import FieldProblem, ForbiddenError, StateConflictError, TooManyRequestsError, ValidationFailedError
from welt.domain.model import Order
from welt.domain.payment import CONFIRMABLE, IN_FLIGHT, Payment, PaymentState
from welt.domain.pricing import one_buyer_problem
from welt.domain.shipping_group import MAX_ORDERS, GroupStatus, ShippingGroup
from welt.domain.text import GroupIdText, OrderNumberText
from welt.services.callers import Caller, brand_of, find_orders
from welt.services.changes import until_applied
from welt.services.orders import request_fingerprint
from welt.services.payments.desk import (
    PAYMENT_STATE_OF,
    STRIPE,
    PaymentDesk,
    PaymentParts,
    parts_of,
    payment_for,
    payment_view,
    price_payment,
)
from welt.services.ports import (
    CappedUse,
    CardDeclinedError,
    IntentView,
    PaymentOutcomeUnknownError,
    PaymentProviderUnavailableError,
    Transaction,
    TransactionConflictError,
)
from welt.services.resources import PaymentResource, exactly_one_of
from welt.services.shipping_groups import lookup_group, orders_of

logger = Logger(child=True)

CARD_CONFIRMATIONS = "card-confirmations"
# As many orders as a shipping group holds: the attempt that locks them and the settlement that launches them
# each stay one DynamoDB transaction.
MAX_ORDERS_PAID_TOGETHER = MAX_ORDERS


class PaymentRequest(BaseModel):
    """Exactly one of `order_numbers` (one order, or several paid as one payment) or `shipping_group_id`; the
    other is left out or `null`."""

    model_config = ConfigDict(defer_build=True, extra="forbid", json_schema_extra=exactly_one_of("order_numbers", "shipping_group_id"))

    order_numbers: list[OrderNumberText] | None = Field(
        default=None,
        min_length=1,
        max_length=MAX_ORDERS_PAID_TOGETHER,
        description=f"One order, or up to {MAX_ORDERS_PAID_TOGETHER} paid as one payment (one invoice): unpaid orders of the brand "
        "in no shipping group, with one buyer and one IVA treatment. Each order keeps its own shipping; the payment adds them up.",
    )
    shipping_group_id: GroupIdText | None = None


class ConfirmRequest(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="forbid")

    # The shape of a Stripe id; which kinds of id are taken is the gateway's word (`takes_payment_method`).
    payment_method: str = Field(
        pattern=r"^(pm|card)_[A-Za-z0-9_]{1,200}$",
        description="A Stripe PaymentMethod id (`pm_...`), made by Stripe.js from the card the user entered; card and source ids "
        "are refused.",
        examples=["pm_card_visa"],
    )


def _orders_to_pay(desk: PaymentDesk, caller: Caller, request: PaymentRequest) -> tuple[list[Order], ShippingGroup | None]:
    if (request.order_numbers is None) == (request.shipping_group_id is None):
        raise ValidationFailedError(
            "Pay either orders or one shipping group.",
            [FieldProblem(("body",), "give exactly one of 'order_numbers' (one or more orders) or 'shipping_group_id'")],
        )
    if request.shipping_group_id is not None:
        group = lookup_group(desk.groups, caller, request.shipping_group_id)
        if group.status is not GroupStatus.OPEN:
            raise StateConflictError(f"Shipping group {group.shipping_group_id} is {group.status.value}; nothing to pay.")
        return orders_of(desk.orders, group.order_numbers), group
    numbers = request.order_numbers or []
    repeated = sorted({n for n in numbers if numbers.count(n) > 1})
    if repeated:
        raise ValidationFailedError(
            "Each order may be named once.", [FieldProblem(("body", "order_numbers"), f"{', '.join(repeated)} named twice")]
        )
    orders = find_orders(desk.orders, caller, numbers)
    unlike = next(
        (
            f"order {o.order_number} cannot join order {orders[0].order_number}: {p}"
            for o in orders[1:]
            if (p := one_buyer_problem([orders[0], o]))
        ),
        None,
    )
    if unlike:
        raise StateConflictError(f"One payment is one invoice: {unlike}.")
    return orders, None


def start_payment(desk: PaymentDesk, caller: Caller, request: PaymentRequest, key: str, raw: Mapping[str, object]) -> PaymentResource:
    """A payment for the server-computed total, once per Idempotency-Key."""
    brand = brand_of(desk.brands, caller)
    answer = desk.idempotency.run(
        scope=f"payment:{brand.code}",
        key=key,
        payload={"fingerprint": request_fingerprint(raw)},
        work=lambda: cast(dict[str, Any], _create_payment(desk, caller, request)),
    )
    # The idempotency store keeps answers as JSON: a retry gets the first request's PaymentResource back.
    return cast(PaymentResource, answer)


def _create_payment(desk: PaymentDesk, caller: Caller, request: PaymentRequest) -> PaymentResource:
    brand = brand_of(desk.brands, caller)
    orders, group = _orders_to_pay(desk, caller, request)
    group_id = group.shipping_group_id if group else None
    problems = [problem for order in orders if (problem := order.payable_problem(group_id))]
    if problems:
        raise StateConflictError(f"Nothing to pay: {'; '.join(problems)}.")
    summary = price_payment(desk, brand, orders, grouped=group is not None)
    now = desk.clock()
    payment = Payment(
        payment_id=desk.new_payment_id(),
        brand=brand.code,
        amount=summary.total,
        currency=desk.catalog.currency,
        summary=summary,
        order_numbers=[o.order_number for o in orders],
        shipping_group_id=group_id,
        includes_stamp_fee=summary.customization > 0,
        created_at=now,
        updated_at=now,
    )
    desk.store.commit(Transaction().payment(payment, None))
    logger.info("payment created", extra={"payment_id": payment.payment_id, "order_numbers": payment.order_numbers})
    return payment_view(desk, payment)


def confirm_payment(desk: PaymentDesk, caller: Caller, payment_id: str, request: ConfirmRequest) -> PaymentResource:
    """Charge the card on the server; the answer is Stripe's, the orders launch when Stripe confirms it.

    The intent is created (never charging) and recorded before it is confirmed, so a confirm whose answer is
    lost leaves an intent Stripe's webhook or reconciliation can settle. Stripe refusing before anything ran
    releases the attempt and answers 503; an unknown outcome answers PROCESSING.
    """
    if caller.staff:
        raise ForbiddenError("Only the brand pays its orders.")
    if not desk.gateway.takes_payment_method(request.payment_method):
        raise ValidationFailedError(
            "Pay with a card the payment page read.",
            [FieldProblem(("body", "payment_method"), "must be a Stripe payment method id such as pm_...")],
        )
    payment = payment_for(desk, caller, payment_id)
    if payment.status in (*IN_FLIGHT, PaymentState.SUCCEEDED):
        return payment_view(desk, payment)  # a second click or a retry: nothing is charged again
    if payment.status is PaymentState.CANCELED:
        raise StateConflictError(f"Payment {payment_id} was canceled: {payment.failure_message}. Start a new payment.")
    previous = payment.intent_id
    attempt, mine = until_applied(lambda: _start_attempt(desk, payment_id), f"Payment {payment_id}")
    if not mine:
        return payment_view(desk, attempt)  # someone else is confirming it
    if previous:
        cancel_intent(desk, attempt.payment_id, previous, attempt.attempt - 1)
    metadata = {"payment_id": attempt.payment_id, "brand": attempt.brand, "attempt": str(attempt.attempt)}
    key = f"welt-{attempt.payment_id}-attempt-{attempt.attempt}"
    try:
        created = desk.gateway.create_intent(attempt.amount, attempt.currency, request.payment_method, metadata, idempotency_key=key)
    except CardDeclinedError as declined:
        return payment_view(
            desk, close_attempt(desk, attempt.payment_id, attempt.attempt, declined.message, PaymentState.FAILED, declined.intent_id)
        )
    except PaymentProviderUnavailableError as unavailable:
        close_attempt(desk, attempt.payment_id, attempt.attempt, unavailable.detail, PaymentState.FAILED)
        raise
    recorded = until_applied(lambda: _note_intent(desk, attempt, created.id), f"Payment {payment_id}")
    if recorded.intent_id != created.id:
        # Reconciliation closed the attempt before its intent was recorded: this intent must never charge.
        cancel_intent(desk, attempt.payment_id, created.id, attempt.attempt)
        return payment_view(desk, recorded)
    try:
        intent = desk.gateway.confirm(created.id, idempotency_key=f"{key}-confirm")
    except CardDeclinedError as declined:
        return payment_view(
            desk, close_attempt(desk, attempt.payment_id, attempt.attempt, declined.message, PaymentState.FAILED, created.id)
        )
    except PaymentOutcomeUnknownError:
        logger.warning(
            "confirm answer lost; Stripe's webhook or reconciliation settles it",
            extra={"payment_id": attempt.payment_id, "intent_id": created.id},
        )
        return payment_view(desk, recorded)
    except PaymentProviderUnavailableError as unavailable:
        close_attempt(desk, attempt.payment_id, attempt.attempt, unavailable.detail, PaymentState.FAILED, created.id)
        cancel_intent(desk, attempt.payment_id, created.id, attempt.attempt)
        raise
    return payment_view(desk, _record_intent(desk, attempt, intent), PAYMENT_STATE_OF[intent.status])


def cancel_intent(desk: PaymentDesk, payment_id: str, intent_id: str, attempt: int) -> IntentView | None:
    """Cancel an attempt's intent at Stripe so it can never charge. If Stripe cannot be reached, a success it
    still produces is refunded when it arrives (settling); the intent as Stripe answered, or None."""
    try:
        return desk.gateway.cancel(intent_id, idempotency_key=f"welt-{payment_id}-cancel-{attempt}")
    except (PaymentOutcomeUnknownError, PaymentProviderUnavailableError) as error:
        logger.warning("intent not cancelled", extra={"payment_id": payment_id, "intent_id": intent_id, "reason": str(error)})
        return None


def _note_intent(desk: PaymentDesk, attempt: Payment, intent_id: str) -> Payment:
    """One write: the attempt's intent id on the payment, before the card is charged."""
    current = desk.payments.get(attempt.payment_id)
    assert current is not None
    if current.status is not PaymentState.PROCESSING or current.attempt != attempt.attempt or current.intent_id:
        return current
    noted = current.with_intent(intent_id, desk.clock())
    desk.store.commit(Transaction().payment(noted, current))
    return noted


def _start_attempt(desk: PaymentDesk, payment_id: str) -> tuple[Payment, bool]:
    """One transaction: the payment's new attempt, its orders locked, its group held, the stamp fee claimed,
    and one of the brand's card confirmations this hour counted (429 once they are used up).

    If the orders or the price changed since the payment was created, the payment is canceled instead (409).
    The flag says whether this call started the attempt (and so is the one to charge the card).
    """
    parts = parts_of(desk, payment_id)
    assert parts is not None
    payment = parts.payment
    if payment.status not in CONFIRMABLE:
        return payment, False
    now = desk.clock()
    started = payment.start_attempt(now)
    try:
        transaction = _locks(desk, parts, started)
    except StateConflictError as conflict:
        canceled = payment.canceled(now, str(conflict))
        desk.store.commit(Transaction().payment(canceled, payment))
        logger.info("payment canceled before charging", extra={"payment_id": payment_id, "reason": str(conflict)})
        raise
    use = CappedUse.now(CARD_CONFIRMATIONS, payment.brand, desk.confirmations_per_hour, now)
    try:
        desk.store.commit(transaction.add(use))
    except TransactionConflictError as conflict:
        if not conflict.failed_on(CappedUse):
            raise
        logger.warning("card confirmations capped", extra={"payment_id": payment_id, "brand": payment.brand})
        raise TooManyRequestsError(
            f"Your brand has confirmed {use.cap} card payments this hour, the most allowed; try again later.",
            retry_after=use.seconds_left(now),
        ) from None
    return started, True


def _locks(desk: PaymentDesk, parts: PaymentParts, started: Payment) -> Transaction:
    """The writes that freeze the payment's orders and group; StateConflictError if they cannot be paid as priced."""
    now = desk.clock()
    transaction = Transaction().payment(started, parts.payment)
    group_id = started.shipping_group_id
    if group_id:
        group = parts.group
        # The orders decide, not the version: an earlier declined attempt of this payment moved the version on.
        if group is None or group.order_numbers != started.order_numbers or group.status is not GroupStatus.OPEN:
            raise StateConflictError(f"Shipping group {group_id} changed since this payment was created; start a new payment.")
        transaction.group(group.payment_started(started.payment_id, now), group)
    if len(parts.orders) != len(started.order_numbers):
        raise StateConflictError("An order of this payment no longer exists; start a new payment.")
    locked = [order.lock_for_payment(started.payment_id, group_id, now, f"brand:{started.brand}") for order in parts.orders]
    for order, was in zip(locked, parts.orders, strict=True):
        transaction.order(order, was)
    now_costs = price_payment(desk, parts.brand, locked, grouped=group_id is not None)
    if now_costs.total != started.amount:
        raise StateConflictError(
            f"The price changed since this payment was created ({started.amount} -> {now_costs.total} cents); start a new payment."
        )
    if started.includes_stamp_fee:
        transaction.brand(parts.brand.claim_stamp_fee(started.payment_id), parts.brand)
    return transaction


def _record_intent(desk: PaymentDesk, attempt: Payment, intent: IntentView) -> Payment:
    """Remember the intent; a declined one closes the attempt at once."""
    state = PAYMENT_STATE_OF[intent.status]
    if state in (PaymentState.FAILED, PaymentState.CANCELED):
        message = intent.error_message or "The payment was not completed."
        return close_attempt(desk, attempt.payment_id, attempt.attempt, message, state, intent.id)

    def record() -> Payment:
        current = desk.payments.get(attempt.payment_id)
        assert current is not None
        if current.status is not PaymentState.PROCESSING or current.attempt != attempt.attempt or current.intent_id != intent.id:
            return current  # the webhook got there first
        if state is not PaymentState.REQUIRES_ACTION or not intent.client_secret:
            return current  # charged or under way: PROCESSING until Stripe's word settles it
        updated = current.awaiting_action(intent.id, intent.client_secret, desk.clock())
        desk.store.commit(Transaction().payment(updated, current))
        return updated

    return until_applied(record, f"Payment {attempt.payment_id}")


def close_attempt(
    desk: PaymentDesk, payment_id: str, attempt: int, message: str, state: PaymentState, intent_id: str | None = None
) -> Payment:
    """End an attempt that took no money: one transaction with the payment FAILED or CANCELED, its orders
    released, its group open again and the stamp-fee claim given back. A success that won the race keeps all."""

    def close() -> Payment:
        parts = parts_of(desk, payment_id)
        assert parts is not None
        payment = parts.payment
        if payment.status not in IN_FLIGHT or payment.attempt != attempt:
            return payment
        now = desk.clock()
        closed = payment.failed(message, now, intent_id) if state is PaymentState.FAILED else payment.canceled(now, message)
        transaction = Transaction().payment(closed, payment)
        for order in parts.orders:
            if order.holds_payment(payment_id):
                transaction.order(order.release_payment(payment_id, message, now, STRIPE), order)
        group = parts.group
        if group is not None and group.status is GroupStatus.PAYMENT_IN_PROGRESS and group.payment_id == payment_id:
            transaction.group(group.payment_released(payment_id, now), group)
        transaction.brand(parts.brand.release_stamp_fee(payment_id), parts.brand)
        desk.store.commit(transaction)
        logger.info("payment attempt closed", extra={"payment_id": payment_id, "status": state.value})
        return closed

    return until_applied(close, f"Payment {payment_id}")
