"""Checkout rules the buyer meets in the browser: first-order labeling, problems next to their fields, one order per attempt."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.backoffice import Arrange, Backoffice, user
from welt_stack.stack import LocalStack

pytestmark = pytest.mark.e2e


def test_a_brands_first_order_must_choose_labeling_and_the_next_one_starts_with_that_choice(
    app: Backoffice, stack: LocalStack, tag: str
) -> None:
    # BRK places no other order in this suite: this is its first.
    page = app.page
    app.sign_in(user(stack, "BRK"))
    app.design_order(tag, labeling=None, reviewed=False)
    labeling = page.get_by_role("group", name="Labeling")
    expect(labeling.get_by_role("radio", name="Unlabeled")).not_to_be_checked()
    expect(labeling.get_by_role("radio", name="Custom stamps")).not_to_be_checked()
    expect(labeling).to_contain_text("Choose how the shoes are labeled")
    summary = page.get_by_role("alert")
    expect(summary).to_be_focused()
    summary.get_by_role("link", name="Labeling: Choose how the shoes are labeled").click()
    expect(labeling.get_by_role("radio", name="Unlabeled")).to_be_focused()

    labeling.get_by_role("radio", name="Custom stamps").check()
    page.get_by_role("button", name="Review raw materials").click()
    review = page.get_by_role("region", name="Confirm the raw materials")
    expect(review).to_contain_text("Stamp development€250.00")
    app.confirm_materials()
    app.fill_address()
    app.to_confirmation()
    expect(page.get_by_role("row", name="Customization €250.00")).to_be_visible()
    app.place_order()

    app.open("/orders/new?fresh=1", "New order")
    expect(page.get_by_role("group", name="Labeling").get_by_role("radio", name="Custom stamps")).to_be_checked()


def test_design_reference_beyond_the_limit_is_refused_next_to_its_field(app: Backoffice, dmo: dict[str, Any], tag: str) -> None:
    """The server's 422 loc ["body", "order", "design", "design_ref"] lands on the design reference field."""
    app.sign_in(dmo)
    app.open("/orders/new?fresh=1", "New order")
    reference = app.page.get_by_label("Design reference")
    reference.evaluate("input => input.removeAttribute('maxlength')")  # as an old browser or a paste would
    reference.fill("x" * 65)
    app.page.get_by_label("Size", exact=True).select_option("EU41.5")
    app.page.get_by_role("radio", name="Unlabeled").check()
    app.page.get_by_role("button", name="Review raw materials").click()

    expect(reference).to_have_attribute("aria-invalid", "true")
    field = app.page.locator(".field", has=reference)
    expect(field.locator(".field-error")).to_contain_text("at most 64 characters")
    expect(app.page.get_by_role("alert")).to_contain_text("Design reference:")


def test_an_address_problem_from_the_server_is_shown_at_its_field_and_a_double_click_places_one_order(
    app: Backoffice, dmo: dict[str, Any], dmo_api: Arrange, tag: str
) -> None:
    page = app.page
    app.sign_in(dmo)
    app.design_order(tag)
    app.confirm_materials()
    app.fill_address(phone="call me maybe")

    page.get_by_role("button", name="Continue to confirmation").click()

    # POST /orders/check answered 422 at ["body", "shipping_address", "phone"]: still on the address step, at the phone.
    expect(app.heading("Confirm specs and costs", level=2)).to_be_hidden()
    phone = page.get_by_label("Phone")
    expect(phone).to_have_attribute("aria-invalid", "true")
    expect(page.locator(".field", has=phone).locator(".field-error")).to_contain_text("must be a phone number")
    summary = page.get_by_role("alert")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link", name="Phone:")).to_be_visible()
    assert dmo_api.orders_tagged(tag) == []

    phone.fill("+49 30 7654321")
    app.to_confirmation()
    page.get_by_role("button", name="Place order").dblclick()

    expect(app.heading("Order placed")).to_be_visible()
    assert len(dmo_api.orders_tagged(tag)) == 1
