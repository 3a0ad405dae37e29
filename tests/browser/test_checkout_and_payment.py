"""A buyer orders, checks out, finds the order awaiting payment, pays by card and sees it in production."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.backoffice import CARD_3DS, CARD_DECLINED, Arrange, Backoffice

pytestmark = pytest.mark.e2e


def test_buyer_orders_checks_out_pays_and_sees_work_in_process(app: Backoffice, dmo: dict[str, Any], dmo_api: Arrange, tag: str) -> None:
    page = app.page
    app.sign_in(dmo)
    app.design_order(tag)
    review = page.get_by_role("region", name="Confirm the raw materials")
    expect(review.get_by_role("row", name=re.compile("Upper Tan calf leather"))).to_be_visible()
    expect(review).to_contain_text("Manufacturing€208.00")  # Chelsea 175 + tan calf 15 + crepe 18, one pair
    app.confirm_materials()
    app.fill_address()
    app.to_confirmation()
    confirmation = page.get_by_role("region", name="Confirm specs and costs")
    expect(confirmation.get_by_role("row", name="Shipping €18.00")).to_be_visible()  # EU: 15.00 + 3.00 a pair
    expect(confirmation.get_by_role("row", name="Total €226.00")).to_be_visible()

    number = app.place_order()

    assert re.fullmatch(r"\d{5}-DMO", number)
    expect(page.get_by_text("Status: Awaiting payment")).to_be_visible()
    app.search_pool(tag)
    row = app.pool_row(number)
    expect(row.get_by_text("Awaiting payment")).to_be_visible()
    row.get_by_role("link", name=f"Pay order {number}").click()

    expect(app.heading(f"Pay order {number}")).to_be_visible()
    summary = page.get_by_role("region", name="Cost summary")
    expect(summary.get_by_role("row", name="Total €226.00")).to_be_visible()
    app.pay()
    app.expect_paid()

    paid = page.get_by_role("region", name="Payment received")
    expect(paid.get_by_text("In production", exact=True)).to_be_visible()
    expect(paid.get_by_text("Cutting", exact=True)).to_be_visible()
    assert dmo_api.order(number)["status"] == "WORK_IN_PROCESS"
    app.search_pool(tag)
    expect(app.pool_row(number).get_by_text("In production · Cutting")).to_be_visible()
    expect(app.pool_row(number).get_by_role("button", name=re.compile(r"Download invoice INV-\d{4}-\d{6}"))).to_be_visible()


def test_a_declined_card_shows_stripes_message_keeps_the_order_unpaid_and_another_card_pays(
    app: Backoffice, dmo: dict[str, Any], dmo_api: Arrange, tag: str
) -> None:
    number = dmo_api.place(tag)["order_number"]
    app.sign_in(dmo)
    app.open(f"/pay?order={number}", f"Pay order {number}")

    app.pay(CARD_DECLINED)

    summary = app.page.get_by_role("alert").filter(has_text="The payment did not go through")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("Your card was declined.")
    card = app.page.get_by_role("group", name="Card details")
    expect(app.page.locator(".field-error")).to_contain_text("Your card was declined.")
    expect(card).to_be_visible()
    order = dmo_api.order(number)
    assert (order["status"], order["payment_status"]) == ("PENDING_PAYMENT", "UNPAID")
    timeline = [event["type"] for event in dmo_api.call("GET", f"{dmo_api.orders_api}/orders/{number}/events")["events"]]
    assert timeline[-1] == "PAYMENT_RELEASED"

    app.pay()  # the buyer tries another card on the same page

    app.expect_paid()
    assert dmo_api.order(number)["status"] == "WORK_IN_PROCESS"


def test_a_card_that_asks_for_3d_secure_pays_after_the_bank_step(app: Backoffice, dmo: dict[str, Any], dmo_api: Arrange, tag: str) -> None:
    number = dmo_api.place(tag)["order_number"]
    app.sign_in(dmo)
    app.open(f"/pay?order={number}", f"Pay order {number}")

    app.pay(CARD_3DS)
    app.page.get_by_role("button", name="Complete authentication").click()  # the emulator's bank page

    app.expect_paid()
    assert dmo_api.order(number)["payment_status"] == "PAID"


def test_a_refused_3d_secure_step_shows_the_banks_message_and_nothing_is_paid(
    app: Backoffice, dmo: dict[str, Any], dmo_api: Arrange, tag: str
) -> None:
    number = dmo_api.place(tag)["order_number"]
    app.sign_in(dmo)
    app.open(f"/pay?order={number}", f"Pay order {number}")

    app.pay(CARD_3DS)
    app.page.get_by_role("button", name="Fail authentication").click()

    refusal = app.page.get_by_role("alert").filter(has_text="Your bank did not confirm the payment")
    expect(refusal).to_contain_text("failed authentication")
    expect(app.heading("Payment received", level=2)).to_have_count(0)
    assert dmo_api.order(number)["status"] == "PENDING_PAYMENT"


def test_a_buyer_who_left_3d_secure_open_finishes_it_later_from_the_order_page(
    app: Backoffice, dmo: dict[str, Any], dmo_api: Arrange, tag: str
) -> None:
    number = dmo_api.place(tag)["order_number"]
    waiting = dmo_api.waiting_for_3d_secure(number)  # the bank's window was closed before the buyer answered
    app.sign_in(dmo)
    app.open(f"/orders/{number}", f"Order {number}")

    expect(app.heading("A payment is in progress", level=2)).to_be_visible()
    app.page.get_by_role("link", name="Finish payment").click()
    expect(app.heading("Your bank is waiting for you", level=2)).to_be_visible()
    app.page.get_by_role("button", name="Finish payment").click()
    app.page.get_by_role("button", name="Complete authentication").click()  # the emulator's bank page

    app.expect_paid()
    paid = dmo_api.order(number)
    assert (paid["payment_status"], paid["payment_id"], paid["open_payment_id"]) == ("PAID", waiting["payment_id"], None)


def test_a_buyer_cancels_a_payment_left_in_3d_secure_and_pays_again_at_once(
    app: Backoffice, dmo: dict[str, Any], dmo_api: Arrange, tag: str
) -> None:
    number = dmo_api.place(tag)["order_number"]
    abandoned = dmo_api.waiting_for_3d_secure(number)
    app.sign_in(dmo)
    app.open(f"/orders/{number}", f"Order {number}")

    app.page.get_by_role("button", name="Cancel this payment").click()
    app.page.get_by_role("button", name="Yes, cancel the payment").click()
    expect(app.page.get_by_text("The payment is canceled; nothing was charged.")).to_be_visible()
    assert dmo_api.order(number)["open_payment_id"] is None

    app.page.get_by_role("link", name="Pay €").click()
    app.pay()
    app.expect_paid()
    paid = dmo_api.order(number)
    assert paid["payment_status"] == "PAID" and paid["payment_id"] != abandoned["payment_id"]
