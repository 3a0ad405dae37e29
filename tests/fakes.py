"""In-memory stand-ins for the service ports, for unit tests and the repository contract tests."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from welt.domain.catalog import load_catalog
from welt.domain.errors import FieldProblem, IdempotencyKeyReusedError, RequestInProgressError
from welt.domain.model import Brand, Order, OrderStatus
from welt.services.orders import OrderDesk
from welt.services.pagination import CursorSigner
from welt.services.ports import ConcurrentUpdateError, OrderFilter, OutboxMessage, OutboxState, Page


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


class FakeBrandRepository:
    def __init__(self, *brands: Brand) -> None:
        self._brands = {brand.code: brand for brand in brands}

    def get(self, code: str) -> Brand | None:
        return self._brands.get(code)

    def add(self, brand: Brand) -> None:
        self._brands.setdefault(brand.code, brand)

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
        outbox=FakeOutbox(),
        mailer=mailer or FakeMailer(),
        idempotency=FakeIdempotency(),
        catalog=load_catalog(),
        cursors=CursorSigner(b"unit-test-cursor-secret"),
        clock=clock or Clock(),
    )
