"""A brand's saved shipping addresses over HTTP: kept once per key, changed, removed, capped, never another brand's."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.e2e.conftest import Api, assert_problem, order_form
from tests.examples import SHIPPING_ADDRESS

pytestmark = pytest.mark.e2e


def saving(api: Api, label: str, key: str | None = None, **address: str) -> Any:
    body = {"label": label, "address": {**SHIPPING_ADDRESS, **address}}
    return api.post("/brand/addresses", json=body, headers={"Idempotency-Key": key or str(uuid.uuid4())})


def saved(api: Api) -> list[dict[str, Any]]:
    response = api.get("/brand/addresses")
    assert response.status_code == 200, response.text
    addresses: list[dict[str, Any]] = response.json()["addresses"]
    return addresses


def forget_all(api: Api) -> None:
    for address in saved(api):
        assert api.request("DELETE", f"/brand/addresses/{address['id']}").status_code == 200


def test_an_address_is_saved_once_per_key_changed_and_removed(dmo: Api) -> None:
    before = saved(dmo)
    key = str(uuid.uuid4())

    first = saving(dmo, "Berlin store", key)
    again = saving(dmo, "Berlin store", key)  # a retry after a dropped connection

    assert first.status_code == again.status_code == 201, first.text
    assert again.json() == first.json()
    assert saved(dmo) == [*before, first.json()]
    address_id = first.json()["id"]

    changed = dmo.request(
        "PUT", f"/brand/addresses/{address_id}", json={"label": "Berlin shop", "address": {**SHIPPING_ADDRESS, "line1": "Auguststrasse 2"}}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["label"] == "Berlin shop" and changed.json()["address"]["line1"] == "Auguststrasse 2"

    removed = dmo.request("DELETE", f"/brand/addresses/{address_id}")
    assert removed.status_code == 200 and removed.json()["addresses"] == before
    assert_problem(dmo.request("DELETE", f"/brand/addresses/{address_id}"), 404)


def test_the_same_key_with_another_address_is_422_and_changes_nothing(dmo: Api) -> None:
    key = str(uuid.uuid4())
    first = saving(dmo, "Munich store", key).json()

    problem = assert_problem(saving(dmo, "Hamburg store", key), 422)

    assert problem["type"].endswith("/idempotency-key-reused")
    assert [a for a in saved(dmo) if a["id"] == first["id"]] == [first]
    dmo.request("DELETE", f"/brand/addresses/{first['id']}")


def test_bad_addresses_are_422_at_the_field_and_save_nothing(dmo: Api) -> None:
    before = saved(dmo)

    postcode = assert_problem(saving(dmo, "Berlin store", postal_code="ABCDEFGHIJK"), 422)
    blank = assert_problem(saving(dmo, "\u200b\u200b"), 422)

    assert [e["loc"] for e in postcode["errors"]] == [["body", "address", "postal_code"]]
    assert [e["loc"] for e in blank["errors"]] == [["body", "label"]]
    assert saved(dmo) == before


def test_another_brands_address_is_not_found_and_unchanged(dmo: Api, brk: Api) -> None:
    mine = saving(dmo, "Berlin store").json()

    assert all(address["id"] != mine["id"] for address in saved(brk))
    assert_problem(brk.request("PUT", f"/brand/addresses/{mine['id']}", json={"label": "Taken", "address": SHIPPING_ADDRESS}), 404)
    assert_problem(brk.request("DELETE", f"/brand/addresses/{mine['id']}"), 404)
    assert mine in saved(dmo)
    dmo.request("DELETE", f"/brand/addresses/{mine['id']}")


def test_staff_have_no_address_book(staff: Api) -> None:
    assert_problem(staff.get("/brand/addresses"), 403)


def test_unknown_and_malformed_ids_are_404_with_a_short_echo(dmo: Api) -> None:
    problem = assert_problem(dmo.request("DELETE", "/brand/addresses/" + "A" * 5000), 404)
    assert len(problem["detail"]) < 100


def saving_as_a_client_would(api: Api, label: str, key: str) -> Any:
    """Sent again with the same key while the answer is 409 (the brand busy with other changes)."""
    for _ in range(5):
        answer = saving(api, label, key)
        if answer.status_code != 409:
            return answer
    return answer


def test_concurrent_saves_and_checkouts_each_land_once(brk: Api, tag: str) -> None:
    """Saves race each other and the checkouts that number orders on the same brand item: none is lost or doubled."""
    forget_all(brk)
    keys = [str(uuid.uuid4()) for _ in range(8)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        saves = [pool.submit(saving_as_a_client_would, brk, f"Store {n}", key) for n, key in enumerate(keys)]
        orders = [pool.submit(brk.place, order_form(tag)) for _ in range(4)]
        answers = [future.result() for future in saves]
        numbers = [future.result()["order_number"] for future in orders]

    assert [answer.status_code for answer in answers] == [201] * 8, [a.text for a in answers]
    assert sorted(a["label"] for a in saved(brk)) == sorted(f"Store {n}" for n in range(8))
    assert len(set(numbers)) == 4
    forget_all(brk)


def test_a_brand_keeps_at_most_fifty_addresses(brk: Api) -> None:
    forget_all(brk)
    for n in range(50):
        assert saving(brk, f"Store {n}").status_code == 201

    problem = assert_problem(saving(brk, "Store 51"), 409)

    assert "at most 50" in problem["detail"]
    assert len(saved(brk)) == 50
    forget_all(brk)
