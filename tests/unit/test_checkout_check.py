"""The checkout's dry run (`POST /orders/check`) on fakes: placing's rules and price, and nothing written."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from chalice.test import Client

from tests import examples
from tests.unit.test_http_api import as_brand, as_staff, assert_problem, locs, post_checkout
from welt.services.orders import OrderDesk


def check(client: Client, body: Any, brand: str = "DMO") -> Any:
    return client.http.post("/orders/check", headers=as_brand(brand), body=json.dumps(body))


def test_a_valid_checkout_is_priced_as_placing_prices_it_and_writes_nothing(orders_client: Client, desk: OrderDesk) -> None:
    body = examples.checkout()
    commits = desk.store.commits  # type: ignore[attr-defined]

    checked = check(orders_client, body)

    assert checked.status_code == 200, checked.body
    assert desk.store.commits == commits  # type: ignore[attr-defined]
    quote = json.loads(checked.body)
    placed = post_checkout(orders_client, body)
    assert placed.status_code == 201, placed.body
    order = json.loads(placed.body)
    assert quote == {"costs": order["costs"], "pairs": order["pairs"], "labeling": order["labeling"], "shipping_included": True}
    assert order["order_number"] == "00001-DMO"  # the check took no number


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"shipping_address": {**examples.SHIPPING_ADDRESS, "country": "DE", "postal_code": "ABCDEFGHIJK"}}, "postal_code"),
        ({"shipping_address": {**examples.SHIPPING_ADDRESS, "email": "x@"}}, "email"),
    ],
    ids=["German postcode", "email"],
)
def test_the_shipping_address_is_refused_at_its_field_as_placing_refuses_it(orders_client: Client, changes: Any, field: str) -> None:
    body = examples.checkout(**changes)

    checked = assert_problem(check(orders_client, body), 422)
    placed = assert_problem(post_checkout(orders_client, body), 422)

    assert locs(checked) == locs(placed) == [["body", "shipping_address", field]]
    assert checked["errors"] == placed["errors"]


def test_billing_and_the_size_run_are_checked_too(orders_client: Client) -> None:
    body = examples.checkout(billing={**examples.BILLING, "vat_id": "DE000000000", "email": "accounts@"})

    problem = assert_problem(check(orders_client, body), 422)

    assert sorted(map(tuple, locs(problem))) == [("body", "billing", "email"), ("body", "billing", "vat_id")]
    buildable = assert_problem(check(orders_client, examples.checkout(sizes=[{"size": "EU42", "pairs": 2}])), 422)
    assert [loc[:2] for loc in locs(buildable)] == [["body", "sizes"]]


def test_a_brands_first_order_must_choose_its_labeling_in_the_check_too(orders_client: Client) -> None:
    body = examples.checkout()
    del body["labeling"]

    problem = assert_problem(check(orders_client, body), 422)

    assert locs(problem) == [["body", "labeling"]]


def test_the_check_takes_no_idempotency_key_and_staff_cannot_check_out(orders_client: Client) -> None:
    headers = as_brand(**{"Idempotency-Key": uuid.uuid4().hex})
    assert orders_client.http.post("/orders/check", headers=headers, body=json.dumps(examples.checkout())).status_code == 200
    assert_problem(orders_client.http.post("/orders/check", headers=as_staff(), body=json.dumps(examples.checkout())), 403)
    assert_problem(orders_client.http.post("/orders/check", headers=as_brand(), body="{"), 400)
