"""Group shipping over HTTP: the rules, changing and dissolving an unpaid group, paying it through the emulator."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.e2e.conftest import (
    Api,
    Mailbox,
    PaymentsApi,
    StripeEmulator,
    assert_problem,
    launched,
    order_form,
    pay_by_card,
)
from tests.examples import BILLING, SHIPPING_ADDRESS, mini_bulk

pytestmark = pytest.mark.e2e


def mto_orders(dmo: Api, tag: str, count: int) -> list[str]:
    return [dmo.place(order_form(tag))["order_number"] for _ in range(count)]


def create_group(dmo: Api, numbers: list[str]) -> dict[str, Any]:
    response = dmo.post("/shipping-groups", json={"order_numbers": numbers})
    assert response.status_code == 201, response.text
    group: dict[str, Any] = response.json()
    return group


def group_of(dmo: Api, tag: str, count: int) -> dict[str, Any]:
    return create_group(dmo, mto_orders(dmo, tag, count))


def shipping_alone(catalog: dict[str, Any], pairs: int, country: str = "DE") -> int:
    zone = next(z for z in catalog["shipping_zones"] if country in z["countries"])
    return int(zone["base"] + zone["per_pair"] * pairs)


def messages(problem: dict[str, Any]) -> str:
    return " ".join([problem["detail"], *(error["msg"] for error in problem["errors"])])


def test_three_mto_orders_to_one_address_ship_as_one_group_with_savings(
    dmo: Api, dmo_pay: PaymentsApi, catalog: dict[str, Any], tag: str
) -> None:
    numbers = mto_orders(dmo, tag, 3)
    orders = [dmo.order(number) for number in numbers]

    group = create_group(dmo, numbers)

    assert re.fullmatch(r"G\d{4}-DMO", group["shipping_group_id"]), group
    assert group["order_numbers"] == numbers
    assert group["status"] == "OPEN"
    costs = group["costs"]
    assert costs["manufacturing"] == sum(o["costs"]["manufacturing"] for o in orders)
    assert costs["shipping"] == shipping_alone(catalog, 3)
    assert costs["customization"] == 0
    assert costs["total"] == costs["manufacturing"] + costs["shipping"]
    assert costs["currency"] == "EUR"
    assert group["shipping_savings"] == sum(o["costs"]["shipping"] for o in orders) - costs["shipping"]
    assert group["shipping_savings"] > 0
    group_id = group["shipping_group_id"]
    for number in numbers:
        order = dmo.order(number)
        assert order["shipping_group_id"] == group_id
        assert_problem(
            dmo.patch(f"/orders/{number}", json={"sizes": [{"size": "EU43", "pairs": 1}]}, headers={"If-Match": str(order["version"])}), 409
        )
    alone = assert_problem(dmo_pay.start(numbers[0]), 409)  # paid only through the group
    assert group_id in alone["detail"]
    shown = dmo.get(f"/shipping-groups/{group_id}")
    assert shown.status_code == 200, shown.text
    assert shown.json() == group
    listed = dmo.get("/shipping-groups")
    assert listed.status_code == 200, listed.text
    assert group in listed.json()["shipping_groups"]


def test_each_grouping_rule_is_refused_naming_the_order(dmo: Api, tag: str) -> None:
    pool = mto_orders(dmo, tag, 21)
    mto = pool[20]
    bulk = dmo.place(order_form(tag, type="MINI_BULK", sizes=mini_bulk()["sizes"]))
    elsewhere = dmo.place(order_form(tag, shipping_address={**SHIPPING_ADDRESS, "line1": "Kastanienallee 5"}))
    cancelled = dmo.place(order_form(tag))["order_number"]
    assert dmo.post(f"/orders/{cancelled}/cancel").status_code == 200

    one = assert_problem(dmo.post("/shipping-groups", json={"order_numbers": [mto]}), 422)
    too_many = assert_problem(dmo.post("/shipping-groups", json={"order_numbers": pool}), 422)
    largest = create_group(dmo, pool[:20])
    grouped = assert_problem(dmo.post("/shipping-groups", json={"order_numbers": [mto, pool[3]]}), 409)
    not_mto = assert_problem(dmo.post("/shipping-groups", json={"order_numbers": [mto, bulk["order_number"]]}), 422)
    moved = assert_problem(dmo.post("/shipping-groups", json={"order_numbers": [mto, elsewhere["order_number"]]}), 422)
    gone = assert_problem(dmo.post("/shipping-groups", json={"order_numbers": [cancelled, mto]}), 409)

    assert ["body", "order_numbers"] in [e["loc"] for e in one["errors"]], one
    assert ["body", "order_numbers"] in [e["loc"] for e in too_many["errors"]], too_many
    assert len(largest["order_numbers"]) == 20
    assert pool[3] in messages(grouped) and largest["shipping_group_id"] in messages(grouped)
    assert bulk["order_number"] in messages(not_mto)
    assert elsewhere["order_number"] in messages(moved)
    assert cancelled in messages(gone)
    assert dmo.order(mto)["shipping_group_id"] is None  # nothing refused left a trace
    assert dmo.order(pool[3])["shipping_group_id"] == largest["shipping_group_id"]
    groups = dmo.get("/shipping-groups").json()["shipping_groups"]
    assert [g for g in groups if mto in g["order_numbers"]] == []


def test_an_unpaid_group_gains_and_loses_orders_and_can_be_dissolved(dmo: Api, catalog: dict[str, Any], tag: str) -> None:
    group = group_of(dmo, tag, 2)
    group_id = group["shipping_group_id"]
    third = dmo.place(order_form(tag))["order_number"]

    grown = dmo.post(f"/shipping-groups/{group_id}/orders", json={"order_number": third})

    assert grown.status_code == 200, grown.text
    assert grown.json()["order_numbers"] == [*group["order_numbers"], third]
    assert grown.json()["costs"]["shipping"] == shipping_alone(catalog, 3)
    assert grown.json()["shipping_savings"] > group["shipping_savings"]
    assert dmo.order(third)["shipping_group_id"] == group_id

    first = group["order_numbers"][0]
    shrunk = dmo.delete(f"/shipping-groups/{group_id}/orders/{first}")

    assert shrunk.status_code == 200, shrunk.text
    assert shrunk.json()["order_numbers"] == [group["order_numbers"][1], third]
    assert dmo.order(first)["shipping_group_id"] is None
    assert_problem(dmo.delete(f"/shipping-groups/{group_id}/orders/{third}"), 409)  # a group keeps two

    dissolved = dmo.delete(f"/shipping-groups/{group_id}")

    assert dissolved.status_code == 200, dissolved.text
    assert dissolved.json()["status"] == "DISSOLVED"
    assert_problem(dmo.get(f"/shipping-groups/{group_id}"), 404)
    assert group_id not in [g["shipping_group_id"] for g in dmo.get("/shipping-groups").json()["shipping_groups"]]
    for number in (group["order_numbers"][1], third):
        assert dmo.order(number)["shipping_group_id"] is None


def test_another_brands_group_is_not_found_on_every_route(dmo: Api, brk: Api, brk_pay: PaymentsApi, tag: str) -> None:
    group = group_of(dmo, tag, 2)
    group_id = group["shipping_group_id"]
    member = group["order_numbers"][0]
    brk_order = brk.place(order_form(tag))["order_number"]

    assert_problem(brk.get(f"/shipping-groups/{group_id}"), 404)
    assert_problem(brk.post(f"/shipping-groups/{group_id}/orders", json={"order_number": brk_order}), 404)
    assert_problem(brk.delete(f"/shipping-groups/{group_id}/orders/{member}"), 404)
    assert_problem(brk.delete(f"/shipping-groups/{group_id}"), 404)
    assert_problem(brk_pay.start(group=group_id), 404)

    assert dmo.get(f"/shipping-groups/{group_id}").json() == group
    assert group_id not in [g["shipping_group_id"] for g in brk.get("/shipping-groups").json()["shipping_groups"]]
    assert brk.order(brk_order)["shipping_group_id"] is None


def test_a_group_is_paid_once_for_its_total_and_is_fixed_afterwards(
    dmo: Api, dmo_pay: PaymentsApi, stripe_emulator: StripeEmulator, mailbox: Mailbox, tag: str
) -> None:
    group = group_of(dmo, tag, 3)
    group_id = group["shipping_group_id"]
    payment = dmo_pay.create(group=group_id)
    costs = group["costs"]
    assert payment["amount"] == costs["total"]
    assert payment["summary"] == {
        name: costs[name]
        for name in ("manufacturing", "shipping", "customization", "net", "vat_rate_percent", "vat", "vat_note", "total", "vat_treatment")
    }
    assert payment["order_numbers"] == group["order_numbers"]
    assert payment["shipping_group_id"] == group_id

    confirmed = dmo_pay.confirm(payment["payment_id"])

    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["status"] == "SUCCEEDED"
    settled = dmo_pay.settled(payment["payment_id"])
    orders = launched(dmo, group["order_numbers"])
    assert {(o["payment_status"], o["invoice_number"]) for o in orders} == {("PAID", settled["invoice_number"])}
    assert dmo.get(f"/shipping-groups/{group_id}").json()["status"] == "PAID"
    (intent,) = stripe_emulator.intents_for(payment["payment_id"])
    assert intent["amount"] == costs["total"]
    emails = mailbox.about(order_form(tag)["billing"]["email"], "Payment received")
    assert len(emails) == 1, emails
    assert all(number in emails[0]["subject"] for number in group["order_numbers"])

    newcomer = dmo.place(order_form(tag))["order_number"]
    assert_problem(dmo.post(f"/shipping-groups/{group_id}/orders", json={"order_number": newcomer}), 409)
    assert_problem(dmo.delete(f"/shipping-groups/{group_id}/orders/{group['order_numbers'][0]}"), 409)
    assert_problem(dmo.delete(f"/shipping-groups/{group_id}"), 409)
    assert_problem(dmo_pay.start(group=group_id), 409)
    assert dmo.get(f"/shipping-groups/{group_id}").json()["order_numbers"] == group["order_numbers"]
    assert dmo.order(newcomer)["shipping_group_id"] is None


def test_a_group_cannot_change_while_its_payment_waits_for_3d_secure(
    dmo: Api, dmo_pay: PaymentsApi, stripe_emulator: StripeEmulator, tag: str
) -> None:
    group = group_of(dmo, tag, 2)
    group_id = group["shipping_group_id"]
    payment = dmo_pay.create(group=group_id)
    confirmed = dmo_pay.confirm(payment["payment_id"], stripe_emulator.three_d_secure_card())
    assert confirmed.json()["status"] == "REQUIRES_ACTION", confirmed.text
    newcomer = dmo.place(order_form(tag))["order_number"]

    assert_problem(dmo.post(f"/shipping-groups/{group_id}/orders", json={"order_number": newcomer}), 409)
    assert_problem(dmo.delete(f"/shipping-groups/{group_id}/orders/{group['order_numbers'][0]}"), 409)
    assert_problem(dmo.delete(f"/shipping-groups/{group_id}"), 409)

    assert dmo.order(newcomer)["shipping_group_id"] is None
    assert dmo.get(f"/shipping-groups/{group_id}").json()["order_numbers"] == group["order_numbers"]
    stripe_emulator.authenticate(confirmed.json()["stripe"]["payment_intent_id"], confirmed.json()["stripe"]["client_secret"])
    dmo_pay.settled(payment["payment_id"])
    launched(dmo, group["order_numbers"])
    assert dmo.get(f"/shipping-groups/{group_id}").json()["status"] == "PAID"


def test_after_a_declined_card_the_same_group_payment_takes_a_good_card(dmo: Api, dmo_pay: PaymentsApi, tag: str) -> None:
    group = group_of(dmo, tag, 2)
    group_id = group["shipping_group_id"]
    payment = dmo_pay.create(group=group_id)
    declined = dmo_pay.confirm(payment["payment_id"], "pm_card_chargeCustomerFail")
    assert declined.json()["status"] == "FAILED", declined.text
    assert dmo.get(f"/shipping-groups/{group_id}").json()["order_numbers"] == group["order_numbers"]

    retried = dmo_pay.confirm(payment["payment_id"])  # as for a single order: the same payment, another card

    assert retried.status_code == 200, retried.text
    assert retried.json()["status"] == "SUCCEEDED"
    dmo_pay.settled(payment["payment_id"])
    launched(dmo, group["order_numbers"])


def test_a_paid_order_cannot_join_a_group(dmo: Api, dmo_pay: PaymentsApi, tag: str) -> None:
    paid_alone = dmo.place(order_form(tag))["order_number"]
    pay_by_card(dmo_pay, dmo, paid_alone)

    refused = assert_problem(dmo.post("/shipping-groups", json={"order_numbers": [paid_alone, *mto_orders(dmo, tag, 1)]}), 409)

    assert paid_alone in messages(refused)


ELCHE = {**SHIPPING_ADDRESS, "line1": "Carrer de Sant Jordi 4", "city": "Elche", "postal_code": "03203", "country": "ES"}
SPANISH_BUYER = {**BILLING, "name": "Taller Demo S.L.", "vat_id": "ESB03999992", "address": {**BILLING["address"], "country": "ES"}}
UPPERS = ("calf-black", "shell-cordovan", "suede-sand")


def test_each_orders_share_of_its_group_adds_up_to_what_the_payment_charges(
    dmo: Api, dmo_pay: PaymentsApi, stripe_emulator: StripeEmulator, tag: str
) -> None:
    # Three shoes of three prices to Spain: IVA on the group does not split evenly.
    forms = [order_form(tag, shipping_address=ELCHE, billing=SPANISH_BUYER) for _ in UPPERS]
    for form, upper in zip(forms, UPPERS, strict=True):
        form["design"]["materials"] = {**form["design"]["materials"], "upper": upper}
    numbers = [dmo.place(form)["order_number"] for form in forms]
    group = create_group(dmo, numbers)
    shares = [dmo.order(number)["group_share"] for number in numbers]
    pool = {o["order_number"]: o for o in dmo.get("/orders?status=PENDING_PAYMENT&type=MTO&limit=100").json()["orders"]}

    assert [pool[number]["group_share"] for number in numbers] == shares == group["shares"]
    assert [share["order_number"] for share in shares] == numbers
    assert sum(share["shipping"] for share in shares) == group["costs"]["shipping"]
    assert sum(share["vat"] for share in shares) == group["costs"]["vat"] > 0
    assert group["shipping_address"]["country"] == "ES"
    payment = pay_by_card(dmo_pay, dmo, group=group["shipping_group_id"])
    (intent,) = stripe_emulator.intents_for(payment["payment_id"])
    assert sum(share["total"] for share in shares) == payment["amount"] == intent["amount"]
    assert [dmo.order(number)["group_share"] for number in numbers] == shares  # paid: the same shares, as charged


def test_an_order_to_another_country_cannot_join_and_the_refusal_names_it(dmo: Api, tag: str) -> None:
    group = group_of(dmo, tag, 2)
    paris = {**SHIPPING_ADDRESS, "line1": "12 rue Oberkampf", "city": "Paris", "postal_code": "75011", "country": "FR"}
    french = dmo.place(order_form(tag, shipping_address=paris))["order_number"]

    refused = assert_problem(dmo.post(f"/shipping-groups/{group['shipping_group_id']}/orders", json={"order_number": french}), 422)

    assert f"{french} ships to FR, the group to DE" in messages(refused)
    assert dmo.order(french)["shipping_group_id"] is None and dmo.order(french)["group_share"] is None
