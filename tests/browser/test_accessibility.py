"""Every screen of the backoffice, in each state a buyer or operator meets, has no WCAG 2.1 A/AA violation (axe-core).

Screens are reached the way users reach them; the data behind them is arranged over the API where the browser
path is covered elsewhere. A failure lists each rule and the elements that break it.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import ViewportSize, expect

from tests.browser.accessibility import REFLOW_WIDTH, assert_accessible, assert_reflows
from tests.browser.backoffice import CARD_3DS, CARD_DECLINED, Arrange, Backoffice

pytestmark = pytest.mark.e2e

PHONE = ViewportSize(width=REFLOW_WIDTH, height=640)


def test_sign_in_with_and_without_problems(app: Backoffice, dmo: dict[str, Any]) -> None:
    page = app.page
    page.goto(f"{app.web}/#/signin")
    expect(app.heading("Sign in")).to_be_visible()
    assert_accessible(page, "sign-in")

    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("Sign-in needs both fields")
    assert_accessible(page, "sign-in, fields missing")

    page.get_by_label("Email address").fill(dmo["email"])
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("Sign-in failed")
    assert_accessible(page, "sign-in, refused")

    app.open("/nowhere", "Page not found")
    assert_accessible(page, "page not found")


def test_new_order_checkout_and_the_placed_order(app: Backoffice, dmo: dict[str, Any], tag: str) -> None:
    page = app.page
    app.sign_in(dmo)
    app.open("/orders/new?fresh=1", "New order")
    assert_accessible(page, "new order")
    page.get_by_label("Model").select_option("chelsea-boot")
    page.get_by_role("button", name="Review raw materials").click()
    expect(page.get_by_role("alert")).to_contain_text("Check the order")
    assert_accessible(page, "new order, size missing")

    app.design_order(tag)
    assert_accessible(page, "new order, raw materials to confirm")
    app.confirm_materials()
    assert_accessible(page, "checkout, address and billing")
    page.get_by_label("Recipient name").fill("")
    page.get_by_role("button", name="Continue to confirmation").click()
    expect(page.get_by_role("alert")).to_contain_text("Some details are missing")
    assert_accessible(page, "checkout, details missing")

    app.fill_address()
    app.to_confirmation()
    assert_accessible(page, "checkout, confirm specs and costs")
    expect(page.get_by_role("status")).to_have_text("")  # the live region for "Placing your order…"
    number = app.place_order()
    assert_accessible(page, "order placed")

    app.open(f"/orders/{number}", f"Order {number}")
    assert_accessible(page, "order detail, unpaid")
    page.get_by_role("button", name="Edit order").click()
    expect(page.get_by_role("form", name=f"Edit order {number}")).to_be_visible()
    assert_accessible(page, "order detail, editing")
    page.get_by_role("button", name="Cancel order").click()
    expect(page.get_by_role("button", name="Yes, cancel the order")).to_be_visible()
    assert_accessible(page, "order detail, cancel to confirm")


def test_the_order_pool_on_a_desktop_and_a_small_phone(app: Backoffice, dmo: dict[str, Any], dmo_api: Arrange, tag: str) -> None:
    number = dmo_api.place(tag)["order_number"]
    page = app.page
    app.sign_in(dmo)
    assert_accessible(page, "order pool")
    app.search_pool(tag)
    expect(app.pool_row(number)).to_be_visible()
    assert_accessible(page, "order pool, filtered")

    page.set_viewport_size(PHONE)
    app.search_pool(tag)
    expect(app.pool_row(number)).to_be_visible()
    assert_accessible(page, "order pool on a phone")
    assert_reflows(page, "order pool on a phone")


def test_paying_with_a_declined_card_a_3d_secure_prompt_a_refusal_and_a_success(
    app: Backoffice, dmo: dict[str, Any], dmo_api: Arrange, tag: str
) -> None:
    refused, paid = (dmo_api.place(tag)["order_number"] for _ in range(2))
    page = app.page
    app.sign_in(dmo)

    app.open(f"/pay?order={refused}", f"Pay order {refused}")
    expect(page.get_by_label("Card number")).to_be_visible()
    assert_accessible(page, "pay, card form")
    progress = page.get_by_role("status")
    expect(progress).to_have_text("")  # there before it has anything to say, so screen readers read what comes
    app.pay(CARD_3DS)
    expect(page.get_by_role("button", name="Complete authentication")).to_be_visible()
    expect(progress).to_have_text("Your bank asks you to confirm the payment…")
    assert_accessible(page, "pay, 3-D Secure prompt")
    page.get_by_role("button", name="Fail authentication").click()
    expect(page.get_by_role("alert").filter(has_text="Your bank did not confirm the payment")).to_be_visible()
    assert_accessible(page, "pay, 3-D Secure refused")

    app.open(f"/pay?order={paid}", f"Pay order {paid}")
    app.pay(CARD_DECLINED)
    expect(page.get_by_role("alert").filter(has_text="The payment did not go through")).to_be_visible()
    assert_accessible(page, "pay, card declined")
    app.pay(CARD_3DS)
    page.get_by_role("button", name="Complete authentication").click()
    app.expect_paid()
    assert_accessible(page, "pay, payment received")

    app.open(f"/orders/{paid}", f"Order {paid}")
    assert_accessible(page, "order detail, paid")


def test_shipping_groups_from_the_offer_to_the_dissolve_prompt(app: Backoffice, dmo: dict[str, Any], dmo_api: Arrange, tag: str) -> None:
    first, second = (dmo_api.place(tag)["order_number"] for _ in range(2))
    page = app.page
    app.sign_in(dmo)
    app.search_pool(tag)
    page.get_by_label(f"Select {first}").check()
    page.get_by_label(f"Select {second}").check()
    page.get_by_role("button", name="Group selected orders for shipping").click()
    expect(page.get_by_role("region", name="Ship 2 orders together")).to_be_visible()
    assert_accessible(page, "order pool, group offer")

    page.get_by_role("button", name="Create shipping group of 2 orders").click()
    expect(app.heading("Shipping group G")).to_be_visible()
    assert_accessible(page, "shipping group")
    page.get_by_role("button", name="Dissolve the group").click()
    expect(page.get_by_role("button", name="Yes, dissolve it")).to_be_visible()
    assert_accessible(page, "shipping group, dissolve to confirm")

    app.open("/groups", "Shipping groups")
    assert_accessible(page, "shipping groups")


def test_production_screens_for_factory_staff(
    app: Backoffice, staff_user: dict[str, Any], dmo_api: Arrange, staff_api: Arrange, tag: str
) -> None:
    number = dmo_api.place(tag)["order_number"]
    assert dmo_api.pay(number)["status"] == "WORK_IN_PROCESS"
    page = app.page
    app.sign_in(staff_user, lands_on="Production")
    assert_accessible(page, "production")
    page.get_by_role("button", name="Mark stamps ready").click()
    expect(page.get_by_role("alert")).to_contain_text("Check the brand code")
    assert_accessible(page, "production, brand code missing")

    staff_api.move_to_stage(number, "READY_TO_SHIP")
    app.open(f"/staff/orders/{number}", f"Order {number}")
    assert_accessible(page, "production, an order ready to ship")
    page.get_by_role("button", name="Ship order").click()
    expect(page.get_by_role("alert")).to_contain_text("Some shipping details are missing")
    assert_accessible(page, "production, shipping details missing")

    page.set_viewport_size(PHONE)
    assert_reflows(page, "production, one order on a phone")
