"""Group suggestions and expected ship dates over HTTP against the real local stack."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import Api, Mailbox, PaymentsApi, assert_problem, order_form, pay_by_card
from tests.examples import SHIPPING_ADDRESS

pytestmark = pytest.mark.e2e


def suggestions_to(api: Api, line1: str) -> list[dict[str, Any]]:
    response = api.get("/shipping-groups/suggestions")
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["suggestions"]
    return [s for s in found if s["shipping_address"]["line1"] == line1]


def test_open_orders_to_one_address_are_suggested_for_their_brand_only_and_one_becomes_a_group(
    dmo: Api, brk: Api, catalog: dict[str, Any], tag: str
) -> None:
    # An address only this test uses, in both brands' orders.
    address = {**SHIPPING_ADDRESS, "line1": f"Werkhof {tag}"}
    mine = [dmo.place(order_form(tag, shipping_address=address))["order_number"] for _ in range(3)]
    dmo.place(order_form(tag, shipping_address=address, type="MINI_BULK", sizes=[{"size": "EU40", "pairs": 10}]))
    theirs = [brk.place(order_form(tag, shipping_address=address))["order_number"] for _ in range(2)]

    (suggestion,) = suggestions_to(dmo, address["line1"])
    assert suggestion["order_numbers"] == mine[::-1]
    base = next(z for z in catalog["shipping_zones"] if "DE" in z["countries"])["base"]
    assert suggestion["shipping_savings"] == 2 * base
    every = dmo.get("/shipping-groups/suggestions").json()["suggestions"]
    assert all(number.endswith("-DMO") for s in every for number in s["order_numbers"])
    assert [s["order_numbers"] for s in suggestions_to(brk, address["line1"])] == [theirs[::-1]]

    made = dmo.post("/shipping-groups", json={"order_numbers": suggestion["order_numbers"]})
    assert made.status_code == 201, made.text
    assert (made.json()["shipping_savings"], made.json()["costs"]) == (suggestion["shipping_savings"], suggestion["costs"])
    assert suggestions_to(dmo, address["line1"]) == []
    assert len(suggestions_to(brk, address["line1"])) == 1


def test_suggestions_need_a_brand_token(anonymous: Api, staff: Api) -> None:
    assert_problem(anonymous.get("/shipping-groups/suggestions"), 401)
    assert_problem(anonymous.get("/shipping-groups/suggestions", headers={"Authorization": "Bearer not.a.token"}), 401)
    assert_problem(staff.get("/shipping-groups/suggestions"), 403)


def test_a_paid_order_gets_a_ship_date_that_moves_with_its_stage_and_is_in_the_payment_email(
    dmo: Api, dmo_pay: PaymentsApi, staff: Api, mailbox: Mailbox, tag: str
) -> None:
    form = order_form(tag)
    number = dmo.place(form)["order_number"]
    assert dmo.order(number)["expected_ship_date"] is None
    pay_by_card(dmo_pay, dmo, number)
    launched = dmo.order(number)
    assert launched["production_stage"] == "CUTTING" and launched["stage_entered_at"]
    cutting = launched["expected_ship_date"]
    assert cutting is not None

    moved = staff.post(f"/admin/orders/{number}/production", json={"stage": "FINISHING"})
    assert moved.status_code == 200, moved.text
    finishing = moved.json()["expected_ship_date"]
    assert finishing is not None and finishing < cutting
    assert dmo.order(number)["expected_ship_date"] == finishing
    listed = staff.get("/admin/orders", params={"q": tag}).json()["orders"]
    assert [(o["order_number"], o["expected_ship_date"]) for o in listed] == [(number, finishing)]

    (receipt,) = mailbox.about(form["billing"]["email"], "Payment received")
    assert "expected to ship on" in receipt["body"]
