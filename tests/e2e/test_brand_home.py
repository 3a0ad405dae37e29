"""A brand's home page (GET /brand/summary) and its invoices (GET /invoices) over HTTP: its own figures only,
matching the pool's, moving as orders are placed, paid and shipped; invoices a page at a time with their PDFs."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import Api, PaymentsApi, assert_problem, order_form, pay_by_card

pytestmark = pytest.mark.e2e


def summary(pay: PaymentsApi) -> dict[str, Any]:
    response = pay.get("/brand/summary")
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def pool_figures(orders: Api, status: str) -> tuple[int, int]:
    """The count and the totals the pool shows: a grouped order's share of its group, any other order alone."""
    listed = orders.all_orders(limit=100, status=status)
    return len(listed), sum((order["group_share"] or order["costs"])["total"] for order in listed)


def test_the_home_page_figures_are_the_pools_and_move_with_each_order(
    dmo: Api, brk: Api, dmo_pay: PaymentsApi, brk_pay: PaymentsApi, staff: Api, tag: str
) -> None:
    before = summary(dmo_pay)
    for figure, status in (("awaiting_payment", "PENDING_PAYMENT"), ("in_production", "WORK_IN_PROCESS")):
        assert before[figure]["status"] == status and before[figure]["complete"] is True
        assert (before[figure]["count"], before[figure]["total"]) == pool_figures(dmo, status), figure
    unpaid = dmo.place(order_form(tag))
    paid = dmo.place(order_form(tag))
    placed = summary(dmo_pay)
    assert placed["awaiting_payment"]["count"] == before["awaiting_payment"]["count"] + 2
    assert placed["awaiting_payment"]["total"] == before["awaiting_payment"]["total"] + unpaid["costs"]["total"] + paid["costs"]["total"]
    oldest = placed["awaiting_payment"]["oldest"]
    assert oldest is not None and oldest["order_number"] <= unpaid["order_number"]

    payment = pay_by_card(dmo_pay, dmo, paid["order_number"])
    paying = summary(dmo_pay)
    assert paying["awaiting_payment"]["count"] == before["awaiting_payment"]["count"] + 1
    assert paying["in_production"]["count"] == before["in_production"]["count"] + 1
    assert paying["spend"]["this_month"] == before["spend"]["this_month"] + payment["amount"]
    assert paying["spend"]["this_year"] == before["spend"]["this_year"] + payment["amount"]
    assert paying["spend"]["payments_this_year"] == before["spend"]["payments_this_year"] + 1
    assert any(o["order_number"] == paid["order_number"] and o["expected_ship_date"] for o in paying["in_production"]["next_ships"]) or (
        paying["in_production"]["count"] > 5
    )

    moved = staff.post(f"/admin/orders/{paid['order_number']}/production", json={"stage": "READY_TO_SHIP"})
    assert moved.status_code == 200, moved.text
    parcel = {"carrier": "DHL Express", "tracking_number": "JD0000000777", "tracking_url": "https://www.dhl.com/track?AWB=JD0000000777"}
    assert staff.post(f"/admin/orders/{paid['order_number']}/ship", json=parcel).status_code == 200
    shipped = summary(dmo_pay)
    assert shipped["shipped_this_week"]["count"] == before["shipped_this_week"]["count"] + 1
    assert shipped["shipped_this_week"]["total"] == before["shipped_this_week"]["total"] + paid["costs"]["total"]
    assert shipped["in_production"]["count"] == before["in_production"]["count"]

    # Another brand's figures never count DMO's orders or payments.
    other = summary(brk_pay)
    assert (other["awaiting_payment"]["count"], other["awaiting_payment"]["total"]) == pool_figures(brk, "PENDING_PAYMENT")
    assert (other["in_production"]["count"], other["in_production"]["total"]) == pool_figures(brk, "WORK_IN_PROCESS")
    assert paid["order_number"] not in {o["order_number"] for o in other["in_production"]["next_ships"]}


def test_grouped_orders_count_at_their_share_of_the_group_as_in_the_pool(dmo: Api, dmo_pay: PaymentsApi, tag: str) -> None:
    first, second = dmo.place(order_form(tag)), dmo.place(order_form(tag))
    alone = summary(dmo_pay)["awaiting_payment"]
    grouped = dmo.post("/shipping-groups", json={"order_numbers": [first["order_number"], second["order_number"]]})
    assert grouped.status_code == 201, grouped.text
    together = summary(dmo_pay)["awaiting_payment"]
    saving = first["costs"]["total"] + second["costs"]["total"] - grouped.json()["costs"]["total"]
    assert saving > 0 and together["total"] == alone["total"] - saving
    assert (together["count"], together["total"]) == pool_figures(dmo, "PENDING_PAYMENT")


def test_invoices_list_the_brands_own_a_page_at_a_time_with_their_pdfs(
    dmo: Api, dmo_pay: PaymentsApi, brk_pay: PaymentsApi, staff_pay: PaymentsApi, tag: str
) -> None:
    first = pay_by_card(dmo_pay, dmo, dmo.place(order_form(tag))["order_number"])
    second = pay_by_card(dmo_pay, dmo, dmo.place(order_form(tag))["order_number"])
    newest = dmo_pay.get("/invoices", params={"limit": 2}).json()
    assert [row["number"] for row in newest["invoices"] if row["kind"] == "INVOICE"] == [second["invoice_number"], first["invoice_number"]]
    row = newest["invoices"][0]
    assert row["order_numbers"] == second["order_numbers"] and row["total"] == second["amount"]
    assert row["download"] == f"/payments/{second['payment_id']}/invoice"
    pdf = dmo_pay.get(row["download"])
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")

    numbers: list[str] = []
    for page in dmo_pay.pages("/invoices", limit=1):
        payments = {row["payment_id"] for row in page["invoices"]}
        assert len(payments) <= 1
        numbers += [row["number"] for row in page["invoices"] if row["kind"] == "INVOICE"]
    assert len(numbers) == len(set(numbers)) and numbers[:2] == [second["invoice_number"], first["invoice_number"]]

    theirs = [row["number"] for page in brk_pay.pages("/invoices", limit=100) for row in page["invoices"]]
    assert not set(theirs) & set(numbers)
    assert_problem(brk_pay.get(row["download"]), 404)
    assert_problem(dmo_pay.get("/invoices", params={"limit": 0}), 422)
    assert_problem(dmo_pay.get("/invoices", params={"cursor": "not-a-cursor"}), 422)
    # A made-up cursor of the right form only moves within the caller's own invoices.
    made_up = dmo_pay.get("/invoices", params={"cursor": f"2000-01-01T00:00:00+00:00#{second['payment_id']}"})
    assert made_up.status_code == 200 and made_up.json() == {"invoices": [], "next_cursor": None}
    foreign = brk_pay.get("/invoices", params={"cursor": f"2999-01-01T00:00:00+00:00#{second['payment_id']}"})
    assert foreign.status_code == 200 and not {row["number"] for row in foreign.json()["invoices"]} & set(numbers)
    assert_problem(staff_pay.get("/invoices"), 403)
    assert_problem(staff_pay.get("/brand/summary"), 403)
