"""Custom stamps over HTTP (the fee once per brand, orders waiting for the stamps) and the invoice PDF."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import pytest

from tests.e2e.conftest import Api, PaymentsApi, assert_problem, launched, order_form, pay_by_card

pytestmark = pytest.mark.e2e

STAMPED = "CUSTOM_STAMPS"


@dataclass(frozen=True)
class StampedOrdersPaid:
    """DMO's first two CUSTOM_STAMPS orders, both placed before the fee was paid, then paid one after the other."""

    first: str
    second: str
    first_payment: dict[str, Any]
    second_payment: dict[str, Any]
    stages_when_paid: dict[str, str]
    stamps_when_paid: str


@pytest.fixture(scope="module")
def stamped_orders_paid(dmo: Api, dmo_pay: PaymentsApi) -> StampedOrdersPaid:
    assert dmo.get("/brand").json()["stamps_status"] == "NONE", "DMO's stamp fee was paid before this module ran"
    tag = f"e2e-stamps-{uuid.uuid4().hex[:8]}"
    first = dmo.place(order_form(tag, labeling=STAMPED))["order_number"]
    second = dmo.place(order_form(tag, labeling=STAMPED))["order_number"]
    first_payment = pay_by_card(dmo_pay, dmo, first)
    second_payment = pay_by_card(dmo_pay, dmo, second)
    stages = {number: dmo.order(number)["production_stage"] for number in (first, second)}
    stamps = dmo.get("/brand").json()["stamps_status"]
    dmo.place(order_form(tag))  # DMO's next orders default to UNLABELED again, as the other tests expect
    return StampedOrdersPaid(first, second, first_payment, second_payment, stages, stamps)


def test_the_stamp_fee_is_paid_once_per_brand_and_stamped_orders_wait_for_the_stamps(
    stamped_orders_paid: StampedOrdersPaid, dmo: Api, brk: Api, staff: Api, brk_pay: PaymentsApi, catalog: dict[str, Any], tag: str
) -> None:
    paid = stamped_orders_paid
    fee = catalog["stamp_fee"]
    first_summary, second_summary = paid.first_payment["summary"], paid.second_payment["summary"]
    assert first_summary["customization"] == fee
    assert first_summary["total"] == first_summary["manufacturing"] + first_summary["shipping"] + fee
    assert paid.first_payment["amount"] == first_summary["total"]
    assert second_summary["customization"] == 0  # the brand's second stamped payment: the fee is behind it
    assert paid.second_payment["amount"] == second_summary["manufacturing"] + second_summary["shipping"]
    assert paid.stages_when_paid == {paid.first: "AWAITING_STAMPS", paid.second: "AWAITING_STAMPS"}
    assert paid.stamps_when_paid == "IN_DEVELOPMENT"

    assert_problem(staff.post(f"/admin/orders/{paid.first}/production", json={"stage": "CUTTING"}), 409)
    assert dmo.order(paid.first)["production_stage"] == "AWAITING_STAMPS"
    assert_problem(dmo.post("/admin/brands/DMO/stamps", json={"status": "READY"}), 403)
    assert dmo.get("/brand").json()["stamps_status"] == "IN_DEVELOPMENT"
    brk_order = brk.place(order_form(tag, labeling=STAMPED))["order_number"]
    assert brk_pay.create(brk_order)["summary"]["customization"] == fee

    ready = staff.post("/admin/brands/DMO/stamps", json={"status": "READY"})

    assert ready.status_code == 200, ready.text
    assert ready.json()["stamps_status"] == "READY"
    assert set(ready.json()["orders_released"]) >= {paid.first, paid.second}
    for number in (paid.first, paid.second):
        order = dmo.order(number)
        assert (order["status"], order["production_stage"]) == ("WORK_IN_PROCESS", "CUTTING")
    assert dmo.get("/brand").json()["stamps_status"] == "READY"
    moved = staff.post(f"/admin/orders/{paid.first}/production", json={"stage": "STITCHING"})
    assert moved.status_code == 200, moved.text
    assert brk.get("/brand").json()["stamps_status"] == "NONE"
    assert brk_pay.create(brk_order)["summary"]["customization"] == fee  # BRK still pays its own fee
    brk.place(order_form(tag))  # BRK's next orders default to UNLABELED again


def test_a_stamped_order_paid_without_the_fee_does_not_show_the_fee_afterwards(stamped_orders_paid: StampedOrdersPaid, dmo: Api) -> None:
    second = dmo.order(stamped_orders_paid.second)
    charged = stamped_orders_paid.second_payment["summary"]

    assert second["costs"] == {**charged, "currency": "EUR"}, (
        "the order shows a stamp fee its payment did not charge (it was paid by the brand's first stamped order)"
    )


def test_the_invoice_is_a_pdf_for_the_paying_brand_once_the_payment_succeeded(
    dmo: Api, dmo_pay: PaymentsApi, brk_pay: PaymentsApi, staff_pay: PaymentsApi, tag: str
) -> None:
    number = dmo.place(order_form(tag))["order_number"]
    payment_id = dmo_pay.create(number)["payment_id"]
    assert_problem(dmo_pay.get(f"/payments/{payment_id}/invoice"), 404)
    declined = dmo_pay.confirm(payment_id, "pm_card_chargeCustomerFail")
    assert declined.json()["status"] == "FAILED", declined.text
    assert_problem(dmo_pay.get(f"/payments/{payment_id}/invoice"), 404)
    confirmed = dmo_pay.confirm(payment_id)
    assert confirmed.status_code == 200, confirmed.text
    invoice_number = dmo_pay.settled(payment_id)["invoice_number"]
    launched(dmo, [number])

    invoice = dmo_pay.get(f"/payments/{payment_id}/invoice", headers={"Accept": "application/pdf"})

    assert invoice.status_code == 200, invoice.text
    assert invoice.headers["Content-Type"] == "application/pdf"
    assert invoice.content.startswith(b"%PDF-")
    assert invoice.content.rstrip().endswith(b"%%EOF")
    assert invoice_number.encode() in invoice.content
    assert f'filename="{invoice_number}.pdf"' in invoice.headers["Content-Disposition"]
    assert_problem(brk_pay.get(f"/payments/{payment_id}/invoice"), 404)
    assert staff_pay.get(f"/payments/{payment_id}/invoice").content == invoice.content
