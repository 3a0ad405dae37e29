"""Welt through the deployed shape: API Gateway with the Cognito authorizer and its gateway responses, the
Lambda packages under their own roles (a missing permission fails), the outbox stream, the schedules, SES."""

from __future__ import annotations

import json
import uuid

import pytest

from tests.deployed.conftest import Outbox
from tests.e2e.conftest import Api, PaymentsApi, assert_problem, eventually, launched, order_form
from welt_stack.deployed_stack import DeployedStack


@pytest.fixture
def tag() -> str:
    return f"deployed-{uuid.uuid4().hex[:12]}"


def test_both_apis_answer_health_through_the_gateway(deployed: DeployedStack, anonymous: Api) -> None:
    for api in (deployed.description["orders_api"], deployed.description["payments_api"]):
        response = Api(api).get("/health")
        assert response.status_code == 200, response.text
        assert response.json() == {"status": "ok"}


def test_the_authorizer_turns_away_a_request_without_a_token_as_problem_json(anonymous: Api) -> None:
    assert_problem(anonymous.get("/orders"), 401)


def test_the_authorizer_turns_away_a_forged_token(deployed: DeployedStack) -> None:
    assert_problem(Api(deployed.description["orders_api"], "eyJhbGciOiJSUzI1NiJ9.e30.c2lnbmF0dXJl").get("/orders"), 401)


def test_an_unknown_route_is_a_problem_json_answer(dmo: Api, anonymous: Api) -> None:
    assert_problem(dmo.get("/no-such-route"), 404)
    assert_problem(anonymous.get("/no-such-route"), 404)


def test_checkout_places_an_order_and_the_same_key_returns_it(dmo: Api, tag: str) -> None:
    form = order_form(tag)
    key = f"deployed-{uuid.uuid4()}"
    first = dmo.checkout(form, key=key)
    assert first.status_code == 201, first.text
    again = dmo.checkout(form, key=key)
    assert again.status_code == 201, again.text
    assert again.json()["order_number"] == first.json()["order_number"]
    assert dmo.order(first.json()["order_number"])["status"] == "PENDING_PAYMENT"


def test_the_order_pool_shows_a_brand_its_orders_and_no_other_brands(dmo: Api, brk: Api, tag: str) -> None:
    number = dmo.place(order_form(tag))["order_number"]

    pool = dmo.all_orders(q=tag)

    assert [order["order_number"] for order in pool] == [number]
    assert brk.all_orders(q=tag) == []
    assert_problem(brk.get(f"/orders/{number}"), 404)


def test_staff_list_every_brands_orders_and_a_brand_may_not(staff: Api, dmo: Api, brk: Api, tag: str) -> None:
    numbers = {dmo.place(order_form(tag))["order_number"], brk.place(order_form(tag))["order_number"]}

    listed = staff.all_orders("/admin/orders", q=tag)

    assert {order["order_number"] for order in listed} == numbers
    assert_problem(dmo.get("/admin/orders"), 403)


def test_staff_list_the_registered_brands_under_the_orders_roles_iam_policy(staff: Api, dmo: Api) -> None:
    """The brands listing queries the registry index (no role may Scan): this runs with IAM checked on every call."""
    answer = staff.get("/admin/brands")

    assert answer.status_code == 200, answer.text
    assert {"DMO", "BRK"} <= {brand["code"] for brand in answer.json()["brands"]}
    assert_problem(dmo.get("/admin/brands"), 403)


def test_a_card_payment_confirmed_at_stripe_lands_by_webhook_and_mails_once(
    dmo: Api, dmo_pay: PaymentsApi, outbox: Outbox, tag: str
) -> None:
    form = order_form(tag)
    number = dmo.place(form)["order_number"]
    payment = dmo_pay.create(number)

    confirmed = dmo_pay.confirm(payment["payment_id"])

    assert confirmed.status_code == 200, confirmed.text
    # localstripe signs payment_intent.succeeded and posts it to the payments API's gateway route.
    settled = dmo_pay.settled(payment["payment_id"], within=60)
    assert settled["order_numbers"] == [number]
    (order,) = launched(dmo, [number], within=60)
    assert order["status"] == "WORK_IN_PROCESS"
    # The outbox stream runs send_emails: the confirmation at checkout, the receipt at payment, once each.
    emails = outbox.wait_for(form["billing"]["email"], count=2)
    subjects = sorted(email["subject"] for email in emails)
    assert len(emails) == 2, subjects
    assert any(number in subject for subject in subjects), subjects
    assert sum(subject.startswith("Payment received") for subject in subjects) == 1, subjects
    assert outbox.wait_for(form["billing"]["email"], count=3, within=3) == emails


def test_each_schedule_runs_its_worker_under_its_own_role(deployed: DeployedStack) -> None:
    """Each schedule's target and input, invoked as EventBridge Scheduler invokes them (its rate is minutes)."""
    assert deployed.deployment is not None
    scheduler = deployed.aws.client("scheduler")
    lambda_ = deployed.aws.client("lambda")
    names = [schedule["Name"] for schedule in scheduler.list_schedules()["Schedules"]]
    assert len(names) == 3, names
    ran = []
    for name in names:
        target = scheduler.get_schedule(Name=name)["Target"]
        answer = lambda_.invoke(FunctionName=target["Arn"], Payload=target["Input"].encode())
        body = answer["Payload"].read().decode()
        assert "FunctionError" not in answer, f"{name}: {body}"
        ran.append(target["Arn"].rsplit(":", 1)[-1])
    assert sorted(ran) == ["welt-local-reconcile-payments", "welt-local-retry-emails", "welt-local-submit-records"]


def test_emails_url_lists_what_ses_sent(deployed: DeployedStack, outbox: Outbox, dmo: Api, tag: str) -> None:
    form = order_form(tag)
    dmo.place(form)
    (email,) = eventually(lambda: outbox.sent_to(form["billing"]["email"]), lambda sent: len(sent) == 1, 30, "the confirmation email")
    assert set(email) == {"destination", "subject", "body"}
    assert json.dumps(email)
