"""Factory staff run production in the browser; the brand follows it in its own backoffice."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import ViewportSize, expect

from tests.browser.accessibility import REFLOW_WIDTH, assert_accessible, assert_reflows
from tests.browser.backoffice import Arrange, Backoffice
from tests.internal_codes import internal_codes

pytestmark = pytest.mark.e2e

PHONE = ViewportSize(width=REFLOW_WIDTH, height=640)


def test_staff_ship_an_order_and_the_brand_sees_the_tracking(
    app: Backoffice, dmo: dict[str, Any], staff_user: dict[str, Any], dmo_api: Arrange, tag: str, tmp_path: Path
) -> None:
    number = dmo_api.place(tag)["order_number"]
    assert dmo_api.pay(number)["status"] == "WORK_IN_PROCESS"
    page = app.page
    app.sign_in(staff_user, lands_on="Production")
    page.get_by_label("Brand", exact=True).select_option("DMO")
    page.get_by_label("Status").select_option("WORK_IN_PROCESS")
    page.get_by_label("Search").fill(tag)
    page.get_by_role("button", name="Apply filters").click()
    page.get_by_role("link", name=number).click()

    expect(app.heading(f"Order {number}")).to_be_visible()
    assert internal_codes(page.inner_text("main")) == [], "the staff order page"
    page.get_by_label("Move to stage").select_option("PACKING")
    page.get_by_role("button", name="Move stage").click()
    page.get_by_role("dialog", name=f"Move {number} to Packing?").get_by_role("button", name="Move to Packing").click()
    expect(page.get_by_role("status")).to_contain_text(f"{number} is now at Packing.")
    page.get_by_label("Move to stage").select_option("READY_TO_SHIP")
    page.get_by_role("button", name="Move stage").click()
    expect(page.get_by_role("status")).to_contain_text("Ready to ship")
    page.get_by_label("Carrier").fill("DHL Express")
    page.get_by_label("Tracking number").fill("JD014600006281")
    page.get_by_label("Tracking URL").fill("https://www.dhl.com/track?AWB=JD014600006281")
    page.get_by_role("button", name="Ship order").click()
    expect(page.get_by_role("status")).to_contain_text("Shipped with DHL Express, tracking number JD014600006281.")

    app.sign_out()
    app.sign_in(dmo)
    app.search_pool(tag)
    row = app.pool_row(number)
    expect(row.get_by_text("Shipped", exact=True)).to_be_visible()
    assert internal_codes(page.inner_text("main")) == [], "the order pool"
    expect(row.get_by_role("link", name="DHL Express JD014600006281")).to_have_attribute(
        "href", "https://www.dhl.com/track?AWB=JD014600006281"
    )
    row.get_by_role("link", name=number).click()

    expect(app.heading(f"Order {number}")).to_be_visible()
    timeline = page.get_by_role("list").filter(has_text="Order placed")
    for step in ("Order placed", "Payment started", "Paid: launched to production", "Production stage changed", "Shipped"):
        expect(timeline).to_contain_text(step)
    expect(timeline).to_contain_text("Packing → Ready to ship")
    expect(page.locator("dd.tracking")).to_contain_text("DHL Express JD014600006281")
    status = page.get_by_role("region", name="Status")
    expect(status).to_contain_text("Production stageShipped")  # no longer "Ready to ship" once it left
    assert internal_codes(page.inner_text("main")) == [], "the order page"
    invoice = dmo_api.order(number)["invoice_number"]
    with page.expect_download() as download:
        page.get_by_role("button", name=f"Download invoice {invoice}").click()
    saved = tmp_path / "invoice.pdf"
    download.value.save_as(saved)
    assert download.value.suggested_filename == f"{invoice}.pdf"
    assert saved.read_bytes().startswith(b"%PDF")


def test_staff_ship_a_paid_group_under_one_tracking_number_and_mark_an_order_delivered(
    app: Backoffice, staff_user: dict[str, Any], dmo_api: Arrange, staff_api: Arrange, tag: str
) -> None:
    numbers = [dmo_api.place(tag)["order_number"] for _ in range(2)]
    group_id = dmo_api.group(numbers)["shipping_group_id"]
    dmo_api.pay_group(group_id, numbers)
    for number in numbers:
        staff_api.move_to_stage(number, "READY_TO_SHIP")
    page = app.page
    app.sign_in(staff_user, lands_on="Production")
    app.open(f"/staff/orders/{numbers[0]}", f"Order {numbers[0]}")

    ship = page.get_by_role("form", name=f"Ship group {group_id}")
    ship.get_by_label("Carrier").fill("UPS")
    ship.get_by_label("Tracking number").fill("1Z 999 AA1 01 2345 6784")
    ship.get_by_role("button", name=f"Ship group {group_id}").click()

    expect(page.get_by_role("status")).to_contain_text("Shipped with UPS, tracking number 1Z 999 AA1 01 2345 6784.")
    for number in numbers:
        order = dmo_api.order(number)
        assert (order["status"], order["tracking"]["tracking_number"]) == ("SHIPPED", "1Z 999 AA1 01 2345 6784")
    page.get_by_role("button", name="Mark delivered").click()
    expect(page.get_by_role("status")).to_contain_text(f"{numbers[0]} is delivered.")
    assert dmo_api.order(numbers[0])["status"] == "DELIVERED"


def test_staff_mark_a_brands_stamps_ready(app: Backoffice, staff_user: dict[str, Any]) -> None:
    app.sign_in(staff_user, lands_on="Production")
    app.page.get_by_label("Brand code").fill("DMO")
    app.page.get_by_role("button", name="Mark stamps ready").click()
    expect(app.page.get_by_role("status")).to_contain_text("Stamps of Demo Atelier are READY.")


def test_a_brand_user_is_kept_out_of_production_and_staff_out_of_the_order_pool(
    app: Backoffice, dmo: dict[str, Any], staff_user: dict[str, Any]
) -> None:
    app.sign_in(dmo)
    expect(app.page.get_by_role("navigation", name="Main").get_by_role("link", name="Production")).to_be_hidden()
    app.open("/staff", "Not for this account")
    app.sign_out()
    app.sign_in(staff_user, lands_on="Production")
    app.open("/orders", "Not for this account")


def test_staff_see_a_payment_stripe_charged_otherwise_than_priced(
    app: Backoffice, staff_user: dict[str, Any], dmo_api: Arrange, tag: str
) -> None:
    number = dmo_api.place(tag)["order_number"]
    held = dmo_api.charged_another_amount(number)
    assert held["status"] == "NEEDS_REVIEW"
    page = app.page
    app.sign_in(staff_user, lands_on="Production")

    review = page.get_by_role("region", name="Payments to review")
    row = review.get_by_role("row").filter(has_text=held["payment_id"])
    expect(row).to_contain_text("DMO")
    expect(row).to_contain_text("Stripe charged 100 EUR for a payment of")
    row.get_by_role("link", name=number).click()
    expect(app.heading(f"Order {number}")).to_be_visible()


def test_staff_confirm_a_stage_jump_and_undo_it_within_the_minute(
    app: Backoffice, staff_user: dict[str, Any], dmo_api: Arrange, tag: str
) -> None:
    number = dmo_api.place(tag)["order_number"]
    dmo_api.pay(number)
    page = app.page
    app.sign_in(staff_user, lands_on="Production")
    page.get_by_label("Brand", exact=True).select_option("DMO")
    page.get_by_label("Search").fill(tag)
    page.get_by_role("button", name="Apply filters").click()
    page.get_by_role("link", name=number, exact=True).click()
    expect(app.heading(f"Order {number}")).to_be_visible()

    page.get_by_label("Move to stage").select_option("PACKING")
    page.get_by_role("button", name="Move stage").click()
    question = page.get_by_role("dialog", name=f"Move {number} to Packing?")
    expect(question).to_contain_text("This skips Stitching, Lasting, Finishing.")
    expect(question).to_contain_text("You can undo the move for a minute.")
    expect(question.get_by_role("button", name="Cancel")).to_be_focused()
    assert_accessible(page, "staff order, a stage jump to confirm")
    page.keyboard.press("Escape")
    expect(question).to_be_hidden()
    assert dmo_api.order(number)["production_stage"] == "CUTTING"

    page.get_by_role("button", name="Move stage").click()
    question.get_by_role("button", name="Move to Packing").click()
    expect(page.get_by_role("status")).to_contain_text(f"{number} is now at Packing.")
    undo = page.get_by_role("region", name="Moved by mistake?")
    expect(undo).to_contain_text(f"{number} moved from Cutting to Packing. You can undo it for a minute.")
    assert_accessible(page, "staff order, a move to undo")
    page.set_viewport_size(PHONE)
    assert_reflows(page, "staff order, a move to undo, on a phone")
    assert_accessible(page, "staff order, a move to undo, on a phone")
    undo.get_by_role("button", name="Undo move to Packing").click()

    expect(page.get_by_role("status")).to_contain_text(f"{number} is back at Cutting.")
    expect(undo).to_be_hidden()
    assert dmo_api.order(number)["production_stage"] == "CUTTING"
    timeline = page.get_by_role("list").filter(has_text="Order placed")
    expect(timeline).to_contain_text("Stage move undone")
    expect(timeline).to_contain_text("Packing → Cutting")
    assert internal_codes(page.inner_text("main")) == [], "the staff order page after an undo"


def test_staff_move_selected_orders_with_one_confirmation_sort_them_and_undo_the_move(
    app: Backoffice, staff_user: dict[str, Any], dmo_api: Arrange, tag: str
) -> None:
    older, newer = (dmo_api.place(tag)["order_number"] for _ in range(2))
    unpaid = dmo_api.place(tag)["order_number"]
    for number in (older, newer):
        dmo_api.pay(number)
    page = app.page
    app.sign_in(staff_user, lands_on="Production")
    brands = page.get_by_label("Brand", exact=True).locator("option")
    expect(brands.filter(has_text="Demo Atelier (DMO)")).to_have_count(1)
    page.get_by_label("Search").fill(tag)
    page.get_by_label("Sort by").select_option("oldest")
    page.get_by_role("button", name="Apply filters").click()
    table = page.get_by_role("region", name="Orders table").get_by_role("table")
    expect(table.get_by_role("caption")).to_contain_text("sorted by oldest first")
    rows = table.locator("tbody tr")
    expect(rows.nth(0)).to_contain_text(older)
    expect(rows.nth(2)).to_contain_text(unpaid)
    expect(table.get_by_role("checkbox", name=f"Select {unpaid}")).to_have_count(0)  # not in production

    bulk = page.get_by_role("form", name="Move selected orders")
    bulk.get_by_role("button", name="Move selected").click()
    expect(page.get_by_role("alert")).to_contain_text("Select orders to move")
    table.get_by_role("checkbox", name=f"Select {older}").check()
    table.get_by_role("checkbox", name=f"Select {newer}").check()
    bulk.get_by_label("Move selected orders to").select_option("LASTING")
    bulk.get_by_role("button", name="Move selected").click()
    question = page.get_by_role("dialog", name="Move 2 orders to Lasting?")
    expect(question).to_contain_text(f"{older}: Cutting → Lasting (skips Stitching)")
    expect(question).to_contain_text(f"{newer}: Cutting → Lasting (skips Stitching)")
    assert_accessible(page, "production, a bulk move to confirm")
    question.get_by_role("button", name="Move 2 to Lasting").click()

    expect(page.get_by_role("status")).to_contain_text("Moved 2 orders to Lasting.")
    assert [dmo_api.order(n)["production_stage"] for n in (older, newer)] == ["LASTING", "LASTING"]
    undo = page.get_by_role("region", name="Moved by mistake?")
    expect(undo).to_contain_text(f"2 orders moved to Lasting: {older}, {newer}.")
    assert_accessible(page, "production, a bulk move to undo")
    assert internal_codes(page.inner_text("main")) == [], "the production list"
    page.set_viewport_size(PHONE)
    assert_reflows(page, "production with a bulk move to undo, on a phone")
    assert_accessible(page, "production with a bulk move to undo, on a phone")
    undo.get_by_role("button", name="Undo the move of 2 orders").click()

    expect(page.get_by_role("status")).to_contain_text(f"{older} is back at Cutting. {newer} is back at Cutting.")
    assert [dmo_api.order(n)["production_stage"] for n in (older, newer)] == ["CUTTING", "CUTTING"]


def test_the_undo_button_leaves_once_its_minute_is_up(app: Backoffice, staff_user: dict[str, Any], dmo_api: Arrange, tag: str) -> None:
    number = dmo_api.place(tag)["order_number"]
    dmo_api.pay(number)
    page = app.page
    page.clock.install()  # the page's own timers run on a clock the test moves
    app.sign_in(staff_user, lands_on="Production")
    app.open(f"/staff/orders/{number}", f"Order {number}")
    page.get_by_label("Move to stage").select_option("STITCHING")
    page.get_by_role("button", name="Move stage").click()  # the next stage: no question asked
    expect(page.get_by_role("status")).to_contain_text(f"{number} is now at Stitching.")
    undo = page.get_by_role("button", name="Undo move to Stitching")
    expect(undo).to_be_visible()
    page.clock.fast_forward("00:50")
    expect(undo).to_be_visible()
    page.clock.fast_forward("00:06")
    expect(undo).to_be_hidden()
    assert dmo_api.order(number)["production_stage"] == "STITCHING"
