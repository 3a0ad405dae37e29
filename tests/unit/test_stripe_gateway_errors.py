"""StripeGateway over stripe-python with a scripted HTTP transport: which Stripe answers mean a refused card,
an unknown outcome or an unavailable service, and that every mutating call carries Welt's idempotency key."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

import pytest
import stripe

from welt.adapters.stripe_gateway import REFUND_KEY, StripeGateway
from welt.domain.errors import ServiceUnavailableError
from welt.services.ports import CardDeclinedError, IntentStatus, PaymentOutcomeUnknownError, PaymentProviderUnavailableError

Answer = tuple[int, dict[str, Any]] | stripe.APIConnectionError


def intent(status: str = "succeeded", intent_id: str = "pi_1", **extra: Any) -> dict[str, Any]:
    return {
        "id": intent_id,
        "object": "payment_intent",
        "status": status,
        "amount": 4200,
        "currency": "eur",
        "client_secret": f"{intent_id}_secret",
        "metadata": {"payment_id": "pay_000001"},
        **extra,
    }


def stripe_error(kind: str, message: str = "refused", **extra: Any) -> dict[str, Any]:
    return {"error": {"type": kind, "message": message, **extra}}


LOST = stripe.APIConnectionError("Connection aborted: the answer never came", should_retry=True)
DECLINED = (
    402,
    stripe_error("card_error", "Your card was declined.", code="card_declined", payment_intent=intent("requires_payment_method")),
)


class ScriptedStripe(stripe.HTTPClient):
    """Stripe's HTTP side: answers taken in order from a script, every request kept."""

    name = "scripted"

    def __init__(self, *answers: Answer) -> None:
        super().__init__()
        self.answers = list(answers)
        self.sent: list[dict[str, Any]] = []

    def request(self, method: str, url: str, headers: Any, post_data: Any = None, *, _usage: Any = None) -> Any:
        form = {k: v[0] for k, v in parse_qs(post_data or "").items()}
        self.sent.append(
            {
                "method": method.upper(),
                "path": url.split("://", 1)[1].split("/", 1)[1].split("?")[0],
                "key": (headers or {}).get("Idempotency-Key"),
                "form": form,
            }
        )
        answer = self.answers.pop(0)
        if isinstance(answer, stripe.APIConnectionError):
            raise answer
        status, body = answer
        return json.dumps(body), status, {"request-id": "req_test"}

    def _sleep_time_seconds(self, num_retries: int) -> float:
        return 0.0

    def close(self) -> None:
        pass


def gateway(transport: ScriptedStripe) -> StripeGateway:
    return StripeGateway("sk_test_unit", "whsec_unit", "pk_test_unit", "https://js.example/v3/", http_client=transport)


def create_intent(g: StripeGateway) -> Any:
    return g.create_intent(4200, "EUR", "pm_card_visa", {"payment_id": "pay_000001"}, "welt-pay_000001-create-1")


def confirm(g: StripeGateway) -> Any:
    return g.confirm("pi_1", "welt-pay_000001-confirm-1")


def cancel(g: StripeGateway) -> Any:
    return g.cancel("pi_1", "welt-pay_000001-cancel-1")


def refund(g: StripeGateway) -> Any:
    return g.refund("pi_1", "welt-pay_000001-refund-1")


NO_REFUNDS_YET = (200, {"object": "list", "data": [], "has_more": False, "url": "/v1/refunds"})


@pytest.mark.parametrize(
    ("call", "answer", "raised"),
    [
        pytest.param(confirm, DECLINED, CardDeclinedError, id="confirm: card declined"),
        pytest.param(
            confirm,
            (429, stripe_error("invalid_request_error", code="rate_limit")),
            PaymentProviderUnavailableError,
            id="confirm: rate limited",
        ),
        pytest.param(
            confirm,
            (401, stripe_error("invalid_request_error", "Invalid API Key")),
            PaymentProviderUnavailableError,
            id="confirm: wrong API key",
        ),
        pytest.param(confirm, (403, stripe_error("invalid_request_error")), PaymentProviderUnavailableError, id="confirm: permission"),
        pytest.param(confirm, LOST, PaymentOutcomeUnknownError, id="confirm: answer lost"),
        pytest.param(confirm, (500, stripe_error("api_error")), PaymentOutcomeUnknownError, id="confirm: 500"),
        pytest.param(confirm, (503, {"not": "stripe"}), PaymentOutcomeUnknownError, id="confirm: 503 from a proxy"),
        pytest.param(
            confirm,
            (400, stripe_error("idempotency_error", "Keys for idempotent requests can only be used with the same parameters")),
            PaymentOutcomeUnknownError,
            id="confirm: key reused with other parameters",
        ),
        pytest.param(create_intent, LOST, PaymentProviderUnavailableError, id="create: answer lost, nothing charged"),
        pytest.param(create_intent, (500, stripe_error("api_error")), PaymentProviderUnavailableError, id="create: 500, nothing charged"),
        pytest.param(
            create_intent,
            (404, stripe_error("invalid_request_error", "No such PaymentMethod", param="payment_method", code="resource_missing")),
            CardDeclinedError,
            id="create: unknown payment method",
        ),
        pytest.param(cancel, LOST, PaymentOutcomeUnknownError, id="cancel: answer lost"),
        pytest.param(cancel, (401, stripe_error("invalid_request_error")), PaymentProviderUnavailableError, id="cancel: wrong API key"),
    ],
)
def test_stripe_errors_are_sorted_by_whether_the_call_may_have_taken_effect(call, answer, raised):
    # stripe-python retries connection errors and 5xx twice with the same key before giving up.
    transport = ScriptedStripe(*[answer] * 3)

    with pytest.raises(raised) as caught:
        call(gateway(transport))

    assert type(caught.value) is raised
    assert {request["key"] for request in transport.sent} != {None}


def test_an_unknown_outcome_names_the_call_and_the_intent_and_says_the_card_may_have_been_charged():
    with pytest.raises(PaymentOutcomeUnknownError) as caught:
        confirm(gateway(ScriptedStripe(LOST, LOST, LOST)))

    assert (caught.value.operation, caught.value.intent_id) == ("confirm", "pi_1")
    assert "may have been charged" in caught.value.message


def test_a_refund_whose_answer_is_lost_is_an_unknown_outcome():
    transport = ScriptedStripe(NO_REFUNDS_YET, LOST, LOST, LOST)

    with pytest.raises(PaymentOutcomeUnknownError) as caught:
        refund(gateway(transport))

    assert caught.value.operation == "refund"


def test_an_unavailable_provider_is_a_503_service_unavailable_error():
    assert issubclass(PaymentProviderUnavailableError, ServiceUnavailableError)


def test_a_decline_names_the_intent_even_when_stripe_does_not():
    transport = ScriptedStripe((402, stripe_error("card_error", "Your card was declined.", code="card_declined")))

    with pytest.raises(CardDeclinedError) as caught:
        confirm(gateway(transport))

    assert (caught.value.intent_id, caught.value.message) == ("pi_1", "Your card was declined.")


@pytest.mark.parametrize("call", [create_intent, confirm, cancel, refund])
def test_every_mutating_call_sends_welts_idempotency_key_and_retries_with_the_same_one(call):
    first = NO_REFUNDS_YET if call is refund else None
    ok = (
        (200, {"id": "re_1", "object": "refund", "amount": 4200, "status": "succeeded"})
        if call is refund
        else (200, intent("requires_confirmation" if call is create_intent else "succeeded"))
    )
    transport = ScriptedStripe(*[a for a in (first, LOST, (500, stripe_error("api_error")), ok) if a is not None])

    call(gateway(transport))

    posts = [request for request in transport.sent if request["method"] == "POST"]
    assert len(posts) == 3
    assert len({request["key"] for request in posts}) == 1
    assert posts[0]["key"].startswith("welt-pay_000001-")


@pytest.mark.parametrize(
    "call",
    [
        lambda g: g.create_intent(4200, "EUR", "pm_card_visa", {}, ""),
        lambda g: g.confirm("pi_1", " "),
        lambda g: g.cancel("pi_1", ""),
        lambda g: g.refund("pi_1", ""),
    ],
)
def test_a_mutating_call_without_an_idempotency_key_is_refused_before_anything_is_sent(call: Callable[..., Any]):
    transport = ScriptedStripe()

    with pytest.raises(ValueError):
        call(gateway(transport))

    assert transport.sent == []


def test_create_intent_does_not_confirm_so_the_intent_id_is_known_before_any_charge():
    transport = ScriptedStripe((200, intent("requires_confirmation")))

    created = create_intent(gateway(transport))

    assert created.status == IntentStatus.UNCONFIRMED
    assert transport.sent[0]["form"]["confirm"] == "false"
    assert transport.sent[0]["form"]["payment_method"] == "pm_card_visa"


def test_a_repeated_confirm_refused_because_the_first_one_charged_reads_the_charged_intent():
    transport = ScriptedStripe(
        (400, stripe_error("invalid_request_error", "This PaymentIntent's status is succeeded", code="payment_intent_unexpected_state")),
        (200, intent("succeeded")),
    )

    confirmed = confirm(gateway(transport))

    assert confirmed.status == IntentStatus.CHARGED
    assert [r["path"] for r in transport.sent] == ["v1/payment_intents/pi_1/confirm", "v1/payment_intents/pi_1"]


def test_a_repeated_confirm_of_a_declined_intent_is_the_same_decline():
    declined = intent("requires_payment_method", last_payment_error={"code": "card_declined", "message": "Your card was declined."})
    transport = ScriptedStripe((400, stripe_error("invalid_request_error", code="payment_intent_unexpected_state")), (200, declined))

    with pytest.raises(CardDeclinedError) as caught:
        confirm(gateway(transport))

    assert (caught.value.intent_id, caught.value.message) == ("pi_1", "Your card was declined.")


def test_a_confirm_refused_while_the_intent_still_awaits_confirmation_is_not_carried_out():
    transport = ScriptedStripe((400, stripe_error("invalid_request_error", "Bad request")), (200, intent("requires_confirmation")))

    with pytest.raises(PaymentProviderUnavailableError):
        confirm(gateway(transport))


def test_a_confirm_refused_and_then_unreadable_may_have_charged():
    transport = ScriptedStripe((400, stripe_error("invalid_request_error", "Bad request")), LOST, LOST, LOST)

    with pytest.raises(PaymentOutcomeUnknownError):
        confirm(gateway(transport))


def test_cancelling_an_intent_that_already_charged_returns_it_as_charged():
    transport = ScriptedStripe(
        (400, stripe_error("invalid_request_error", code="payment_intent_unexpected_state")), (200, intent("succeeded"))
    )

    assert cancel(gateway(transport)).status == IntentStatus.CHARGED


def test_a_refund_already_made_with_the_same_key_is_returned_instead_of_refunding_again():
    earlier = {
        "id": "re_1",
        "object": "refund",
        "amount": 4200,
        "status": "succeeded",
        "metadata": {REFUND_KEY: "welt-pay_000001-refund-1"},
    }
    transport = ScriptedStripe((200, {"object": "list", "data": [earlier], "has_more": False, "url": "/v1/refunds"}))

    made = refund(gateway(transport))

    assert (made.id, made.amount) == ("re_1", 4200)
    assert [r["method"] for r in transport.sent] == ["GET"]


def test_only_payment_methods_confirm_against_stripe_and_the_emulators_card_ids_only_against_the_emulator() -> None:
    live = StripeGateway("sk_test_unit", "whsec_unit", "pk_test_unit", "https://js.stripe.com/v3/")
    emulated = StripeGateway("sk_test_unit", "whsec_unit", "pk_test_unit", "http://127.0.0.1:8420/js", api_base="http://127.0.0.1:8420")

    assert live.takes_payment_method("pm_1Nv0FGQ9RKHgCVdK")
    assert not live.takes_payment_method("card_1Nv0FGQ9RKHgCVdK")  # a legacy id skips Stripe's checks on card testing
    assert not live.takes_payment_method("src_1Nv0FGQ9RKHgCVdK")
    # The emulator's Stripe.js makes no PaymentMethod: its token's card id is what a browser has there.
    assert emulated.takes_payment_method("card_1Nv0FGQ9RKHgCVdK") and emulated.takes_payment_method("pm_1")
    assert not emulated.takes_payment_method("src_1Nv0FGQ9RKHgCVdK")
