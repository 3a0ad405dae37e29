"""Editing and cancelling an unpaid order over HTTP: If-Match versions, recomputed costs, the timeline."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests

from tests.e2e.conftest import Api, RunningStack, assert_problem, expected_costs, order_form

pytestmark = pytest.mark.e2e

SHELL_CORDOVAN = {"upper": "shell-cordovan", "lining": "leather-black", "sole": "rubber-commando"}


def timeline_types(api: Api, number: str) -> list[str]:
    response = api.get(f"/orders/{number}/events")
    assert response.status_code == 200, response.text
    return [event["type"] for event in response.json()["events"]]


def test_edit_without_if_match_is_428_and_changes_nothing(dmo: Api, tag: str) -> None:
    order = dmo.order(dmo.place(order_form(tag))["order_number"])

    problem = assert_problem(dmo.patch(f"/orders/{order['order_number']}", json={"sizes": [{"size": "EU44", "pairs": 1}]}), 428)

    assert any(error["loc"] == ["header", "If-Match"] for error in problem["errors"]), problem
    assert dmo.order(order["order_number"]) == order


def test_edit_with_a_stale_version_is_412_and_changes_nothing(dmo: Api, tag: str) -> None:
    order = dmo.place(order_form(tag))
    number = order["order_number"]
    edited = dmo.patch(f"/orders/{number}", json={"sizes": [{"size": "EU44", "pairs": 1}]}, headers={"If-Match": str(order["version"])})
    assert edited.status_code == 200, edited.text

    stale = dmo.patch(f"/orders/{number}", json={"sizes": [{"size": "EU39", "pairs": 1}]}, headers={"If-Match": str(order["version"])})

    assert_problem(stale, 412)
    assert dmo.get(f"/orders/{number}").json() == edited.json()


def test_edit_with_the_current_version_applies_and_recomputes_costs(dmo: Api, catalog: dict[str, Any], tag: str) -> None:
    form = order_form(tag, type="MINI_BULK", sizes=[{"size": "EU40", "pairs": 4}, {"size": "EU41.5", "pairs": 6}])
    order = dmo.place(form)
    number = order["order_number"]
    change = {
        "design": {**form["design"], "materials": SHELL_CORDOVAN},
        "sizes": [{"size": "EU40", "pairs": 10}, {"size": "EU41.5", "pairs": 10}, {"size": "EU43", "pairs": 3}],
        "shipping_address": {**form["shipping_address"], "country": "GB", "postal_code": "EC1Y 8SY"},
    }

    response = dmo.patch(f"/orders/{number}", json=change, headers={"If-Match": f'"{order["version"]}"'})

    assert response.status_code == 200, response.text
    edited = response.json()
    assert edited["version"] == order["version"] + 1
    assert edited["pairs"] == 23
    assert edited["design"]["materials"] == SHELL_CORDOVAN
    assert edited["costs"] == expected_costs(catalog, {**form, **change})
    assert edited["costs"]["total"] > order["costs"]["total"]
    assert dmo.get(f"/orders/{number}").json() == edited
    assert timeline_types(dmo, number) == ["CREATED", "EDITED"]


def test_edit_that_breaks_the_order_type_or_catalog_is_422_and_changes_nothing(dmo: Api, tag: str) -> None:
    order = dmo.order(dmo.place(order_form(tag))["order_number"])
    number = order["order_number"]
    headers = {"If-Match": str(order["version"])}

    assert_problem(dmo.patch(f"/orders/{number}", json={"sizes": [{"size": "EU42", "pairs": 2}]}, headers=headers), 422)
    wrong_sole = {**order["design"], "materials": {**order["design"]["materials"], "sole": "crepe"}}
    assert_problem(dmo.patch(f"/orders/{number}", json={"design": wrong_sole}, headers=headers), 422)
    assert_problem(dmo.patch(f"/orders/{number}", json={}, headers=headers), 422)

    assert dmo.order(number) == order


def test_cancelled_order_cannot_be_edited_and_cancelling_again_changes_nothing(dmo: Api, tag: str) -> None:
    order = dmo.place(order_form(tag))
    number = order["order_number"]

    cancelled = dmo.post(f"/orders/{number}/cancel")

    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "CANCELLED"
    assert cancelled.json()["version"] == order["version"] + 1
    edit = dmo.patch(
        f"/orders/{number}", json={"sizes": [{"size": "EU44", "pairs": 1}]}, headers={"If-Match": str(cancelled.json()["version"])}
    )
    assert_problem(edit, 409)
    again = dmo.post(f"/orders/{number}/cancel")
    assert again.status_code == 200, again.text
    assert again.json() == cancelled.json()
    assert dmo.get(f"/orders/{number}").json() == cancelled.json()
    assert timeline_types(dmo, number) == ["CREATED", "CANCELLED"]


def test_cancel_with_a_stale_if_match_is_412_and_keeps_the_order(dmo: Api, tag: str) -> None:
    order = dmo.place(order_form(tag))
    number = order["order_number"]

    assert_problem(dmo.post(f"/orders/{number}/cancel", headers={"If-Match": str(order["version"] + 5)}), 412)

    assert dmo.get(f"/orders/{number}").json()["status"] == "PENDING_PAYMENT"
    current = dmo.post(f"/orders/{number}/cancel", headers={"If-Match": str(order["version"])})
    assert current.status_code == 200, current.text
    assert current.json()["status"] == "CANCELLED"


def test_two_edits_of_the_same_version_at_once_exactly_one_wins(stack: RunningStack, dmo: Api, tag: str) -> None:
    order = dmo.place(order_form(tag))
    number = order["order_number"]
    sizes = ["EU39", "EU40", "EU44", "EU45"]

    def edit(size: str) -> requests.Response:
        return Api(stack.orders_api, stack.id_tokens["DMO"]).patch(
            f"/orders/{number}", json={"sizes": [{"size": size, "pairs": 1}]}, headers={"If-Match": str(order["version"])}
        )

    with ThreadPoolExecutor(max_workers=len(sizes)) as pool:
        responses = list(pool.map(edit, sizes))

    winners = [r for r in responses if r.status_code == 200]
    assert len(winners) == 1, [r.text for r in responses]
    for loser in responses:
        if loser.status_code != 200:
            assert_problem(loser, 412)
    stored = dmo.get(f"/orders/{number}").json()
    assert stored == winners[0].json()
    assert stored["version"] == order["version"] + 1
    assert timeline_types(dmo, number) == ["CREATED", "EDITED"]
