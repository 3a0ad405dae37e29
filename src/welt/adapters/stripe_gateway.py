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
import time
from typing import Any

import stripe
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from welt.config import REQUEST_TIMEOUT_SECONDS
from welt.services.ports import (
    CardDeclinedError,
    EventKind,
    IntentStatus,
    IntentView,
    InvalidSignatureError,
    PaymentOutcomeUnknownError,
    PaymentProviderUnavailableError,
    RefundView,
    StripeEvent,
)

SIGNATURE_TOLERANCE_SECONDS = 300
REFUND_KEY = "welt_refund_key"

# Stripe's PaymentIntent statuses in Welt's words. Welt captures automatically, so money held for capture is
# as good as under way; a status Stripe may add later is treated the same: Stripe's word or reconciliation follows.
INTENT_STATUSES = {
    "succeeded": IntentStatus.CHARGED,
    "processing": IntentStatus.CHARGING,
    "requires_capture": IntentStatus.CHARGING,
    "requires_action": IntentStatus.NEEDS_BANK_STEP,
    "requires_payment_method": IntentStatus.NEEDS_CARD,
    "requires_confirmation": IntentStatus.UNCONFIRMED,
    "canceled": IntentStatus.CANCELED,
}
STILL_OPEN = {IntentStatus.NEEDS_CARD, IntentStatus.UNCONFIRMED, IntentStatus.NEEDS_BANK_STEP}
EVENT_KINDS = {
    "payment_intent.succeeded": EventKind.CHARGED,
    "payment_intent.payment_failed": EventKind.DECLINED,
    "payment_intent.canceled": EventKind.CANCELED,
    "charge.refunded": EventKind.REFUNDED,
}

# What an unknown outcome may mean, by call: the caller must find out before giving anything up.
MAY_HAVE_HAPPENED = {
    "confirm": "Stripe's answer was lost; the card may have been charged.",
    "cancel": "Stripe's answer was lost; the payment may have been cancelled.",
    "refund": "Stripe's answer was lost; the refund may have been made.",
}
NOT_CARRIED_OUT = "The card payment service is unavailable right now; nothing was charged. Try again in a minute."


def intent_status(stripe_status: str) -> IntentStatus:
    return INTENT_STATUSES.get(stripe_status, IntentStatus.CHARGING)


def _intent_view(intent: Any) -> IntentView:
    data = intent.to_dict() if hasattr(intent, "to_dict") else dict(intent)
    error = data.get("last_payment_error") or {}
    return IntentView(
        id=data["id"],
        status=intent_status(str(data["status"])),
        amount=int(data["amount"]),
        client_secret=data.get("client_secret"),
        error_message=error.get("message") if isinstance(error, dict) else None,
        metadata={str(k): str(v) for k, v in (data.get("metadata") or {}).items()},
        currency=str(data.get("currency") or "").lower(),
    )


# The parts of an event Welt reads, strictly: a signed body of any other shape is refused (400), never a 500.
STRICT = ConfigDict(strict=True, extra="ignore", frozen=True)
STRIPE_ID = Field(min_length=1, max_length=255)


class _PaymentError(BaseModel):
    model_config = STRICT
    message: str | None = Field(default=None, max_length=5000)


class _EventIntent(BaseModel):
    model_config = STRICT
    id: str = STRIPE_ID
    status: str = Field(max_length=64)
    amount: int = Field(ge=0)
    currency: str = Field(default="", max_length=8)
    metadata: dict[str, str] = Field(default_factory=dict, max_length=50)
    last_payment_error: _PaymentError | None = None


class _EventCharge(BaseModel):
    model_config = STRICT
    payment_intent: str | None = Field(default=None, min_length=1, max_length=255)
    amount_refunded: int = Field(default=0, ge=0)


class _EventData(BaseModel):
    model_config = STRICT
    object: dict[str, Any]


class _Event(BaseModel):
    model_config = STRICT
    id: str = STRIPE_ID
    type: str = Field(min_length=1, max_length=255)
    data: Any = None  # read only for the types Welt acts on


def read_event(payload: bytes) -> StripeEvent:
    """The signed body as Welt's event; InvalidSignatureError for any body that is not a Stripe event Welt can read."""
    try:
        raw = json.loads(payload)
        event = _Event.model_validate(raw)
        kind = EVENT_KINDS.get(event.type, EventKind.IGNORED)
        if kind is EventKind.IGNORED:
            return StripeEvent(id=event.id, kind=kind, type_name=event.type)
        data = _EventData.model_validate(event.data)
        if kind is EventKind.REFUNDED:
            charge = _EventCharge.model_validate(data.object)
            return StripeEvent(
                id=event.id,
                kind=kind,
                type_name=event.type,
                refunded_intent_id=charge.payment_intent,
                amount_refunded=charge.amount_refunded,
            )
        intent = _EventIntent.model_validate(data.object)
    except (ValueError, RecursionError) as error:  # JSON, pydantic's ValidationError (a ValueError) and nesting
        raise InvalidSignatureError(f"The signed body is not a Stripe event Welt can read: {_short(error)}") from None
    refusal = intent.last_payment_error
    view = IntentView(
        id=intent.id,
        status=intent_status(intent.status),
        amount=intent.amount,
        error_message=refusal.message if refusal else None,
        metadata=intent.metadata,
        currency=intent.currency.lower(),
    )
    return StripeEvent(id=event.id, kind=kind, type_name=event.type, intent=view)


def _short(error: Exception) -> str:
    if isinstance(error, ValidationError):
        first = error.errors()[0]
        return f"{'.'.join(str(part) for part in first['loc'])}: {first['msg']}"
    return str(error)[:200]


def _signed_at(signature: str) -> int | None:
    for part in signature.split(","):
        name, _, value = part.strip().partition("=")
        if name == "t" and value.isdigit() and len(value) <= 12:
            return int(value)
    return None


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
        webhook_secret: str | None,
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
        # The Stripe emulator's Stripe.js can make no PaymentMethod; against it, a token's card id stands in.
        self._taken_prefixes = ("pm_", "card_") if api_base else ("pm_",)
        self.publishable_key = publishable_key
        self.js_url = js_url

    def takes_payment_method(self, payment_method: str) -> bool:
        # Legacy card_ and src_ ids skip the checks Stripe runs on PaymentMethods, which helps card testing.
        return payment_method.startswith(self._taken_prefixes)

    def create_intent(self, amount: int, currency: str, payment_method: str, metadata: dict[str, str], idempotency_key: str) -> IntentView:
        _require(idempotency_key)
        params: Any = {
            "amount": amount,
            "currency": currency.lower(),
            "payment_method": payment_method,
            "payment_method_types": ["card"],
            "confirm": False,
            "metadata": metadata,
        }
        try:
            intent = self._client.v1.payment_intents.create(params=params, options={"idempotency_key": idempotency_key})
        except stripe.InvalidRequestError as error:
            raise _unusable(error) from None
        except stripe.StripeError as error:
            raise classified(error, "create") from None
        return _intent_view(intent)

    def confirm(self, intent_id: str, idempotency_key: str) -> IntentView:
        _require(idempotency_key)
        try:
            intent = self._client.v1.payment_intents.confirm(intent_id, options={"idempotency_key": idempotency_key})
        except stripe.InvalidRequestError as error:
            current = self._as_it_is_now(intent_id, error, "confirm", still_open={IntentStatus.UNCONFIRMED})
            if current.status is IntentStatus.NEEDS_CARD and current.error_message:
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
            return self._as_it_is_now(intent_id, error, "cancel", still_open=STILL_OPEN)
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

    def verify_event(self, payload: bytes, signature: str | None) -> StripeEvent:
        if not signature:
            raise InvalidSignatureError("No Stripe-Signature header.")
        if self._webhook_secret is None:
            raise RuntimeError("this function is not given the webhook secret (only the payments API verifies webhooks)")
        try:
            stripe.WebhookSignature.verify_header(payload.decode("utf-8"), signature, self._webhook_secret, SIGNATURE_TOLERANCE_SECONDS)
        except (stripe.SignatureVerificationError, UnicodeDecodeError, ValueError) as error:
            raise InvalidSignatureError(f"The Stripe-Signature does not verify: {_short(error)}") from None
        signed_at = _signed_at(signature)
        # stripe-python checks only that a signature is not too old; one from the future is refused as well.
        if signed_at is None or signed_at > time.time() + SIGNATURE_TOLERANCE_SECONDS:
            raise InvalidSignatureError("The Stripe-Signature's timestamp is not within 300 seconds of now.")
        return read_event(payload)

    def _as_it_is_now(self, intent_id: str, error: stripe.InvalidRequestError, operation: str, still_open: set[IntentStatus]) -> IntentView:
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
