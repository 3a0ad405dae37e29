"""Checkout checked at each step by the server's rules, saved addresses chosen and saved at checkout, and the
Addresses screen (add, change, remove), with the mouse, with the keyboard alone, and through axe at two widths."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import ViewportSize, expect

from tests.browser.accessibility import REFLOW_WIDTH, assert_accessible, assert_reflows
from tests.browser.backoffice import Arrange, Backoffice
from tests.browser.keyboard import KeyboardOnly
from tests.examples import SHIPPING_ADDRESS

pytestmark = pytest.mark.e2e

HAMBURG = {**SHIPPING_ADDRESS, "name": "Jonas Berg", "line1": "Hafenstrasse 7", "postal_code": "20359", "city": "Hamburg"}


def saved_addresses(api: Arrange) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = api.call("GET", f"{api.orders_api}/brand/addresses")["addresses"]
    return found


def save(api: Arrange, label: str, address: dict[str, Any]) -> dict[str, Any]:
    body = {"label": label, "address": address}
    kept: dict[str, Any] = api.call(
        "POST", f"{api.orders_api}/brand/addresses", 201, json=body, headers={"Idempotency-Key": str(uuid.uuid4())}
    )
    return kept


@pytest.fixture
def no_saved_addresses(dmo_api: Arrange) -> Iterator[None]:
    """DMO starts without saved addresses and is left without them, so other screens' tests meet the form they expect."""

    def forget() -> None:
        for saved in saved_addresses(dmo_api):
            dmo_api.call("DELETE", f"{dmo_api.orders_api}/brand/addresses/{saved['id']}")

    forget()
    yield
    forget()


def to_checkout(app: Backoffice, dmo: dict[str, Any], tag: str) -> None:
    app.sign_in(dmo)
    app.design_order(tag)
    app.confirm_materials()


def test_checkout_refuses_a_bad_postcode_and_email_at_the_address_step(
    app: Backoffice, dmo: dict[str, Any], dmo_api: Arrange, tag: str
) -> None:
    page = app.page
    to_checkout(app, dmo, tag)
    app.fill_address()
    postcode = page.get_by_label("Postal code").first
    email = page.get_by_label("Email", exact=True)
    postcode.fill("ABCDEFGHIJK")
    email.fill("x@")

    page.get_by_role("button", name="Continue to confirmation").click()

    summary = page.get_by_role("alert")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link", name="Postal code: must be a postcode of DE, such as")).to_be_visible()
    expect(summary.get_by_role("link", name="Email: must be one plain email address")).to_be_visible()
    expect(postcode).to_have_attribute("aria-invalid", "true")
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(app.heading("Confirm specs and costs", level=2)).to_be_hidden()
    summary.get_by_role("link", name="Postal code:").click()
    expect(postcode).to_be_focused()

    postcode.fill("10119")
    email.fill("mara@dmo.example")
    app.to_confirmation()
    expect(postcode).to_be_hidden()
    assert dmo_api.orders_tagged(tag) == []  # checking placed nothing
    app.place_order()
    assert len(dmo_api.orders_tagged(tag)) == 1


@pytest.mark.usefixtures("no_saved_addresses")
def test_a_saved_address_fills_the_shipping_address_and_the_order_ships_there(
    app: Backoffice, dmo: dict[str, Any], dmo_api: Arrange, tag: str
) -> None:
    page = app.page
    save(dmo_api, "Hamburg store", HAMBURG)
    to_checkout(app, dmo, tag)
    app.fill_address()

    page.get_by_label("Saved address").select_option(label="Hamburg store")

    expect(page.get_by_label("Recipient name")).to_have_value("Jonas Berg")
    expect(page.get_by_label("Address line 1").first).to_have_value("Hafenstrasse 7")
    expect(page.get_by_label("Postal code").first).to_have_value("20359")
    expect(page.get_by_label("City").first).to_have_value("Hamburg")
    app.to_confirmation()
    expect(page.get_by_role("region", name="Confirm specs and costs")).to_contain_text("Hafenstrasse 7")
    app.place_order()
    [order] = dmo_api.orders_tagged(tag)
    assert {key: order["shipping_address"].get(key) for key in HAMBURG} == HAMBURG


@pytest.mark.usefixtures("no_saved_addresses")
def test_save_this_address_at_checkout_keeps_it_under_its_name(app: Backoffice, dmo: dict[str, Any], dmo_api: Arrange, tag: str) -> None:
    page = app.page
    to_checkout(app, dmo, tag)
    app.fill_address()
    page.get_by_label("Save this address for later orders").check()
    page.get_by_role("button", name="Continue to confirmation").click()
    expect(page.get_by_role("alert").get_by_role("link", name="Name for this address: Enter a name")).to_be_visible()

    page.get_by_label("Name for this address").fill("Berlin office")
    app.to_confirmation()
    expect(page.get_by_text("The shipping address will be saved as “Berlin office”.")).to_be_visible()
    app.place_order()

    expect(page.get_by_text("The shipping address is saved as “Berlin office”.")).to_be_visible()
    [kept] = saved_addresses(dmo_api)
    assert kept["label"] == "Berlin office" and kept["address"]["line1"] == "Torstrasse 101"
    page.get_by_role("link", name="See your saved addresses").click()
    expect(app.heading("Saved addresses")).to_be_visible()
    expect(page.get_by_role("heading", name="Berlin office", level=3)).to_be_visible()


@pytest.mark.usefixtures("no_saved_addresses")
def test_the_addresses_screen_adds_changes_and_removes_an_address(app: Backoffice, dmo: dict[str, Any], dmo_api: Arrange) -> None:
    page = app.page
    app.sign_in(dmo)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Addresses").click()
    expect(app.heading("Saved addresses")).to_be_visible()
    expect(app.heading("None saved yet", level=2)).to_be_visible()

    page.get_by_role("button", name="Add an address").click()
    fill_saved_address(page, "Munich store", postal_code="ABCDEFGHIJK")
    page.get_by_role("button", name="Save address").click()
    expect(page.get_by_role("alert").get_by_role("link", name="Postal code: must be a postcode of DE")).to_be_visible()
    page.get_by_label("Postal code").fill("80331")
    page.get_by_role("button", name="Save address").click()
    expect(page.get_by_role("status").filter(has_text="Munich store is saved.")).to_be_focused()
    card = page.get_by_role("listitem").filter(has=page.get_by_role("heading", name="Munich store"))
    expect(card).to_contain_text("Marienplatz 8")

    page.get_by_role("button", name="Change Munich store").click()
    page.get_by_label("Name for this address").fill("Munich shop")
    page.get_by_label("Address line 1").fill("Kaufingerstrasse 1")
    page.get_by_role("button", name="Save address").click()
    expect(page.get_by_role("status").filter(has_text="Munich shop is saved.")).to_be_visible()
    [kept] = saved_addresses(dmo_api)
    assert (kept["label"], kept["address"]["line1"], kept["address"]["postal_code"]) == ("Munich shop", "Kaufingerstrasse 1", "80331")

    page.get_by_role("button", name="Remove Munich shop").click()
    page.get_by_role("dialog").get_by_role("button", name="Cancel").click()
    assert len(saved_addresses(dmo_api)) == 1
    page.get_by_role("button", name="Remove Munich shop").click()
    page.get_by_role("dialog").get_by_role("button", name="Remove address").click()
    expect(page.get_by_role("status").filter(has_text="Munich shop is removed.")).to_be_visible()
    expect(app.heading("None saved yet", level=2)).to_be_visible()
    assert saved_addresses(dmo_api) == []


def fill_saved_address(page: Any, label: str, postal_code: str = "80331") -> None:
    page.get_by_label("Name for this address").fill(label)
    page.get_by_label("Recipient name").fill("Lena Vogt")
    page.get_by_label("Address line 1").fill("Marienplatz 8")
    page.get_by_label("Postal code").fill(postal_code)
    page.get_by_label("City").fill("München")
    page.get_by_label("Country").select_option("DE")
    page.get_by_label("Phone").fill("+49 89 1234567")
    page.get_by_label("Email", exact=True).fill("lena@dmo.example")


@pytest.mark.usefixtures("no_saved_addresses")
def test_the_addresses_screen_with_the_keyboard_alone(app: Backoffice, dmo: dict[str, Any], dmo_api: Arrange) -> None:
    page = app.page
    keyboard = KeyboardOnly(page)
    app.sign_in(dmo, lands_on="Home")
    # Back from the page's heading to the menu: as many stops whatever the brand's pool holds.
    keyboard.press(page.get_by_role("navigation", name="Main").get_by_role("link", name="Addresses"), backwards=True)
    expect(app.heading("Saved addresses")).to_be_visible()

    keyboard.press(page.get_by_role("button", name="Add an address"))
    expect(app.heading("Add an address", level=2)).to_be_focused()
    keyboard.fill(page.get_by_label("Name for this address"), "Cologne store")
    keyboard.fill(page.get_by_label("Recipient name"), "Ada Roth")
    keyboard.fill(page.get_by_label("Address line 1"), "Hohe Strasse 1")
    keyboard.fill(page.get_by_label("Postal code"), "50667")
    keyboard.fill(page.get_by_label("City"), "Köln")
    keyboard.choose(page.get_by_label("Country"), "Germany")
    keyboard.fill(page.get_by_label("Phone"), "+49 221 123456")
    keyboard.fill(page.get_by_label("Email", exact=True), "ada@dmo.example")
    keyboard.press(page.get_by_role("button", name="Save address"))
    expect(page.get_by_role("status").filter(has_text="Cologne store is saved.")).to_be_focused()

    keyboard.press(page.get_by_role("button", name="Change Cologne store"))
    keyboard.fill(page.get_by_label("Name for this address"), "Cologne shop")
    keyboard.press(page.get_by_role("button", name="Save address"))
    expect(page.get_by_role("status").filter(has_text="Cologne shop is saved.")).to_be_focused()

    keyboard.press(page.get_by_role("button", name="Remove Cologne shop"))
    expect(page.get_by_role("dialog").get_by_role("button", name="Cancel")).to_be_focused()
    keyboard.press(page.get_by_role("dialog").get_by_role("button", name="Remove address"))
    expect(page.get_by_role("status").filter(has_text="Cologne shop is removed.")).to_be_focused()
    assert saved_addresses(dmo_api) == []


@pytest.mark.usefixtures("no_saved_addresses")
@pytest.mark.parametrize("width", [1280, REFLOW_WIDTH], ids=["desktop", "320px"])
def test_the_addresses_screen_and_the_address_step_pass_axe(
    app: Backoffice, dmo: dict[str, Any], dmo_api: Arrange, width: int, tag: str
) -> None:
    page = app.page
    page.set_viewport_size(ViewportSize(width=width, height=900))
    save(dmo_api, "Hamburg store", HAMBURG)
    app.sign_in(dmo)
    app.open("/addresses", "Saved addresses")
    assert_accessible(page, f"saved addresses at {width}px")
    assert_reflows(page, f"saved addresses at {width}px")
    page.get_by_role("button", name="Change Hamburg store").click()
    page.get_by_label("Postal code").fill("ABCDEFGHIJK")
    page.get_by_role("button", name="Save address").click()
    expect(page.get_by_role("alert")).to_be_visible()
    assert_accessible(page, f"saved address form with a problem at {width}px")
    assert_reflows(page, f"saved address form at {width}px")
    page.get_by_role("button", name="Cancel").click()
    page.get_by_role("button", name="Remove Hamburg store").click()
    expect(page.get_by_role("dialog")).to_be_visible()
    assert_accessible(page, f"saved address removal to confirm at {width}px")
    page.get_by_role("dialog").get_by_role("button", name="Cancel").click()

    app.design_order(tag)
    app.confirm_materials()
    app.fill_address()
    page.get_by_label("Postal code").first.fill("ABCDEFGHIJK")
    page.get_by_label("Save this address for later orders").check()
    page.get_by_role("button", name="Continue to confirmation").click()
    expect(page.get_by_role("alert")).to_be_visible()
    assert_accessible(page, f"checkout, saved addresses and a refused postcode at {width}px")
    assert_reflows(page, f"checkout address step at {width}px")
