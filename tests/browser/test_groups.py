"""Group shipping in the browser: savings shown before the group is made, one payment for the group, changes while unpaid."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.backoffice import Arrange, Backoffice

pytestmark = pytest.mark.e2e


def test_two_orders_are_grouped_with_their_savings_shown_and_paid_as_one(
    app: Backoffice, dmo: dict[str, Any], dmo_api: Arrange, tag: str
) -> None:
    first, second = (dmo_api.place(tag)["order_number"] for _ in range(2))
    page = app.page
    app.sign_in(dmo)
    app.search_pool(tag)
    grouping = page.get_by_role("button", name="Group selected orders for shipping")
    page.get_by_label(f"Select {first}").check()
    expect(grouping).to_be_disabled()  # a group needs two orders
    page.get_by_label(f"Select {second}").check()
    grouping.click()

    offer = page.get_by_role("region", name="Ship 2 orders together")
    # Germany: alone 2 x (15.00 + 3.00); together 15.00 + 2 x 3.00.
    expect(offer).to_contain_text("You save €15.00 on shipping.")
    expect(offer).to_contain_text("Shipping alone: €36.00; together: €21.00.")
    assert all(order["shipping_group_id"] is None for order in dmo_api.orders_tagged(tag))  # nothing made yet
    offer.get_by_role("button", name="Create shipping group of 2 orders").click()

    expect(app.heading("Shipping group G", level=1)).to_be_visible()
    group_id = app.page.get_by_role("heading", level=1).inner_text().removeprefix("Shipping group ")
    expect(page.get_by_role("status")).to_contain_text(f"Shipping group {group_id} created: you save €15.00")
    page.get_by_role("link", name="Pay the group").click()

    expect(app.heading(f"Pay shipping group {group_id}")).to_be_visible()
    expect(page.get_by_role("region", name="Cost summary")).to_contain_text(f"{first}, {second}")
    app.pay()
    app.expect_paid()

    for number in (first, second):
        order = dmo_api.order(number)
        assert (order["status"], order["shipping_group_id"]) == ("WORK_IN_PROCESS", group_id)
    app.open("/groups", "Shipping groups")
    expect(page.get_by_role("row").filter(has_text=group_id).get_by_text("Paid")).to_be_visible()


def test_an_unpaid_group_loses_an_order_then_is_dissolved(app: Backoffice, dmo: dict[str, Any], dmo_api: Arrange, tag: str) -> None:
    numbers = [dmo_api.place(tag)["order_number"] for _ in range(3)]
    group_id = dmo_api.group(numbers)["shipping_group_id"]
    page = app.page
    app.sign_in(dmo)
    app.open(f"/groups/{group_id}", f"Shipping group {group_id}")

    page.get_by_role("button", name=f"Remove {numbers[0]} from the group").click()

    expect(page.get_by_role("status")).to_contain_text(f"{numbers[0]} was taken out of group {group_id}.")
    expect(page.get_by_role("table", name="Orders in the group").get_by_role("link")).to_have_count(2)
    assert dmo_api.order(numbers[0])["shipping_group_id"] is None

    page.get_by_role("button", name="Remove", exact=False).first.click()  # a group keeps at least two orders
    expect(page.get_by_role("alert")).to_contain_text("needs at least 2 orders")

    page.get_by_role("button", name="Dissolve the group").click()
    page.get_by_role("button", name="Yes, dissolve it").click()

    expect(app.heading("Order pool")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text(f"Group {group_id} is dissolved")
    assert all(dmo_api.order(n)["shipping_group_id"] is None for n in numbers)
