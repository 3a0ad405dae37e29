"""A buyer who uses only the keyboard signs in, designs, checks out and pays an order: no mouse, no click."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.backoffice import CARD_OK, Arrange, Backoffice
from tests.browser.keyboard import KeyboardOnly

pytestmark = pytest.mark.e2e


def test_a_buyer_places_and_pays_an_order_with_the_keyboard_alone(app: Backoffice, dmo: dict[str, Any], dmo_api: Arrange, tag: str) -> None:
    page = app.page
    keyboard = KeyboardOnly(page)
    page.goto(f"{app.web}/#/signin")
    expect(app.heading("Sign in")).to_be_visible()

    expect(app.heading("Sign in")).to_be_focused()  # each page starts reading at its heading
    skip = page.get_by_role("link", name="Skip to content")
    keyboard.tab_to(skip, backwards=True)  # the page's first stop
    expect(skip).to_be_in_viewport()  # off screen until it has the focus
    keyboard.keys.press("Enter")
    expect(app.heading("Sign in")).to_be_focused()
    keyboard.sign_in(dmo["email"], dmo["password"])
    expect(app.heading("Home")).to_be_focused()

    keyboard.tab_to(page.get_by_role("navigation", name="Main").get_by_role("link", name="New order"), backwards=True)
    keyboard.keys.press("Enter")
    expect(app.heading("New order")).to_be_focused()
    keyboard.choose(page.get_by_label("Model"), "Chelsea boot")
    keyboard.choose(page.get_by_label("Upper"), "Tan calf leather")
    keyboard.choose(page.get_by_label("Sole"), "Natural crepe sole")
    keyboard.fill(page.get_by_label("Design reference"), tag)
    keyboard.pick_radio(page.get_by_role("radio", name="Unlabeled"))
    keyboard.pick_radio(page.get_by_role("radio", name="MTO"))
    keyboard.choose(page.get_by_label("Size", exact=True), "EU 42")
    keyboard.press(page.get_by_role("button", name="Review raw materials"))
    expect(app.heading("Confirm the raw materials", level=2)).to_be_focused()
    expect(page.get_by_role("region", name="Confirm the raw materials")).to_contain_text("Manufacturing€208.00")

    keyboard.check(page.get_by_label("I confirm these raw materials for production"))
    keyboard.press(page.get_by_role("button", name="Continue to checkout"))
    expect(app.heading("Checkout")).to_be_visible()
    for label, text in (
        ("Recipient name", "Mara Jensen"),
        ("Address line 1", "Torstrasse 101"),
        ("Postal code", "10119"),
        ("City", "Berlin"),
    ):
        keyboard.fill(page.get_by_label(label).first, text)
    keyboard.choose(page.get_by_label("Country").first, "Germany")
    keyboard.fill(page.get_by_label("Phone"), "+49 30 1234567")
    keyboard.fill(page.get_by_label("Email", exact=True), "mara@dmo.example")
    keyboard.fill(page.get_by_label("Name on the invoice"), "Demo Atelier GmbH")
    keyboard.fill(page.get_by_label("Invoice email"), "accounts@dmo.example")
    keyboard.check(page.get_by_label("Bill to the shipping address"))
    keyboard.press(page.get_by_role("button", name="Continue to confirmation"))
    expect(app.heading("Confirm specs and costs", level=2)).to_be_focused()
    keyboard.press(page.get_by_role("button", name="Place order (€226.00)"), key="Space")
    expect(app.heading("Order placed")).to_be_focused()
    number = page.locator(".order-number").inner_text()

    keyboard.press(page.get_by_role("link", name="Pay €226.00 now"))
    expect(app.heading(f"Pay order {number}")).to_be_focused()
    keyboard.fill(page.get_by_label("Card number"), CARD_OK)
    keyboard.fill(page.get_by_label("Expiry month (MM)"), "12")
    keyboard.fill(page.get_by_label("Expiry year (YY)"), "30")
    keyboard.fill(page.get_by_label("Security code (CVC)"), "123")
    keyboard.fill(page.get_by_label("Postal code"), "10119")
    keyboard.press(page.get_by_role("button", name="Pay €226.00"))

    app.expect_paid()
    expect(app.heading("Payment received", level=2)).to_be_focused()
    assert dmo_api.order(number)["status"] == "WORK_IN_PROCESS"


def test_backing_out_of_a_confirmation_returns_the_focus_to_a_button_that_tab_still_reaches(
    app: Backoffice, dmo: dict[str, Any], dmo_api: Arrange, tag: str
) -> None:
    numbers = [dmo_api.place(tag)["order_number"] for _ in range(2)]
    group_id = dmo_api.group(numbers)["shipping_group_id"]
    page = app.page
    keyboard = KeyboardOnly(page)
    app.sign_in(dmo)
    app.open(f"/groups/{group_id}", f"Shipping group {group_id}")
    dissolve = page.get_by_role("button", name="Dissolve the group")

    keyboard.press(dissolve)
    expect(app.heading(f"Dissolve group {group_id}?", level=2)).to_be_focused()
    keyboard.press(page.get_by_role("button", name="Keep the group"))
    expect(dissolve).to_be_focused()

    keyboard.tab_to(page.get_by_role("link", name=numbers[0]), backwards=True)
    keyboard.tab_to(dissolve)  # still in the Tab order
    keyboard.keys.press("Enter")
    keyboard.press(page.get_by_role("button", name="Yes, dissolve it"))
    expect(page.get_by_role("status")).to_contain_text(f"Group {group_id} is dissolved")
    assert all(dmo_api.order(number)["shipping_group_id"] is None for number in numbers)
