"""The order pool sorted, narrowed to order dates, and acted on as a selection: the selected rows exported as
CSV, and several orders paid as one payment with a card at the Stripe emulator."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlparse
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, Request, ViewportSize, expect

from tests.browser.accessibility import assert_accessible, assert_reflows
from tests.browser.backoffice import Arrange, Backoffice
from tests.browser.test_daily_work import CSV_COLUMNS
from tests.examples import mini_bulk

pytestmark = pytest.mark.e2e


def madrid_today() -> str:
    return datetime.now(UTC).astimezone(ZoneInfo("Europe/Madrid")).date().isoformat()


def shown_numbers(page: Page) -> list[str]:
    return page.get_by_role("table").locator("tbody tr th a").all_inner_texts()


def sorted_by(page: Page, column: str) -> str | None:
    return page.get_by_role("columnheader").filter(has=page.get_by_role("button", name=column, exact=True)).get_attribute("aria-sort")


def open_filters(page: Page) -> None:
    filters = page.locator("details.filter-box")
    if filters.get_attribute("open") is None:
        filters.get_by_text("Filter and search").click()


def test_the_pool_sorts_its_page_by_total_and_status_in_its_address_and_narrows_to_order_dates(
    app: Backoffice, dmo: dict[str, Any], dmo_api: Arrange, tag: str
) -> None:
    cheap = dmo_api.place(tag)["order_number"]
    dear = dmo_api.place(tag, **{k: v for k, v in mini_bulk().items() if k in ("type", "sizes")})["order_number"]
    cancelled = dmo_api.place(tag)["order_number"]
    dmo_api.call("POST", f"{dmo_api.orders_api}/orders/{cancelled}/cancel")
    page = app.page
    app.sign_in(dmo)
    app.search_pool(tag)
    assert shown_numbers(page) == [cancelled, dear, cheap]  # the API's order: newest first
    assert sorted_by(page, "Order date") == "descending"

    page.get_by_role("button", name="Total", exact=True).click()

    expect(page.get_by_text("Sorted by total, highest first: the 3 orders on this page.")).to_be_visible()
    assert sorted_by(page, "Total") == "descending" and sorted_by(page, "Order date") is None
    assert shown_numbers(page)[0] == dear
    assert "sort=-total" in page.url
    page.reload()  # the address alone reproduces the sort
    expect(page.get_by_role("table").get_by_role("caption")).to_contain_text("this page sorted by total, highest first")
    assert shown_numbers(page)[0] == dear
    page.get_by_role("button", name="Total", exact=True).click()
    expect(page.get_by_role("table").get_by_role("caption")).to_contain_text("total, lowest first")
    assert sorted_by(page, "Total") == "ascending" and shown_numbers(page)[-1] == dear
    page.get_by_role("button", name="Status", exact=True).click()
    expect(page.get_by_role("table").get_by_role("caption")).to_contain_text("status, awaiting payment first")
    assert shown_numbers(page)[-1] == cancelled and sorted_by(page, "Status") == "ascending"

    today = madrid_today()
    tomorrow = (datetime.fromisoformat(today) + timedelta(days=1)).date().isoformat()
    open_filters(page)
    page.get_by_label("Placed from").fill(today)
    page.get_by_label("Placed to").fill(today)
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_role("table").locator("tbody tr")).to_have_count(3)
    query = parse_qs(urlparse(page.url.replace("#/orders", "")).query)
    assert (query["created_from"], query["created_to"], query["sort"]) == ([today], [today], ["status"])
    listings: list[dict[str, list[str]]] = []

    def note(request: Request) -> None:
        url = urlparse(request.url)
        if url.path.endswith("/orders") and request.method == "GET":
            listings.append(parse_qs(url.query))

    page.on("request", note)
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download CSV").click()
    assert len(list(csv.reader(io.StringIO(open(download_info.value.path(), encoding="utf-8-sig").read())))) == 4
    assert [(q["created_from"], q["created_to"]) for q in listings] == [([today], [today])]  # the export keeps the dates
    assert_accessible(page, "order pool sorted by status, with a date range")

    page.get_by_label("Placed from").fill(tomorrow)
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_text("No orders match these filters.")).to_be_visible()  # from tomorrow to today: refused
    expect(page.locator(".error-summary")).to_contain_text("Placed to")
    expect(page.get_by_label("Placed to")).to_have_attribute("aria-invalid", "true")
    page.get_by_label("Placed to").fill(tomorrow)
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_text("No orders match these filters.")).to_be_visible()
    expect(page.locator(".error-summary")).to_have_count(0)


def test_the_selected_rows_export_as_csv_and_pay_as_one_payment_with_a_card(
    app: Backoffice, dmo: dict[str, Any], dmo_api: Arrange, tag: str
) -> None:
    first, second, third = (dmo_api.place(tag)["order_number"] for _ in range(3))
    paid = dmo_api.place(tag)["order_number"]
    dmo_api.pay(paid)
    page = app.page
    app.sign_in(dmo)
    app.search_pool(tag)
    pay_selected = page.get_by_role("button", name="Pay selected")
    expect(pay_selected).to_be_disabled()

    page.get_by_label("Select all on this page").check()
    expect(page.get_by_text("4 orders selected.")).to_be_visible()
    expect(pay_selected).to_be_disabled()  # a paid order cannot be paid again
    expect(page.get_by_text(f"Pay selected takes unpaid orders outside shipping groups; not {paid}.")).to_be_visible()
    page.get_by_label(f"Select {paid}").uncheck()
    page.get_by_label(f"Select {second}").uncheck()
    expect(page.get_by_text("2 orders selected.")).to_be_visible()
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Export selected").click()
    download = download_info.value
    assert download.suggested_filename.startswith("welt-orders-selected-")
    rows = list(csv.reader(io.StringIO(open(download.path(), encoding="utf-8-sig", newline="").read())))
    assert rows[0] == CSV_COLUMNS
    assert [row[0] for row in rows[1:]] == [third, first]  # exactly the selected rows, as the pool shows them
    assert_accessible(page, "order pool with two orders selected")
    page.set_viewport_size(ViewportSize(width=320, height=800))
    assert_reflows(page, "order pool with a selection at 320 px")
    assert_accessible(page, "order pool with a selection at 320 px")
    page.set_viewport_size(ViewportSize(width=1366, height=768))

    pay_selected.click()

    expect(app.heading("Pay 2 orders")).to_be_visible()
    summary = page.get_by_role("region", name="Cost summary")
    expect(summary).to_contain_text(f"Orders {third}, {first}")
    costs = [dmo_api.order(n)["costs"] for n in (third, first)]
    expect(summary.get_by_role("row", name="Shipping")).to_contain_text(f"€{sum(c['shipping'] for c in costs) / 100:.2f}")
    expect(summary.get_by_role("row", name="Total")).to_contain_text(f"€{sum(c['total'] for c in costs) / 100:,.2f}")
    assert_accessible(page, "paying two orders as one payment")
    app.pay()
    app.expect_paid()
    for number in (third, first):
        assert dmo_api.wait_for(number, lambda order: order["status"] == "WORK_IN_PROCESS")["payment_status"] == "PAID"
    assert dmo_api.order(second)["payment_status"] == "UNPAID"
