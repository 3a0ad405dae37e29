"""The payments API over Chalice's test client on fakes: what Stripe's faults and the staff list answer on the wire."""

from __future__ import annotations

import json
import uuid
from typing import Any

from chalice.test import Client

from tests.fakes import FakeStripe
from tests.unit.test_http_api import as_brand, as_staff, assert_problem, place


def new_payment(orders_client: Client, payments_client: Client) -> tuple[str, str]:
    number = str(place(orders_client)["order_number"])
    response = payments_client.http.post(
        "/payments", headers=as_brand(**{"Idempotency-Key": uuid.uuid4().hex}), body=json.dumps({"order_numbers": [number]})
    )
    assert response.status_code == 201, response.body
    return number, str(json.loads(response.body)["payment_id"])


def confirm(payments_client: Client, payment_id: str) -> Any:
    return payments_client.http.post(
        f"/payments/{payment_id}/confirm", headers=as_brand(), body=json.dumps({"payment_method": "pm_card_visa"})
    )


def order_of(orders_client: Client, number: str) -> dict[str, Any]:
    return json.loads(orders_client.http.get(f"/orders/{number}", headers=as_brand()).body)


def test_stripe_refusing_before_charging_answers_503_problem_and_unlocks_the_order(
    orders_client: Client, payments_client: Client, stripe: FakeStripe
) -> None:
    number, payment_id = new_payment(orders_client, payments_client)
    stripe.fail_next("create", "unavailable")
    problem = assert_problem(confirm(payments_client, payment_id), 503)
    assert "nothing was charged" in problem["detail"]
    assert order_of(orders_client, number)["payment_status"] == "UNPAID"
    assert json.loads(confirm(payments_client, payment_id).body)["status"] == "SUCCEEDED"  # the retry goes through


def test_a_lost_stripe_answer_answers_processing_not_an_error(orders_client: Client, payments_client: Client, stripe: FakeStripe) -> None:
    number, payment_id = new_payment(orders_client, payments_client)
    stripe.fail_next("confirm", "lost")
    response = confirm(payments_client, payment_id)
    assert response.status_code == 200, response.body
    assert json.loads(response.body)["status"] == "PROCESSING"
    assert order_of(orders_client, number)["payment_status"] == "PROCESSING"


def test_staff_list_payments_needing_review_and_an_unknown_status_is_422(payments_client: Client) -> None:
    listed = payments_client.http.get("/admin/payments?status=NEEDS_REVIEW", headers=as_staff())
    assert listed.status_code == 200 and json.loads(listed.body) == {"payments": []}
    problem = assert_problem(payments_client.http.get("/admin/payments?status=PAID", headers=as_staff()), 422)
    assert problem["errors"][0]["loc"] == ["query", "status"]
    assert_problem(payments_client.http.get("/admin/payments", headers=as_brand()), 403)


def test_staff_read_the_invoicing_records_page_by_page_and_brands_may_not(payments_client: Client) -> None:
    listed = payments_client.http.get("/admin/invoicing/records", headers=as_staff())
    assert listed.status_code == 200 and json.loads(listed.body) == {"records": [], "next_cursor": None}
    for query, field in (("limit=0", "limit"), ("limit=101", "limit"), ("limit=ten", "limit"), ("cursor=-1", "cursor")):
        problem = assert_problem(payments_client.http.get(f"/admin/invoicing/records?{query}", headers=as_staff()), 422)
        assert problem["errors"][0]["loc"] == ["query", field]
    assert_problem(payments_client.http.get("/admin/invoicing/records", headers=as_brand()), 403)
