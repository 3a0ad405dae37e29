"""Group-shipping suggestions: which open MTO orders could ship together, split at the group size limit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.examples import CHECKOUT, SHIPPING_ADDRESS, example_order, mini_bulk
from welt.domain.catalog import load_catalog
from welt.domain.model import Costs, Order, OrderStatus, PaymentStatus
from welt.domain.pricing import shipping_cost
from welt.domain.suggestions import suggest_groups
from welt.domain.vat import RULES, VatTreatment

CATALOG = load_catalog()
START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
# Berlin, for a buyer with a confirmed German VAT ID: an intra-community supply, no IVA.
INTRA_COMMUNITY = RULES[VatTreatment.INTRA_COMMUNITY]
COSTS = Costs.priced(18000, 1800, 0, INTRA_COMMUNITY, "EUR")
BERLIN_BASE = 1500
ELSEWHERE = {**SHIPPING_ADDRESS, "line1": "Kastanienallee 7"}


def order(seq: int, body: dict[str, Any] | None = None, **state: Any) -> Order:
    fields = body or CHECKOUT
    pairs = sum(line["pairs"] for line in fields["sizes"])
    shipping = shipping_cost(CATALOG, fields["shipping_address"]["country"], pairs)  # as checkout priced it
    costs = Costs.priced(COSTS.manufacturing, shipping, 0, INTRA_COMMUNITY, "EUR")
    placed = example_order(at=START + timedelta(minutes=seq), seq=seq, costs=costs, **fields)
    return placed.model_copy(update=state)


def numbers(suggestions: list[dict[str, Any]]) -> list[list[str]]:
    return [s["order_numbers"] for s in suggestions]


def test_orders_to_one_address_are_suggested_newest_first_with_the_saving() -> None:
    suggestions = suggest_groups([order(1), order(2), order(3)], CATALOG, stamp_fee_due=False)
    assert numbers(suggestions) == [["00003-DMO", "00002-DMO", "00001-DMO"]]
    (only,) = suggestions
    assert only["shipping_savings"] == 2 * BERLIN_BASE
    assert only["costs"] == {
        "manufacturing": 54000,
        "shipping": 1500 + 3 * 300,
        "customization": 0,
        "net": 54000 + 2400,
        "vat_rate_percent": 0,
        "vat": 0,
        "vat_note": INTRA_COMMUNITY.note,
        "total": 54000 + 2400,
        "currency": "EUR",
        "vat_treatment": "INTRA_COMMUNITY",
    }
    assert only["pairs"] == 3 and only["shipping_address"]["city"] == "Berlin"
    assert only["newest_order_at"] == "2026-11-02T09:03:00Z"


def test_addresses_compare_as_the_group_rules_do() -> None:
    respelled = {**CHECKOUT, "shipping_address": {**SHIPPING_ADDRESS, "city": "  BERLIN ", "line1": "torstrasse  101"}}
    elsewhere = {**CHECKOUT, "shipping_address": ELSEWHERE}
    suggestions = suggest_groups([order(1), order(2, respelled), order(3, elsewhere)], CATALOG, stamp_fee_due=False)
    assert numbers(suggestions) == [["00002-DMO", "00001-DMO"]]


def test_orders_that_cannot_join_a_group_are_left_out() -> None:
    candidates = [
        order(1),
        order(2, mini_bulk()),
        order(3, status=OrderStatus.WORK_IN_PROCESS, payment_status=PaymentStatus.PAID),
        order(4, payment_status=PaymentStatus.PROCESSING),
        order(5, shipping_group_id="G0001-DMO"),
        order(6, status=OrderStatus.CANCELLED),
        order(7),
    ]
    assert numbers(suggest_groups(candidates, CATALOG, stamp_fee_due=False)) == [["00007-DMO", "00001-DMO"]]


def test_a_lone_order_at_an_address_is_no_suggestion() -> None:
    assert suggest_groups([order(1)], CATALOG, stamp_fee_due=False) == []
    assert suggest_groups([], CATALOG, stamp_fee_due=False) == []


def test_more_than_twenty_orders_at_one_address_split_into_as_few_even_sets_as_fit() -> None:
    suggestions = suggest_groups([order(seq) for seq in range(1, 42)], CATALOG, stamp_fee_due=False)
    assert [len(s["order_numbers"]) for s in suggestions] == [14, 14, 13]
    every = [n for s in suggestions for n in s["order_numbers"]]
    assert sorted(every) == sorted(f"{seq:05d}-DMO" for seq in range(1, 42)) and len(set(every)) == 41
    assert numbers(suggestions)[0][0] == "00041-DMO"
    assert sum(s["shipping_savings"] for s in suggestions) == (41 - 3) * BERLIN_BASE


def test_the_biggest_saving_comes_first_then_the_newest() -> None:
    elsewhere = {**CHECKOUT, "shipping_address": ELSEWHERE}
    london = {**CHECKOUT, "shipping_address": {**SHIPPING_ADDRESS, "country": "GB", "city": "London", "postal_code": "EC1Y 8SY"}}
    candidates = [order(1), order(2), order(3, elsewhere), order(4, elsewhere), order(5, elsewhere), order(6, london), order(7, london)]
    suggestions = suggest_groups(candidates, CATALOG, stamp_fee_due=False)
    assert numbers(suggestions) == [["00005-DMO", "00004-DMO", "00003-DMO"], ["00007-DMO", "00006-DMO"], ["00002-DMO", "00001-DMO"]]
    assert [s["shipping_savings"] for s in suggestions] == [3000, 2500, 1500]


def test_the_stamp_fee_shows_once_while_it_is_due() -> None:
    stamped = {**CHECKOUT, "labeling": "CUSTOM_STAMPS"}
    due = suggest_groups([order(1, stamped), order(2)], CATALOG, stamp_fee_due=True)
    paid = suggest_groups([order(1, stamped), order(2)], CATALOG, stamp_fee_due=False)
    assert due[0]["costs"]["customization"] == CATALOG.stamp_fee and paid[0]["costs"]["customization"] == 0
