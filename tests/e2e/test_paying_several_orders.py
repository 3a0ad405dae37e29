"""Several unpaid orders paid as one payment over HTTP, with the Stripe emulator: one intent and one invoice for
them all, every order locked in one transaction, refusals that name the order, retries and races."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.e2e.conftest import Api, PaymentsApi, RunningStack, StripeEmulator, assert_problem, launched, order_form
from tests.e2e.test_payments import at_once
from tests.e2e.test_vat import NEW_YORK

pytestmark = pytest.mark.e2e


def placed(dmo: Api, tag: str, count: int, **changes: Any) -> list[dict[str, Any]]:
    return [dmo.place(order_form(tag, **changes)) for _ in range(count)]


def pay_several(pay: PaymentsApi, numbers: list[str], key: str | None = None) -> Any:
    return pay.start(body={"order_numbers": numbers}, key=key)


def states(dmo: Api, numbers: list[str]) -> list[tuple[str, str]]:
    return [(o["status"], o["payment_status"]) for o in (dmo.order(n) for n in numbers)]


def test_three_orders_paid_as_one_payment_launch_together_with_one_invoice_and_their_own_shipping_added_up(
    dmo: Api, dmo_pay: PaymentsApi, stripe_emulator: StripeEmulator, tag: str
) -> None:
    orders = placed(dmo, tag, 3)
    numbers = [o["order_number"] for o in orders]
    key = f"e2e-{uuid.uuid4()}"

    started = pay_several(dmo_pay, numbers, key)
    again = pay_several(dmo_pay, numbers, key)

    assert started.status_code == 201, started.text
    payment = started.json()
    assert again.status_code == 201 and again.json()["payment_id"] == payment["payment_id"]
    assert payment["order_numbers"] == numbers
    for part in ("manufacturing", "shipping", "customization", "net"):
        assert payment["summary"][part] == sum(o["costs"][part] for o in orders), part
    assert payment["amount"] == payment["summary"]["total"]
    assert_problem(pay_several(dmo_pay, numbers[:2], key), 422)  # the same key for other orders

    confirmed = dmo_pay.confirm(payment["payment_id"])

    assert confirmed.status_code == 200, confirmed.text
    assert dmo_pay.confirm(payment["payment_id"]).status_code == 200  # a second click charges nothing
    settled = dmo_pay.settled(payment["payment_id"])
    launched_orders = launched(dmo, numbers)
    assert {o["invoice_number"] for o in launched_orders} == {settled["invoice_number"]}
    assert {o["payment_id"] for o in launched_orders} == {payment["payment_id"]}
    intents = stripe_emulator.intents_for(payment["payment_id"])
    assert [(i["amount"], i["status"]) for i in intents] == [(payment["amount"], "succeeded")]
    assert len(stripe_emulator.charges_for([i["id"] for i in intents])) == 1


def test_a_list_of_orders_is_refused_whole_when_one_of_them_cannot_be_paid_naming_it(
    dmo: Api, brk: Api, dmo_pay: PaymentsApi, stripe_emulator: StripeEmulator, tag: str
) -> None:
    first, second = (o["order_number"] for o in placed(dmo, tag, 2))
    theirs = brk.place(order_form(tag))["order_number"]
    abroad = dmo.place(order_form(tag, shipping_address=NEW_YORK))["order_number"]
    group_orders = [o["order_number"] for o in placed(dmo, tag, 2)]
    grouped = dmo.post("/shipping-groups", json={"order_numbers": group_orders})
    assert grouped.status_code == 201, grouped.text

    assert theirs in assert_problem(pay_several(dmo_pay, [first, theirs]), 404)["detail"]
    mixed = assert_problem(pay_several(dmo_pay, [first, abroad]), 409)
    assert abroad in mixed["detail"] and "IVA" in mixed["detail"]
    assert group_orders[0] in assert_problem(pay_several(dmo_pay, [first, group_orders[0]]), 409)["detail"]
    repeated = assert_problem(pay_several(dmo_pay, [first, second, first]), 422)
    assert first in repeated["errors"][0]["msg"]
    too_many = assert_problem(pay_several(dmo_pay, [f"{n:05d}-DMO" for n in range(1, 22)]), 422)
    assert too_many["errors"][0]["loc"] == ["body", "order_numbers"]

    # One order held by a payment in 3-D Secure: a payment naming it is refused, and says which.
    held = dmo_pay.create(second)
    assert dmo_pay.confirm(held["payment_id"], stripe_emulator.three_d_secure_card()).json()["status"] == "REQUIRES_ACTION"
    locked = assert_problem(pay_several(dmo_pay, [first, second]), 409)
    assert second in locked["detail"] and first not in locked["detail"]
    assert states(dmo, [first]) == [("PENDING_PAYMENT", "UNPAID")]
    assert states(brk, [theirs]) == [("PENDING_PAYMENT", "UNPAID")]


def test_an_order_locked_after_the_payment_was_made_stops_the_confirmation_and_no_order_stays_locked(
    dmo: Api, dmo_pay: PaymentsApi, stripe_emulator: StripeEmulator, tag: str
) -> None:
    numbers = [o["order_number"] for o in placed(dmo, tag, 3)]
    together = pay_several(dmo_pay, numbers).json()
    alone = dmo_pay.create(numbers[2])
    assert dmo_pay.confirm(alone["payment_id"], stripe_emulator.three_d_secure_card()).json()["status"] == "REQUIRES_ACTION"

    refused = assert_problem(dmo_pay.confirm(together["payment_id"]), 409)

    assert numbers[2] in refused["detail"]
    assert states(dmo, numbers[:2]) == [("PENDING_PAYMENT", "UNPAID")] * 2
    assert dmo_pay.payment(together["payment_id"])["status"] == "CANCELED"
    assert stripe_emulator.intents_for(together["payment_id"]) == []


def test_a_declined_card_releases_every_order_of_the_payment(dmo: Api, dmo_pay: PaymentsApi, tag: str) -> None:
    numbers = [o["order_number"] for o in placed(dmo, tag, 2)]
    payment = pay_several(dmo_pay, numbers).json()

    declined = dmo_pay.confirm(payment["payment_id"], "pm_card_chargeCustomerFail")

    assert declined.json()["status"] == "FAILED", declined.text
    assert states(dmo, numbers) == [("PENDING_PAYMENT", "UNPAID")] * 2
    assert dmo_pay.confirm(payment["payment_id"]).json()["status"] == "SUCCEEDED"
    dmo_pay.settled(payment["payment_id"])
    launched(dmo, numbers)


def test_two_payments_racing_for_a_shared_order_exactly_one_wins_and_the_loser_locks_nothing(
    dmo: Api, stack: RunningStack, stripe_emulator: StripeEmulator, tag: str
) -> None:
    first, shared, last = (o["order_number"] for o in placed(dmo, tag, 3))
    tabs = [PaymentsApi(stack.payments_api, stack.id_tokens["DMO"]) for _ in range(2)]
    lists = [[first, shared], [shared, last]]
    payment_ids = [pay_several(tab, numbers).json()["payment_id"] for tab, numbers in zip(tabs, lists, strict=True)]

    answers = at_once([lambda tab=tab, pid=pid: tab.confirm(pid) for tab, pid in zip(tabs, payment_ids, strict=True)])

    assert sorted(a.status_code for a in answers) == [200, 409], [a.text for a in answers]
    won = next(i for i, a in enumerate(answers) if a.status_code == 200)
    tabs[0].settled(payment_ids[won])
    launched(dmo, lists[won])
    left_out = last if won == 0 else first
    assert states(dmo, [left_out]) == [("PENDING_PAYMENT", "UNPAID")]
    assert tabs[0].payment(payment_ids[1 - won])["status"] == "CANCELED"
    intents = stripe_emulator.intents_for(*payment_ids)
    assert [i["metadata"]["payment_id"] for i in intents] == [payment_ids[won]]
