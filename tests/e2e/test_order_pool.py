"""The order pool over HTTP: filters, newest-first paging, and cursors that only work where they were issued."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import Api, assert_problem, order_form, seq_of

pytestmark = pytest.mark.e2e


@pytest.fixture
def tagged_orders(dmo: Api, tag: str) -> dict[str, Any]:
    """Three MTO and one MINI_BULK order under one tag; one MTO cancelled."""
    mto = [dmo.place(order_form(tag)) for _ in range(3)]
    bulk = dmo.place(order_form(tag, type="MINI_BULK", sizes=[{"size": "EU40", "pairs": 4}, {"size": "EU41.5", "pairs": 6}]))
    cancelled = dmo.post(f"/orders/{mto[0]['order_number']}/cancel")
    assert cancelled.status_code == 200, cancelled.text
    return {"mto": [o["order_number"] for o in mto], "bulk": bulk["order_number"], "cancelled": mto[0]["order_number"]}


@pytest.fixture(scope="module")
def dmo_cursor(dmo: Api) -> str:
    """A cursor DMO got for the second page of its unfiltered pool, one order a page."""
    for _ in range(2):
        dmo.place(order_form("e2e-cursor"))
    cursor: str | None = dmo.get("/orders", params={"limit": 1}).json()["next_cursor"]
    assert cursor
    return cursor


def numbers(orders: list[dict[str, Any]]) -> list[str]:
    return [order["order_number"] for order in orders]


def test_pool_filters_by_text_status_and_type(dmo: Api, tag: str, tagged_orders: dict[str, Any]) -> None:
    everything = [tagged_orders["bulk"], *reversed(tagged_orders["mto"])]

    assert numbers(dmo.all_orders(q=tag)) == everything
    assert numbers(dmo.all_orders(q=tag.upper())) == everything  # q ignores case
    assert numbers(dmo.all_orders(q=tag, type="MINI_BULK")) == [tagged_orders["bulk"]]
    assert numbers(dmo.all_orders(q=tag, type="MTO")) == list(reversed(tagged_orders["mto"]))
    assert numbers(dmo.all_orders(q=tag, status="CANCELLED")) == [tagged_orders["cancelled"]]
    assert numbers(dmo.all_orders(q=tag, status="PENDING_PAYMENT", type="MTO")) == list(reversed(tagged_orders["mto"][1:]))
    assert numbers(dmo.all_orders(q=tagged_orders["bulk"])) == [tagged_orders["bulk"]]  # by order number
    assert dmo.all_orders(q=tag, status="SHIPPED") == []


def test_paging_walks_the_whole_pool_newest_first_without_duplicates(dmo: Api, tag: str) -> None:
    for _ in range(3):
        dmo.place(order_form(tag))
    highest = dmo.highest_seq()

    pages = dmo.pages(limit=2)

    seqs = [seq_of(order["order_number"]) for page in pages for order in page["orders"]]
    assert seqs == list(range(highest, 0, -1))  # every order once, none skipped, newest first
    assert all(len(page["orders"]) == 2 for page in pages[:-1])
    assert 1 <= len(pages[-1]["orders"]) <= 2


def test_paging_a_filtered_pool_returns_each_match_once(dmo: Api, tag: str, tagged_orders: dict[str, Any]) -> None:
    pages = dmo.pages(limit=1, q=tag)

    assert [numbers(page["orders"]) for page in pages] == [[n] for n in [tagged_orders["bulk"], *reversed(tagged_orders["mto"])]]


def test_a_cursor_from_one_brand_is_refused_for_another(dmo: Api, brk: Api, dmo_cursor: str) -> None:
    brk.place(order_form("e2e-cursor"))
    brk.place(order_form("e2e-cursor"))
    assert dmo.get("/orders", params={"limit": 1, "cursor": dmo_cursor}).status_code == 200

    problem = assert_problem(brk.get("/orders", params={"limit": 1, "cursor": dmo_cursor}), 400)

    assert any(error["loc"] == ["query", "cursor"] for error in problem["errors"]), problem


def test_a_cursor_is_refused_with_other_filters_than_it_was_issued_for(dmo: Api, tag: str) -> None:
    dmo.place(order_form(tag))
    dmo.place(order_form(tag))
    cursor = dmo.get("/orders", params={"limit": 1, "q": tag}).json()["next_cursor"]
    assert cursor

    assert_problem(dmo.get("/orders", params={"limit": 1, "q": tag, "status": "CANCELLED", "cursor": cursor}), 400)
    assert dmo.get("/orders", params={"limit": 1, "q": tag, "cursor": cursor}).status_code == 200


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda c: c[:-3] + ("AAA" if c[-3:] != "AAA" else "BBB"), id="signature-changed"),
        pytest.param(lambda c: "eyJzZXEiOjk5OTk5fQ." + c.split(".")[1], id="position-changed"),
        pytest.param(lambda c: c.split(".")[0], id="signature-missing"),
        pytest.param(lambda c: c + ".x", id="extra-part"),
        pytest.param(lambda c: "not a cursor", id="garbage"),
        pytest.param(lambda c: "é." + c.split(".")[1], id="not-ascii"),
    ],
)
def test_a_tampered_cursor_is_400(dmo: Api, dmo_cursor: str, tamper: Any) -> None:
    assert_problem(dmo.get("/orders", params={"limit": 1, "cursor": tamper(dmo_cursor)}), 400)


@pytest.mark.parametrize("limit", ["0", "101", "-1", "ten"])
def test_a_page_size_outside_1_to_100_is_422(dmo: Api, limit: str) -> None:
    problem = assert_problem(dmo.get("/orders", params={"limit": limit}), 422)

    assert any(error["loc"][:2] == ["query", "limit"] for error in problem["errors"]), problem


def test_page_sizes_1_and_100_are_accepted(dmo: Api, tag: str) -> None:
    dmo.place(order_form(tag))

    assert len(dmo.get("/orders", params={"limit": 1}).json()["orders"]) == 1
    hundred = dmo.get("/orders", params={"limit": 100})
    assert hundred.status_code == 200, hundred.text
    assert len(hundred.json()["orders"]) == min(100, dmo.highest_seq())


@pytest.mark.parametrize("params", [{"status": "LOST"}, {"type": "SANDAL"}], ids=["status", "type"])
def test_an_unknown_filter_value_is_422(dmo: Api, params: dict[str, str]) -> None:
    assert_problem(dmo.get("/orders", params=params), 422)
