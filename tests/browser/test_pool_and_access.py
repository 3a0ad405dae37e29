"""The order pool's filters and pages, sign-in, and what keyboard, screen-reader and phone users rely on."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, ViewportSize, expect

from tests.browser.accessibility import assert_accessible, assert_reflows
from tests.browser.backoffice import Arrange, Backoffice
from tests.internal_codes import internal_codes

pytestmark = pytest.mark.e2e

UNNAMED_CONTROLS = """() => [...document.querySelectorAll('input, select, textarea, button, a[href]')]
  .filter((el) => el.getClientRects().length && !el.closest('[hidden]'))
  .filter((el) => {
    const named = (el.labels && el.labels.length) || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
    return !named && !(el.textContent || '').trim();
  })
  .map((el) => el.outerHTML.slice(0, 120))"""


def unnamed_controls(page: Page) -> list[str]:
    found: list[str] = page.evaluate(UNNAMED_CONTROLS)
    return found


def test_the_pool_filters_by_search_and_status_and_pages_with_the_cursor(
    app: Backoffice, dmo: dict[str, Any], dmo_api: Arrange, tag: str
) -> None:
    numbers = [dmo_api.place(tag)["order_number"] for _ in range(11)]
    page = app.page
    app.sign_in(dmo)
    app.search_pool(tag)
    page.get_by_label("Rows per page").select_option("10")
    page.get_by_role("button", name="Apply filters").click()

    table = page.get_by_role("table")
    expect(table.get_by_role("caption")).to_have_text("Orders, page 1 (filtered)")
    expect(table.locator("tbody tr")).to_have_count(10)
    expect(table.get_by_role("link", name=numbers[-1], exact=True)).to_be_visible()  # newest first
    page.get_by_role("button", name="Next page").click()
    expect(page.get_by_role("table").get_by_role("caption")).to_have_text("Orders, page 2 (filtered)")
    expect(page.get_by_role("table").locator("tbody tr")).to_have_count(1)
    expect(page.get_by_role("table").get_by_role("link", name=numbers[0], exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Next page")).to_have_count(0)
    page.get_by_role("button", name="Previous page").click()
    expect(page.get_by_role("table").get_by_role("caption")).to_have_text("Orders, page 1 (filtered)")

    page.get_by_label("Status").select_option("WORK_IN_PROCESS")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_text("No orders match these filters.")).to_be_visible()


def test_a_wrong_password_is_refused_at_the_field_and_a_deep_link_survives_sign_in(app: Backoffice, dmo: dict[str, Any]) -> None:
    page = app.page
    page.goto(f"{app.web}/#/groups")
    expect(app.heading("Sign in")).to_be_visible()
    page.get_by_label("Email address").fill(dmo["email"])
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("Incorrect email address or password.")
    expect(page.get_by_label("Password")).to_have_attribute("aria-invalid", "true")

    page.get_by_label("Password").fill(dmo["password"])
    page.get_by_role("button", name="Sign in").click()

    expect(app.heading("Shipping groups")).to_be_visible()
    assert page.evaluate("sessionStorage.getItem('welt.idToken')").count(".") == 2


def test_screens_name_every_control_and_move_focus_to_the_heading(app: Backoffice, dmo: dict[str, Any], dmo_api: Arrange, tag: str) -> None:
    number = dmo_api.place(tag)["order_number"]
    page = app.page
    app.sign_in(dmo)
    for route, heading in (
        ("/orders", "Order pool"),
        ("/orders/new?fresh=1", "New order"),
        (f"/orders/{number}", f"Order {number}"),
        (f"/pay?order={number}", f"Pay order {number}"),
        ("/groups", "Shipping groups"),
    ):
        page.goto(f"{app.web}/#{route}")
        expect(app.heading(heading)).to_be_focused()
        expect(page).to_have_title(f"{heading} — Welt")
        if route.startswith("/pay"):
            expect(page.get_by_label("Card number")).to_be_visible()
        assert unnamed_controls(page) == [], route
    # The menu's link: the groups screen may also point to the pool in its text (when the brand has no group yet).
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Order pool").click()
    expect(app.heading("Order pool")).to_be_focused()
    page.keyboard.press("Tab")  # from the heading, the keyboard goes on into the page, not back to the menu
    expect(page.get_by_role("main").get_by_role("link", name="New order")).to_be_focused()


def test_on_a_phone_the_pool_and_checkout_fit_the_screen(app: Backoffice, dmo: dict[str, Any], dmo_api: Arrange, tag: str) -> None:
    dmo_api.place(tag)
    page = app.page
    page.set_viewport_size(ViewportSize(width=390, height=844))
    app.sign_in(dmo)
    app.search_pool(tag)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    row = page.get_by_role("table").locator("tbody tr").first
    expect(row.get_by_role("cell", name="Awaiting payment")).to_be_visible()
    app.design_order(tag)
    app.confirm_materials()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


LINES_OF = """(row) => {
  // The vertical bands a row's visible text and controls take up: overlapping boxes are one line.
  const boxes = [];
  const walker = document.createTreeWalker(row, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    if (walker.currentNode.parentElement.closest('.visually-hidden')) continue;
    const range = document.createRange();
    range.selectNodeContents(walker.currentNode);
    boxes.push(...[...range.getClientRects()].filter((r) => r.width > 1 && r.height > 1));
  }
  row.querySelectorAll('input').forEach((el) => boxes.push(...el.getClientRects()));
  boxes.sort((a, b) => a.top - b.top);
  let lines = 0;
  let bottom = -Infinity;
  for (const box of boxes) {
    if (box.top >= bottom - 2) { lines += 1; bottom = box.bottom; } else bottom = Math.max(bottom, box.bottom);
  }
  return lines;
}"""


def test_on_a_laptop_the_pool_shows_pay_and_order_again_without_scrolling_sideways(
    app: Backoffice, dmo: dict[str, Any], dmo_api: Arrange, tag: str
) -> None:
    number = dmo_api.place(tag)["order_number"]
    page = app.page
    page.set_viewport_size(ViewportSize(width=1366, height=768))
    app.sign_in(dmo)
    app.search_pool(tag)
    row = app.pool_row(number)
    for action in (row.get_by_role("link", name=f"Pay order {number}"), row.get_by_role("button", name=f"Order again like {number}")):
        box = action.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 1366, box
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    wrap = page.get_by_role("region", name="Orders table")
    assert wrap.evaluate("(el) => el.scrollWidth <= el.clientWidth"), "the table scrolls sideways at 1366 px"
    expect(row.get_by_role("cell", name="Berlin, Germany")).to_be_visible()
    expect(row.get_by_role("cell", name="Awaiting payment")).to_be_visible()

    # Unpaid orders have no production, invoice or tracking: filtered to them, the pool leaves those columns out.
    headers = page.get_by_role("table").locator("thead th")
    expect(headers.filter(has_text="Production")).to_have_count(1)
    page.get_by_label("Status").select_option("PENDING_PAYMENT")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_role("table").get_by_role("caption")).to_have_text("Orders, page 1 (filtered)")
    expect(headers.filter(has_text="Production")).to_have_count(0)
    expect(headers.filter(has_text="Invoice")).to_have_count(0)
    expect(headers.filter(has_text="Group")).to_have_count(1)
    assert internal_codes(page.inner_text("main")) == []
    assert_accessible(page, "order pool at 1366 px, awaiting payment")


def test_on_a_phone_an_order_takes_at_most_four_lines(app: Backoffice, dmo: dict[str, Any], dmo_api: Arrange, tag: str) -> None:
    unpaid = dmo_api.place(tag)["order_number"]
    paid = dmo_api.place(tag)["order_number"]
    dmo_api.pay(paid)
    page = app.page
    page.set_viewport_size(ViewportSize(width=390, height=844))
    app.sign_in(dmo)
    app.search_pool(tag)
    for number in (unpaid, paid):
        row = app.pool_row(number)
        expect(row).to_be_visible()
        lines = row.evaluate(LINES_OF)
        assert 3 <= lines <= 4, f"{number} takes {lines} lines"
    expect(app.pool_row(paid).get_by_text("In production · Cutting")).to_be_visible()
    expect(app.pool_row(unpaid).get_by_role("link", name=f"Pay order {unpaid}")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert_accessible(page, "order pool on a phone")
    page.set_viewport_size(ViewportSize(width=320, height=700))
    assert_reflows(page, "order pool at 320 px")
    assert_accessible(page, "order pool at 320 px")
