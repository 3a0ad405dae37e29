"""Order numbers under concurrent checkouts over HTTP: per brand, consecutive, never twice."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.e2e.conftest import Api, RunningStack, assert_problem, checkouts_at_once, order_form, seq_of

pytestmark = pytest.mark.e2e

CONCURRENT = 16


def test_concurrent_checkouts_get_consecutive_numbers_without_gaps_or_twins(stack: RunningStack, dmo: Api, tag: str) -> None:
    before = dmo.highest_seq()
    forms = [order_form(f"{tag}-{i:02d}") for i in range(CONCURRENT)]

    responses = checkouts_at_once(stack, "DMO", forms, tag)

    assert [r.status_code for r in responses] == [201] * CONCURRENT, [r.text for r in responses if r.status_code != 201]
    numbers = [r.json()["order_number"] for r in responses]
    assert sorted(seq_of(n) for n in numbers) == list(range(before + 1, before + CONCURRENT + 1))
    assert all(n.endswith("-DMO") for n in numbers)
    for form, number in zip(forms, numbers, strict=True):  # no order overwrote another under the same number
        stored = dmo.get(f"/orders/{number}").json()
        assert stored["design"]["design_ref"] == form["design"]["design_ref"]
    assert dmo.highest_seq() == before + CONCURRENT


def test_concurrent_retries_of_one_checkout_place_one_order(stack: RunningStack, dmo: Api, tag: str) -> None:
    before = dmo.highest_seq()
    form = order_form(tag)
    key = f"burst-{uuid.uuid4()}"

    def place(_: int) -> requests.Response:
        return Api(stack.orders_api, stack.id_tokens["DMO"]).checkout_as_a_client_would(form, key)

    with ThreadPoolExecutor(max_workers=8) as pool:
        responses = list(pool.map(place, range(8)))

    # The first answers 201; a retry that arrives while it is running may be told so (409) and retries later.
    assert {r.status_code for r in responses} <= {201, 409}, [r.text for r in responses]
    for response in responses:
        if response.status_code == 409:
            assert_problem(response, 409)
    placed = {r.json()["order_number"] for r in responses if r.status_code == 201}
    assert placed == {f"{before + 1:05d}-DMO"}
    assert dmo.highest_seq() == before + 1
    assert dmo.checkout(form, key=key).json()["order_number"] == f"{before + 1:05d}-DMO"


def test_brands_number_their_orders_independently(dmo: Api, brk: Api, tag: str) -> None:
    dmo_before, brk_before = dmo.highest_seq(), brk.highest_seq()

    first = dmo.place(order_form(tag))
    second = brk.place(order_form(tag))
    third = dmo.place(order_form(tag))

    assert first["order_number"] == f"{dmo_before + 1:05d}-DMO"
    assert second["order_number"] == f"{brk_before + 1:05d}-BRK"
    assert third["order_number"] == f"{dmo_before + 2:05d}-DMO"  # BRK's order took nothing from DMO's sequence
