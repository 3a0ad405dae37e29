"""The brand's home page and invoices in Chromium: the home page's figures are the pool's, each opens the pool
filtered to its orders, the invoices download, both screens pass axe at desktop and 320 px and work by keyboard,
and every screen links to its page in the help center."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import ViewportSize, expect

from tests.browser.accessibility import REFLOW_WIDTH, assert_accessible, assert_reflows
from tests.browser.backoffice import Arrange, Backoffice
from tests.browser.keyboard import KeyboardOnly
from tests.internal_codes import internal_codes

pytestmark = pytest.mark.e2e

DOCS = Path(__file__).resolve().parents[2] / "docs"
PHONE = ViewportSize(width=REFLOW_WIDTH, height=640)
FIGURES = {"PENDING_PAYMENT": "awaiting payment", "WORK_IN_PROCESS": "in production"}


def euros(cents: int) -> str:
    return f"€{cents / 100:,.2f}"


def pool(api: Arrange, status: str) -> tuple[int, int]:
    """The pool's orders of one status, every page: how many, and their totals added up."""
    count, total, cursor = 0, 0, None
    while True:
        page = api.call(
            "GET", f"{api.orders_api}/orders", params={"status": status, "limit": 100, **({"cursor": cursor} if cursor else {})}
        )
        count += len(page["orders"])
        total += sum((order["group_share"] or order["costs"])["total"] for order in page["orders"])  # as the pool shows them
        cursor = page["next_cursor"]
        if cursor is None:
            return count, total


def orders(count: int) -> str:
    return f"{count} order" if count == 1 else f"{count} orders"


def test_the_home_page_shows_the_pools_figures_and_opens_the_pool_filtered(
    app: Backoffice, dmo: dict[str, Any], dmo_api: Arrange, tag: str
) -> None:
    dmo_api.place(tag)
    dmo_api.pay(dmo_api.place(tag)["order_number"])
    page = app.page
    app.sign_in(dmo, lands_on="Home")
    for status, words in FIGURES.items():
        count, total = pool(dmo_api, status)
        figure = page.get_by_role("region", name=words.capitalize())
        expect(figure.get_by_role("link", name=f"{orders(count)} {words}")).to_be_visible()
        expect(figure).to_contain_text(f"Total {euros(total)}")
    spent = dmo_api.call("GET", f"{dmo_api.payments_api}/brand/summary")["spend"]
    expect(page.get_by_role("region", name="Spend")).to_contain_text(euros(spent["this_year"]))

    for status, words in FIGURES.items():
        count, _ = pool(dmo_api, status)
        app.open("/home", "Home")
        page.get_by_role("link", name=f"{orders(count)} {words}").click()
        expect(app.heading("Order pool")).to_be_visible()
        assert page.url.endswith(f"#/orders?status={status}")
        expect(page.get_by_label("Status")).to_have_value(status)
        rows = page.locator("table tbody tr")
        expect(rows.first).to_be_visible()
        assert rows.count() == min(count, 25)


def test_home_and_invoices_pass_axe_at_desktop_and_320px_and_work_by_keyboard(
    app: Backoffice, dmo: dict[str, Any], dmo_api: Arrange, tag: str
) -> None:
    paid = dmo_api.pay(dmo_api.place(tag)["order_number"])
    page = app.page
    keyboard = KeyboardOnly(page)
    app.sign_in(dmo, lands_on="Home")
    assert_accessible(page, "home")
    assert internal_codes(page.inner_text("main")) == []
    keyboard.press(page.get_by_role("navigation", name="Main").get_by_role("link", name="Invoices"), backwards=True)
    expect(app.heading("Invoices")).to_be_focused()
    row = page.get_by_role("row").filter(has_text=paid["invoice_number"])
    expect(row).to_contain_text(paid["order_number"])
    assert_accessible(page, "invoices")
    assert internal_codes(page.inner_text("main")) == []
    with page.expect_download() as download:
        keyboard.press(row.get_by_role("button", name=f"Download {paid['invoice_number']}"))
    assert download.value.suggested_filename == f"{paid['invoice_number']}.pdf"
    expect(page.locator("#announcer")).to_contain_text(f"{paid['invoice_number']} downloaded")

    page.set_viewport_size(PHONE)
    assert_accessible(page, "invoices at 320 px")
    assert_reflows(page, "invoices at 320 px")
    app.open("/home", "Home")
    assert_accessible(page, "home at 320 px")
    assert_reflows(page, "home at 320 px")
    keyboard.press(page.get_by_role("link", name="awaiting payment"))
    expect(app.heading("Order pool")).to_be_focused()


def test_each_screen_links_to_its_page_in_the_help_center(app: Backoffice, dmo: dict[str, Any], staff_user: dict[str, Any]) -> None:
    page = app.page
    app.sign_in(dmo, lands_on="Home")
    help_link = page.get_by_role("link", name="Help for this page")
    for route, heading, help_page in (
        ("/home", "Home", "guide/home-and-invoices/"),
        ("/invoices", "Invoices", "guide/home-and-invoices/#invoices"),
        ("/orders", "Order pool", "guide/order-pool/"),
        ("/orders/new?fresh=1", "New order", "guide/design-to-order/"),
        ("/groups", "Shipping groups", "guide/group-shipping/"),
    ):
        app.open(route, heading)
        href = help_link.get_attribute("href") or ""
        assert href.endswith(help_page), (route, href)
        # The help center's page (the test stack serves none: its source is checked), and the section named.
        page_path, _, section = help_page.partition("#")
        source = (DOCS / page_path.rstrip("/")).with_suffix(".md").read_text()
        assert not section or f"\n## {section.capitalize()}\n" in source, (help_page, section)
    app.sign_out()
    app.sign_in(staff_user, lands_on="Production")
    assert (help_link.get_attribute("href") or "").endswith("guide/running-production/")
