"""Paying over HTTP with the Stripe emulator: cost summary, server-side confirmation, declines, 3-D Secure, races."""

from __future__ import annotations

import re
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import pytest
import requests

from tests.e2e.conftest import (
    Api,
    Mailbox,
    PaymentsApi,
    RunningStack,
    StripeEmulator,
    assert_problem,
    launched,
    order_form,
    pay_by_card,
)

pytestmark = pytest.mark.e2e

DECLINED_CARD = "pm_card_chargeCustomerFail"


def timeline_types(api: Api, number: str) -> list[str]:
    response = api.get(f"/orders/{number}/events")
    assert response.status_code == 200, response.text
    return [event["type"] for event in response.json()["events"]]


def payment_emails(mailbox: Mailbox, form: dict[str, Any]) -> list[dict[str, Any]]:
    return mailbox.about(form["billing"]["email"], "Payment received")


def at_once(calls: list[Any]) -> list[requests.Response]:
    """Run the calls in parallel, released together, so they really race."""
    start = threading.Barrier(len(calls))

    def run(call: Any) -> requests.Response:
        start.wait()
        response: requests.Response = call()
        return response

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def test_a_payment_needs_an_idempotency_key_and_the_same_key_returns_the_same_payment(
    dmo: Api, dmo_pay: PaymentsApi, stack: RunningStack, tag: str
) -> None:
    order = dmo.place(order_form(tag))
    number = order["order_number"]

    assert_problem(dmo_pay.post("/payments", json={"order_numbers": [number]}), 428)

    key = f"e2e-{uuid.uuid4()}"
    first = dmo_pay.start(number, key=key)
    again = dmo_pay.start(number, key=key)

    assert first.status_code == 201, first.text
    assert again.status_code == 201, again.text
    payment = first.json()
    assert again.json()["payment_id"] == payment["payment_id"]
    assert again.json()["amount"] == payment["amount"]
    costs = order["costs"]
    assert payment["summary"] == {
        name: costs[name]
        for name in ("manufacturing", "shipping", "customization", "net", "vat_rate_percent", "vat", "vat_note", "total", "vat_treatment")
    }
    assert payment["amount"] == costs["total"]
    assert payment["currency"] == "EUR"
    assert payment["status"] == "REQUIRES_PAYMENT_METHOD"
    assert payment["order_numbers"] == [number]
    assert payment["shipping_group_id"] is None
    assert payment["invoice_number"] is None
    assert payment["stripe"]["publishable_key"] == stack.stripe["publishable_key"]
    assert payment["stripe"]["js_url"]
    assert payment["stripe"]["client_secret"] is None
    assert stack.stripe["secret_key"] not in first.text
    assert dmo_pay.payment(payment["payment_id"])["amount"] == costs["total"]
    other = dmo.place(order_form(tag))["order_number"]
    assert_problem(dmo_pay.start(other, key=key), 422)  # one key, one request


def test_the_amount_is_the_servers_and_a_payment_is_for_orders_or_one_group(dmo: Api, dmo_pay: PaymentsApi, tag: str) -> None:
    number = dmo.place(order_form(tag))["order_number"]

    priced = assert_problem(dmo_pay.start(body={"order_numbers": [number], "amount": 1}), 422)
    assert ["body", "amount"] in [error["loc"] for error in priced["errors"]], priced
    assert_problem(dmo_pay.start(body={"order_numbers": [number], "shipping_group_id": "G0001-DMO"}), 422)
    assert_problem(dmo_pay.start(body={}), 422)
    assert_problem(dmo_pay.start(body={"order_numbers": [number] * 21}), 422)

    assert dmo.order(number)["payment_status"] == "UNPAID"
    assert dmo_pay.create(number)["amount"] == dmo.order(number)["costs"]["total"]


def test_a_good_card_launches_the_order_when_stripes_webhook_confirms_it(
    dmo: Api, dmo_pay: PaymentsApi, stripe_emulator: StripeEmulator, mailbox: Mailbox, tag: str
) -> None:
    form = order_form(tag)
    number = dmo.place(form)["order_number"]
    payment = dmo_pay.create(number)

    confirmed = dmo_pay.confirm(payment["payment_id"])

    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["status"] == "SUCCEEDED"
    intent_id = confirmed.json()["stripe"]["payment_intent_id"]
    assert intent_id
    settled = dmo_pay.settled(payment["payment_id"])
    year = datetime.now(UTC).year
    assert re.fullmatch(rf"INV-({year}|{year - 1})-\d{{6}}", settled["invoice_number"]), settled
    assert settled["stripe"]["payment_intent_id"] == intent_id
    (order,) = launched(dmo, [number])
    assert order["payment_status"] == "PAID"
    assert order["production_stage"] == "CUTTING"
    assert order["wip_started_at"] is not None
    assert order["days_in_production"] == 0
    assert order["invoice_number"] == settled["invoice_number"]
    assert timeline_types(dmo, number) == ["CREATED", "PAYMENT_STARTED", "LAUNCHED_TO_PRODUCTION"]
    intent = stripe_emulator.intent(intent_id)
    assert (intent["amount"], intent["currency"], intent["status"]) == (payment["amount"], "eur", "succeeded")
    emails = payment_emails(mailbox, form)
    assert len(emails) == 1, emails
    assert number in emails[0]["subject"]
    assert settled["invoice_number"] in emails[0]["body"]

    again = dmo_pay.confirm(payment["payment_id"])  # a second click after the fact charges nothing

    assert again.status_code == 200, again.text
    assert again.json()["status"] == "SUCCEEDED"
    assert len(stripe_emulator.intents_for(payment["payment_id"])) == 1
    assert len(payment_emails(mailbox, form)) == 1


def test_a_declined_card_fails_with_stripes_message_and_a_later_good_card_pays_the_same_payment(
    dmo: Api, dmo_pay: PaymentsApi, mailbox: Mailbox, tag: str
) -> None:
    form = order_form(tag)
    number = dmo.place(form)["order_number"]
    payment = dmo_pay.create(number)

    declined = dmo_pay.confirm(payment["payment_id"], DECLINED_CARD)

    assert declined.status_code == 200, declined.text
    assert declined.json()["status"] == "FAILED"
    assert declined.json()["failure_message"] == "Your card was declined."
    assert dmo_pay.payment(payment["payment_id"])["status"] == "FAILED"
    order = dmo.order(number)
    assert (order["status"], order["payment_status"]) == ("PENDING_PAYMENT", "UNPAID")
    edited = dmo.patch(
        f"/orders/{number}", json={"billing": {**form["billing"], "name": "Demo Atelier KG"}}, headers={"If-Match": str(order["version"])}
    )
    assert edited.status_code == 200, edited.text  # editable again

    retried = dmo_pay.confirm(payment["payment_id"])

    assert retried.status_code == 200, retried.text
    assert retried.json()["status"] == "SUCCEEDED"
    settled = dmo_pay.settled(payment["payment_id"])
    assert settled["attempt"] == 2
    (order,) = launched(dmo, [number])
    assert order["payment_status"] == "PAID"
    assert "PAYMENT_RELEASED" in timeline_types(dmo, number)
    assert len(payment_emails(mailbox, form)) == 1


def test_3d_secure_asks_for_action_and_the_order_launches_once_the_cardholder_completes_it(
    dmo: Api, dmo_pay: PaymentsApi, stripe_emulator: StripeEmulator, tag: str
) -> None:
    number = dmo.place(order_form(tag))["order_number"]
    payment = dmo_pay.create(number)

    confirmed = dmo_pay.confirm(payment["payment_id"], stripe_emulator.three_d_secure_card())

    assert confirmed.status_code == 200, confirmed.text
    answer = confirmed.json()
    assert answer["status"] == "REQUIRES_ACTION"
    client_secret, intent_id = answer["stripe"]["client_secret"], answer["stripe"]["payment_intent_id"]
    assert client_secret and intent_id and client_secret.startswith(intent_id)
    assert dmo_pay.payment(payment["payment_id"])["stripe"]["client_secret"] == client_secret
    order = dmo.order(number)
    assert (order["status"], order["payment_status"]) == ("PENDING_PAYMENT", "PROCESSING")
    assert_problem(
        dmo.patch(f"/orders/{number}", json={"sizes": [{"size": "EU43", "pairs": 1}]}, headers={"If-Match": str(order["version"])}), 409
    )
    assert_problem(dmo.post(f"/orders/{number}/cancel"), 409)
    assert_problem(dmo_pay.start(number), 409)

    stripe_emulator.authenticate(intent_id, client_secret)

    settled = dmo_pay.settled(payment["payment_id"])
    assert settled["stripe"]["client_secret"] is None
    (order,) = launched(dmo, [number])
    assert order["payment_status"] == "PAID"


def test_two_confirms_of_one_payment_at_once_make_one_intent_and_one_charge(
    dmo: Api, stack: RunningStack, stripe_emulator: StripeEmulator, mailbox: Mailbox, tag: str
) -> None:
    form = order_form(tag)
    number = dmo.place(form)["order_number"]
    clicks = [PaymentsApi(stack.payments_api, stack.id_tokens["DMO"]) for _ in range(2)]
    payment_id = clicks[0].create(number)["payment_id"]

    answers = at_once([lambda api=api: api.confirm(payment_id) for api in clicks])

    assert [a.status_code for a in answers] == [200, 200], [a.text for a in answers]
    assert {a.json()["status"] for a in answers} <= {"SUCCEEDED", "PROCESSING"}
    clicks[0].settled(payment_id)
    launched(dmo, [number])
    intents = stripe_emulator.intents_for(payment_id)
    assert len(intents) == 1, intents
    assert len(stripe_emulator.charges_for([i["id"] for i in intents])) == 1
    assert len(payment_emails(mailbox, form)) == 1


def test_two_payments_racing_for_one_order_charge_it_once(dmo: Api, stack: RunningStack, stripe_emulator: StripeEmulator, tag: str) -> None:
    number = dmo.place(order_form(tag))["order_number"]
    tabs = [PaymentsApi(stack.payments_api, stack.id_tokens["DMO"]) for _ in range(2)]
    payment_ids = [tab.create(number)["payment_id"] for tab in tabs]

    answers = at_once([lambda tab=tab, pid=pid: tab.confirm(pid) for tab, pid in zip(tabs, payment_ids, strict=True)])

    assert sorted(a.status_code for a in answers) == [200, 409], [a.text for a in answers]
    winner = next(pid for pid, a in zip(payment_ids, answers, strict=True) if a.status_code == 200)
    loser = next(pid for pid in payment_ids if pid != winner)
    assert_problem(next(a for a in answers if a.status_code == 409), 409)
    tabs[0].settled(winner)
    (order,) = launched(dmo, [number])
    assert order["payment_id"] == winner
    assert tabs[0].payment(loser)["status"] == "CANCELED"
    intents = stripe_emulator.intents_for(*payment_ids)
    assert [i["metadata"]["payment_id"] for i in intents] == [winner]
    assert len(stripe_emulator.charges_for([i["id"] for i in intents])) == 1
    assert_problem(tabs[1].confirm(loser), 409)  # a canceled payment takes no card


def test_an_order_already_paid_or_cancelled_cannot_be_paid(dmo: Api, dmo_pay: PaymentsApi, tag: str) -> None:
    paid = dmo.place(order_form(tag))["order_number"]
    pay_by_card(dmo_pay, dmo, paid)
    cancelled = dmo.place(order_form(tag))["order_number"]
    assert dmo.post(f"/orders/{cancelled}/cancel").status_code == 200

    for number in (paid, cancelled):
        problem = assert_problem(dmo_pay.start(number), 409)
        assert number in problem["detail"]


def test_another_brands_payment_is_not_found_and_staff_do_not_pay(
    dmo: Api, dmo_pay: PaymentsApi, brk_pay: PaymentsApi, staff_pay: PaymentsApi, stripe_emulator: StripeEmulator, tag: str
) -> None:
    number = dmo.place(order_form(tag))["order_number"]
    payment_id = dmo_pay.create(number)["payment_id"]

    assert_problem(brk_pay.get(f"/payments/{payment_id}"), 404)
    assert_problem(brk_pay.confirm(payment_id), 404)
    assert_problem(brk_pay.get(f"/payments/{payment_id}/invoice"), 404)
    assert_problem(brk_pay.start(number), 404)
    assert_problem(staff_pay.confirm(payment_id), 403)

    assert stripe_emulator.intents_for(payment_id) == []
    assert dmo_pay.payment(payment_id)["status"] == "REQUIRES_PAYMENT_METHOD"
    assert dmo.order(number)["payment_status"] == "UNPAID"


def test_a_payment_left_in_3d_secure_is_named_on_its_order_and_canceling_it_frees_the_order_at_once(
    dmo: Api, dmo_pay: PaymentsApi, brk_pay: PaymentsApi, stripe_emulator: StripeEmulator, tag: str
) -> None:
    number = dmo.place(order_form(tag))["order_number"]
    payment_id = dmo_pay.create(number)["payment_id"]
    answer = dmo_pay.confirm(payment_id, stripe_emulator.three_d_secure_card()).json()
    assert answer["status"] == "REQUIRES_ACTION"
    assert dmo.order(number)["open_payment_id"] == payment_id

    assert_problem(brk_pay.post(f"/payments/{payment_id}/cancel"), 404)  # another brand's payment is not there
    assert dmo.order(number)["open_payment_id"] == payment_id

    canceled = dmo_pay.post(f"/payments/{payment_id}/cancel")
    assert canceled.status_code == 200, canceled.text
    assert canceled.json()["status"] == "CANCELED"
    assert stripe_emulator.intent(answer["stripe"]["payment_intent_id"])["status"] == "canceled"
    order = dmo.order(number)
    assert (order["payment_status"], order["open_payment_id"]) == ("UNPAID", None)
    assert dmo_pay.post(f"/payments/{payment_id}/cancel").json()["status"] == "CANCELED"  # again: the same answer

    paid = pay_by_card(dmo_pay, dmo, number)  # payable again at once
    assert paid["status"] == "SUCCEEDED"


def test_a_payment_stripe_already_charged_cannot_be_canceled(dmo: Api, dmo_pay: PaymentsApi, tag: str) -> None:
    number = dmo.place(order_form(tag))["order_number"]
    paid = pay_by_card(dmo_pay, dmo, number)
    assert_problem(dmo_pay.post(f"/payments/{paid['payment_id']}/cancel"), 409)
    assert dmo.order(number)["status"] == "WORK_IN_PROCESS"
