"""Emails a brand can make the factory send: capped per brand and hour (held, not lost), dead addresses given up."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError
from chalice.test import Client

from tests.fakes import Clock, FakeMailer, FakeOutbox, FakeStore
from tests.unit.test_http_api import as_staff, assert_problem
from welt.adapters.ses import SesMailer
from welt.services.notifications import MAX_SEND_ATTEMPTS, deliver_due, deliver_one
from welt.services.ports import OutboxMessage, OutboxState, Transaction, UndeliverableAddressError


def message(n: int, brand: str = "DMO") -> OutboxMessage:
    return OutboxMessage(
        message_id=f"order-confirmation/{n:05d}-{brand}",
        to=f"accounts@{brand.lower()}.example",
        subject="s",
        body="b",
        context={"brand": brand},
    )


@pytest.fixture
def outbox() -> FakeOutbox:
    return FakeOutbox(FakeStore())


def stored(outbox: FakeOutbox, message_id: str) -> OutboxMessage:
    found = outbox.get(message_id)
    assert found is not None
    return found


def enqueue(outbox: FakeOutbox, *messages: OutboxMessage) -> None:
    for one in messages:
        outbox._store.commit(Transaction().send(one))


class RefusingMailer(FakeMailer):
    """SES refusing one address for good."""

    def __init__(self, dead: str) -> None:
        super().__init__()
        self.dead = dead
        self.tries = 0

    def send(self, to: str, subject: str, body: str) -> None:
        if to == self.dead:
            self.tries += 1
            raise UndeliverableAddressError("SES MessageRejected: Address blacklisted.")
        super().send(to, subject, body)


def test_a_brands_emails_past_the_hourly_cap_are_held_until_the_next_hour_and_then_sent(outbox: FakeOutbox) -> None:
    clock, mailer = Clock(), FakeMailer()
    clock.now = clock.now.replace(minute=40)
    enqueue(outbox, *[message(n) for n in range(1, 6)], message(1, "BRK"))

    sent = sum(deliver_one(outbox, mailer, m.message_id, clock, per_brand_hour=3) for m in [message(n) for n in range(1, 6)])
    other = deliver_one(outbox, mailer, message(1, "BRK").message_id, clock, per_brand_hour=3)

    assert (sent, other) == (3, True)  # another brand has its own count
    held = [stored(outbox, message(n).message_id) for n in (4, 5)]
    assert [(m.state, m.attempts, m.next_attempt_at) for m in held] == [
        (OutboxState.PENDING, 0, clock.now.replace(minute=0) + timedelta(hours=1))
    ] * 2
    assert deliver_due(outbox, mailer, clock, per_brand_hour=3) == 0  # not before the hour
    clock.advance(minutes=20)
    assert deliver_due(outbox, mailer, clock, per_brand_hour=3) == 2
    assert len(mailer.sent) == 6  # none lost


def test_an_address_the_mail_service_refuses_for_good_is_given_up_at_once_and_never_retried(outbox: FakeOutbox) -> None:
    clock = Clock()
    mailer = RefusingMailer(dead="accounts@dmo.example")
    enqueue(outbox, message(1))

    assert deliver_one(outbox, mailer, message(1).message_id, clock) is False
    for _ in range(5):
        clock.advance(hours=2)
        deliver_due(outbox, mailer, clock)

    dead = stored(outbox, message(1).message_id)
    assert dead.state is OutboxState.DEAD and "MessageRejected" in (dead.last_error or "")
    assert mailer.tries == 1
    assert [m.message_id for m in outbox.dead(10)] == [message(1).message_id]


def test_an_address_failing_send_after_send_is_given_up_after_the_last_attempt(outbox: FakeOutbox) -> None:
    clock, mailer = Clock(), FakeMailer(failures=10_000)
    enqueue(outbox, message(1))

    for _ in range(MAX_SEND_ATTEMPTS + 5):
        deliver_due(outbox, mailer, clock)
        clock.advance(hours=2)

    dead = stored(outbox, message(1).message_id)
    assert (dead.state, dead.attempts) == (OutboxState.DEAD, MAX_SEND_ATTEMPTS)
    assert mailer.failures == 10_000 - MAX_SEND_ATTEMPTS


class ScriptedSes:
    def __init__(self, code: str) -> None:
        self.code = code

    def send_email(self, **_: Any) -> None:
        raise ClientError({"Error": {"Code": self.code, "Message": "said SES"}}, "SendEmail")


@pytest.mark.parametrize("code", ["MessageRejected", "InvalidParameterValue"])
def test_ses_refusing_the_address_is_an_undeliverable_address(code: str) -> None:
    with pytest.raises(UndeliverableAddressError, match=code):
        SesMailer(ScriptedSes(code), "orders@welt.example").send("a@b.example", "s", "b")


@pytest.mark.parametrize("code", ["Throttling", "ServiceUnavailable", "AccountSendingPausedException"])
def test_ses_failing_for_a_while_is_not_an_undeliverable_address(code: str) -> None:
    with pytest.raises(ClientError):
        SesMailer(ScriptedSes(code), "orders@welt.example").send("a@b.example", "s", "b")


def test_staff_list_dead_emails_and_another_state_is_422(orders_client: Client, desk: Any, mailer: FakeMailer) -> None:
    mailer.failures = 0
    enqueue_on = desk.store
    enqueue_on.on_new_messages = None
    enqueue_on.commit(Transaction().send(message(7)))
    deliver_one(desk.outbox, RefusingMailer(dead="accounts@dmo.example"), message(7).message_id, desk.clock)

    listed = orders_client.http.get("/admin/emails?state=DEAD", headers=as_staff())

    assert listed.status_code == 200, listed.body
    [email] = json.loads(listed.body)["emails"]
    assert (email["message_id"], email["brand"], email["to"], email["state"]) == (
        message(7).message_id,
        "DMO",
        "accounts@dmo.example",
        "DEAD",
    )
    problem = assert_problem(orders_client.http.get("/admin/emails?state=SENT", headers=as_staff()), 422)
    assert problem["errors"][0]["loc"] == ["query", "state"]
