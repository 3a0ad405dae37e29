"""Reconciliation: for webhooks that never came, ask Stripe about payments in flight for a while and settle them."""

from __future__ import annotations

from datetime import timedelta

from aws_lambda_powertools import Logger

from welt.domain.payment import PaymentState
from welt.services.payments.desk import PaymentDesk
from welt.services.payments.settling import Settled, settle_failed, settle_from_stripe
from welt.services.payments.starting import close_attempt
from welt.services.ports import IntentView

logger = Logger(child=True)

# A payment Stripe has said nothing about for this long is asked about directly.
RECONCILE_AFTER = timedelta(minutes=5)
# 3-D Secure not completed within this time: the payment is abandoned and its orders released.
ABANDON_AFTER = timedelta(hours=1)


def reconcile(desk: PaymentDesk) -> dict[str, int]:
    now = desk.clock()
    outcome = {"checked": 0, "settled": 0, "released": 0}
    for payment in desk.payments.in_flight_since(now - RECONCILE_AFTER, limit=100):
        outcome["checked"] += 1
        if payment.intent_id is None:
            if payment.updated_at < now - ABANDON_AFTER:  # the confirm call died before reaching Stripe
                close_attempt(desk, payment.payment_id, payment.attempt, "The payment was not completed.", PaymentState.CANCELED)
                outcome["released"] += 1
            continue
        intent = desk.gateway.retrieve(payment.intent_id)
        done = settle_from_stripe(desk, payment, intent)
        if done in (Settled.SETTLED, Settled.RELEASED):
            outcome[done.value] += 1
        elif done is Settled.WAITING and intent.status == "requires_action" and payment.updated_at < now - ABANDON_AFTER:
            canceled = desk.gateway.cancel(intent.id, idempotency_key=f"welt-{payment.payment_id}-cancel-{payment.attempt}")
            reason = canceled.error_message or "3-D Secure was not completed in time."
            gone = IntentView(id=canceled.id, status=canceled.status, amount=canceled.amount, error_message=reason,
                              metadata=canceled.metadata)
            if settle_failed(desk, payment.payment_id, gone, PaymentState.CANCELED) is Settled.RELEASED:
                outcome["released"] += 1
    return outcome
