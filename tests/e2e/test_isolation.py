"""Tenant isolation over HTTP: another brand's order is as missing as a missing one; /admin is staff only."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
import requests

from tests.e2e.conftest import Api, assert_problem, order_form

pytestmark = pytest.mark.e2e

Attempt = Callable[[Api, dict[str, Any]], requests.Response]

ATTEMPTS: dict[str, Attempt] = {
    "read": lambda api, order: api.get(f"/orders/{order['order_number']}"),
    "edit": lambda api, order: api.patch(
        f"/orders/{order['order_number']}",
        json={"sizes": [{"size": "EU44", "pairs": 1}]},
        headers={"If-Match": str(order["version"])},
    ),
    "cancel": lambda api, order: api.post(f"/orders/{order['order_number']}/cancel"),
    "timeline": lambda api, order: api.get(f"/orders/{order['order_number']}/events"),
    "quote": lambda api, order: api.post("/quotes", json={"order_numbers": [order["order_number"]]}),
}


@pytest.fixture(scope="module")
def dmo_order(dmo: Api) -> dict[str, Any]:
    return dmo.order(dmo.place(order_form("e2e-isolation"))["order_number"])


@pytest.mark.parametrize("attempt", list(ATTEMPTS.values()), ids=list(ATTEMPTS))
def test_another_brands_order_answers_404_like_a_missing_one(dmo: Api, brk: Api, dmo_order: dict[str, Any], attempt: Attempt) -> None:
    missing = {**dmo_order, "order_number": "99999-BRK"}

    foreign = assert_problem(attempt(brk, dmo_order), 404)

    absent = assert_problem(attempt(brk, missing), 404)
    assert (foreign["type"], foreign["title"]) == (absent["type"], absent["title"])
    assert "DMO" not in foreign["detail"].replace(dmo_order["order_number"], "")
    assert dmo.order(dmo_order["order_number"]) == dmo_order  # nothing changed


def test_the_owner_reaches_the_same_order_on_every_route(dmo: Api, dmo_order: dict[str, Any]) -> None:
    """The other half of the 404 matrix: the routes work, for the right brand."""
    assert ATTEMPTS["read"](dmo, dmo_order).status_code == 200
    assert ATTEMPTS["timeline"](dmo, dmo_order).status_code == 200
    quote = ATTEMPTS["quote"](dmo, dmo_order)
    assert quote.status_code == 200, quote.text
    assert quote.json()["costs"] == dmo_order["costs"]


def test_another_brands_orders_never_show_in_the_pool(dmo: Api, brk: Api, dmo_order: dict[str, Any]) -> None:
    brk.place(order_form("e2e-isolation"))

    brk_pool = brk.all_orders(limit=100)

    assert brk_pool, "BRK has orders of its own"
    assert all(order["order_number"].endswith("-BRK") and order["brand"] == "BRK" for order in brk_pool)
    assert brk.all_orders(q=dmo_order["order_number"]) == []
    assert [o["order_number"] for o in brk.all_orders(q="e2e-isolation")] != []
    assert all(o["brand"] == "BRK" for o in brk.all_orders(q="e2e-isolation"))


def test_a_brand_user_on_admin_orders_is_403(dmo: Api, brk: Api) -> None:
    assert_problem(dmo.get("/admin/orders"), 403)
    assert_problem(brk.get("/admin/orders", params={"brand": "BRK"}), 403)


def test_staff_see_every_brands_orders_and_filter_by_brand(dmo: Api, brk: Api, staff: Api, tag: str) -> None:
    mine = dmo.place(order_form(tag))["order_number"]
    theirs = brk.place(order_form(tag))["order_number"]

    everyone = staff.all_orders("/admin/orders", q=tag)
    only_dmo = staff.all_orders("/admin/orders", q=tag, brand="DMO")
    only_brk = staff.all_orders("/admin/orders", q=tag, brand="BRK")

    assert [o["order_number"] for o in everyone] == [theirs, mine]  # newest first across brands
    assert [o["order_number"] for o in only_dmo] == [mine]
    assert [o["order_number"] for o in only_brk] == [theirs]
    newest = staff.get("/admin/orders", params={"limit": 2})
    assert newest.status_code == 200, newest.text
    assert {o["order_number"] for o in newest.json()["orders"]} == {mine, theirs}


def test_staff_paging_across_brands_returns_each_order_once(dmo: Api, brk: Api, staff: Api) -> None:
    pages = staff.pages("/admin/orders", limit=7)
    orders = [order for page in pages for order in page["orders"]]
    numbers = [order["order_number"] for order in orders]

    assert len(numbers) == len(set(numbers))
    assert {n for n in numbers if n.endswith("-DMO")} == {o["order_number"] for o in dmo.all_orders(limit=100)}
    assert {n for n in numbers if n.endswith("-BRK")} == {o["order_number"] for o in brk.all_orders(limit=100)}
    created = [datetime.fromisoformat(order["created_at"]) for order in orders]
    assert created == sorted(created, reverse=True)


def test_staff_cannot_use_a_brands_order_routes(staff: Api, dmo_order: dict[str, Any]) -> None:
    assert_problem(staff.get("/orders"), 403)
    assert_problem(staff.post(f"/orders/{dmo_order['order_number']}/cancel"), 403)
