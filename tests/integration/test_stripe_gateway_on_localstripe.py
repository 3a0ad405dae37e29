"""StripeGateway against the Stripe emulator (localstripe), directly and through the fault proxy: create then confirm,
declines, 3-D Secure, cancel and refund, and what a lost answer, a 500 or a reset turns into."""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from welt.adapters.stripe_gateway import StripeGateway
from welt.services.ports import CardDeclinedError, IntentStatus, PaymentOutcomeUnknownError, PaymentProviderUnavailableError
from welt_stack.faults import Fault, FaultKind, fault_proxy
from welt_stack.ports import listens, reserved_ports

SECRET = "sk_test_gateway"
DECLINING = "pm_card_chargeCustomerFail"
THREE_D_SECURE_NUMBER = "4000002500003155"


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    log = (tmp_path_factory.mktemp("localstripe") / "localstripe.log").open("wb")
    with reserved_ports(1) as (port,):  # held until the emulator we started is the one listening
        process = subprocess.Popen(
            [str(Path(sys.executable).parent / "localstripe"), "--port", str(port), "--from-scratch"], stdout=log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 30
        while not listens(process.pid, port):
            assert process.poll() is None and time.monotonic() < deadline, "localstripe did not start"
            time.sleep(0.1)
    yield f"http://127.0.0.1:{port}"
    process.terminate()
    process.wait(timeout=10)
    log.close()


def gateway(api_base: str, timeout_seconds: float = 20) -> StripeGateway:
    return StripeGateway(SECRET, "whsec_gateway", "pk_test_gateway", "js", api_base=api_base, timeout_seconds=timeout_seconds)


def key(call: str) -> str:
    return f"welt-pay_{uuid.uuid4().hex[:8]}-{call}-1"


def card(emulator: str, number: str) -> str:
    response = requests.post(
        f"{emulator}/v1/payment_methods",
        auth=(SECRET, ""),
        timeout=10,
        data={"type": "card", "card[number]": number, "card[exp_month]": "12", "card[exp_year]": "2030", "card[cvc]": "123"},
    )
    assert response.status_code == 200, response.text
    return str(response.json()["id"])


def charges_of(emulator: str, intent_id: str) -> list[dict[str, Any]]:
    charges = requests.get(f"{emulator}/v1/charges", auth=(SECRET, ""), params={"limit": 1000}, timeout=10).json()
    return [c for c in charges["data"] if c.get("payment_intent") == intent_id]


def created(stripe: StripeGateway, payment_method: str = "pm_card_visa") -> str:
    intent = stripe.create_intent(4200, "EUR", payment_method, {"payment_id": "pay_000001"}, key("create"))
    assert intent.status == IntentStatus.UNCONFIRMED
    return intent.id


def test_an_intent_created_then_confirmed_is_charged_once(emulator):
    stripe = gateway(emulator)
    intent_id = created(stripe)
    assert charges_of(emulator, intent_id) == [], "creating charges nothing"

    confirmed = stripe.confirm(intent_id, key("confirm"))

    assert (confirmed.id, confirmed.status, confirmed.amount) == (intent_id, IntentStatus.CHARGED, 4200)
    assert [c["status"] for c in charges_of(emulator, intent_id)] == ["succeeded"]


def test_confirming_with_the_declining_card_is_a_decline_naming_the_intent(emulator):
    stripe = gateway(emulator)
    intent_id = created(stripe, DECLINING)

    with pytest.raises(CardDeclinedError) as caught:
        stripe.confirm(intent_id, key("confirm"))

    assert caught.value.intent_id == intent_id
    assert caught.value.message == "Your card was declined."
    after = stripe.retrieve(intent_id)
    assert (after.status, after.error_message) == (IntentStatus.NEEDS_CARD, "Your card was declined.")


def test_a_three_d_secure_card_waits_for_the_cardholder_and_can_be_cancelled_twice(emulator):
    stripe = gateway(emulator)
    intent_id = created(stripe, card(emulator, THREE_D_SECURE_NUMBER))

    waiting = stripe.confirm(intent_id, key("confirm"))

    assert waiting.status == IntentStatus.NEEDS_BANK_STEP
    assert waiting.client_secret and waiting.client_secret.startswith(intent_id)
    assert stripe.cancel(intent_id, key("cancel")).status == IntentStatus.CANCELED
    assert stripe.cancel(intent_id, key("cancel")).status == IntentStatus.CANCELED, "a repeated cancel reads the cancelled intent"
    assert charges_of(emulator, intent_id) == []


def test_cancelling_an_intent_that_has_charged_returns_it_charged(emulator):
    stripe = gateway(emulator)
    intent_id = created(stripe)
    stripe.confirm(intent_id, key("confirm"))

    assert stripe.cancel(intent_id, key("cancel")).status == IntentStatus.CHARGED


def test_a_refund_repeated_with_its_key_refunds_once(emulator):
    stripe = gateway(emulator)
    intent_id = created(stripe)
    stripe.confirm(intent_id, key("confirm"))
    refund_key = key("refund")

    first = stripe.refund(intent_id, refund_key)
    again = stripe.refund(intent_id, refund_key)

    assert first == again
    assert (first.amount, first.status) == (4200, "succeeded")
    refunds = requests.get(f"{emulator}/v1/refunds", auth=(SECRET, ""), params={"payment_intent": intent_id}, timeout=10).json()["data"]
    assert len(refunds) == 1


def test_a_confirm_whose_answer_is_lost_comes_back_charged_and_charges_once(emulator):
    plan = [Fault(FaultKind.LOST_ANSWER, method="POST", path=r"/confirm$", times=1)]
    with fault_proxy(emulator, plan) as proxy:
        stripe = gateway(proxy.url)
        intent_id = created(stripe)

        confirmed = stripe.confirm(intent_id, key("confirm"))

        assert confirmed.status == IntentStatus.CHARGED
        assert proxy.stats()["faults"] == {"lost_answer": 1}
    assert len(charges_of(emulator, intent_id)) == 1


def test_a_declined_confirm_whose_answer_is_lost_is_still_a_decline(emulator):
    plan = [Fault(FaultKind.LOST_ANSWER, method="POST", path=r"/confirm$", times=1)]
    with fault_proxy(emulator, plan) as proxy:
        stripe = gateway(proxy.url)
        intent_id = created(stripe, DECLINING)

        with pytest.raises(CardDeclinedError) as caught:
            stripe.confirm(intent_id, key("confirm"))

        assert (caught.value.intent_id, caught.value.message) == (intent_id, "Your card was declined.")
        assert proxy.stats()["faults"] == {"lost_answer": 1}


def test_a_confirm_that_only_ever_gets_500s_is_an_unknown_outcome(emulator):
    with fault_proxy(emulator, [Fault(FaultKind.ERROR, method="POST", path=r"/confirm$")]) as proxy:
        stripe = gateway(proxy.url)
        intent_id = created(stripe)

        with pytest.raises(PaymentOutcomeUnknownError) as caught:
            stripe.confirm(intent_id, key("confirm"))

        assert caught.value.intent_id == intent_id
        assert proxy.stats()["faults"] == {"error": 3}, "stripe-python tries three times with the same key"


def test_a_confirm_held_past_the_timeout_is_an_unknown_outcome(emulator):
    plan = [Fault(FaultKind.TIMEOUT, method="POST", path=r"/confirm$", hold_seconds=3)]
    with fault_proxy(emulator, plan) as proxy:
        stripe = gateway(proxy.url, timeout_seconds=0.5)
        intent_id = created(stripe)

        with pytest.raises(PaymentOutcomeUnknownError):
            stripe.confirm(intent_id, key("confirm"))


def test_a_create_whose_connection_is_reset_is_unavailable_and_charged_nothing(emulator):
    with fault_proxy(emulator, [Fault(FaultKind.RESET, method="POST", path=r"^/v1/payment_intents$")]) as proxy:
        with pytest.raises(PaymentProviderUnavailableError):
            gateway(proxy.url).create_intent(4200, "EUR", "pm_card_visa", {}, key("create"))

        assert proxy.stats()["forwarded"] == 0
