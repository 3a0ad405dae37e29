"""An unpaid order's page: edits sent with If-Match (and a stale one refused), cancellation, the timeline."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.backoffice import Arrange, Backoffice

pytestmark = pytest.mark.e2e


def test_the_buyer_edits_an_unpaid_order_a_stale_edit_is_refused_and_the_order_is_cancelled(
    app: Backoffice, dmo: dict[str, Any], dmo_api: Arrange, tag: str
) -> None:
    number = dmo_api.place(tag)["order_number"]
    page = app.page
    app.sign_in(dmo)
    app.open(f"/orders/{number}", f"Order {number}")

    page.get_by_role("button", name="Edit order").click()
    edit = page.get_by_role("form", name=f"Edit order {number}")
    edit.get_by_label("Size", exact=True).select_option("EU44.5")
    edit.get_by_label("Upper").select_option("shell-cordovan")
    edit.get_by_role("button", name="Save changes").click()

    expect(page.get_by_role("status")).to_contain_text(f"Order {number} is saved. New total: €273.00.")  # +75.00 cordovan
    expect(page.get_by_role("region", name="Specs")).to_contain_text("EU44.5 \N{MULTIPLICATION SIGN} 1")
    expect(page.get_by_role("list").filter(has_text="Order edited")).to_contain_text("Changed: design, sizes")

    page.get_by_role("button", name="Edit order").click()
    version = dmo_api.order(number)["version"]
    dmo_api.call(
        "PATCH",
        f"{dmo_api.orders_api}/orders/{number}",
        json={"sizes": [{"size": "EU40", "pairs": 1}]},
        headers={"If-Match": f'"{version}"'},
    )  # someone else edits meanwhile
    stale = page.get_by_role("form", name=f"Edit order {number}")
    stale.get_by_label("Size", exact=True).select_option("EU45")
    stale.get_by_role("button", name="Save changes").click()
    refused = page.get_by_role("alert")
    expect(refused).to_contain_text("Version does not match")
    refused.get_by_role("button", name="Reload the order").click()
    expect(page.get_by_role("region", name="Specs")).to_contain_text("EU40 \N{MULTIPLICATION SIGN} 1")

    page.get_by_role("button", name="Cancel order").click()
    page.get_by_role("button", name="Yes, cancel the order").click()

    expect(page.get_by_role("status")).to_contain_text(f"Order {number} is cancelled.")
    expect(page.get_by_role("region", name="Status").get_by_text("Cancelled", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Edit order")).to_have_count(0)
    assert dmo_api.order(number)["status"] == "CANCELLED"
