"""Stripe through stripe-python: PaymentIntents created, confirmed, cancelled and refunded under Welt's idempotency
keys, Stripe's errors sorted by what they mean for the money, and webhook signatures checked on the raw body.

What a stripe-python error says about the call that raised it, and what it is raised as:

- CardError (402): the card was refused -> CardDeclinedError.
- InvalidRequestError (400, 404) naming `payment_method`, or any on a create (the payment method is the only part of a
  create a client chooses; emulators do not always name it): the buyer's card cannot be used -> CardDeclinedError.
- InvalidRequestError otherwise, AuthenticationError (401), PermissionError (403), RateLimitError (429): refused before
  anything ran; Stripe keeps no idempotent result for a 429 -> PaymentProviderUnavailableError (a 503).
- APIConnectionError (refused, reset, timed out): the request may have run at Stripe and only its answer been lost
  -> PaymentOutcomeUnknownError.
- APIError (5xx, 409, an answer that is not Stripe's JSON): Stripe calls a 500's result indeterminate, and a 409 is
  the same key still running -> PaymentOutcomeUnknownError.
- IdempotencyError (400): the key ran before with other parameters, and that call may have charged
  -> PaymentOutcomeUnknownError.

Two refinements. `create_intent` never confirms, so nothing can have been charged whatever went wrong: an unknown
outcome there is PaymentProviderUnavailableError (an unconfirmed intent left behind can never charge, and the same key
gets it back). And `confirm`/`cancel` refused because the intent is no longer in a state for them (a retry whose first
answer was lost) return the intent as it now is (a confirm that was declined raises the decline again), so a
repeated call reads the first one's result.

stripe-python itself retries connection errors, 409s and 5xx twice with the same idempotency key before any of this.
"""

from __future__ import annotations

import json
from typing import Any

import stripe

from welt.config import REQUEST_TIMEOUT_SECONDS
from welt.services.ports import (
    CardDeclinedError,
    IntentView,
    InvalidSignatureError,
    PaymentOutcomeUnknownError,
    PaymentProviderUnavailableError,
    RefundView,
)

SIGNATURE_TOLERANCE_SECONDS = 300
REFUND_KEY = "welt_refund_key"

# What an unknown outcome may mean, by call: the caller must find out before giving anything up.
MAY_HAVE_HAPPENED = {
    "confirm": "Stripe's answer was lost; the card may have been charged.",
    "cancel": "Stripe's answer was lost; the payment may have been cancelled.",
    "refund": "Stripe's answer was lost; the refund may have been made.",
}
NOT_CARRIED_OUT = "The card payment service is unavailable right now; nothing was charged. Try again in a minute."


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
        currency=str(data.get("currency") or "").lower(),
    )


def _refund_view(refund: Any, intent_id: str) -> RefundView:
    data = refund.to_dict() if hasattr(refund, "to_dict") else dict(refund)
    return RefundView(id=data["id"], intent_id=intent_id, amount=int(data["amount"]), status=str(data["status"]))


def _require(idempotency_key: str) -> None:
    if not idempotency_key or not idempotency_key.strip():
        raise ValueError("Every mutating Stripe call needs an idempotency key derived from Welt's ids.")


def _declined(error: stripe.CardError, intent_id: str | None) -> CardDeclinedError:
    body: Any = error.json_body or {}
    named = ((body.get("error") or {}).get("payment_intent") or {}).get("id")
    return CardDeclinedError(error.user_message or "Your card was declined.", named or intent_id)


def _unusable(error: stripe.InvalidRequestError) -> CardDeclinedError:
    # The buyer's payment method is the only part of a create a client chooses (Stripe names it; emulators may not).
    return CardDeclinedError(error.user_message or "The payment method cannot be used.")


def classified(error: stripe.StripeError, operation: str, intent_id: str | None = None) -> Exception:
    """What a stripe-python error means for the money (the table above); `operation` is the call that raised it."""
    if isinstance(error, stripe.CardError):
        return _declined(error, intent_id)
    if isinstance(error, stripe.InvalidRequestError) and (error.param or "").startswith("payment_method"):
        return CardDeclinedError(error.user_message or "The payment method cannot be used.")
    unknown = isinstance(error, (stripe.APIConnectionError, stripe.APIError, stripe.IdempotencyError))
    if unknown and operation in MAY_HAVE_HAPPENED:
        return PaymentOutcomeUnknownError(MAY_HAVE_HAPPENED[operation], operation, intent_id)
    return PaymentProviderUnavailableError(NOT_CARRIED_OUT)


class StripeGateway:
    def __init__(
        self,
        secret_key: str,
        webhook_secret: str,
        publishable_key: str,
        js_url: str,
        api_base: str | None = None,
        timeout_seconds: float = REQUEST_TIMEOUT_SECONDS,
        http_client: stripe.HTTPClient | None = None,
    ) -> None:
        addresses: Any = {"api": api_base} if api_base else None
        self._client = stripe.StripeClient(
            secret_key,
            base_addresses=addresses,
            max_network_retries=2,
            http_client=http_client or stripe.RequestsClient(timeout=timeout_seconds),
        )
        self._webhook_secret = webhook_secret
        self.publishable_key = publishable_key
        self.js_url = js_url

    def create_and_confirm(
        self, amount: int, currency: str, payment_method: str, metadata: dict[str, str], idempotency_key: str
    ) -> IntentView:
        return self._create(amount, currency, payment_method, metadata, idempotency_key, confirm=True)

    def create_intent(self, amount: int, currency: str, payment_method: str, metadata: dict[str, str], idempotency_key: str) -> IntentView:
        return self._create(amount, currency, payment_method, metadata, idempotency_key, confirm=False)

    def confirm(self, intent_id: str, idempotency_key: str) -> IntentView:
        _require(idempotency_key)
        try:
            intent = self._client.v1.payment_intents.confirm(intent_id, options={"idempotency_key": idempotency_key})
        except stripe.InvalidRequestError as error:
            current = self._as_it_is_now(intent_id, error, "confirm", still_open={"requires_confirmation"})
            if current.status == "requires_payment_method" and current.error_message:
                # The earlier confirm was declined: the repeat answers as that one did.
                raise CardDeclinedError(current.error_message, intent_id) from None
            return current
        except stripe.StripeError as error:
            raise classified(error, "confirm", intent_id) from None
        return _intent_view(intent)

    def retrieve(self, intent_id: str) -> IntentView:
        try:
            return _intent_view(self._client.v1.payment_intents.retrieve(intent_id))
        except stripe.StripeError as error:
            raise classified(error, "retrieve", intent_id) from None

    def cancel(self, intent_id: str, idempotency_key: str) -> IntentView:
        _require(idempotency_key)
        try:
            intent = self._client.v1.payment_intents.cancel(intent_id, options={"idempotency_key": idempotency_key})
        except stripe.InvalidRequestError as error:
            return self._as_it_is_now(
                intent_id,
                error,
                "cancel",
                still_open={"requires_payment_method", "requires_confirmation", "requires_action", "requires_capture"},
            )
        except stripe.StripeError as error:
            raise classified(error, "cancel", intent_id) from None
        return _intent_view(intent)

    def refund(self, intent_id: str, idempotency_key: str, amount: int | None = None) -> RefundView:
        _require(idempotency_key)
        try:
            # Stripe keeps idempotency keys for 24 hours; the key in the refund's metadata holds for ever.
            earlier = self._client.v1.refunds.list(params={"payment_intent": intent_id, "limit": 100})
            for refund in earlier.data:
                if (refund.to_dict().get("metadata") or {}).get(REFUND_KEY) == idempotency_key:
                    return _refund_view(refund, intent_id)
            params: Any = {"payment_intent": intent_id, "metadata": {REFUND_KEY: idempotency_key}}
            if amount is not None:
                params["amount"] = amount
            made = self._client.v1.refunds.create(params=params, options={"idempotency_key": idempotency_key})
        except stripe.StripeError as error:
            raise classified(error, "refund", intent_id) from None
        return _refund_view(made, intent_id)

    def verify_event(self, payload: bytes, signature: str | None) -> dict[str, Any]:
        if not signature:
            raise InvalidSignatureError("No Stripe-Signature header.")
        try:
            stripe.WebhookSignature.verify_header(payload.decode("utf-8"), signature, self._webhook_secret, SIGNATURE_TOLERANCE_SECONDS)
        except (stripe.SignatureVerificationError, UnicodeDecodeError, ValueError) as error:
            raise InvalidSignatureError(str(error)) from None
        try:
            event = json.loads(payload)
        except ValueError:
            raise InvalidSignatureError("The signed body is not JSON.") from None
        if not isinstance(event, dict) or not isinstance(event.get("id"), str) or not isinstance(event.get("type"), str):
            raise InvalidSignatureError("The signed body is not a Stripe event.")
        return event

    def _create(
        self, amount: int, currency: str, payment_method: str, metadata: dict[str, str], idempotency_key: str, confirm: bool
    ) -> IntentView:
        _require(idempotency_key)
        params: Any = {
            "amount": amount,
            "currency": currency.lower(),
            "payment_method": payment_method,
            "payment_method_types": ["card"],
            "confirm": confirm,
            "metadata": metadata,
        }
        try:
            intent = self._client.v1.payment_intents.create(params=params, options={"idempotency_key": idempotency_key})
        except stripe.InvalidRequestError as error:
            raise _unusable(error) from None
        except stripe.StripeError as error:
            raise classified(error, "confirm" if confirm else "create") from None
        return _intent_view(intent)

    def _as_it_is_now(self, intent_id: str, error: stripe.InvalidRequestError, operation: str, still_open: set[str]) -> IntentView:
        """The intent, when Stripe refused `operation` because an earlier call already moved it on."""
        if (error.param or "").startswith("payment_method"):
            raise classified(error, operation, intent_id) from None
        try:
            current = self.retrieve(intent_id)
        except PaymentProviderUnavailableError:
            # Refused, perhaps because an earlier call went through: without the intent that cannot be ruled out.
            raise PaymentOutcomeUnknownError(MAY_HAVE_HAPPENED[operation], operation, intent_id) from None
        if current.status in still_open:
            raise classified(error, operation, intent_id) from None
        return current
