"""The local stack's email sender reads the outbox table's stream in the AWS emulator, as the deployed consumer does.

Its retry runs only every few seconds, so the end-to-end tests' emails arriving at once rest on this path.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from tests.backends import dynamo_backend
from tests.fakes import Clock, FakeMailer
from tests.integration.conftest import REGION, Tables
from welt.adapters.tables import OUTBOX
from welt.bootstrap import wiring
from welt.services.ports import OutboxMessage, Transaction
from welt_stack.email_retry import OutboxStream, send_new


def message(message_id: str, next_attempt_at: datetime | None = None) -> OutboxMessage:
    return OutboxMessage(
        message_id=message_id, to="buyer@dmo.example", subject=f"About {message_id}", body="Thank you.", next_attempt_at=next_attempt_at
    )


def test_each_new_message_on_the_stream_is_sent_once_and_one_backing_off_waits_for_the_retry(tables: Tables, clock: Clock) -> None:
    storage = dynamo_backend(tables)
    mailer = FakeMailer()
    storage.store.commit(Transaction().send(message("before/1")))  # written before the sender started: the retry's
    stream = OutboxStream(tables.table(OUTBOX), REGION)

    storage.store.commit(Transaction().send(message("confirmation/00001-DMO")))
    storage.store.commit(Transaction().send(message("later/1", next_attempt_at=clock() + timedelta(minutes=5))))
    with wiring.use(outbox=storage.outbox, mailer=mailer, clock=clock):
        assert send_new(stream) == 1
        assert send_new(stream) == 0  # the sender's own writes (SENDING, SENT) show nothing waiting

    assert [subject for _, subject, _ in mailer.sent] == ["About confirmation/00001-DMO"]
