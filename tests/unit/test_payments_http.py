"""The payments API over Chalice's test client on fakes: what Stripe's faults and the staff list answer on the wire."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
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


def signed_body(body: bytes) -> dict[str, str]:
    """Stripe's signature over any body, made with the webhook secret: proof the bytes are Stripe's, not that they make sense."""
    import hashlib
    import hmac
    import time

    from tests.fakes import WEBHOOK_SECRET

    at = int(time.time())
    digest = hmac.new(WEBHOOK_SECRET.encode(), f"{at}.".encode() + body, hashlib.sha256).hexdigest()
    return {"Content-Type": "application/json", "Stripe-Signature": f"t={at},v1={digest}"}


SUCCEEDED = {"id": "evt_1", "type": "payment_intent.succeeded"}


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(
            b'{"id": "evt_deep", "type": "payment_intent.succeeded", "data": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
            id="nested 100,000 deep",
        ),
        pytest.param(json.dumps({**SUCCEEDED, "data": {"object": "pi_1"}}).encode(), id="data.object a string"),
        pytest.param(
            json.dumps({**SUCCEEDED, "data": {"object": {"id": "pi_1", "status": "succeeded", "amount": "lots"}}}).encode(),
            id="amount not a number",
        ),
        pytest.param(
            json.dumps({**SUCCEEDED, "data": {"object": {"id": "pi_1", "status": "succeeded", "amount": True}}}).encode(),
            id="amount a boolean",
        ),
        pytest.param(
            json.dumps({"id": "evt_" + "x" * 3000, "type": "customer.created", "data": {"object": {}}}).encode(), id="event id over 2 KB"
        ),
        pytest.param(json.dumps({"id": 7, "type": "charge.refunded"}).encode(), id="event id a number"),
        pytest.param(
            json.dumps({**SUCCEEDED, "id": "evt_2", "type": "charge.refunded", "data": {"object": {"amount_refunded": "9"}}}).encode(),
            id="refund amount a string",
        ),
        pytest.param(b"[]", id="a list, not an event"),
    ],
)
def test_a_validly_signed_body_that_is_no_event_answers_400_and_changes_nothing(payments_client: Client, body: bytes) -> None:
    response = payments_client.http.post("/webhooks/stripe", headers=signed_body(body), body=body)
    assert_problem(response, 400)
    assert len(response.body) < 2000  # what was refused is not echoed back whole


def test_a_validly_signed_event_of_an_unknown_type_is_acknowledged(payments_client: Client) -> None:
    body = json.dumps({"id": "evt_3", "type": "customer.created", "data": {"object": "anything at all"}}).encode()
    response = payments_client.http.post("/webhooks/stripe", headers=signed_body(body), body=body)
    assert response.status_code == 200, response.body


# -- card testing: pm_ ids only, few tries per payment, a cap per brand and hour ---------------------------------------

DECLINED = "pm_card_chargeCustomerFail"


def confirm_with(payments_client: Client, payment_id: str, payment_method: str, brand: str = "DMO") -> Any:
    return payments_client.http.post(
        f"/payments/{payment_id}/confirm", headers=as_brand(brand), body=json.dumps({"payment_method": payment_method})
    )


def test_a_card_or_source_id_instead_of_a_payment_method_is_422_and_charges_nothing(
    orders_client: Client, payments_client: Client, stripe: FakeStripe
) -> None:
    _, payment_id = new_payment(orders_client, payments_client)
    for legacy in ("card_1Nv0FGQ9RKHgCVdK", "src_1Nv0FGQ9RKHgCVdK", "tok_visa"):
        problem = assert_problem(confirm_with(payments_client, payment_id, legacy), 422)
        assert problem["errors"][0]["loc"] == ["body", "payment_method"]
    assert stripe.calls == []


def test_a_payment_takes_at_most_five_card_attempts(orders_client: Client, payments_client: Client, stripe: FakeStripe) -> None:
    number, payment_id = new_payment(orders_client, payments_client)
    for _ in range(5):
        assert json.loads(confirm_with(payments_client, payment_id, DECLINED).body)["status"] == "FAILED"
    creates = stripe.creates

    problem = assert_problem(confirm_with(payments_client, payment_id, "pm_card_visa"), 409)

    assert "5 card attempts" in problem["detail"] and "start a new payment" in problem["detail"]
    assert stripe.creates == creates
    assert order_of(orders_client, number)["payment_status"] == "UNPAID"


def test_card_confirmations_beyond_the_brands_hourly_cap_are_429_with_retry_after(
    orders_client: Client, payments_client: Client, payment_desk: Any, stripe: FakeStripe, clock: Any
) -> None:
    payment_desk.confirmations_per_hour = 3
    clock.now = clock.now.replace(minute=45, second=0)
    payments = [new_payment(orders_client, payments_client) for _ in range(4)]
    for _, payment_id in payments[:3]:
        assert json.loads(confirm_with(payments_client, payment_id, DECLINED).body)["status"] == "FAILED"
    creates = stripe.creates

    capped = confirm_with(payments_client, payments[3][1], "pm_card_visa")

    assert_problem(capped, 429)
    assert {k.lower(): v for k, v in capped.headers.items()}["retry-after"] == str(15 * 60)
    assert stripe.creates == creates  # Stripe was never asked
    assert order_of(orders_client, payments[3][0])["payment_status"] == "UNPAID"  # nothing locked
    other_brand = place(orders_client, brand="BRK")["order_number"]
    response = payments_client.http.post(
        "/payments", headers=as_brand("BRK", **{"Idempotency-Key": uuid.uuid4().hex}), body=json.dumps({"order_numbers": [other_brand]})
    )
    assert json.loads(confirm_with(payments_client, json.loads(response.body)["payment_id"], "pm_card_visa", "BRK").body)["status"] == (
        "SUCCEEDED"
    )  # another brand has its own count

    clock.advance(minutes=15)
    assert json.loads(confirm_with(payments_client, payments[3][1], "pm_card_visa").body)["status"] == "SUCCEEDED"


def test_staff_read_the_invoicing_records_page_by_page_and_brands_may_not(payments_client: Client) -> None:
    listed = payments_client.http.get("/admin/invoicing/records", headers=as_staff())
    assert listed.status_code == 200 and json.loads(listed.body) == {"records": [], "next_cursor": None}
    # A limit longer than Python turns into an int, and digits that are not 0-9, are refused like any other.
    limits = ("0", "101", "ten", "9" * 5000, "%C2%B2")
    for query, field in (*((f"limit={limit}", "limit") for limit in limits), ("cursor=-1", "cursor"), ("cursor=%C2%B2", "cursor")):
        problem = assert_problem(payments_client.http.get(f"/admin/invoicing/records?{query}", headers=as_staff()), 422)
        assert problem["errors"][0]["loc"] == ["query", field]
    assert_problem(payments_client.http.get("/admin/invoicing/records", headers=as_brand()), 403)
