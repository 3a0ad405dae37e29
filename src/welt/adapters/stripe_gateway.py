"""Stripe through stripe-python: server-side confirmation, and webhook signatures checked on the raw body."""

from __future__ import annotations

import json
from typing import Any

import stripe

from welt.services.ports import CardDeclinedError, IntentView, InvalidSignatureError

SIGNATURE_TOLERANCE_SECONDS = 300


def _intent_view(intent: Any) -> IntentView:
    data = intent.to_dict() if hasattr(intent, "to_dict") else dict(intent)
    error = data.get("last_payment_error") or {}
    return IntentView(
        id=data["id"],
        status=data["status"],
        amount=int(data["amount"]),
        client_secret=data.get("client_secret"),
        error_message=error.get("message") if isinstance(error, dict) else None,
        metadata={str(k): str(v) for k, v in (data.get("metadata") or {}).items()},
    )


class StripeGateway:
    def __init__(self, secret_key: str, webhook_secret: str, publishable_key: str, js_url: str,
                 api_base: str | None = None) -> None:
        addresses: Any = {"api": api_base} if api_base else None
        self._client = stripe.StripeClient(secret_key, base_addresses=addresses, max_network_retries=2)
        self._webhook_secret = webhook_secret
        self.publishable_key = publishable_key
        self.js_url = js_url

    def create_and_confirm(self, amount: int, currency: str, payment_method: str, metadata: dict[str, str],
                           idempotency_key: str) -> IntentView:
        params: Any = {
            "amount": amount,
            "currency": currency.lower(),
            "payment_method": payment_method,
            "payment_method_types": ["card"],
            "confirm": True,
            "metadata": metadata,
        }
        try:
            intent = self._client.v1.payment_intents.create(params=params, options={"idempotency_key": idempotency_key})
        except stripe.CardError as error:
            body: Any = error.json_body or {}
            intent_id = (body.get("error") or {}).get("payment_intent", {}).get("id")
            raise CardDeclinedError(error.user_message or "Your card was declined.", intent_id) from None
        except stripe.InvalidRequestError as error:
            raise CardDeclinedError(error.user_message or "The payment method cannot be used.") from None
        return _intent_view(intent)

    def retrieve(self, intent_id: str) -> IntentView:
        return _intent_view(self._client.v1.payment_intents.retrieve(intent_id))

    def cancel(self, intent_id: str, idempotency_key: str) -> IntentView:
        intent = self._client.v1.payment_intents.cancel(intent_id, options={"idempotency_key": idempotency_key})
        return _intent_view(intent)

    def verify_event(self, payload: bytes, signature: str | None) -> dict[str, Any]:
        if not signature:
            raise InvalidSignatureError("No Stripe-Signature header.")
        try:
            stripe.WebhookSignature.verify_header(
                payload.decode("utf-8"), signature, self._webhook_secret, SIGNATURE_TOLERANCE_SECONDS
            )
        except (stripe.SignatureVerificationError, UnicodeDecodeError, ValueError) as error:
            raise InvalidSignatureError(str(error)) from None
        try:
            event = json.loads(payload)
        except ValueError:
            raise InvalidSignatureError("The signed body is not JSON.") from None
        if not isinstance(event, dict) or not isinstance(event.get("id"), str) or not isinstance(event.get("type"), str):
            raise InvalidSignatureError("The signed body is not a Stripe event.")
        return event
