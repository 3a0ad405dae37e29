"""In-memory stand-ins for the service ports, for unit tests and the repository contract tests."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from welt.domain.catalog import load_catalog
from welt.domain.errors import FieldProblem, IdempotencyKeyReusedError, RequestInProgressError
from welt.domain.model import Brand, Order, OrderStatus, OrderType, PaymentStatus
from welt.services.orders import OrderDesk
from welt.services.pagination import CursorSigner
from welt.services.ports import (
    GROUPABLE_LIMIT,
    CardDeclinedError,
    ConcurrentUpdateError,
    IntentView,
    OrderFilter,
    OutboxMessage,
    OutboxState,
    Page,
)


class FakeOrderRepository:
    def __init__(self) -> None:
        self._orders: dict[tuple[str, int], Order] = {}
        self._lock = threading.Lock()

    def add_next(self, brand: str, build: Callable[[int], Order]) -> Order:
        with self._lock:
            seq = max((s for b, s in self._orders if b == brand), default=0) + 1
            order = build(seq)
            self._orders[(brand, seq)] = order
            return order

    def get(self, brand: str, seq: int) -> Order | None:
        return self._orders.get((brand, seq))

    def placed_by(self, brand: str, checkout_key: str) -> Order | None:
        return next((o for (b, _), o in self._orders.items() if b == brand and o.checkout_key == checkout_key), None)

    def save(self, order: Order, expected_version: int, expected_status: OrderStatus) -> None:
        with self._lock:
            current = self._orders.get((order.brand, order.seq))
            if current is None or current.version != expected_version or current.status is not expected_status:
                raise ConcurrentUpdateError(order.order_number)
            self._orders[(order.brand, order.seq)] = order

    @staticmethod
    def _page(orders: list[Order], limit: int, position: Callable[[Order], dict[str, Any]]) -> Page:
        page = orders[: limit + 1]
        more = len(page) > limit
        return Page(orders=page[:limit], last_key=position(page[limit - 1]) if more else None)

    def brand_page(self, brand: str, where: OrderFilter, after: dict[str, Any] | None, limit: int) -> Page:
        orders = sorted((o for (b, _), o in self._orders.items() if b == brand), key=lambda o: o.seq, reverse=True)
        if after is not None:
            orders = [o for o in orders if o.seq < int(after["seq"])]
        return self._page([o for o in orders if where.matches(o)], limit, lambda o: {"seq": o.seq})

    @staticmethod
    def _created_key(order: Order) -> str:
        return f"{order.created_at.isoformat()}#{order.brand}#{order.seq:010d}"

    def all_brands_page(self, where: OrderFilter, after: dict[str, Any] | None, limit: int) -> Page:
        orders = sorted(self._orders.values(), key=self._created_key, reverse=True)
        if after is not None:
            orders = [o for o in orders if self._created_key(o) < after["created_key"]]
        return self._page(
            [o for o in orders if where.matches(o)],
            limit,
            lambda o: {"created_key": self._created_key(o), "brand": o.brand, "seq": o.seq},
        )

    def groupable_orders(self, brand: str) -> list[Order]:
        orders = sorted((o for (b, _), o in self._orders.items() if b == brand), key=lambda o: o.seq, reverse=True)
        return [o for o in orders if o.type is OrderType.MTO and o.status is OrderStatus.PENDING_PAYMENT
                and o.payment_status is PaymentStatus.UNPAID and o.shipping_group_id is None][:GROUPABLE_LIMIT]


class FakeShippingGroupRepository:
    def __init__(self) -> None:
        self._groups: dict[tuple[str, int], Any] = {}
        self._lock = threading.Lock()

    def add_next(self, brand: str, build: Callable[[int], Any]) -> Any:
        with self._lock:
            seq = max((s for b, s in self._groups if b == brand), default=0) + 1
            self._groups[(brand, seq)] = build(seq)
            return self._groups[(brand, seq)]

    def get(self, brand: str, seq: int) -> Any | None:
        return self._groups.get((brand, seq))

    def save(self, group: Any, expected_version: int) -> None:
        with self._lock:
            current = self._groups.get((group.brand, group.seq))
            if current is None or current.version != expected_version:
                raise ConcurrentUpdateError(group.shipping_group_id)
            self._groups[(group.brand, group.seq)] = group

    def remove(self, brand: str, seq: int, expected_version: int) -> None:
        with self._lock:
            current = self._groups.get((brand, seq))
            if current is None or current.version != expected_version:
                raise ConcurrentUpdateError(f"{brand}/{seq}")
            del self._groups[(brand, seq)]

    def brand_groups(self, brand: str, include_dissolved: bool) -> list[Any]:
        groups = sorted((g for (b, _), g in self._groups.items() if b == brand), key=lambda g: g.seq, reverse=True)
        return [g for g in groups if include_dissolved or g.status.value != "DISSOLVED"]


class FakeBrandRepository:
    def __init__(self, *brands: Brand) -> None:
        self._brands = {brand.code: brand for brand in brands}

    def get(self, code: str) -> Brand | None:
        return self._brands.get(code)

    def add(self, brand: Brand) -> None:
        self._brands.setdefault(brand.code, brand)

    def all(self) -> list[Brand]:
        return sorted(self._brands.values(), key=lambda brand: brand.code)

    def save(self, brand: Brand, expected_version: int) -> None:
        current = self._brands.get(brand.code)
        if current is None or current.version != expected_version:
            raise ConcurrentUpdateError(brand.code)
        self._brands[brand.code] = brand


class FakeOutbox:
    def __init__(self) -> None:
        self.messages: dict[str, OutboxMessage] = {}
        self._lock = threading.Lock()

    def enqueue(self, message: OutboxMessage) -> bool:
        with self._lock:
            if message.message_id in self.messages:
                return False
            self.messages[message.message_id] = replace(message)
            return True

    def get(self, message_id: str) -> OutboxMessage | None:
        message = self.messages.get(message_id)
        return replace(message) if message else None

    def due(self, now: datetime, limit: int) -> list[OutboxMessage]:
        def is_due(m: OutboxMessage) -> bool:
            if m.state is OutboxState.SENT:
                return False
            moment = m.lease_until if m.state is OutboxState.SENDING else m.next_attempt_at
            return moment is None or moment <= now

        return [replace(m) for m in self.messages.values() if is_due(m)][:limit]

    def claim(self, message_id: str, now: datetime, lease_until: datetime) -> bool:
        with self._lock:
            message = self.messages.get(message_id)
            if message is None:
                return False
            free = message.state is OutboxState.PENDING or (
                message.state is OutboxState.SENDING and message.lease_until is not None and message.lease_until < now
            )
            if not free:
                return False
            message.state, message.lease_until = OutboxState.SENDING, lease_until
            return True

    def mark_sent(self, message_id: str, at: datetime) -> None:
        message = self.messages[message_id]
        message.state, message.sent_at, message.lease_until = OutboxState.SENT, at, None

    def release(self, message_id: str, error: str, retry_at: datetime) -> None:
        message = self.messages[message_id]
        message.state, message.lease_until = OutboxState.PENDING, None
        message.attempts += 1
        message.last_error, message.next_attempt_at = error, retry_at


class FakeMailer:
    """Records what was sent; fails the first `failures` sends like an SES outage would."""

    def __init__(self, failures: int = 0) -> None:
        self.sent: list[tuple[str, str, str]] = []
        self.failures = failures

    def send(self, to: str, subject: str, body: str) -> None:
        if self.failures > 0:
            self.failures -= 1
            raise ConnectionError("SES is unavailable")
        self.sent.append((to, subject, body))


class FakeIdempotency:
    def __init__(self) -> None:
        self.results: dict[tuple[str, str], tuple[dict[str, Any], dict[str, Any] | None]] = {}
        self._lock = threading.Lock()

    def run(self, scope: str, key: str, payload: dict[str, Any], work: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        with self._lock:
            known = self.results.get((scope, key))
            if known is not None:
                if known[0] != payload:
                    raise IdempotencyKeyReusedError("reused", [FieldProblem(("header", "Idempotency-Key"), "reused")])
                if known[1] is None:
                    raise RequestInProgressError("in progress")
                return known[1]
            self.results[(scope, key)] = (payload, None)
        try:
            result = work()
        except Exception:
            del self.results[(scope, key)]
            raise
        self.results[(scope, key)] = (payload, result)
        return result


class Clock:
    """A clock tests move by hand."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 11, 2, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


DEMO = Brand(code="DMO", name="Demo Atelier")
OTHER = Brand(code="BRK", name="Brook & Last")


def fake_desk(mailer: FakeMailer | None = None, clock: Clock | None = None) -> OrderDesk:
    return OrderDesk(
        orders=FakeOrderRepository(),
        brands=FakeBrandRepository(DEMO, OTHER),
        groups=FakeShippingGroupRepository(),
        outbox=FakeOutbox(),
        mailer=mailer or FakeMailer(),
        idempotency=FakeIdempotency(),
        catalog=load_catalog(),
        cursors=CursorSigner(b"unit-test-cursor-secret"),
        clock=clock or Clock(),
    )


class FakePaymentRepository:
    def __init__(self) -> None:
        self._payments: dict[str, Any] = {}
        self._lock = threading.Lock()

    def add(self, payment: Any) -> None:
        with self._lock:
            assert payment.payment_id not in self._payments
            self._payments[payment.payment_id] = payment

    def get(self, payment_id: str) -> Any | None:
        return self._payments.get(payment_id)

    def save(self, payment: Any, expected_version: int) -> None:
        with self._lock:
            current = self._payments.get(payment.payment_id)
            if current is None or current.version != expected_version:
                raise ConcurrentUpdateError(payment.payment_id)
            self._payments[payment.payment_id] = payment

    def by_intent(self, intent_id: str) -> Any | None:
        return next((p for p in self._payments.values() if p.intent_id == intent_id), None)

    def in_flight_since(self, before: datetime, limit: int) -> list[Any]:
        from welt.domain.payment import IN_FLIGHT

        return [p for p in self._payments.values() if p.status in IN_FLIGHT and p.updated_at < before][:limit]


class FakeInvoiceRegister:
    def __init__(self) -> None:
        self.issued: dict[str, str] = {}
        self._counts: dict[int, int] = {}
        self._lock = threading.Lock()

    def issue(self, year: int, payment_id: str, brand: str, at: datetime) -> str:
        from welt.domain.payment import invoice_number

        with self._lock:
            if payment_id not in self.issued:
                self._counts[year] = self._counts.get(year, 0) + 1
                self.issued[payment_id] = invoice_number(year, self._counts[year])
            return self.issued[payment_id]


class FakeEventLog:
    def __init__(self) -> None:
        self.handled: dict[str, str] = {}

    def seen(self, event_id: str) -> bool:
        return event_id in self.handled

    def remember(self, event_id: str, event_type: str, at: datetime) -> None:
        self.handled[event_id] = event_type


WEBHOOK_SECRET = "whsec_unit_test_secret"


class FakeStripe:
    """Stripe as Welt sees it: cards by test id, intents that can succeed, fail or want 3-D Secure."""

    publishable_key = "pk_test_unit"
    js_url = "http://stripe.invalid/v3/"

    def __init__(self) -> None:
        self.intents: dict[str, IntentView] = {}
        self.creates = 0
        self._lock = threading.Lock()

    def create_and_confirm(self, amount: int, currency: str, payment_method: str, metadata: dict[str, str],
                           idempotency_key: str) -> IntentView:
        with self._lock:
            self.creates += 1
            intent_id = f"pi_{len(self.intents) + 1:06d}"
        if payment_method == "pm_card_chargeCustomerFail":
            self.intents[intent_id] = IntentView(intent_id, "requires_payment_method", amount, None,
                                                 "Your card was declined.", metadata)
            raise CardDeclinedError("Your card was declined.", intent_id)
        status = "requires_action" if payment_method == "pm_card_threeDSecure" else "succeeded"
        self.intents[intent_id] = IntentView(intent_id, status, amount, f"{intent_id}_secret", None, metadata)
        return self.intents[intent_id]

    def retrieve(self, intent_id: str) -> IntentView:
        return self.intents[intent_id]

    def cancel(self, intent_id: str, idempotency_key: str) -> IntentView:
        intent = self.intents[intent_id]
        self.intents[intent_id] = IntentView(intent.id, "canceled", intent.amount, None, None, intent.metadata)
        return self.intents[intent_id]

    def complete_3ds(self, intent_id: str, success: bool = True) -> IntentView:
        intent = self.intents[intent_id]
        status = "succeeded" if success else "requires_payment_method"
        self.intents[intent_id] = IntentView(intent.id, status, intent.amount, intent.client_secret,
                                             None if success else "Authentication failed.", intent.metadata)
        return self.intents[intent_id]

    def verify_event(self, payload: bytes, signature: str | None) -> dict[str, Any]:
        from welt.adapters.stripe_gateway import StripeGateway

        return StripeGateway("sk_test_unit", WEBHOOK_SECRET, self.publishable_key, self.js_url).verify_event(
            payload, signature)


def signed_event(event_type: str, obj: dict[str, Any], event_id: str | None = None,
                 secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> tuple[bytes, str]:
    """A Stripe event body and its Stripe-Signature header, signed as Stripe signs them."""
    import hashlib
    import hmac
    import json
    import time
    import uuid

    created = int(time.time()) if timestamp is None else timestamp
    event = {"id": event_id or f"evt_{uuid.uuid4().hex[:16]}", "object": "event", "type": event_type,
             "created": created, "data": {"object": obj}}
    payload = json.dumps(event).encode()
    digest = hmac.new(secret.encode(), f"{created}.".encode() + payload, hashlib.sha256).hexdigest()
    return payload, f"t={created},v1={digest}"


def intent_object(intent: IntentView) -> dict[str, Any]:
    error = {"message": intent.error_message} if intent.error_message else None
    return {"id": intent.id, "object": "payment_intent", "status": intent.status, "amount": intent.amount,
            "currency": "eur", "metadata": intent.metadata, "last_payment_error": error}


def fake_payment_desk(order_desk: OrderDesk, stripe: FakeStripe | None = None) -> Any:
    """A payment desk sharing the order desk's orders, brands, outbox, mailer and clock."""
    from welt.services.payments import PaymentDesk

    counter = iter(range(1, 1_000_000))
    return PaymentDesk(
        orders=order_desk.orders,
        brands=order_desk.brands,
        groups=order_desk.groups,
        payments=FakePaymentRepository(),
        invoices=FakeInvoiceRegister(),
        events=FakeEventLog(),
        gateway=stripe or FakeStripe(),
        outbox=order_desk.outbox,
        mailer=order_desk.mailer,
        idempotency=FakeIdempotency(),
        catalog=order_desk.catalog,
        clock=order_desk.clock,
        new_payment_id=lambda: f"pay_{next(counter):06d}",
    )
