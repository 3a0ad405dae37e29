"""Checkout against DynamoDB and SES on the moto server: numbering, idempotency and emails under concurrency."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import pytest
import requests

from tests.backends import desks, dynamo_backend
from tests.examples import checkout
from tests.fakes import Clock, FakeMailer
from tests.integration.conftest import REGION, Tables
from welt.adapters.ses import SesMailer
from welt.domain.errors import IdempotencyKeyReusedError, RequestInProgressError, ValidationFailedError
from welt.services import orders
from welt.services.notifications import deliver_due
from welt.services.orders import Caller, Checkout, OrderDesk
from welt.services.ports import OrderFilter
from welt.services.resources import OrderResource

SENDER = "orders@welt.example"
DMO = Caller(subject="u1", brand="DMO", staff=False)
BRK = Caller(subject="u2", brand="BRK", staff=False)


def dynamo_desk(tables: Tables, mailer: Any = None, clock: Clock | None = None) -> OrderDesk:
    """The order desk on DynamoDB; new emails go out after each commit, as the outbox stream's consumer sends them."""
    if mailer is None:
        ses = boto3.client("ses", region_name=REGION)
        ses.verify_email_identity(EmailAddress=SENDER)
        mailer = SesMailer(ses, SENDER)
    return desks(dynamo_backend(tables), mailer, clock)[0]


def pool(desk: OrderDesk, brand: str) -> list[Any]:
    return desk.orders.page(OrderFilter(brand=brand), None, 100).items


def place(desk: OrderDesk, caller: Caller, key: str, **changes: Any) -> OrderResource:
    body = checkout(**changes)
    return orders.checkout(desk, caller, Checkout.model_validate(body), key, body)


def sent_to(endpoint: str, address: str) -> list[dict[str, Any]]:
    messages = requests.get(f"{endpoint}/moto-api/data.json", timeout=10).json()["ses"]["Message"]
    return [m for m in messages if address in m["destinations"]["ToAddresses"]]


def test_concurrent_checkouts_through_the_service_number_without_gaps(tables: Tables, aws_endpoint: str) -> None:
    desk = dynamo_desk(tables, mailer=FakeMailer())
    with ThreadPoolExecutor(8) as threads:
        numbers = list(threads.map(lambda i: place(desk, DMO if i % 4 else BRK, f"key-{i}")["order_number"], range(32)))
    assert sorted(n for n in numbers if n.endswith("DMO")) == [f"{n:05d}-DMO" for n in range(1, 25)]
    assert sorted(n for n in numbers if n.endswith("BRK")) == [f"{n:05d}-BRK" for n in range(1, 9)]
    assert sorted(o.seq for o in pool(desk, "DMO")) == list(range(1, 25))


def test_retried_checkout_returns_the_first_order_and_sends_one_email(tables: Tables, aws_endpoint: str) -> None:
    desk = dynamo_desk(tables)
    first = place(desk, DMO, "retry-1", billing={**checkout()["billing"], "email": "retry-1@dmo.example"})
    again = place(desk, DMO, "retry-1", billing={**checkout()["billing"], "email": "retry-1@dmo.example"})
    assert again["order_number"] == first["order_number"]
    assert len(pool(desk, "DMO")) == 1
    mails = sent_to(aws_endpoint, "retry-1@dmo.example")
    assert [m["subject"] for m in mails] == [f"Order {first['order_number']} confirmed"]


def test_same_key_with_another_body_is_refused_and_places_nothing(tables: Tables) -> None:
    desk = dynamo_desk(tables, mailer=FakeMailer())
    place(desk, DMO, "k")
    with pytest.raises(IdempotencyKeyReusedError):
        place(desk, DMO, "k", sizes=[{"size": "EU44", "pairs": 1}])
    assert len(pool(desk, "DMO")) == 1


def test_a_refused_checkout_frees_its_key_for_a_corrected_retry(tables: Tables) -> None:
    desk = dynamo_desk(tables, mailer=FakeMailer())
    with pytest.raises(ValidationFailedError):
        place(desk, DMO, "fix-me", labeling=None)
    assert place(desk, DMO, "fix-me", labeling="UNLABELED")["order_number"] == "00001-DMO"


def test_two_identical_checkouts_at_once_place_one_order(tables: Tables) -> None:
    desk = dynamo_desk(tables, mailer=FakeMailer())
    start = threading.Barrier(4)

    def attempt(_: int) -> str:
        start.wait()
        try:
            return str(place(desk, DMO, "twin")["order_number"])
        except RequestInProgressError:
            return "in-progress"

    with ThreadPoolExecutor(4) as threads:
        outcomes = list(threads.map(attempt, range(4)))
    assert set(outcomes) - {"in-progress"} == {"00001-DMO"}
    assert len(pool(desk, "DMO")) == 1


def test_ses_outage_leaves_the_email_pending_until_the_retry_run(tables: Tables, aws_endpoint: str) -> None:
    ses = boto3.client("ses", region_name=REGION)
    ses.verify_email_identity(EmailAddress=SENDER)
    clock = Clock()

    class FlakySes:
        """SES refuses the first send, as during an outage, then works."""

        def __init__(self) -> None:
            self.refusals = 1

        def send(self, to: str, subject: str, body: str) -> None:
            if self.refusals:
                self.refusals -= 1
                raise ConnectionError("SES unavailable")
            SesMailer(ses, SENDER).send(to, subject, body)

    mailer = FlakySes()
    desk = dynamo_desk(tables, mailer=mailer, clock=clock)
    order = place(desk, DMO, "outage", billing={**checkout()["billing"], "email": "outage@dmo.example"})
    assert sent_to(aws_endpoint, "outage@dmo.example") == []
    pending = desk.outbox.get(f"order-confirmation/{order['order_number']}")
    assert pending is not None and pending.attempts == 1 and "SES unavailable" in (pending.last_error or "")
    clock.advance(minutes=10)
    assert deliver_due(desk.outbox, mailer, clock) == 1
    assert deliver_due(desk.outbox, mailer, clock) == 0
    assert len(sent_to(aws_endpoint, "outage@dmo.example")) == 1


def test_two_retry_runs_at_once_send_a_pending_email_once(tables: Tables, aws_endpoint: str) -> None:
    clock = Clock()
    mailer = FakeMailer(failures=1)
    desk = dynamo_desk(tables, mailer=mailer, clock=clock)
    place(desk, DMO, "race")
    clock.advance(minutes=10)
    with ThreadPoolExecutor(4) as threads:
        sent = sum(threads.map(lambda _: deliver_due(desk.outbox, mailer, clock), range(4)))
    assert sent == 1 and len(mailer.sent) == 1
