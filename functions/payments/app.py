"""The payments API: cost summaries, server-side card confirmation, Stripe webhooks, invoices, reconciliation.

This is the only function given the Stripe secret key and the webhook secret.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from chalice import Chalice, Rate, Response

from welt.adapters.invoice_pdf import render_invoice
from welt.bootstrap import token_verifier
from welt.bootstrap_payments import payment_desk as build_payment_desk
from welt.bootstrap_payments import submission_queue
from welt.entrypoints.http import HttpRequest, WeltApi
from welt.entrypoints.observability import observed, traced
from welt.services import payments

app = Chalice(app_name="welt-payments", configure_logs=False)
app.api.binary_types.append("application/pdf")
logger = Logger(service="welt-payments")


def current_lambda_context() -> Any:
    return app.lambda_context


def payment_desk() -> payments.PaymentDesk:
    return build_payment_desk(current_lambda_context)


api = WeltApi(app, logger, lambda header: token_verifier().caller(header), lambda: payment_desk().sessions)


@api.route("/health", methods=["GET"], public=True)
def health(request: HttpRequest) -> dict[str, Any]:
    return {"status": "ok"}


@api.route("/payments", methods=["POST"], status=201)
def start_payment(request: HttpRequest) -> dict[str, Any]:
    key = request.idempotency_key()
    raw = request.json()
    body = request.body(payments.PaymentRequest, raw)
    return payments.start_payment(payment_desk(), request.caller, body, key, raw)


@api.route("/payments/{payment_id}", methods=["GET"])
def get_payment(request: HttpRequest, payment_id: str) -> dict[str, Any]:
    return payments.get_payment(payment_desk(), request.caller, payment_id)


@api.route("/payments/{payment_id}/confirm", methods=["POST"])
def confirm_payment(request: HttpRequest, payment_id: str) -> dict[str, Any]:
    body = request.body(payments.ConfirmRequest)
    return payments.confirm_payment(payment_desk(), request.caller, payment_id, body)


@api.route("/payments/{payment_id}/cancel", methods=["POST"])
def cancel_payment(request: HttpRequest, payment_id: str) -> dict[str, Any]:
    return payments.cancel_payment(payment_desk(), request.caller, payment_id)


@api.route("/payments/{payment_id}/invoice", methods=["GET"])
def invoice(request: HttpRequest, payment_id: str) -> Response:
    document = payments.invoice_of(payment_desk(), request.caller, payment_id)
    return Response(
        body=render_invoice(document),
        headers={"Content-Type": "application/pdf", "Content-Disposition": f'attachment; filename="{document.number}.pdf"'},
    )


@api.route("/payments/{payment_id}/rectifying-invoices", methods=["GET"])
def rectifying_invoices(request: HttpRequest, payment_id: str) -> dict[str, Any]:
    return payments.rectifying_invoices_of(payment_desk(), request.caller, payment_id)


@api.route("/payments/{payment_id}/rectifying-invoices/{number}", methods=["GET"])
def rectifying_invoice(request: HttpRequest, payment_id: str, number: str) -> Response:
    document = payments.rectifying_invoice_of(payment_desk(), request.caller, payment_id, number)
    return Response(
        body=render_invoice(document),
        headers={"Content-Type": "application/pdf", "Content-Disposition": f'attachment; filename="{document.number}.pdf"'},
    )


@api.route("/admin/payments", methods=["GET"], staff=True)
def staff_payments(request: HttpRequest) -> dict[str, Any]:
    return payments.payments_for_staff(payment_desk(), request.caller, request.query("status"))


@api.route("/admin/invoicing/records", methods=["GET"], staff=True)
def invoicing_records(request: HttpRequest) -> dict[str, Any]:
    return payments.invoicing_records(payment_desk(), request.caller, request.query("limit"), request.query("cursor"))


@api.route("/webhooks/stripe", methods=["POST"], public=True, content_types=["application/json", "application/json; charset=utf-8"])
def stripe_webhook(request: HttpRequest) -> dict[str, Any]:
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
    return submission_queue().run()


@observed
def handler(event: dict[str, Any], context: Any) -> Any:
    """The API's Lambda entry point: the Chalice app, traced."""
    return app(event, context)
