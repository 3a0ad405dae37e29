"""A factory goes live in the browser, keyboard only: staff register brand XYZ and invite its user, who signs in for
the first time, places order 00001-XYZ billed as the brand was registered, and is turned away once disabled."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from playwright.sync_api import expect

from tests.browser.accessibility import assert_accessible
from tests.browser.backoffice import Arrange, Backoffice
from tests.browser.keyboard import KeyboardOnly
from tests.browser.test_first_sign_in import temporary_password
from welt_stack import seed
from welt_stack.stack import LocalStack

pytestmark = pytest.mark.e2e

OWN_PASSWORD = "Xyz-keyboard-2026!"


def test_staff_onboard_brand_xyz_whose_user_orders_and_is_turned_away_when_disabled_keyboard_only(
    app: Backoffice, stack: LocalStack, staff_user: dict[str, Any], staff_api: Arrange, tag: str
) -> None:
    page = app.page
    keyboard = KeyboardOnly(page)
    page.goto(f"{app.web}/#/signin")
    expect(app.heading("Sign in")).to_be_focused()
    keyboard.sign_in(staff_user["email"], staff_user["password"])
    expect(app.heading("Enter your code")).to_be_focused()
    keyboard.enter_code(seed.authenticator_code(staff_user["totp_secret"], good_for=seed.TYPED_CODE_SECONDS))
    expect(app.heading("Production")).to_be_focused()

    keyboard.press(page.get_by_role("navigation", name="Main").get_by_role("link", name="Brands"), backwards=True)
    expect(app.heading("Brands")).to_be_focused()
    assert_accessible(page, "brands")
    keyboard.fill(page.get_by_label("Brand code"), "XYZ")
    keyboard.fill(page.get_by_label("Brand name"), "Xyz Shoes")
    keyboard.fill(page.get_by_label("Legal name"), "Xyz Shoes S.L.")
    keyboard.fill(page.get_by_label("VAT ID"), "ESB12345675")  # one check digit off
    keyboard.fill(page.get_by_label("Contact email"), "accounts@xyz.example")
    keyboard.fill(page.get_by_label("Address line 1"), "Calle Mayor 5")
    keyboard.fill(page.get_by_label("Postal code"), "03201")
    keyboard.fill(page.get_by_label("City"), "Elche")
    keyboard.choose(page.get_by_label("Country"), "Spain")
    keyboard.press(page.get_by_role("button", name="Register brand"))
    expect(page.get_by_role("alert")).to_contain_text("check digits")
    keyboard.fill(page.get_by_label("VAT ID"), "ESB12345674")
    keyboard.press(page.get_by_role("button", name="Register brand"))

    expect(app.heading("Xyz Shoes (XYZ)")).to_be_visible()
    expect(page.get_by_text("Brand XYZ is registered")).to_be_focused()  # the page says what happened first
    email = f"ana-{tag}@xyz.example"
    keyboard.fill(page.get_by_label("Email", exact=True), email)
    keyboard.fill(page.get_by_label("Name", exact=True), "Ana Ruiz")
    keyboard.press(page.get_by_role("button", name="Send invitation"))
    expect(page.get_by_text(f"{email} is invited")).to_be_visible()
    users = page.get_by_role("region", name="Users table")
    expect(users).to_contain_text("Invited")
    assert_accessible(page, "a brand and its users")
    first = temporary_password(stack, email)
    keyboard.press(page.get_by_role("button", name=f"Send a new invitation: {email}"))
    expect(page.get_by_text(f"A new invitation is on its way to {email}")).to_be_visible()
    temporary = temporary_password(stack, email, count=2)
    assert temporary != first
    keyboard.press(page.get_by_role("button", name="Sign out"), backwards=True)

    expect(app.heading("Sign in")).to_be_visible()
    keyboard.sign_in(email, temporary)
    expect(app.heading("Choose your password")).to_be_focused()
    keyboard.choose_password(OWN_PASSWORD)
    expect(app.heading("Home")).to_be_focused()

    keyboard.press(page.get_by_role("navigation", name="Main").get_by_role("link", name="New order"), backwards=True)
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
    keyboard.check(page.get_by_label("I confirm these raw materials for production"))
    keyboard.press(page.get_by_role("button", name="Continue to checkout"))
    expect(app.heading("Checkout")).to_be_visible()
    # The brand's first order starts from its registered billing details.
    expect(page.get_by_label("Name on the invoice")).to_have_value("Xyz Shoes S.L.")
    expect(page.get_by_label("VAT number")).to_have_value("ESB12345674")
    expect(page.get_by_label("Bill to the shipping address")).not_to_be_checked()
    for label, text in (("Recipient name", "Ana Ruiz"), ("Address line 1", "Calle Mayor 5"), ("Postal code", "03201"), ("City", "Elche")):
        keyboard.fill(page.get_by_label(label).first, text)
    keyboard.choose(page.get_by_label("Country").first, "Spain")
    keyboard.fill(page.get_by_label("Phone"), "+34 965 000 000")
    keyboard.fill(page.get_by_label("Email", exact=True), email)
    keyboard.press(page.get_by_role("button", name="Continue to confirmation"))
    expect(app.heading("Confirm specs and costs", level=2)).to_be_focused()
    keyboard.press(page.get_by_role("button", name="Place order"), key="Space")
    expect(app.heading("Order placed")).to_be_focused()
    expect(page.locator(".order-number")).to_have_text("00001-XYZ")
    token = page.evaluate("() => sessionStorage.getItem('welt.idToken')")
    ana = {"Authorization": f"Bearer {token}"}
    assert requests.get(f"{staff_api.orders_api}/brand", headers=ana, timeout=30).json()["code"] == "XYZ"
    dmo_order = staff_api.call("GET", f"{staff_api.orders_api}/admin/orders", params={"brand": "DMO", "limit": 1})["orders"]
    if dmo_order:
        assert requests.get(f"{staff_api.orders_api}/orders/{dmo_order[0]['order_number']}", headers=ana, timeout=30).status_code == 404
    keyboard.press(page.get_by_role("button", name="Sign out"), backwards=True)

    expect(app.heading("Sign in")).to_be_visible()
    keyboard.sign_in(staff_user["email"], staff_user["password"])
    expect(app.heading("Enter your code")).to_be_focused()
    keyboard.enter_code(seed.authenticator_code(staff_user["totp_secret"], good_for=seed.TYPED_CODE_SECONDS))
    expect(app.heading("Production")).to_be_focused()
    keyboard.press(page.get_by_role("navigation", name="Main").get_by_role("link", name="Brands"), backwards=True)
    expect(app.heading("Brands")).to_be_focused()
    keyboard.press(page.get_by_role("link", name="XYZ", exact=True))
    expect(app.heading("Xyz Shoes (XYZ)")).to_be_focused()
    expect(users).to_contain_text("Active")
    keyboard.press(page.get_by_role("button", name=f"Disable: {email}"))
    expect(page.get_by_text(f"{email} can no longer sign in")).to_be_visible()
    expect(users).to_contain_text("Disabled")
    keyboard.press(page.get_by_role("button", name="Sign out"), backwards=True)

    expect(app.heading("Sign in")).to_be_visible()
    keyboard.sign_in(email, OWN_PASSWORD)
    expect(page.get_by_role("alert")).to_contain_text("Sign-in failed")


def test_staff_edit_a_brand_and_see_their_colleagues(app: Backoffice, staff_user: dict[str, Any], staff_api: Arrange) -> None:
    page = app.page
    keyboard = KeyboardOnly(page)
    app.sign_in(staff_user, lands_on="Production")
    app.open("/staff/brands/BRK", "Brook & Last (BRK)")

    keyboard.fill(page.get_by_label("Contact email"), "billing@brk.example")
    keyboard.press(page.get_by_role("button", name="Save changes"))

    expect(page.get_by_text("Brand BRK is saved")).to_be_visible()
    assert staff_api.call("GET", f"{staff_api.orders_api}/admin/brands/BRK")["contact_email"] == "billing@brk.example"
    app.open("/staff/team", "Staff")
    expect(page.get_by_role("region", name="Staff users table")).to_contain_text(staff_user["email"])
    assert_accessible(page, "staff users")
