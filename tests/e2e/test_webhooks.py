"""Stripe's webhooks over HTTP: only signed events count, each has its effect once, late ones never go backwards;
and reconciliation, the safety net for a webhook that never comes (`python -m welt_stack.reconcile`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import (
    Api,
    Mailbox,
    PaymentsApi,
    RunningStack,
    StripeEmulator,
    StripeWebhooks,
    assert_problem,
    launched,
    order_form,
    pay_by_card,
)

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
STRIPE_TOLERANCE = 300

# `python -m welt_stack.reconcile` as it will run some minutes from now: the same command, its clock moved on,
# because reconciliation leaves a payment alone until Stripe has had five minutes to send its webhook.
LATER = """
import runpy, sys
from datetime import timedelta
import welt.bootstrap
minutes = float(sys.argv.pop(1))
now = welt.bootstrap.utc_now
welt.bootstrap.utc_now = lambda: now() + timedelta(minutes=minutes)
runpy.run_module("welt_stack.reconcile", run_name="__main__", alter_sys=True)
"""


def reconcile(stack: RunningStack, minutes_later: float = 0) -> dict[str, int]:
    """Run the reconciliation command once against the running stack: what it printed."""
    assert stack.description_file is not None and stack.description_file.exists()
    where = ["--stack", str(stack.description_file)]
    command = (
        [sys.executable, "-c", LATER, str(minutes_later), *where]
        if minutes_later
        else [sys.executable, "-m", "welt_stack.reconcile", *where]
    )
    env = {name: value for name, value in os.environ.items() if not name.startswith("STRIPE_")}
    result = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    outcome: dict[str, int] = json.loads(result.stdout.strip().splitlines()[-1])
    return outcome


def intent_event(stripe_emulator: StripeEmulator, intent_id: str, event_type: str, event_id: str | None = None, **changes: Any) -> bytes:
    """An event about the intent as the emulator knows it, with `changes` (say, another status)."""
    intent = {**stripe_emulator.intent(intent_id), **changes}
    return StripeWebhooks.event(event_type, intent, event_id)


def payment_emails(mailbox: Mailbox, form: dict[str, Any], within: float = 10) -> list[dict[str, Any]]:
    return mailbox.about(form["billing"]["email"], "Payment received", within=within)


def awaiting_3d_secure(dmo: Api, dmo_pay: PaymentsApi, stripe_emulator: StripeEmulator, form: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """An order whose payment waits for the cardholder's 3-D Secure: the order number and the payment."""
    number = dmo.place(form)["order_number"]
    payment = dmo_pay.create(number)
    confirmed = dmo_pay.confirm(payment["payment_id"], stripe_emulator.three_d_secure_card())
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["status"] == "REQUIRES_ACTION", confirmed.text
    return number, confirmed.json()


def withheld_success(dmo: Api, dmo_pay: PaymentsApi, stripe_emulator: StripeEmulator, form: dict[str, Any]) -> tuple[str, str, Any]:
    """An order paid by card whose succeeded webhook the test holds back: number, payment id, the delivery."""
    number = dmo.place(form)["order_number"]
    payment_id = dmo_pay.create(number)["payment_id"]
    with stripe_emulator.webhooks_withheld() as withheld:
        confirmed = dmo_pay.confirm(payment_id)
        assert confirmed.status_code == 200, confirmed.text
        assert confirmed.json()["status"] == "SUCCEEDED"
        delivery = withheld.wait_for("payment_intent.succeeded", payment_id)
    payment = dmo_pay.payment(payment_id)
    assert payment["status"] == "PROCESSING", payment  # Stripe's word has not landed
    assert dmo.order(number)["payment_status"] == "PROCESSING"
    return number, payment_id, delivery


def invoice_seq(invoice_number: str) -> int:
    return int(invoice_number.rsplit("-", 1)[1])


def bad_signatures(webhooks: StripeWebhooks, body: bytes) -> dict[str, str | None]:
    now = int(time.time())
    good = webhooks.sign(body)
    return {
        "forged": good.split("v1=")[0] + "v1=" + "0" * 64,
        "wrong secret": webhooks.sign(body, secret=f"whsec_{uuid.uuid4().hex}"),
        "stale": webhooks.sign(body, at=now - STRIPE_TOLERANCE - 60),
        "malformed": "this is not a Stripe signature",
        "missing": None,
    }


@pytest.mark.parametrize("tampering", ["forged", "wrong secret", "stale", "malformed", "missing"])
def test_a_webhook_stripe_did_not_sign_is_400_and_changes_nothing(
    tampering: str, dmo: Api, dmo_pay: PaymentsApi, stripe_emulator: StripeEmulator, webhooks: StripeWebhooks, mailbox: Mailbox, tag: str
) -> None:
    form = order_form(tag)
    number, payment = awaiting_3d_secure(dmo, dmo_pay, stripe_emulator, form)
    before = dmo.order(number)
    body = intent_event(stripe_emulator, payment["stripe"]["payment_intent_id"], "payment_intent.succeeded", status="succeeded")

    response = webhooks.post(body, bad_signatures(webhooks, body)[tampering])

    assert_problem(response, 400)
    assert dmo.order(number) == before
    assert dmo_pay.payment(payment["payment_id"])["status"] == "REQUIRES_ACTION"
    assert payment_emails(mailbox, form, within=0) == []
    # The very same event, signed as Stripe signs, is taken: only the signature was wrong.
    assert webhooks.send(body).status_code == 200
    assert dmo_pay.payment(payment["payment_id"])["status"] == "SUCCEEDED"


def test_the_same_success_delivered_three_times_has_its_effect_once(
    dmo: Api, dmo_pay: PaymentsApi, stripe_emulator: StripeEmulator, webhooks: StripeWebhooks, mailbox: Mailbox, tag: str
) -> None:
    form = order_form(tag)
    number, payment_id, delivery = withheld_success(dmo, dmo_pay, stripe_emulator, form)

    first = webhooks.hand_over(delivery)

    assert first.status_code == 200, first.text
    launched_order = dmo.order(number)
    assert (launched_order["status"], launched_order["payment_status"]) == ("WORK_IN_PROCESS", "PAID")
    invoice = dmo_pay.payment(payment_id)["invoice_number"]
    assert invoice is not None
    for _ in range(2):
        again = webhooks.hand_over(delivery)
        assert again.status_code == 200, again.text
    assert dmo.order(number) == launched_order
    assert dmo_pay.payment(payment_id)["invoice_number"] == invoice
    assert len(payment_emails(mailbox, form)) == 1


def test_the_same_success_delivered_at_once_takes_one_invoice_number(
    dmo: Api, dmo_pay: PaymentsApi, stripe_emulator: StripeEmulator, mailbox: Mailbox, stack: RunningStack, tag: str
) -> None:
    neighbours = order_form(f"{tag}-neighbours")
    before = pay_by_card(dmo_pay, dmo, dmo.place(neighbours)["order_number"])["invoice_number"]
    form = order_form(tag)
    number, payment_id, delivery = withheld_success(dmo, dmo_pay, stripe_emulator, form)
    deliverers = [StripeWebhooks(stack.payments_api, stack.stripe["webhook_secret"]) for _ in range(4)]

    with ThreadPoolExecutor(len(deliverers)) as pool:
        answers = list(pool.map(lambda w: w.hand_over(delivery), deliverers))

    assert [a.status_code for a in answers] == [200] * len(deliverers), [a.text for a in answers]
    invoice = dmo_pay.settled(payment_id)["invoice_number"]
    launched(dmo, [number])
    assert len(payment_emails(mailbox, form)) == 1
    after = pay_by_card(dmo_pay, dmo, dmo.place(neighbours)["order_number"])["invoice_number"]
    # Gapless: the three payments took three consecutive numbers, none lost to the repeated deliveries.
    assert [invoice_seq(before), invoice_seq(invoice), invoice_seq(after)] == [
        invoice_seq(before),
        invoice_seq(before) + 1,
        invoice_seq(before) + 2,
    ], (before, invoice, after)


def test_a_failure_or_cancel_arriving_after_the_success_never_moves_the_order_back(
    dmo: Api, dmo_pay: PaymentsApi, stripe_emulator: StripeEmulator, webhooks: StripeWebhooks, tag: str
) -> None:
    number = dmo.place(order_form(tag))["order_number"]
    payment = pay_by_card(dmo_pay, dmo, number)
    intent_id = payment["stripe"]["payment_intent_id"]
    before = dmo.order(number)
    failure: dict[str, Any] = {
        "status": "requires_payment_method",
        "last_payment_error": {"code": "card_declined", "message": "Your card was declined."},
    }

    late_failure = webhooks.send(intent_event(stripe_emulator, intent_id, "payment_intent.payment_failed", **failure))
    late_cancel = webhooks.send(intent_event(stripe_emulator, intent_id, "payment_intent.canceled", status="canceled"))

    assert late_failure.status_code == 200, late_failure.text
    assert late_cancel.status_code == 200, late_cancel.text
    assert dmo.order(number) == before
    after = dmo_pay.payment(payment["payment_id"])
    assert (after["status"], after["invoice_number"]) == ("SUCCEEDED", payment["invoice_number"])


def test_unknown_event_types_and_foreign_intents_are_acknowledged_and_ignored(webhooks: StripeWebhooks, dmo: Api, tag: str) -> None:
    unknown = webhooks.send(StripeWebhooks.event("customer.created", {"id": "cus_e2e", "object": "customer"}))
    foreign = webhooks.send(
        StripeWebhooks.event(
            "payment_intent.succeeded",
            {
                "id": "pi_e2eforeign",
                "object": "payment_intent",
                "status": "succeeded",
                "amount": 100,
                "currency": "eur",
                "metadata": {"payment_id": "pay_000000000000000000000000", "brand": "DMO", "attempt": "1"},
            },
        )
    )

    assert unknown.status_code == 200, unknown.text
    assert unknown.json()["received"] is True
    assert foreign.status_code == 200, foreign.text


def test_refunds_move_the_orders_forward_only(
    dmo: Api, dmo_pay: PaymentsApi, stripe_emulator: StripeEmulator, webhooks: StripeWebhooks, tag: str
) -> None:
    number = dmo.place(order_form(tag))["order_number"]
    payment = pay_by_card(dmo_pay, dmo, number)
    amount = payment["amount"]
    (charge,) = stripe_emulator.charges_for([payment["stripe"]["payment_intent_id"]])

    stripe_emulator.refund(charge["id"], amount // 2)
    partly = webhooks.send(StripeWebhooks.event("charge.refunded", stripe_emulator.charge(charge["id"])))

    assert partly.status_code == 200, partly.text
    assert dmo.order(number)["payment_status"] == "PARTIALLY_REFUNDED"
    assert dmo_pay.payment(payment["payment_id"])["refunded_amount"] == amount // 2

    stripe_emulator.refund(charge["id"], amount - amount // 2)
    fully = webhooks.send(StripeWebhooks.event("charge.refunded", stripe_emulator.charge(charge["id"])))

    assert fully.status_code == 200, fully.text
    refunded = dmo.order(number)
    assert refunded["payment_status"] == "REFUNDED"
    assert dmo_pay.payment(payment["payment_id"])["refunded_amount"] == amount

    older = {
        "id": charge["id"],
        "object": "charge",
        "payment_intent": charge["payment_intent"],
        "amount": amount,
        "amount_refunded": amount // 4,
    }
    late = webhooks.send(StripeWebhooks.event("charge.refunded", older))

    assert late.status_code == 200, late.text
    assert dmo.order(number) == refunded
    assert dmo_pay.payment(payment["payment_id"])["refunded_amount"] == amount


def test_a_refund_before_the_payment_settled_is_recorded_and_shows_once_it_settles(
    dmo: Api, dmo_pay: PaymentsApi, stripe_emulator: StripeEmulator, webhooks: StripeWebhooks, tag: str
) -> None:
    number, payment = awaiting_3d_secure(dmo, dmo_pay, stripe_emulator, order_form(tag))
    intent_id = payment["stripe"]["payment_intent_id"]
    refund = StripeWebhooks.event(
        "charge.refunded",
        {
            "id": f"ch_e2e{uuid.uuid4().hex[:14]}",
            "object": "charge",
            "payment_intent": intent_id,
            "amount": payment["amount"],
            "amount_refunded": payment["amount"],
        },
    )

    early = webhooks.send(refund)

    assert early.status_code == 200, early.text  # recorded whatever state the payment is in: no 409 for days
    assert dmo_pay.payment(payment["payment_id"])["refunded_amount"] == payment["amount"]
    assert dmo.order(number)["payment_status"] == "PROCESSING"

    stripe_emulator.authenticate(intent_id, payment["stripe"]["client_secret"])
    dmo_pay.settled(payment["payment_id"])
    launched(dmo, [number])

    assert dmo.order(number)["payment_status"] == "REFUNDED"


def test_reconciliation_settles_a_payment_whose_webhook_never_came(
    dmo: Api,
    dmo_pay: PaymentsApi,
    stripe_emulator: StripeEmulator,
    webhooks: StripeWebhooks,
    mailbox: Mailbox,
    stack: RunningStack,
    tag: str,
) -> None:
    form = order_form(tag)
    number, payment_id, delivery = withheld_success(dmo, dmo_pay, stripe_emulator, form)

    right_away = reconcile(stack)

    assert set(right_away) == {"checked", "settled", "released", "refunded", "mismatch", "failed"}
    assert dmo_pay.payment(payment_id)["status"] == "PROCESSING"  # Stripe still has time to send it

    later = reconcile(stack, minutes_later=6)

    assert later["settled"] >= 1, later
    settled = dmo_pay.settled(payment_id, within=0)
    (order,) = launched(dmo, [number], within=0)
    assert order["invoice_number"] == settled["invoice_number"]
    assert len(payment_emails(mailbox, form)) == 1

    late_webhook = webhooks.hand_over(delivery)  # the webhook turns up after all

    assert late_webhook.status_code == 200, late_webhook.text
    assert dmo.order(number) == order
    assert dmo_pay.payment(payment_id)["invoice_number"] == settled["invoice_number"]
    assert len(payment_emails(mailbox, form)) == 1


def test_reconciliation_cancels_an_abandoned_3d_secure_and_releases_the_order(
    dmo: Api, dmo_pay: PaymentsApi, stripe_emulator: StripeEmulator, stack: RunningStack, tag: str
) -> None:
    number, payment = awaiting_3d_secure(dmo, dmo_pay, stripe_emulator, order_form(tag))

    outcome = reconcile(stack, minutes_later=61)

    assert outcome["released"] >= 1, outcome
    assert dmo_pay.payment(payment["payment_id"])["status"] == "CANCELED"
    assert stripe_emulator.intent(payment["stripe"]["payment_intent_id"])["status"] == "canceled"
    order = dmo.order(number)
    assert (order["status"], order["payment_status"]) == ("PENDING_PAYMENT", "UNPAID")
    assert dmo_pay.create(number)["amount"] == payment["amount"]  # payable again


def test_reconciliation_with_nothing_stuck_reports_nothing(stack: RunningStack) -> None:
    assert reconcile(stack) == {"checked": 0, "settled": 0, "released": 0, "refunded": 0, "mismatch": 0, "failed": 0}


@pytest.mark.parametrize("charged", [{"amount": 100}, {"currency": "usd"}])
def test_a_success_for_another_amount_or_currency_is_held_for_staff_review(
    dmo: Api,
    dmo_pay: PaymentsApi,
    staff_pay: PaymentsApi,
    stripe_emulator: StripeEmulator,
    webhooks: StripeWebhooks,
    tag: str,
    charged: dict[str, Any],
) -> None:
    number, payment = awaiting_3d_secure(dmo, dmo_pay, stripe_emulator, order_form(tag))
    intent_id = payment["stripe"]["payment_intent_id"]

    answer = webhooks.send(intent_event(stripe_emulator, intent_id, "payment_intent.succeeded", status="succeeded", **charged))

    assert answer.status_code == 200, answer.text
    held = dmo_pay.payment(payment["payment_id"])
    assert (held["status"], held["invoice_number"]) == ("NEEDS_REVIEW", None)
    assert dmo.order(number)["payment_status"] == "PROCESSING"  # locked: neither launched nor payable
    listed = staff_pay.get("/admin/payments", params={"status": "NEEDS_REVIEW"})
    assert listed.status_code == 200, listed.text
    assert {"brand": "DMO", "payment": held} in listed.json()["payments"]
    assert_problem(dmo_pay.get("/admin/payments"), 403)
