"""Paying orders: the cost summary, server-side confirmation, Stripe's webhooks, reconciliation, invoices.

A payment locks its orders while Stripe works on it. Stripe's word (webhook, or reconciliation when a
webhook never came) settles it: success launches the orders to production, failure releases them.
Every step is one conditional transaction, so a repeated or late event finds nothing left to do.
"""

from welt.services.payments.canceling import cancel_payment
from welt.services.payments.desk import PaymentDesk, invoicing_records, payment_view, payments_for_staff, price_payment
from welt.services.payments.reading import get_payment, invoice_of, rectifying_invoice_of, rectifying_invoices_of
from welt.services.payments.reconciling import ABANDON_AFTER, RECONCILE_AFTER, reconcile
from welt.services.payments.settling import (
    RetryLaterError,
    Settled,
    handle_webhook,
    record_refund,
    settle_failed,
    settle_succeeded,
)
from welt.services.payments.starting import ConfirmRequest, PaymentRequest, close_attempt, confirm_payment, start_payment

__all__ = [
    "ABANDON_AFTER",
    "RECONCILE_AFTER",
    "ConfirmRequest",
    "PaymentDesk",
    "PaymentRequest",
    "RetryLaterError",
    "Settled",
    "cancel_payment",
    "close_attempt",
    "confirm_payment",
    "get_payment",
    "handle_webhook",
    "invoice_of",
    "invoicing_records",
    "payment_view",
    "payments_for_staff",
    "price_payment",
    "reconcile",
    "record_refund",
    "rectifying_invoice_of",
    "rectifying_invoices_of",
    "settle_failed",
    "settle_succeeded",
    "start_payment",
]
