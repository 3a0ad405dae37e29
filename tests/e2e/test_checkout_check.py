"""Checking a checkout over HTTP (`POST /orders/check`): placing's answers, and nothing stored, numbered or mailed."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from tests.e2e.conftest import Api, Mailbox, RunningStack, assert_problem, order_form, seq_of
from tests.examples import SHIPPING_ADDRESS
from welt_stack import seed

pytestmark = pytest.mark.e2e


def check(api: Api, body: Any, **headers: str) -> Any:
    return api.post("/orders/check", json=body, headers=headers)


def locs(problem: dict[str, Any]) -> list[list[Any]]:
    return sorted(error["loc"] for error in problem["errors"])


class Tables:
    """The stack's orders and brands tables, read straight from the AWS emulator."""

    def __init__(self, stack: RunningStack) -> None:
        dynamodb = seed.Aws(stack.region, stack.aws_endpoint).resource("dynamodb")
        names = [table.name for table in dynamodb.tables.all()]
        self.orders = dynamodb.Table(next(name for name in names if name.endswith("orders")))
        self.brands = dynamodb.Table(next(name for name in names if name.endswith("brands")))

    def snapshot(self) -> tuple[int, list[dict[str, Any]]]:
        """How many items the orders table holds (orders, events, checkout keys), and every brand item as it is."""
        count = self.orders.scan(Select="COUNT", ConsistentRead=True)["Count"]  # a few hundred items: one page
        brands = sorted(self.brands.scan(ConsistentRead=True)["Items"], key=lambda item: str(item["code"]))
        return count, brands


@contextmanager
def nothing_stored(stack: RunningStack) -> Iterator[None]:
    tables = Tables(stack)
    before = tables.snapshot()
    yield
    assert tables.snapshot() == before


def test_a_valid_checkout_is_priced_and_nothing_is_stored_numbered_or_mailed(
    stack: RunningStack, dmo: Api, mailbox: Mailbox, tag: str
) -> None:
    form = order_form(tag)
    key = f"e2e-{uuid.uuid4()}"
    before = dmo.highest_seq()

    with nothing_stored(stack):
        checked = check(dmo, form, **{"Idempotency-Key": key})
        assert checked.status_code == 200, checked.text

    assert dmo.highest_seq() == before
    assert mailbox.sent_to(form["billing"]["email"]) == []
    # The key the check was sent with was never recorded: placing another body with it is a new order, not a 422.
    placed = dmo.checkout(order_form(tag, sizes=[{"size": "EU43", "pairs": 1}]), key=key)
    assert placed.status_code == 201, placed.text
    assert seq_of(placed.json()["order_number"]) == before + 1
    same = dmo.checkout(form)
    assert same.status_code == 201 and same.json()["costs"] == checked.json()["costs"]


def test_a_bad_postcode_and_email_are_422_at_their_fields_as_placing_answers_them(stack: RunningStack, dmo: Api, tag: str) -> None:
    form = order_form(tag, shipping_address={**SHIPPING_ADDRESS, "country": "DE", "postal_code": "ABCDEFGHIJK", "email": "x@"})

    with nothing_stored(stack):
        checked = assert_problem(check(dmo, form), 422)
        placed = assert_problem(dmo.checkout(form), 422)

    assert locs(checked) == [["body", "shipping_address", "email"], ["body", "shipping_address", "postal_code"]]
    assert checked["errors"] == placed["errors"]
    assert "such as" in next(e["msg"] for e in checked["errors"] if e["loc"][-1] == "postal_code")


def test_each_brand_is_checked_against_its_own_details_only(stack: RunningStack, dmo: Api, brk: Api, tag: str) -> None:
    """Billing left out is the caller's own registered billing; no other brand's number, key or detail is touched."""
    form = order_form(tag)
    del form["billing"]
    seqs = (dmo.highest_seq(), brk.highest_seq())

    with nothing_stored(stack):
        answers = [check(api, form) for api in (dmo, brk)]

    assert [answer.status_code for answer in answers] == [200, 200], [answer.text for answer in answers]
    assert (dmo.highest_seq(), brk.highest_seq()) == seqs
    for api, answer in zip((dmo, brk), answers, strict=True):
        placed = api.place(form)
        assert placed["costs"] == answer.json()["costs"]
        assert placed["billing"]["name"] == api.get("/brand").json()["legal_name"]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"shipping_address": "\u0000" * 300},
        {"type": "MTO", "design": [], "sizes": [{"size": "EU42", "pairs": 10**30}], "shipping_address": {"country": "ZZ"}},
        {"type": "MTO", "sizes": [{"size": "EU42", "pairs": 1}] * 28, "labeling": {"$ne": None}},
    ],
    ids=["empty", "control characters", "wrong shapes", "too many lines"],
)
def test_hostile_bodies_are_422_and_store_nothing(stack: RunningStack, dmo: Api, body: Any) -> None:
    with nothing_stored(stack):
        problem = assert_problem(check(dmo, body), 422)
    assert problem["errors"]


def test_the_check_is_for_brands_and_only_for_json(stack: RunningStack, staff: Api, anonymous: Api, dmo: Api, tag: str) -> None:
    with nothing_stored(stack):
        assert_problem(check(staff, order_form(tag)), 403)
        assert check(anonymous, order_form(tag)).status_code == 401
        assert_problem(dmo.post("/orders/check", data="type=MTO", headers={"Content-Type": "text/plain"}), 415)
        assert_problem(dmo.post("/orders/check", data="{", headers={"Content-Type": "application/json"}), 400)
