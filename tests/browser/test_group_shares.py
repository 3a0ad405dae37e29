"""A grouped order's share of its group, in the browser: the pool, the order page and the CSV add up to the amount
charged; the group screens show where the group ships and offer to add only orders to its address."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
from playwright.sync_api import Page, ViewportSize, expect

from tests.browser.accessibility import REFLOW_WIDTH, assert_accessible, assert_reflows
from tests.browser.backoffice import Arrange, Backoffice
from tests.examples import BILLING, SHIPPING_ADDRESS

pytestmark = pytest.mark.e2e

PHONE = ViewportSize(width=REFLOW_WIDTH, height=640)
ELCHE = {**SHIPPING_ADDRESS, "line1": "Carrer de Sant Jordi 4", "city": "Elche", "postal_code": "03203", "country": "ES"}
SPANISH_BUYER = {**BILLING, "name": "Taller Demo S.L.", "vat_id": "ESB03999992", "address": {**BILLING["address"], "country": "ES"}}
UPPERS = ("calf-black", "shell-cordovan", "suede-sand")


def cents(text: str) -> int:
    """ "€1,234.56" as 123456."""
    found = re.search(r"€\s*([\d,]+)\.(\d{2})", text)
    assert found, text
    return int(found.group(1).replace(",", "")) * 100 + int(found.group(2))


def spanish_group(dmo_api: Arrange, tag: str) -> tuple[list[str], dict[str, Any]]:
    """Three shoes of three prices to Elche, grouped: the group's IVA does not split evenly."""
    numbers = []
    for upper in UPPERS:
        design = {"model": "derby", "materials": {"upper": upper, "lining": "leather-natural", "sole": "leather-sole"}}
        numbers.append(dmo_api.place(tag, shipping_address=ELCHE, billing=SPANISH_BUYER, design=design)["order_number"])
    return numbers, dmo_api.group(numbers)


def exported(page: Page) -> list[dict[str, str]]:
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download CSV").click()
    text = open(download_info.value.path(), encoding="utf-8-sig", newline="").read()
    return list(csv.DictReader(io.StringIO(text)))


def test_the_pool_the_order_page_and_the_csv_show_shares_adding_up_to_the_amount_charged(
    app: Backoffice, dmo: dict[str, Any], dmo_api: Arrange, tag: str
) -> None:
    numbers, group = spanish_group(dmo_api, tag)
    group_id = group["shipping_group_id"]
    page = app.page
    app.sign_in(dmo)
    app.open(f"/groups/{group_id}", f"Shipping group {group_id}")
    expect(page.get_by_text("Ships to Elche, Spain")).to_be_visible()
    page.get_by_role("link", name="Pay the group").click()
    app.pay()
    app.expect_paid()
    for number in numbers:
        dmo_api.wait_for(number, lambda order: order["status"] == "WORK_IN_PROCESS")
    payment_id = dmo_api.call("GET", f"{dmo_api.orders_api}/shipping-groups/{group_id}")["payment_id"]
    charged = dmo_api.call("GET", f"{dmo_api.payments_api}/payments/{payment_id}")["amount"]

    app.search_pool(tag)
    in_pool = [cents(app.pool_row(number).locator(".group-share").inner_text()) for number in numbers]
    assert sum(in_pool) == charged
    rows = {row["order_number"]: row for row in exported(page)}
    in_csv = [round(float(rows[number]["group_total_eur"]) * 100) for number in numbers]
    assert in_csv == in_pool and sum(round(float(rows[n]["group_shipping_eur"]) * 100) for n in numbers) == group["costs"]["shipping"]

    on_pages = []
    for number in numbers:
        app.open(f"/orders/{number}", f"Order {number}")
        share = page.get_by_role("table", name=f"Share of group {group_id}")
        on_pages.append(cents(share.get_by_role("row").filter(has_text="Total").inner_text()))
    assert on_pages == in_pool
    assert_accessible(page, "order page with its group share")


def test_add_an_order_offers_only_orders_to_the_groups_address(app: Backoffice, dmo: dict[str, Any], dmo_api: Arrange, tag: str) -> None:
    numbers = [dmo_api.place(tag)["order_number"] for _ in range(2)]
    group_id = dmo_api.group(numbers)["shipping_group_id"]
    paris = {**SHIPPING_ADDRESS, "line1": "12 rue Oberkampf", "city": "Paris", "postal_code": "75011", "country": "FR"}
    french = dmo_api.place(tag, shipping_address=paris)["order_number"]
    berlin = dmo_api.place(tag, shipping_address={**SHIPPING_ADDRESS, "city": " berlin "})["order_number"]  # the same, spelled otherwise
    page = app.page
    app.sign_in(dmo)
    app.open(f"/groups/{group_id}", f"Shipping group {group_id}")

    expect(page.get_by_text("Ships to Berlin, Germany")).to_be_visible()
    choice = page.get_by_label("Order", exact=True)
    offered = choice.locator("option").all_inner_texts()
    assert any(berlin in text for text in offered) and not any(french in text for text in offered), offered
    refused = dmo_api.session.post(f"{dmo_api.orders_api}/shipping-groups/{group_id}/orders", json={"order_number": french}, timeout=30)
    assert refused.status_code == 422 and f"{french} ships to FR, the group to DE" in refused.text

    choice.select_option(berlin)
    page.get_by_role("button", name="Add to the group").click()
    expect(page.get_by_role("status")).to_contain_text(f"{berlin} was added to group {group_id}.")
    table = page.get_by_role("table", name="Orders in the group")
    expect(table.get_by_role("link")).to_have_count(3)
    expect(table.get_by_role("columnheader", name="Share of total")).to_be_visible()


def test_the_group_screens_and_a_grouped_pool_row_on_a_desktop_and_a_small_phone(
    app: Backoffice, dmo: dict[str, Any], dmo_api: Arrange, tag: str
) -> None:
    numbers, group = spanish_group(dmo_api, tag)
    group_id = group["shipping_group_id"]
    page = app.page
    app.sign_in(dmo)
    for width in ("desktop", "phone"):
        if width == "phone":
            page.set_viewport_size(PHONE)
        app.open(f"/groups/{group_id}", f"Shipping group {group_id}")
        expect(page.get_by_role("table", name="Orders in the group").get_by_role("link")).to_have_count(3)
        assert_accessible(page, f"shipping group on a {width}")
        app.open("/groups", "Shipping groups")
        expect(page.get_by_role("row").filter(has_text=group_id)).to_contain_text("Elche, Spain")
        assert_accessible(page, f"shipping groups on a {width}")
        app.search_pool(tag)
        expect(app.pool_row(numbers[0]).locator(".group-share")).to_be_visible()
        assert_accessible(page, f"order pool with a group on a {width}")
        app.open(f"/orders/{numbers[0]}", f"Order {numbers[0]}")
        expect(page.get_by_role("table", name=f"Share of group {group_id}")).to_be_visible()
        assert_accessible(page, f"grouped order on a {width}")
        if width == "phone":
            assert_reflows(page, "grouped order on a phone")
            app.open(f"/groups/{group_id}", f"Shipping group {group_id}")
            assert_reflows(page, "shipping group on a phone")
