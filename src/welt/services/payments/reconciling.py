"""Reconciliation: for webhooks that never came, ask Stripe about payments in flight for a while and settle them.

Each payment settles on its own, oldest first: one that fails is logged with its id and the run goes on.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from aws_lambda_powertools import Logger

from welt.domain.payment import Payment, PaymentState
from welt.services.payments import alarms
from welt.services.payments.desk import PaymentDesk
from welt.services.payments.settling import Settled, settle_from_stripe
from welt.services.payments.starting import cancel_intent, close_attempt
from welt.services.ports import IntentStatus

logger = Logger(child=True)

# A payment Stripe has said nothing about for this long is asked about directly.
RECONCILE_AFTER = timedelta(minutes=5)
# 3-D Secure not completed within this time: the payment is abandoned and its orders released.
ABANDON_AFTER = timedelta(hours=1)
# More than a run can settle would be settled by the next runs, oldest first.
RUN_LIMIT = 500
# Intents that have not charged and will not without the buyer or Welt acting.
UNFINISHED = (IntentStatus.NEEDS_BANK_STEP, IntentStatus.UNCONFIRMED)


def reconcile(desk: PaymentDesk) -> dict[str, int]:
    now = desk.clock()
    outcome = {"checked": 0, "settled": 0, "released": 0, "refunded": 0, "mismatch": 0, "failed": 0}
    stuck = desk.payments.in_flight_since(now - RECONCILE_AFTER, limit=RUN_LIMIT)
    alarms.count(alarms.STUCK_PAYMENTS, len(stuck))
    for payment in stuck:
        outcome["checked"] += 1
        try:
            done = _reconcile_one(desk, payment, abandoned=payment.updated_at < now - ABANDON_AFTER)
        except Exception:  # one payment's trouble must not hold up the others
            logger.exception("payment not reconciled", extra={"payment_id": payment.payment_id})
            outcome["failed"] += 1
            continue
        if done.value in outcome:
            outcome[done.value] += 1
    logger.info("reconciliation run", extra=outcome)
    return outcome


def _reconcile_one(desk: PaymentDesk, payment: Payment, abandoned: bool) -> Settled:
    if payment.intent_id is None:
        # The intent is created and recorded before any confirm, so without one nothing was ever charged.
        if not abandoned:
            return Settled.WAITING
        closed = close_attempt(desk, payment.payment_id, payment.attempt, "The payment was not completed.", PaymentState.CANCELED)
        return Settled.RELEASED if closed.status is PaymentState.CANCELED else Settled.NOTHING
    intent = desk.gateway.retrieve(payment.intent_id)
    done = settle_from_stripe(desk, payment, intent)
    if done is not Settled.WAITING or intent.status not in UNFINISHED or not abandoned:
        return done
    canceled = cancel_intent(desk, payment.payment_id, intent.id, payment.attempt)
    if canceled is None:
        return Settled.WAITING  # Stripe did not answer: the next run asks again
    if canceled.status is IntentStatus.CANCELED:
        waited_for_bank = intent.status is IntentStatus.NEEDS_BANK_STEP
        reason = "3-D Secure was not completed in time." if waited_for_bank else "The payment was not completed."
        canceled = replace(canceled, error_message=canceled.error_message or reason)
    # A success that beat the cancel settles as a success.
    return settle_from_stripe(desk, payment, canceled)
