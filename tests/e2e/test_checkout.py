"""Checkout over HTTP: the order, the pool, the timeline, the confirmation email, and Idempotency-Key."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest

from tests.e2e.conftest import Api, Mailbox, assert_problem, expected_costs, order_form, seq_of

pytestmark = pytest.mark.e2e


def test_checkout_places_an_order_that_shows_everywhere_and_is_confirmed_by_email(
    dmo: Api, mailbox: Mailbox, catalog: dict[str, Any], tag: str
) -> None:
    before = dmo.highest_seq()
    form = order_form(tag)
    form["costs"] = {"manufacturing": 1, "shipping": 0, "customization": 0, "total": 1, "currency": "EUR"}

    response = dmo.checkout(form)

    assert response.status_code == 201, response.text
    order = response.json()
    assert re.fullmatch(r"\d{5}-DMO", order["order_number"])
    assert seq_of(order["order_number"]) == before + 1
    assert order["status"] == "PENDING_PAYMENT"
    assert order["payment_status"] == "UNPAID"
    assert order["production_stage"] is None
    assert order["type"] == "MTO"
    assert order["pairs"] == 1
    assert order["design"]["design_ref"] == tag
    assert order["costs"] == expected_costs(catalog, form)  # the price the client sent is ignored
    assert order["version"] >= 1
    for member in (
        "shipping_group_id",
        "created_at",
        "wip_started_at",
        "days_in_production",
        "tracking",
        "shipping_address",
        "billing",
        "labeling",
        "sizes",
    ):
        assert member in order

    pool = dmo.get("/orders")
    assert pool.status_code == 200, pool.text
    assert pool.json()["orders"][0]["order_number"] == order["order_number"]  # newest first

    fetched = dmo.get(f"/orders/{order['order_number']}")
    assert fetched.status_code == 200, fetched.text
    differs = sorted(set(fetched.json()) ^ set(order))
    assert fetched.json() == order, f"checkout answered another view of the order than GET; members {differs}"

    timeline = dmo.get(f"/orders/{order['order_number']}/events")
    assert timeline.status_code == 200, timeline.text
    events = timeline.json()["events"]
    assert [event["type"] for event in events] == ["CREATED"]
    assert events[0]["actor"].startswith("brand:DMO:")
    assert set(events[0]) >= {"at", "actor", "type", "details"}
    assert events[0]["details"]["costs"] == order["costs"]

    mails = mailbox.wait_for(form["billing"]["email"])
    assert len(mails) == 1, mails
    assert order["order_number"] in mails[0]["subject"]
    total = order["costs"]["total"]
    assert f"Total: EUR {total // 100:,}.{total % 100:02d}" in mails[0]["body"]


def test_second_checkout_with_same_key_returns_the_first_order(dmo: Api, mailbox: Mailbox, tag: str) -> None:
    form = order_form(tag)
    key = f"retry-{uuid.uuid4()}"
    first = dmo.checkout(form, key=key)
    assert first.status_code == 201, first.text
    assert len(mailbox.wait_for(form["billing"]["email"])) == 1

    again = dmo.checkout(form, key=key)

    assert again.status_code == 201, again.text
    assert again.json() == first.json()
    assert dmo.highest_seq() == seq_of(first.json()["order_number"])
    assert [o["order_number"] for o in dmo.all_orders(q=tag)] == [first.json()["order_number"]]
    # The confirmation goes out inside the request; a replay that sent again would show by now.
    assert len(mailbox.sent_to(form["billing"]["email"])) == 1


def test_checkout_key_reused_with_a_different_body_is_refused(dmo: Api, tag: str) -> None:
    key = f"reuse-{uuid.uuid4()}"
    first = dmo.checkout(order_form(tag), key=key)
    assert first.status_code == 201, first.text
    highest = dmo.highest_seq()

    other = order_form(tag, sizes=[{"size": "EU43", "pairs": 1}])
    problem = assert_problem(dmo.checkout(other, key=key), 422)

    assert any(error["loc"] == ["header", "Idempotency-Key"] for error in problem["errors"]), problem
    assert dmo.highest_seq() == highest


def test_checkout_without_idempotency_key_is_428_and_places_nothing(dmo: Api, tag: str) -> None:
    highest = dmo.highest_seq()

    problem = assert_problem(dmo.post("/orders", json=order_form(tag)), 428)

    assert any(error["loc"] == ["header", "Idempotency-Key"] for error in problem["errors"]), problem
    assert dmo.highest_seq() == highest


def test_same_key_from_another_brand_places_that_brands_own_order(dmo: Api, brk: Api, tag: str) -> None:
    key = f"shared-{uuid.uuid4()}"
    mine = dmo.checkout(order_form(tag), key=key)
    theirs = brk.checkout(order_form(tag), key=key)

    assert mine.status_code == 201, mine.text
    assert theirs.status_code == 201, theirs.text
    assert mine.json()["order_number"].endswith("-DMO")
    assert theirs.json()["order_number"].endswith("-BRK")


def test_invalid_checkout_is_422_field_by_field_and_places_nothing(dmo: Api, tag: str) -> None:
    highest = dmo.highest_seq()
    form = order_form(tag, sizes=[{"size": "EU42", "pairs": 1}, {"size": "EU50", "pairs": 1}])
    form["design"]["materials"]["sole"] = "crepe"  # not offered for the derby

    problem = assert_problem(dmo.checkout(form), 422)

    assert problem["errors"], problem
    assert dmo.highest_seq() == highest


def test_a_postcode_not_in_its_countrys_shape_is_422_at_the_field_and_places_nothing(dmo: Api, tag: str) -> None:
    highest = dmo.highest_seq()
    form = order_form(tag)
    form["shipping_address"] |= {"country": "DE", "postal_code": "ABCDEFGHIJK"}

    problem = assert_problem(dmo.checkout(form), 422)

    assert problem["errors"] == [{"loc": ["body", "shipping_address", "postal_code"], "msg": "must be a postcode of DE, such as 26133"}], (
        problem
    )
    assert dmo.highest_seq() == highest


def test_later_checkout_without_labeling_uses_the_brands_last_choice(brk: Api, catalog: dict[str, Any], tag: str) -> None:
    brk.place(order_form(tag, labeling="CUSTOM_STAMPS"))
    form = order_form(tag)
    del form["labeling"]

    order = brk.place(form)

    assert order["labeling"] == "CUSTOM_STAMPS"
    assert order["costs"]["customization"] == catalog["stamp_fee"]  # BRK has no stamps yet
    assert brk.get("/brand").json()["labeling_default"] == "CUSTOM_STAMPS"
    brk.place(order_form(tag, labeling="UNLABELED"))  # leave BRK as the other tests expect it
    assert brk.get("/brand").json()["labeling_default"] == "UNLABELED"
