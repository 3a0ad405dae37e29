"""What a brand does every day, in the browser: suggested groups, order again, the CSV export, ship dates."""

from __future__ import annotations

import csv
import io
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import Page, Request, expect

from tests.browser.accessibility import assert_accessible
from tests.browser.backoffice import Arrange, Backoffice
from tests.examples import SHIPPING_ADDRESS
from tests.internal_codes import internal_codes

pytestmark = pytest.mark.e2e

CSV_COLUMNS = [
    "order_number",
    "created_at",
    "wip_started_at",
    "expected_ship_date",
    "shipped_at",
    "type",
    "type_code",
    "model",
    "model_code",
    "upper",
    "upper_code",
    "lining",
    "lining_code",
    "sole",
    "sole_code",
    "design_ref",
    "sizes",
    "pairs",
    "labeling",
    "labeling_code",
    "status",
    "status_code",
    "production_stage",
    "production_stage_code",
    "payment_status",
    "payment_status_code",
    "shipping_group_id",
    "invoice_number",
    "carrier",
    "tracking_number",
    "manufacturing_eur",
    "shipping_eur",
    "customization_eur",
    "net_eur",
    "vat_eur",
    "total_eur",
    "group_shipping_eur",
    "group_total_eur",
    "currency",
]
SHOWN_DAY = """iso => new Intl.DateTimeFormat('en-GB', {day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC'})
                 .format(new Date(iso + 'T00:00:00Z'))"""


def shown_day(page: Page, iso: str) -> str:
    text: str = page.evaluate(SHOWN_DAY, iso)
    return text


def test_a_suggested_group_is_created_with_one_click(app: Backoffice, dmo: dict[str, Any], dmo_api: Arrange, tag: str) -> None:
    # An address only this test uses, so its suggestion is this test's orders and no one else's.
    address = {**SHIPPING_ADDRESS, "line1": f"Werkhof {tag}"}
    numbers = [dmo_api.place(tag, shipping_address=address)["order_number"] for _ in range(3)]
    page = app.page
    app.sign_in(dmo)

    suggestions = page.get_by_role("region", name="Suggested shipping groups")
    suggestion = suggestions.get_by_role("listitem").filter(has=page.get_by_role("heading", name=f"Werkhof {tag}"))
    expect(suggestion.get_by_role("heading")).to_have_text(f"3 orders to Mara Jensen, Werkhof {tag}, 10119 Berlin")
    # Germany: apart 3 x (15.00 + 3.00); together 15.00 + 3 x 3.00.
    expect(suggestion).to_contain_text("Save €30.00 on shipping: €54.00 apart, €24.00 together.")
    expect(suggestion).to_contain_text(", ".join(reversed(numbers)))
    assert all(order["shipping_group_id"] is None for order in dmo_api.orders_tagged(tag))  # nothing made yet
    assert_accessible(page, "pool with group suggestions")

    suggestion.get_by_role("button", name="Create group").click()

    expect(app.heading("Shipping group G", level=1)).to_be_visible()
    group_id = page.get_by_role("heading", level=1).inner_text().removeprefix("Shipping group ")
    expect(page.get_by_role("status")).to_contain_text(f"Shipping group {group_id} created: you save €30.00")
    assert {dmo_api.order(n)["shipping_group_id"] for n in numbers} == {group_id}
    app.open("/orders", "Order pool")
    expect(page.get_by_role("heading", name=f"Werkhof {tag}")).to_have_count(0)


def test_order_again_fills_the_form_from_a_paid_order_and_checks_out_the_same_design(
    app: Backoffice, dmo: dict[str, Any], dmo_api: Arrange, tag: str
) -> None:
    design = {"model": "desert-boot", "materials": {"upper": "suede-sand", "lining": "unlined", "sole": "crepe"}, "design_ref": tag}
    earlier = dmo_api.place(tag, design=design, sizes=[{"size": "EU43.5", "pairs": 1}])
    assert dmo_api.pay(earlier["order_number"])["status"] == "WORK_IN_PROCESS"
    page = app.page
    app.sign_in(dmo)
    app.search_pool(tag)
    app.pool_row(earlier["order_number"]).get_by_role("button", name="Order again").click()

    expect(app.heading("New order")).to_be_visible()
    expect(page.get_by_text(f"Ordering again from order {earlier['order_number']}")).to_be_visible()
    expect(page.get_by_label("Model")).to_have_value("desert-boot")
    expect(page.get_by_label("Upper")).to_have_value("suede-sand")
    expect(page.get_by_label("Lining")).to_have_value("unlined")
    expect(page.get_by_label("Sole")).to_have_value("crepe")
    assert_accessible(page, "new order, ordering again")
    expect(page.get_by_label("Design reference")).to_have_value(tag)
    expect(page.get_by_label("Size", exact=True)).to_have_value("EU43.5")
    page.get_by_role("button", name="Review raw materials").click()
    app.confirm_materials()
    expect(page.get_by_label("Recipient name")).to_have_value("Mara Jensen")
    expect(page.get_by_label("Phone")).to_have_value(SHIPPING_ADDRESS["phone"])
    app.to_confirmation()
    again = app.place_order()

    assert again != earlier["order_number"]
    placed = dmo_api.order(again)
    assert (placed["status"], placed["payment_status"]) == ("PENDING_PAYMENT", "UNPAID")
    for part in ("type", "design", "sizes", "labeling", "shipping_address"):
        assert placed[part] == earlier[part], part
    assert {k: placed["billing"][k] for k in ("name", "email", "vat_id")} == {k: earlier["billing"][k] for k in ("name", "email", "vat_id")}
    quoted = dmo_api.call(
        "POST",
        f"{dmo_api.orders_api}/quotes",
        json={
            "order": {
                "type": "MTO",
                "design": design,
                "sizes": [{"size": "EU43.5", "pairs": 1}],
                "country": "DE",
                "postal_code": earlier["shipping_address"]["postal_code"],
                "vat_id": earlier["billing"]["vat_id"],
            }
        },
    )
    assert placed["costs"] == quoted["costs"]  # today's catalog prices, not copied from the earlier order

    app.open(f"/orders/{earlier['order_number']}", f"Order {earlier['order_number']}")
    page.get_by_role("button", name="Order again").click()
    expect(app.heading("New order")).to_be_visible()
    expect(page.get_by_label("Model")).to_have_value("desert-boot")


def test_download_csv_exports_every_order_the_filters_match_page_by_page(
    app: Backoffice, dmo: dict[str, Any], dmo_api: Arrange, tag: str
) -> None:
    awkward = f'=SUM(1,2) "{tag}", second part'  # quotes and a comma to quote (a line break is refused at checkout)
    numbers = [dmo_api.place(tag)["order_number"] for _ in range(100)]
    numbers.append(dmo_api.place(awkward)["order_number"])  # its design reference holds the tag, so the search finds it
    paid = dmo_api.pay(numbers[0])
    page = app.page
    app.sign_in(dmo)
    app.search_pool(tag)
    listings: list[dict[str, list[str]]] = []

    def note(request: Request) -> None:
        url = urlparse(request.url)
        if request.method == "GET" and url.path == "/orders":
            listings.append(parse_qs(url.query))

    page.on("request", note)
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download CSV").click()
    download = download_info.value
    assert download.suggested_filename.startswith("welt-orders-") and download.suggested_filename.endswith(".csv")
    text = open(download.path(), encoding="utf-8-sig", newline="").read()

    # 101 orders: two normal pages of at most 100, the second asked for with the first one's cursor.
    assert [(q["limit"], q["q"], "cursor" in q) for q in listings] == [(["100"], [tag], False), (["100"], [tag], True)]
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == CSV_COLUMNS
    exported = [dict(zip(CSV_COLUMNS, row, strict=True)) for row in rows[1:]]
    assert [row["order_number"] for row in exported] == list(reversed(numbers))  # newest first, like the pool
    assert exported[0]["design_ref"] == "'" + awkward  # a spreadsheet shows it as text, never runs it
    paid_row = next(row for row in exported if row["order_number"] == numbers[0])
    assert (paid_row["status"], paid_row["payment_status"], paid_row["production_stage"]) == ("In production · Cutting", "Paid", "Cutting")
    codes = (paid_row["status_code"], paid_row["payment_status_code"], paid_row["production_stage_code"])
    assert codes == ("WORK_IN_PROCESS", "PAID", "CUTTING")
    assert (paid_row["upper"], paid_row["upper_code"], paid_row["labeling_code"]) == ("Tan calf leather", "calf-tan", "UNLABELED")
    # Cells meant for people carry words; the codes stay in their *_code columns.
    for row in exported:
        read = {name: cell for name, cell in row.items() if not name.endswith("_code") and name != "design_ref"}
        assert internal_codes(" | ".join(read.values())) == [], row["order_number"]
    assert paid_row["invoice_number"] == paid["invoice_number"] and paid_row["expected_ship_date"] == paid["expected_ship_date"]
    assert (paid_row["total_eur"], paid_row["currency"]) == (f"{paid['costs']['total'] / 100:.2f}", "EUR")
    assert paid_row["model"] == "Derby" and paid_row["sizes"] == "EU42x1" and paid_row["pairs"] == "1"


def test_ship_dates_show_in_the_pool_the_order_and_the_staff_screens_and_move_with_the_stage(
    app: Backoffice, dmo: dict[str, Any], staff_user: dict[str, Any], dmo_api: Arrange, staff_api: Arrange, tag: str
) -> None:
    number = dmo_api.place(tag)["order_number"]
    cutting = dmo_api.pay(number)["expected_ship_date"]
    assert cutting
    page = app.page
    app.sign_in(dmo)
    app.search_pool(tag)
    expect(app.pool_row(number).get_by_text("In production · Cutting")).to_be_visible()
    expect(app.pool_row(number).locator("td[data-label='Production']")).to_contain_text(f"Ships {shown_day(page, cutting)}")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # the wider pool still fits
    app.open(f"/orders/{number}", f"Order {number}")
    expect(page.get_by_role("region", name="Status")).to_contain_text(f"Expected to ship{shown_day(page, cutting)}")
    assert_accessible(page, "order detail with its ship date")

    staff_api.move_to_stage(number, "PACKING")
    packing = dmo_api.order(number)["expected_ship_date"]
    assert packing and packing < cutting
    page.reload()
    expect(page.get_by_role("region", name="Status")).to_contain_text(f"Expected to ship{shown_day(page, packing)}")

    app.sign_out()
    app.sign_in(staff_user, lands_on="Production")
    page.get_by_label("Search").fill(tag)
    page.get_by_role("button", name="Apply filters").click()
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=number, exact=True))
    expect(row.locator("td[data-label='Expected to ship']")).to_have_text(shown_day(page, packing))
    assert_accessible(page, "staff production list with ship dates")
    row.get_by_role("link", name=number, exact=True).click()
    expect(page.get_by_role("region", name="Status")).to_contain_text(f"Expected to ship{shown_day(page, packing)}")


def test_a_suggestion_overtaken_by_a_change_says_why_and_offers_fresh_suggestions(
    app: Backoffice, dmo: dict[str, Any], dmo_api: Arrange, tag: str
) -> None:
    address = {**SHIPPING_ADDRESS, "line1": f"Werkhof {tag}"}
    numbers = [dmo_api.place(tag, shipping_address=address)["order_number"] for _ in range(3)]
    page = app.page
    app.sign_in(dmo)
    suggestion = page.get_by_role("listitem").filter(has=page.get_by_role("heading", name=f"Werkhof {tag}"))
    expect(suggestion).to_contain_text("Save €30.00")
    dmo_api.call("POST", f"{dmo_api.orders_api}/orders/{numbers[0]}/cancel")  # in another tab, say

    suggestion.get_by_role("button", name="Create group").click()

    expect(suggestion.get_by_role("alert")).to_contain_text(f"{numbers[0]} is CANCELLED")
    assert_accessible(page, "suggestion overtaken by a change")
    assert all(dmo_api.order(n)["shipping_group_id"] is None for n in numbers)
    suggestion.get_by_role("button", name="Reload the suggestions").click()
    expect(page.get_by_role("heading", name=f"2 orders to Mara Jensen, Werkhof {tag}")).to_be_visible()
