"""Bad requests over HTTP: each answers its SPEC 6 status as problem+json, and no client input causes a 5xx."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
import requests

from tests.e2e.conftest import Api, assert_problem, order_form

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def editable(dmo: Api) -> dict[str, Any]:
    return dmo.order(dmo.place(order_form("e2e-errors"))["order_number"])


def key() -> dict[str, str]:
    return {"Idempotency-Key": f"e2e-{uuid.uuid4()}"}


Request = Callable[[Api, dict[str, Any]], requests.Response]

BAD_REQUESTS: list[tuple[str, int, tuple[Any, ...] | None, Request]] = [
    (
        "malformed-json",
        400,
        ("body",),
        lambda api, order: api.post("/orders", data="{nope", headers={**key(), "Content-Type": "application/json"}),
    ),
    (
        "malformed-if-match",
        400,
        ("header", "If-Match"),
        lambda api, order: api.patch(f"/orders/{order['order_number']}", json={"labeling": "UNLABELED"}, headers={"If-Match": "latest"}),
    ),
    (
        "overlong-idempotency-key",
        400,
        ("header", "Idempotency-Key"),
        lambda api, order: api.post("/orders", json=order_form("e2e-errors"), headers={"Idempotency-Key": "k" * 256}),
    ),
    ("unknown-order", 404, None, lambda api, order: api.get("/orders/99999-DMO")),
    ("not-an-order-number", 404, None, lambda api, order: api.get("/orders/..%2Fadmin")),
    ("method-not-allowed", 405, None, lambda api, order: api.request("DELETE", f"/orders/{order['order_number']}")),
    (
        "not-json",
        415,
        None,
        lambda api, order: api.post("/orders", data="type=MTO", headers={**key(), "Content-Type": "application/x-www-form-urlencoded"}),
    ),
    ("body-not-an-object", 422, ("body",), lambda api, order: api.post("/orders", json=["MTO"], headers=key())),
    (
        "edit-unknown-field",
        422,
        ("body", "costs"),
        lambda api, order: api.patch(
            f"/orders/{order['order_number']}", json={"costs": {"total": 1}}, headers={"If-Match": str(order["version"])}
        ),
    ),
    ("query-too-long", 422, ("query", "q"), lambda api, order: api.get("/orders", params={"q": "x" * 101})),
]


@pytest.mark.parametrize(("status", "loc", "send"), [case[1:] for case in BAD_REQUESTS], ids=[c[0] for c in BAD_REQUESTS])
def test_a_bad_request_answers_its_status_as_problem_json(
    dmo: Api, editable: dict[str, Any], status: int, loc: tuple[Any, ...] | None, send: Request
) -> None:
    problem = assert_problem(send(dmo, editable), status)

    if loc is not None:
        assert any(tuple(error["loc"][: len(loc)]) == loc for error in problem["errors"]), problem


def test_bad_requests_change_nothing(dmo: Api, editable: dict[str, Any]) -> None:
    highest = dmo.highest_seq()
    for _, _, _, send in BAD_REQUESTS:
        send(dmo, editable)

    assert dmo.highest_seq() == highest
    assert dmo.order(editable["order_number"]) == editable


WEIRD_CHECKOUTS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "empty": lambda form: {},
    "design-is-a-string": lambda form: {**form, "design": "derby"},
    "sizes-null": lambda form: {**form, "sizes": None},
    "sizes-empty": lambda form: {**form, "sizes": []},
    "pairs-huge": lambda form: {**form, "type": "BULK", "sizes": [{"size": "EU40", "pairs": 10**40}]},
    "pairs-negative": lambda form: {**form, "sizes": [{"size": "EU40", "pairs": -1}]},
    "size-out-of-range": lambda form: {**form, "sizes": [{"size": "EU49", "pairs": 1}]},
    "same-size-twice": lambda form: {**form, "type": "MINI_BULK", "sizes": [{"size": "EU40", "pairs": 5}, {"size": "EU40", "pairs": 5}]},
    "bulk-too-big": lambda form: {**form, "type": "BULK", "sizes": [{"size": "EU40", "pairs": 5000}, {"size": "EU41", "pairs": 1}]},
    "unknown-type": lambda form: {**form, "type": "SANDAL"},
    "unknown-model": lambda form: {**form, "design": {**form["design"], "model": "clog"}},
    "lower-case-country": lambda form: {**form, "shipping_address": {**form["shipping_address"], "country": "de"}},
    "no-billing-email": lambda form: {**form, "billing": {k: v for k, v in form["billing"].items() if k != "email"}},
    "design-ref-too-long": lambda form: {**form, "design": {**form["design"], "design_ref": "r" * 65}},
    "materials-are-numbers": lambda form: {**form, "design": {**form["design"], "materials": {"upper": 1, "lining": 2, "sole": 3}}},
    "deeply-nested": lambda form: {**form, "design": {"model": [[[[[[[[[[{}]]]]]]]]]]}},
}


@pytest.mark.parametrize("case", list(WEIRD_CHECKOUTS))
def test_an_invalid_checkout_is_422_never_a_5xx(dmo: Api, case: str) -> None:
    body = WEIRD_CHECKOUTS[case](order_form("e2e-errors"))

    problem = assert_problem(dmo.post("/orders", json=body, headers=key()), 422)

    assert problem["errors"], problem
