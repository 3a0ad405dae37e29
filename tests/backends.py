"""The same repositories and store on the fakes and on DynamoDB (moto server), for contract and crash tests."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any, TypeAlias

import boto3

from tests.fakes import DEMO, OTHER, Clock, FakeStore, FakeStripe, fake_storage
from welt import bootstrap
from welt.adapters.dynamodb import DynamoOutbox
from welt.adapters.idempotency import PowertoolsIdempotency
from welt.adapters.tables import IDEMPOTENCY, OUTBOX
from welt.adapters.vies import LocalVies
from welt.bootstrap import Storage
from welt.config import AEAT_QR_PREPRODUCTION
from welt.domain.catalog import load_catalog
from welt.services.notifications import deliver_one
from welt.services.orders import OrderDesk
from welt.services.pagination import CursorSigner
from welt.services.payments import PaymentDesk
from welt.services.ports import MessageWrite, Store, Transaction

# A bootstrap.Storage, read loosely: contract tests read back what they just wrote without narrowing each Optional.
Backend: TypeAlias = Any


def fake_backend() -> Backend:
    return fake_storage(FakeStore(DEMO, OTHER))


def dynamo_backend(tables: Any) -> Backend:
    """`tables` is the integration suite's fresh set of tables on the moto server."""
    storage = bootstrap.dynamo_storage(tables.client, tables.table, PowertoolsIdempotency(tables.name(IDEMPOTENCY), tables.client))
    storage.brands.add(DEMO)
    storage.brands.add(OTHER)
    # The outbox's sender is another process when deployed (the stream's consumer): its own client.
    return replace(storage, outbox=DynamoOutbox(boto3.resource("dynamodb", region_name="eu-west-1").Table(tables.name(OUTBOX))))


class StreamedStore:
    """A store whose committed emails are then sent, as the outbox stream's consumer sends them when deployed."""

    def __init__(self, store: Store, send: Callable[[str], None]) -> None:
        self._store = store
        self._send = send

    def commit(self, transaction: Transaction) -> None:
        self._store.commit(transaction)
        for write in transaction.writes:
            if isinstance(write, MessageWrite):
                self._send(write.message.message_id)


def desks(
    backend: Storage, mailer: Any, clock: Clock | None = None, stripe: FakeStripe | None = None, stream: bool = True
) -> tuple[OrderDesk, PaymentDesk]:
    """An order desk and a payment desk over the backend; with `stream`, new emails are sent after each commit."""
    clock = clock or Clock()
    store: Store = backend.store
    if stream and not isinstance(store, FakeStore):

        def send(message_id: str) -> None:
            deliver_one(backend.outbox, mailer, message_id, clock)

        store = StreamedStore(store, send)
    if stream and isinstance(store, FakeStore):

        def send_new(message_ids: list[str]) -> None:
            for message_id in message_ids:
                deliver_one(backend.outbox, mailer, message_id, clock)

        store.on_new_messages = send_new
    storage = replace(backend, store=store)
    catalog = load_catalog()
    order_desk = bootstrap.order_desk(
        storage, catalog=catalog, cursors=CursorSigner(b"integration-cursor-secret"), clock=clock, vat_registry=LocalVies()
    )
    counter = iter(range(1, 1_000_000))
    payment_desk = bootstrap.payment_desk(
        storage,
        gateway=stripe or FakeStripe(),
        catalog=catalog,
        clock=clock,
        new_payment_id=lambda: f"pay_{next(counter):06d}",
        aeat_qr_service=AEAT_QR_PREPRODUCTION,
        confirmations_per_hour=20,
    )
    return order_desk, payment_desk
