"""What a brand (or staff) reads of a payment: the payment itself, its invoice and its rectifying invoices.

Issuing invoices is settling's work (the invoice number with the success, a rectifying invoice with each refund);
this module reads what was issued. Reading a payment that waits for 3-D Secure asks Stripe first.
"""

from __future__ import annotations

from welt.domain.errors import NotFoundError
from welt.domain.invoice import InvoiceDocument, invoice_for, issue_date, rectifying_invoice_for
from welt.domain.payment import PaymentState
from welt.services.callers import Caller
from welt.services.payments.desk import PaymentDesk, payment_for, payment_view
from welt.services.payments.settling import settle_from_stripe
from welt.services.ports import PaymentProviderUnavailableError
from welt.services.resources import PaymentResource, RectifyingInvoiceList
from welt.services.shipping_groups import orders_of


def get_payment(desk: PaymentDesk, caller: Caller, payment_id: str) -> PaymentResource:
    """The payment. One waiting for 3-D Secure is first brought up to date with Stripe: after the
    buyer's bank answers, the page polls this (Stripe's finalize-on-the-server step). A charge already
    under way (PROCESSING) is settled by Stripe's webhook, or reconciliation."""
    payment = payment_for(desk, caller, payment_id)
    if payment.status is PaymentState.REQUIRES_ACTION and payment.intent_id and not caller.staff:
        try:
            intent = desk.gateway.retrieve(payment.intent_id)
        except PaymentProviderUnavailableError:
            return payment_view(desk, payment)  # as Welt knows it; the page asks again, or the webhook settles it
        settle_from_stripe(desk, payment, intent)
        payment = payment_for(desk, caller, payment_id)
    return payment_view(desk, payment)


def rectifying_invoices_of(desk: PaymentDesk, caller: Caller, payment_id: str) -> RectifyingInvoiceList:
    """A payment's rectifying invoices, oldest first, with their amounts (negative, in cents), for its brand or staff."""
    payment = payment_for(desk, caller, payment_id)
    return {
        "rectifying_invoices": [
            {
                "number": r.number,
                "issued_on": issue_date(r.issued_at).isoformat(),
                "corrects": payment.invoice_number or "",
                "net": r.net,
                "vat": r.vat,
                "total": r.total,
                "currency": payment.currency,
            }
            for r in payment.rectifications
        ]
    }


def rectifying_invoice_of(desk: PaymentDesk, caller: Caller, payment_id: str, number: str) -> InvoiceDocument:
    """A rectifying invoice of a payment's refund, for the brand that paid (or staff)."""
    payment = payment_for(desk, caller, payment_id)
    rectification = payment.rectification(number)
    if rectification is None or payment.invoice_number is None:
        raise NotFoundError(f"Payment {payment_id} has no rectifying invoice {number}.")
    orders = orders_of(desk.orders, payment.order_numbers)
    return rectifying_invoice_for(payment, rectification, orders, desk.aeat_qr_service)


def invoice_of(desk: PaymentDesk, caller: Caller, payment_id: str) -> InvoiceDocument:
    """The invoice of a settled payment, for the brand that paid (or staff)."""
    payment = payment_for(desk, caller, payment_id)
    if payment.status is not PaymentState.SUCCEEDED or payment.invoice_number is None:
        raise NotFoundError(f"Payment {payment_id} has no invoice yet: it is {payment.status.value}.")
    return invoice_for(payment, orders_of(desk.orders, payment.order_numbers), desk.catalog, desk.aeat_qr_service)
