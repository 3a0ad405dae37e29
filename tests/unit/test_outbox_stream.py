"""The outbox table's stream handler: each new message is sent once, and a failed send is reported for that record only."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

from tests.apps import load_app
from tests.fakes import Clock, FakeMailer, FakeOutbox, FakeStore
from welt.bootstrap import wiring
from welt.services.ports import OutboxMessage, OutboxState, Transaction

CONTEXT = SimpleNamespace(
    function_name="welt-test-send-emails",
    memory_limit_in_mb=128,
    aws_request_id="req-1",
    invoked_function_arn="arn:aws:lambda:eu-west-1:123456789012:function:welt-test-send-emails",
)


def stream_record(
    message_id: str, sequence: str, event_name: str = "INSERT", state: str = "PENDING", next_attempt_at: str = "0"
) -> dict[str, Any]:
    image = {
        "message_id": {"S": message_id},
        "state": {"S": state},
        "next_attempt_at": {"S": next_attempt_at},
        "subject": {"S": "Order confirmed"},
    }
    return {
        "eventID": f"event-{sequence}",
        "eventName": event_name,
        "eventSource": "aws:dynamodb",
        "dynamodb": {
            "Keys": {"message_id": {"S": message_id}},
            "NewImage": image,
            "SequenceNumber": sequence,
            "StreamViewType": "NEW_IMAGE",
        },
    }


class Outbox:
    def __init__(self, mailer: FakeMailer) -> None:
        self.module = load_app("orders")
        self.store = FakeStore()
        self.box = FakeOutbox(self.store)
        self.mailer = mailer

    def add(self, message_id: str) -> None:
        message = OutboxMessage(message_id=message_id, to="buyer@dmo.example", subject=f"About {message_id}", body="Thank you.")
        self.store.commit(Transaction().send(message))  # written as a business change writes it

    def deliver(self, *records: dict[str, Any]) -> list[str]:
        """Runs the handler; returns the sequence numbers it reported as failed."""
        response = self.module.send_emails({"Records": list(records)}, CONTEXT)
        return [failure["itemIdentifier"] for failure in response["batchItemFailures"]]


@pytest.fixture
def outbox(clock: Clock) -> Iterator[Outbox]:
    stream = Outbox(FakeMailer())
    with wiring.use(outbox=stream.box, mailer=stream.mailer, clock=clock):
        yield stream


def test_a_new_message_is_sent_once_however_often_its_record_arrives(outbox: Outbox) -> None:
    outbox.add("order-confirmation/00001-DMO")
    record = stream_record("order-confirmation/00001-DMO", "100")

    assert outbox.deliver(record) == []
    assert outbox.deliver(record) == []  # Lambda may deliver a record again

    assert [subject for _, subject, _ in outbox.mailer.sent] == ["About order-confirmation/00001-DMO"]
    message = outbox.box.get("order-confirmation/00001-DMO")
    assert message is not None and message.state is OutboxState.SENT


def test_a_failed_send_reports_only_its_record_and_keeps_the_message_for_the_retry(outbox: Outbox) -> None:
    outbox.mailer.failures = 1
    outbox.add("order-confirmation/00001-DMO")
    outbox.add("order-confirmation/00002-DMO")

    failed = outbox.deliver(stream_record("order-confirmation/00001-DMO", "100"), stream_record("order-confirmation/00002-DMO", "101"))

    assert failed == ["100"]
    assert [subject for _, subject, _ in outbox.mailer.sent] == ["About order-confirmation/00002-DMO"]
    kept = outbox.box.get("order-confirmation/00001-DMO")
    assert kept is not None and kept.state is OutboxState.PENDING and kept.attempts == 1


def test_a_message_someone_else_is_sending_is_reported_until_it_is_sent(outbox: Outbox, clock: Clock) -> None:
    outbox.add("shipped/00001-DMO")
    outbox.add("shipped/00002-DMO")
    assert outbox.box.claim("shipped/00001-DMO", clock(), clock() + timedelta(minutes=2))  # the API is sending it

    assert outbox.deliver(stream_record("shipped/00001-DMO", "100"), stream_record("shipped/00002-DMO", "101")) == ["100"]
    outbox.box.mark_sent("shipped/00001-DMO", clock())
    assert outbox.deliver(stream_record("shipped/00001-DMO", "100")) == []
    assert [subject for _, subject, _ in outbox.mailer.sent] == ["About shipped/00002-DMO"]


def test_a_batch_whose_every_record_failed_fails_the_invocation_so_lambda_retries_it(outbox: Outbox) -> None:
    outbox.mailer.failures = 1
    outbox.add("order-confirmation/00001-DMO")

    with pytest.raises(BatchProcessingError):
        outbox.deliver(stream_record("order-confirmation/00001-DMO", "100"))

    assert outbox.mailer.sent == []


def test_changes_that_are_not_an_unsent_message_due_now_send_nothing(outbox: Outbox, clock: Clock) -> None:
    outbox.add("payment-received/pay_1")
    later = (clock() + timedelta(minutes=5)).isoformat()

    failed = outbox.deliver(
        stream_record("payment-received/pay_1", "100", event_name="MODIFY", state="SENDING"),
        stream_record("payment-received/pay_1", "101", event_name="MODIFY", state="SENT"),
        # A send failed and backs off: the scheduled retry owns the message until then.
        stream_record("payment-received/pay_1", "102", event_name="MODIFY", next_attempt_at=later),
        stream_record("payment-received/pay_1", "103", event_name="REMOVE"),
    )

    assert failed == []
    assert outbox.mailer.sent == []
