"""The buyer gives up an unfinished payment (3-D Secure left open, a card not yet given): its orders are free again.

The attempt's intent is canceled at Stripe first, so it can never charge; then the attempt closes in the one
release transaction every other ending uses. If Stripe had already taken the money, the payment settles as paid
and the buyer is told so (409).
"""

from __future__ import annotations

from aws_lambda_powertools import Logger

from welt.domain.errors import ForbiddenError, StateConflictError
from welt.domain.payment import CONFIRMABLE, IN_FLIGHT, Payment, PaymentState
from welt.services.callers import Caller
from welt.services.changes import until_applied
from welt.services.payments.desk import PaymentDesk, payment_for, payment_view
from welt.services.payments.settling import settle_from_stripe
from welt.services.payments.starting import cancel_intent, close_attempt
from welt.services.ports import IntentStatus, PaymentProviderUnavailableError, Transaction
from welt.services.resources import PaymentResource

logger = Logger(child=True)

CANCELED_BY_BUYER = "Canceled by the buyer."


def cancel_payment(desk: PaymentDesk, caller: Caller, payment_id: str) -> PaymentResource:
    """Cancel the brand's unfinished payment and release its orders at once; 409 once Stripe has charged it."""
    if caller.staff:
        raise ForbiddenError("Only the brand cancels its payments.")
    payment = payment_for(desk, caller, payment_id)
    if payment.status is PaymentState.CANCELED:
        return payment_view(desk, payment)  # a repeated click
    if payment.status in CONFIRMABLE:
        return payment_view(desk, until_applied(lambda: _cancel_unstarted(desk, payment_id), f"Payment {payment_id}"))
    if payment.status not in IN_FLIGHT:
        raise StateConflictError(f"Payment {payment_id} is {payment.status.value}: the card was charged, so it cannot be canceled.")
    if payment.intent_id:
        intent = cancel_intent(desk, payment_id, payment.intent_id, payment.attempt)
        if intent is None:
            raise PaymentProviderUnavailableError("Stripe could not be reached to cancel the payment; nothing changed. Try again.")
        if intent.status is not IntentStatus.CANCELED:
            # Stripe charged (or is charging) before the cancel arrived: its word settles the payment.
            settle_from_stripe(desk, payment, intent)
            raise StateConflictError(
                f"Payment {payment_id} was already charged by Stripe, so it cannot be canceled; its orders are launched."
            )
    # Without an intent nothing was charged; a confirm still under way finds the attempt closed and cancels its own.
    closed = close_attempt(desk, payment_id, payment.attempt, CANCELED_BY_BUYER, PaymentState.CANCELED, payment.intent_id)
    if closed.status is not PaymentState.CANCELED:
        raise StateConflictError(f"Payment {payment_id} is {closed.status.value}; it can no longer be canceled.")
    logger.info("payment canceled by the buyer", extra={"payment_id": payment_id})
    return payment_view(desk, closed)


def _cancel_unstarted(desk: PaymentDesk, payment_id: str) -> Payment:
    """A payment with no attempt under way locks nothing: only the payment itself closes."""
    current = desk.payments.get(payment_id)
    assert current is not None
    if current.status not in CONFIRMABLE:
        return current
    canceled = current.canceled(desk.clock(), CANCELED_BY_BUYER)
    desk.store.commit(Transaction().payment(canceled, current))
    return canceled
