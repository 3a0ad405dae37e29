"""The same repositories and store on the fakes and on DynamoDB (moto server), for contract and crash tests."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import boto3

from tests.fakes import (
    DEMO,
    OTHER,
    Clock,
    FakeBrandRepository,
    FakeEventLog,
    FakeIdempotency,
    FakeInvoiceRegister,
    FakeOrderRepository,
    FakeOutbox,
    FakePaymentRepository,
    FakeSessionRegistry,
    FakeShippingGroupRepository,
    FakeStore,
    FakeStripe,
)
from welt.adapters.dynamodb import (
    DynamoBrandRepository,
    DynamoEventLog,
    DynamoInvoiceRegister,
    DynamoOrderRepository,
    DynamoOutbox,
    DynamoPaymentRepository,
    DynamoSessionRegistry,
    DynamoShippingGroupRepository,
    DynamoStore,
)
from welt.adapters.idempotency import PowertoolsIdempotency
from welt.adapters.tables import (
    ALL_TABLES,
    BRANDS,
    IDEMPOTENCY,
    INVOICES,
    ORDERS,
    OUTBOX,
    PAYMENTS,
    SHIPPING_GROUPS,
    STRIPE_EVENTS,
)
from welt.adapters.vies import LocalVies
from welt.config import AEAT_QR_PREPRODUCTION
from welt.domain.catalog import load_catalog
from welt.services.notifications import deliver_one
from welt.services.orders import OrderDesk
from welt.services.pagination import CursorSigner
from welt.services.payments import PaymentDesk
from welt.services.ports import MessageWrite, Store, Transaction


@dataclass
class Backend:
    """Every repository over one storage, and the store that commits to it."""

    store: Any
    orders: Any
    brands: Any
    groups: Any
    payments: Any
    invoices: Any
    events: Any
    outbox: Any
    idempotency: Any
    sessions: Any


def fake_backend() -> Backend:
    store = FakeStore(DEMO, OTHER)
    return Backend(
        store,
        FakeOrderRepository(store),
        FakeBrandRepository(store),
        FakeShippingGroupRepository(store),
        FakePaymentRepository(store),
        FakeInvoiceRegister(store),
        FakeEventLog(),
        FakeOutbox(store),
        FakeIdempotency(),
        FakeSessionRegistry(),
    )


def dynamo_backend(tables: Any) -> Backend:
    """`tables` is the integration suite's fresh set of tables on the moto server."""
    brands = DynamoBrandRepository(tables.table(BRANDS))
    brands.add(DEMO)
    brands.add(OTHER)
    store = DynamoStore(tables.client, {t.logical_name: tables.name(t) for t in ALL_TABLES})
    return Backend(
        store,
        DynamoOrderRepository(tables.table(ORDERS)),
        brands,
        DynamoShippingGroupRepository(tables.table(SHIPPING_GROUPS)),
        DynamoPaymentRepository(tables.table(PAYMENTS)),
        DynamoInvoiceRegister(tables.table(INVOICES)),
        DynamoEventLog(tables.table(STRIPE_EVENTS)),
        # The outbox's sender is another process when deployed (the stream's consumer): its own client.
        DynamoOutbox(boto3.resource("dynamodb", region_name="eu-west-1").Table(tables.name(OUTBOX))),
        PowertoolsIdempotency(tables.name(IDEMPOTENCY), tables.client),
        DynamoSessionRegistry(tables.table(ORDERS)),
    )


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
    backend: Backend, mailer: Any, clock: Clock | None = None, stripe: FakeStripe | None = None, stream: bool = True
) -> tuple[OrderDesk, PaymentDesk]:
    """An order desk and a payment desk over the backend; with `stream`, new emails are sent after each commit."""
    clock = clock or Clock()
    store: Store = backend.store
    if stream and not isinstance(store, FakeStore):

        def send(message_id: str) -> None:
            deliver_one(backend.outbox, mailer, message_id, clock)

        store = StreamedStore(store, send)
    order_desk = OrderDesk(
        store=store,
        orders=backend.orders,
        brands=backend.brands,
        groups=backend.groups,
        outbox=backend.outbox,
        mailer=mailer,
        catalog=load_catalog(),
        cursors=CursorSigner(b"integration-cursor-secret"),
        clock=clock,
        sessions=backend.sessions,
        vat_registry=LocalVies(),
    )
    if stream and isinstance(store, FakeStore):

        def send_new(message_ids: list[str]) -> None:
            for message_id in message_ids:
                deliver_one(backend.outbox, mailer, message_id, clock)

        store.on_new_messages = send_new
    counter = iter(range(1, 1_000_000))
    payment_desk = PaymentDesk(
        store=store,
        orders=backend.orders,
        brands=backend.brands,
        groups=backend.groups,
        payments=backend.payments,
        invoices=backend.invoices,
        events=backend.events,
        gateway=stripe or FakeStripe(),
        outbox=backend.outbox,
        mailer=mailer,
        idempotency=backend.idempotency,
        catalog=order_desk.catalog,
        clock=clock,
        new_payment_id=lambda: f"pay_{next(counter):06d}",
        sessions=backend.sessions,
        aeat_qr_service=AEAT_QR_PREPRODUCTION,
    )
    return order_desk, payment_desk
