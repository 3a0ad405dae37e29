"""In-memory stand-ins for the service ports, for unit tests and the repository contract tests.

`FakeStore` keeps every aggregate in memory and applies a transaction's writes all or none, checking the
same conditions DynamoDB checks. It can crash on the k-th call, before or after a commit applies, so
tests can show a change is entirely before or entirely after.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from welt import bootstrap
from welt.adapters.vies import LocalVies
from welt.bootstrap import Storage
from welt.config import AEAT_QR_PREPRODUCTION
from welt.domain.catalog import load_catalog
from welt.domain.errors import FieldProblem, IdempotencyKeyReusedError, RequestInProgressError
from welt.domain.model import Brand, Order, TimelineEvent
from welt.domain.payment import IN_FLIGHT, Payment, PaymentState
from welt.domain.shipping_group import GroupStatus, ShippingGroup
from welt.domain.team import TeamMember, UserState, password_problems
from welt.domain.verifactu import RegistrationRecord, SendingTurn
from welt.services.notifications import deliver_one
from welt.services.onboarding import Onboarding
from welt.services.orders import OrderDesk
from welt.services.pagination import CursorSigner
from welt.services.payments import PaymentDesk
from welt.services.ports import (
    GROUPABLE_LIMIT,
    SEARCH_BUDGET,
    BrandCheck,
    BrandWrite,
    CappedUse,
    CardDeclinedError,
    CheckoutKeyWrite,
    GroupWrite,
    IntentStatus,
    IntentView,
    InvoiceNumberWrite,
    MessageWrite,
    OrderFilter,
    OrderWrite,
    OutboxMessage,
    OutboxState,
    Page,
    PaidPage,
    PaymentOutcomeUnknownError,
    PaymentProviderUnavailableError,
    PaymentWrite,
    RefundView,
    RegistrationRecordWrite,
    SendingTurnWrite,
    StripeEvent,
    SubmissionWrite,
    Transaction,
    TransactionConflictError,
    UserExistsError,
    Write,
    paid_key,
)


class CrashError(Exception):
    """The process died here (a test's injected fault)."""


class Crashes:
    """Where storage fails: counts its calls and crashes at the one planned, before it or after it applied."""

    def __init__(self) -> None:
        self.calls = 0
        self.plan: tuple[int, str] | None = None

    def before(self) -> None:
        self.calls += 1
        if self.plan == (self.calls, "before"):
            raise CrashError(f"crash before call {self.calls}")

    def after(self) -> None:
        if self.plan == (self.calls, "after"):
            raise CrashError(f"crash after call {self.calls}")


class FakeStore:
    """Every table in memory; `commit` applies a transaction's writes all or none."""

    def __init__(self, *brands: Brand) -> None:
        self.orders: dict[tuple[str, int], Order] = {}
        self.events: dict[tuple[str, int], list[TimelineEvent]] = {}
        self.checkouts: dict[tuple[str, str], CheckoutKeyWrite] = {}
        self.brands: dict[str, Brand] = {brand.code: brand for brand in brands}
        self.groups: dict[tuple[str, int], ShippingGroup] = {}
        self.payments: dict[str, Payment] = {}
        # By series and year ("2026" for full invoices, "R2026" for rectifying ones).
        self.invoice_counters: dict[str, int] = {}
        self.invoices: dict[tuple[str, int], InvoiceNumberWrite] = {}
        # The VERI*FACTU chain: its records by position (the head is the last).
        self.records: list[RegistrationRecord] = []
        self.sending_turn: SendingTurn | None = None
        self.messages: dict[str, OutboxMessage] = {}
        self.capped_uses: dict[tuple[str, str, datetime], int] = {}
        self.lock = threading.RLock()
        self.commits = 0
        self.crashes = Crashes()
        self.on_new_messages: Callable[[list[str]], None] | None = None

    # -- faults

    def tick(self) -> None:
        with self.lock:
            self.crashes.before()

    def snapshot(self) -> dict[str, Any]:
        """Everything stored, to compare a state before and after."""
        with self.lock:
            return {
                "orders": {k: o.model_dump(mode="json") for k, o in self.orders.items()},
                "events": {k: [e.model_dump(mode="json") for e in v] for k, v in self.events.items()},
                "brands": {k: b.model_dump(mode="json") for k, b in self.brands.items()},
                "groups": {k: g.model_dump(mode="json") for k, g in self.groups.items()},
                "payments": {k: p.model_dump(mode="json") for k, p in self.payments.items()},
                "invoices": dict(self.invoice_counters),
                "records": [r.fingerprint for r in self.records],
                "messages": sorted(self.messages),
            }

    # -- the write model

    def _refused(self, write: Write) -> bool:
        match write:
            case OrderWrite(order=order, expected_version=None):
                return (order.brand, order.seq) in self.orders
            case OrderWrite(order=order, expected_version=version, expected_status=status):
                current = self.orders.get((order.brand, order.seq))
                return current is None or current.version != version or current.status is not status
            case BrandWrite(brand=brand, expected_version=None):
                return brand.code in self.brands
            case BrandWrite(brand=brand, expected_version=version):
                known = self.brands.get(brand.code)
                return known is None or known.version != version
            case BrandCheck(code=code, stamps_status=stamps):
                known = self.brands.get(code)
                return known is None or known.stamps_status is not stamps
            case GroupWrite(group=group, expected_version=None):
                return (group.brand, group.seq) in self.groups
            case GroupWrite(group=group, expected_version=version):
                held = self.groups.get((group.brand, group.seq))
                return held is None or held.version != version
            case PaymentWrite(payment=payment, expected_version=None):
                return payment.payment_id in self.payments
            case PaymentWrite(payment=payment, expected_version=version):
                stored = self.payments.get(payment.payment_id)
                return stored is None or stored.version != version
            case InvoiceNumberWrite(year=year, seq=seq, series=series):
                counter = f"{series}{year}"
                return self.invoice_counters.get(counter, 0) != seq - 1 or (counter, seq) in self.invoices
            case SubmissionWrite(record=record):
                answered = self.records[record.position - 1] if 0 < record.position <= len(self.records) else None
                return answered is None or answered.submission != "PENDING" or answered.fingerprint != record.fingerprint
            case RegistrationRecordWrite(record=record, then=then):
                head = self.records[-1].fingerprint if self.records else None
                unchained = then is not None and (then.previous_fingerprint != record.fingerprint or then.position != record.position + 1)
                return head != record.previous_fingerprint or record.position != len(self.records) + 1 or unchained
            case SendingTurnWrite(expected_version=version):
                turn = self.sending_turn
                return turn is not None if version is None else turn is None or turn.version != version
            case CheckoutKeyWrite(brand=brand, key_hash=key_hash):
                return (brand, key_hash) in self.checkouts
            case MessageWrite(message=message):
                return message.message_id in self.messages
            case CappedUse(what=what, brand=brand, hour=hour, cap=cap):
                return self.capped_uses.get((what, brand, hour), 0) >= cap
        raise TypeError(f"unknown write {write!r}")

    def _apply(self, write: Write) -> None:
        match write:
            case OrderWrite(order=order):
                key = (order.brand, order.seq)
                self.events.setdefault(key, []).extend(order.new_events)
                self.orders[key] = order.model_copy(update={"new_events": []})
            case BrandWrite(brand=brand):
                self.brands[brand.code] = brand
            case GroupWrite(group=group):
                self.groups[(group.brand, group.seq)] = group
            case PaymentWrite(payment=payment):
                self.payments[payment.payment_id] = payment
            case InvoiceNumberWrite(year=year, seq=seq, series=series):
                self.invoice_counters[f"{series}{year}"] = seq
                self.invoices[(f"{series}{year}", seq)] = write
            case RegistrationRecordWrite(record=record, then=then):
                self.records.extend([record, *([then] if then else [])])
            case SubmissionWrite(record=record):
                self.records[record.position - 1] = record
            case SendingTurnWrite(turn=turn):
                self.sending_turn = turn
            case CheckoutKeyWrite(brand=brand, key_hash=key_hash):
                self.checkouts[(brand, key_hash)] = write
            case MessageWrite(message=message):
                self.messages[message.message_id] = replace(message)
            case CappedUse(what=what, brand=brand, hour=hour):
                self.capped_uses[(what, brand, hour)] = self.capped_uses.get((what, brand, hour), 0) + 1

    def commit(self, transaction: Transaction) -> None:
        assert len(transaction.writes) <= 100
        with self.lock:
            self.tick()
            failed = [write for write in transaction.writes if self._refused(write)]
            if failed:
                raise TransactionConflictError(failed)
            for write in transaction.writes:
                self._apply(write)
            self.commits += 1
            new = [w.message.message_id for w in transaction.writes if isinstance(w, MessageWrite)]
        if new and self.on_new_messages is not None:
            self.on_new_messages(new)  # what the outbox stream's consumer does with new messages
        self.crashes.after()


class FakeOrderRepository:
    def __init__(self, store: FakeStore) -> None:
        self._store = store

    def get(self, brand: str, seq: int) -> Order | None:
        self._store.tick()
        return self._store.orders.get((brand, seq))

    def get_many(self, keys: Sequence[tuple[str, int]]) -> list[Order]:
        self._store.tick()
        return [order for key in keys if (order := self._store.orders.get(key)) is not None]

    def checkout(self, brand: str, key_hash: str) -> CheckoutKeyWrite | None:
        self._store.tick()
        return self._store.checkouts.get((brand, key_hash))

    @staticmethod
    def _created_key(order: Order) -> str:
        return f"{order.created_at.isoformat()}#{order.brand}#{order.seq:010d}"

    def page(self, where: OrderFilter, after: dict[str, Any] | None, limit: int) -> Page[Order]:
        self._store.tick()
        with self._store.lock:
            orders = list(self._store.orders.values())
        if where.brand is not None:
            ordered = sorted((o for o in orders if o.brand == where.brand), key=lambda o: o.seq, reverse=True)
            place: Callable[[Order], Any] = lambda o: o.seq  # noqa: E731
        else:
            ordered = sorted(orders, key=self._created_key, reverse=True)
            place = self._created_key
        if after is not None:
            ordered = [o for o in ordered if place(o) < after["at"]]
        structural = where.model_copy(update={"q": None})
        ordered = [o for o in ordered if structural.matches(o)]
        if where.text:
            looked = ordered[:SEARCH_BUDGET]
            found = [o for o in looked if where.matches(o)]
            if len(found) > limit:
                return Page(items=found[:limit], last_key={"at": place(found[limit - 1])})
            more = len(ordered) > SEARCH_BUDGET
            return Page(items=found, last_key={"at": place(looked[-1])} if more else None)
        page = ordered[: limit + 1]
        more = len(page) > limit
        return Page(items=page[:limit], last_key={"at": place(page[limit - 1])} if more else None)

    def timeline(self, brand: str, seq: int, after: dict[str, Any] | None, limit: int) -> Page[TimelineEvent]:
        self._store.tick()
        events = [e for e in self._store.events.get((brand, seq), []) if after is None or e.version > after["version"]]
        more = len(events) > limit
        return Page(items=events[:limit], last_key={"version": events[limit - 1].version} if more else None)

    def groupable_orders(self, brand: str) -> list[Order]:
        self._store.tick()
        candidates = [o for (b, _), o in self._store.orders.items() if b == brand]
        found = sorted((o for o in candidates if o.is_editable and o.type.value == "MTO"), key=lambda o: o.seq, reverse=True)
        return found[:GROUPABLE_LIMIT]


class FakeBrandRepository:
    def __init__(self, store: FakeStore) -> None:
        self._store = store

    def get(self, code: str) -> Brand | None:
        self._store.tick()
        return self._store.brands.get(code)

    def get_many(self, codes: Sequence[str]) -> dict[str, Brand]:
        self._store.tick()
        return {code: brand for code in codes if (brand := self._store.brands.get(code)) is not None}

    def add(self, brand: Brand) -> None:
        self._store.brands.setdefault(brand.code, brand)

    def page(self, after: dict[str, Any] | None, limit: int) -> Page[Brand]:
        self._store.tick()
        codes = sorted(code for code in self._store.brands if after is None or code > after["code"])
        kept = codes[:limit]
        return Page([self._store.brands[c] for c in kept], {"code": kept[-1]} if len(codes) > limit else None)


class FakeShippingGroupRepository:
    def __init__(self, store: FakeStore) -> None:
        self._store = store

    def get(self, brand: str, seq: int) -> ShippingGroup | None:
        self._store.tick()
        return self._store.groups.get((brand, seq))

    def get_many(self, keys: Sequence[tuple[str, int]]) -> list[ShippingGroup]:
        self._store.tick()
        return [group for key in dict.fromkeys(keys) if (group := self._store.groups.get(key)) is not None]

    def page(
        self, brand: str | None, status: GroupStatus | None, after: dict[str, Any] | None, limit: int, order_budget: int
    ) -> Page[ShippingGroup]:
        self._store.tick()
        from welt.adapters.dynamodb.groups import fitting

        groups = [g for g in self._store.groups.values() if g.status is not GroupStatus.DISSOLVED]
        if brand is not None:
            groups = [g for g in groups if g.brand == brand]
        elif status is not None:
            groups = [g for g in groups if g.status is status]
        groups.sort(key=lambda g: (g.created_at, g.brand, g.seq), reverse=True)
        if after is not None:
            groups = groups[int(after["index"]) :]
        start = int(after["index"]) if after else 0
        kept = fitting(groups[:limit], order_budget)
        more = len(groups) > len(kept)
        return Page(items=kept, last_key={"index": start + len(kept)} if more else None)


class FakeOutbox:
    def __init__(self, store: FakeStore | None = None) -> None:
        self._store = store or FakeStore()
        self.messages = self._store.messages
        self.send_counts: dict[tuple[str, datetime], int] = {}
        self._lock = threading.Lock()

    def get(self, message_id: str) -> OutboxMessage | None:
        message = self.messages.get(message_id)
        return replace(message) if message else None

    def due(self, now: datetime, limit: int) -> list[OutboxMessage]:
        def is_due(m: OutboxMessage) -> bool:
            if m.state in (OutboxState.SENT, OutboxState.DEAD):
                return False
            moment = m.lease_until if m.state is OutboxState.SENDING else m.next_attempt_at
            return moment is None or moment <= now

        return [replace(m) for m in list(self.messages.values()) if is_due(m)][:limit]

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

    def erase_body(self, message_id: str) -> None:
        message = self.messages[message_id]
        assert message.state is OutboxState.SENT
        message.body = "(erased)"

    def hold(self, message_id: str, until: datetime) -> None:
        message = self.messages[message_id]
        message.state, message.lease_until, message.next_attempt_at = OutboxState.PENDING, None, until
        message.last_error = "held: the brand's hourly email cap was reached"

    def give_up(self, message_id: str, error: str, at: datetime) -> None:
        message = self.messages[message_id]
        message.state, message.lease_until, message.next_attempt_at = OutboxState.DEAD, None, at
        message.attempts += 1
        message.last_error = error

    def count_send(self, brand: str, at: datetime, cap: int) -> bool:
        hour = at.replace(minute=0, second=0, microsecond=0)
        with self._lock:
            if self.send_counts.get((brand, hour), 0) >= cap:
                return False
            self.send_counts[(brand, hour)] = self.send_counts.get((brand, hour), 0) + 1
            return True

    def dead(self, limit: int) -> list[OutboxMessage]:
        given_up = [replace(m) for m in list(self.messages.values()) if m.state is OutboxState.DEAD]
        return sorted(given_up, key=lambda m: m.next_attempt_at or datetime.min.replace(tzinfo=UTC), reverse=True)[:limit]


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


class FakeSessionRegistry:
    """Each user's "tokens valid after" instant, in memory."""

    def __init__(self) -> None:
        self.revoked: dict[str, datetime] = {}

    def valid_after(self, subject: str) -> datetime | None:
        return self.revoked.get(subject)

    def revoke(self, subject: str, at: datetime) -> None:
        self.revoked[subject] = max(at, self.revoked.get(subject, at))


def fake_storage(store: FakeStore) -> Storage:
    """Every fake repository over one FakeStore."""
    return Storage(
        store=store,
        orders=FakeOrderRepository(store),
        brands=FakeBrandRepository(store),
        groups=FakeShippingGroupRepository(store),
        payments=FakePaymentRepository(store),
        invoices=FakeInvoiceRegister(store),
        events=FakeEventLog(),
        outbox=FakeOutbox(store),
        sessions=FakeSessionRegistry(),
        idempotency=FakeIdempotency(),
    )


def fake_desk(mailer: FakeMailer | None = None, clock: Clock | None = None, store: FakeStore | None = None) -> OrderDesk:
    """An order desk on one FakeStore; new emails go out to `mailer` as the outbox stream's consumer sends them."""
    store = store or FakeStore(DEMO, OTHER)
    mailer = mailer or FakeMailer()
    desk = bootstrap.order_desk(
        fake_storage(store),
        catalog=load_catalog(),
        cursors=CursorSigner(b"unit-test-cursor-secret"),
        clock=clock or Clock(),
        vat_registry=LocalVies(),
    )

    def send_new(message_ids: list[str]) -> None:
        for message_id in message_ids:
            deliver_one(desk.outbox, mailer, message_id, desk.clock)

    store.on_new_messages = send_new
    return desk


class FakePaymentRepository:
    def __init__(self, store: FakeStore) -> None:
        self._store = store

    def get(self, payment_id: str) -> Payment | None:
        self._store.tick()
        return self._store.payments.get(payment_id)

    def by_intent(self, intent_id: str) -> Payment | None:
        self._store.tick()
        return next((p for p in self._store.payments.values() if p.intent_id == intent_id), None)

    def in_flight_since(self, before: datetime, limit: int) -> list[Payment]:
        self._store.tick()
        found = [p for p in self._store.payments.values() if p.status in IN_FLIGHT and p.updated_at < before]
        return sorted(found, key=lambda p: p.updated_at)[:limit]

    def needing_review(self, limit: int) -> list[Payment]:
        self._store.tick()
        found = [p for p in self._store.payments.values() if p.status is PaymentState.NEEDS_REVIEW]
        return sorted(found, key=lambda p: p.updated_at)[:limit]

    def paid(self, brand: str, since: datetime | None, after: str | None, limit: int) -> PaidPage:
        self._store.tick()
        keyed = sorted(
            (
                (paid_key(p.settled_at, p.payment_id), p)
                for p in self._store.payments.values()
                if p.brand == brand and p.invoice_number is not None and p.settled_at is not None
            ),
            key=lambda pair: pair[0],
            reverse=True,
        )
        found = [(key, p) for key, p in keyed if (since is None or key >= paid_key(since, "")) and (after is None or key < after)]
        return PaidPage(payments=[p for _, p in found[:limit]], after=found[limit - 1][0] if len(found) > limit else None)


class FakeInvoiceRegister:
    def __init__(self, store: FakeStore) -> None:
        self._store = store

    @property
    def issued(self) -> dict[str, str]:
        return {w.payment_id: w.number for w in self._store.invoices.values()}

    def last_number(self, year: int, series: str = "") -> int:
        self._store.tick()
        return self._store.invoice_counters.get(f"{series}{year}", 0)

    def chain_head(self) -> RegistrationRecord | None:
        self._store.tick()
        with self._store.lock:
            return self._store.records[-1] if self._store.records else None

    def records(self, after_position: int, limit: int) -> list[RegistrationRecord]:
        with self._store.lock:
            return [r for r in self._store.records if r.position > after_position][:limit]

    def sending_turn(self) -> SendingTurn | None:
        self._store.tick()
        with self._store.lock:
            return self._store.sending_turn


class FakeEventLog:
    def __init__(self) -> None:
        self.handled: dict[str, str] = {}

    def seen(self, event_id: str) -> bool:
        return event_id in self.handled

    def remember(self, event_id: str, event_type: str, at: datetime) -> None:
        self.handled[event_id] = event_type


WEBHOOK_SECRET = "whsec_unit_test_secret"


# Stripe's refusals read as the real gateway words them.
NOT_CARRIED_OUT = "The card payment service is unavailable right now; nothing was charged. Try again in a minute."


class FakeStripe:
    """Stripe as Welt sees it: cards by test id, intents that can succeed, fail or want 3-D Secure.

    Like Stripe, a repeated call with the same idempotency key answers the first call's result. `fail_next`
    makes the next call to an operation fail as Stripe can: "unavailable" (refused, nothing done) or "lost"
    (done at Stripe, the answer never arrived); "crash" is Welt's process dying as it makes the call.
    """

    publishable_key = "pk_test_unit"
    js_url = "http://stripe.invalid/v3/"

    def __init__(self) -> None:
        self.intents: dict[str, IntentView] = {}
        self.creates = 0
        self.confirms = 0
        self.cancels: list[str] = []
        self.refunds: list[RefundView] = []
        self.calls: list[str] = []
        self._cards: dict[str, str] = {}
        self._answers: dict[str, Any] = {}
        self._faults: dict[str, list[str]] = {}
        self._lock = threading.Lock()

    def fail_next(self, operation: str, how: str, times: int = 1) -> None:
        self._faults.setdefault(operation, []).extend([how] * times)

    def _fault(self, operation: str) -> str | None:
        pending = self._faults.get(operation)
        return pending.pop(0) if pending else None

    def _keyed(self, key: str, operation: str, work: Callable[[], Any]) -> Any:
        if not key:
            raise ValueError("Every mutating Stripe call needs an idempotency key.")
        self.calls.append(operation)
        fault = self._fault(operation)
        if fault == "unavailable":
            raise PaymentProviderUnavailableError(NOT_CARRIED_OUT)
        if fault == "crash":
            raise SystemExit("the function died before the call left")
        with self._lock:
            if key not in self._answers:
                try:
                    self._answers[key] = ("ok", work())
                except CardDeclinedError as declined:
                    self._answers[key] = ("declined", declined)
            kind, answer = self._answers[key]
        if fault == "lost":
            raise PaymentOutcomeUnknownError("Stripe's answer was lost.", operation)
        if kind == "declined":
            raise answer
        return answer

    def takes_payment_method(self, payment_method: str) -> bool:
        return payment_method.startswith("pm_")

    def create_intent(self, amount: int, currency: str, payment_method: str, metadata: dict[str, str], idempotency_key: str) -> IntentView:
        def create() -> IntentView:
            self.creates += 1
            intent_id = f"pi_{len(self.intents) + 1:06d}"
            self._cards[intent_id] = payment_method
            self.intents[intent_id] = IntentView(
                intent_id, IntentStatus.UNCONFIRMED, amount, f"{intent_id}_secret", None, metadata, currency.lower()
            )
            return self.intents[intent_id]

        return self._keyed(idempotency_key, "create", create)  # type: ignore[no-any-return]

    def confirm(self, intent_id: str, idempotency_key: str) -> IntentView:
        def confirm() -> IntentView:
            self.confirms += 1
            intent = self.intents[intent_id]
            if intent.status is not IntentStatus.UNCONFIRMED:
                raise AssertionError(f"{intent_id} confirmed while {intent.status}")
            card = self._cards[intent_id]
            if card == "pm_card_chargeCustomerFail":
                self.intents[intent_id] = replace(intent, status=IntentStatus.NEEDS_CARD, error_message="Your card was declined.")
                raise CardDeclinedError("Your card was declined.", intent_id)
            status = IntentStatus.NEEDS_BANK_STEP if card == "pm_card_threeDSecure" else IntentStatus.CHARGED
            self.intents[intent_id] = replace(intent, status=status)
            return self.intents[intent_id]

        return self._keyed(idempotency_key, "confirm", confirm)  # type: ignore[no-any-return]

    def retrieve(self, intent_id: str) -> IntentView:
        self.calls.append("retrieve")
        if self._fault("retrieve") is not None:
            raise PaymentProviderUnavailableError(NOT_CARRIED_OUT)
        return self.intents[intent_id]

    def cancel(self, intent_id: str, idempotency_key: str) -> IntentView:
        def cancel() -> IntentView:
            intent = self.intents[intent_id]
            if intent.status in (IntentStatus.CHARGED, IntentStatus.CANCELED):
                return intent  # no longer cancellable: as it is
            self.cancels.append(intent_id)
            self.intents[intent_id] = replace(intent, status=IntentStatus.CANCELED, client_secret=None, error_message=None)
            return self.intents[intent_id]

        return self._keyed(idempotency_key, "cancel", cancel)  # type: ignore[no-any-return]

    def refund(self, intent_id: str, idempotency_key: str, amount: int | None = None) -> RefundView:
        def refund() -> RefundView:
            intent = self.intents[intent_id]
            made = RefundView(f"re_{len(self.refunds) + 1:06d}", intent_id, intent.amount if amount is None else amount, "succeeded")
            self.refunds.append(made)
            return made

        return self._keyed(idempotency_key, "refund", refund)  # type: ignore[no-any-return]

    def charge(self, intent: IntentView, **changes: Any) -> IntentView:
        """What Stripe did outside Welt's calls (a dashboard change, a late 3-D Secure): the intent as now."""
        self.intents[intent.id] = replace(intent, **changes)
        return self.intents[intent.id]

    def complete_3ds(self, intent_id: str, success: bool = True) -> IntentView:
        intent = self.intents[intent_id]
        status = IntentStatus.CHARGED if success else IntentStatus.NEEDS_CARD
        self.intents[intent_id] = replace(intent, status=status, error_message=None if success else "Authentication failed.")
        return self.intents[intent_id]

    def verify_event(self, payload: bytes, signature: str | None) -> StripeEvent:
        from welt.adapters.stripe_gateway import StripeGateway

        return StripeGateway("sk_test_unit", WEBHOOK_SECRET, self.publishable_key, self.js_url).verify_event(payload, signature)


def signed_event(
    event_type: str, obj: dict[str, Any], event_id: str | None = None, secret: str = WEBHOOK_SECRET, timestamp: int | None = None
) -> tuple[bytes, str]:
    """A Stripe event body and its Stripe-Signature header, signed as Stripe signs them."""
    import hashlib
    import hmac
    import json
    import time
    import uuid

    created = int(time.time()) if timestamp is None else timestamp
    event = {
        "id": event_id or f"evt_{uuid.uuid4().hex[:16]}",
        "object": "event",
        "type": event_type,
        "created": created,
        "data": {"object": obj},
    }
    payload = json.dumps(event).encode()
    digest = hmac.new(secret.encode(), f"{created}.".encode() + payload, hashlib.sha256).hexdigest()
    return payload, f"t={created},v1={digest}"


def intent_object(intent: IntentView) -> dict[str, Any]:
    """The intent as Stripe writes it in an event."""
    from welt.adapters.stripe_gateway import INTENT_STATUSES

    error = {"message": intent.error_message} if intent.error_message else None
    stripe_status = next(name for name, status in INTENT_STATUSES.items() if status is intent.status)
    return {
        "id": intent.id,
        "object": "payment_intent",
        "status": stripe_status,
        "amount": intent.amount,
        "currency": intent.currency,
        "metadata": intent.metadata,
        "last_payment_error": error,
    }


def fake_payment_desk(order_desk: OrderDesk, stripe: FakeStripe | None = None) -> PaymentDesk:
    """A payment desk sharing the order desk's store, repositories, outbox and clock."""
    store = order_desk.store
    assert isinstance(store, FakeStore)
    storage = replace(
        fake_storage(store),
        orders=order_desk.orders,
        brands=order_desk.brands,
        groups=order_desk.groups,
        outbox=order_desk.outbox,
        sessions=order_desk.sessions,
    )
    counter = iter(range(1, 1_000_000))
    return bootstrap.payment_desk(
        storage,
        gateway=stripe or FakeStripe(),
        catalog=order_desk.catalog,
        clock=order_desk.clock,
        new_payment_id=lambda: f"pay_{next(counter):06d}",
        aeat_qr_service=AEAT_QR_PREPRODUCTION,
        confirmations_per_hour=20,
    )


def stored_order(desk: OrderDesk, number: str) -> Order:
    """An order as stored, by number (tests only)."""
    brand, seq = number.split("-")[1], int(number.split("-")[0])
    order = desk.orders.get(brand, seq)
    assert order is not None, number
    return order


class FakeUserDirectory:
    """The user pool in memory: users by email with their brand, state and current password."""

    def __init__(self) -> None:
        self.users: dict[str, TeamMember] = {}
        self.passwords: dict[str, str] = {}
        self.signed_out: list[str] = []

    def create(self, email: str, name: str, brand: str | None, temporary_password: str) -> TeamMember:
        if email in self.users:
            raise UserExistsError(email)
        assert password_problems(temporary_password) == []
        self.users[email] = TeamMember(email, name, UserState.INVITED, brand)
        self.passwords[email] = temporary_password
        return self.users[email]

    def find(self, email: str) -> TeamMember | None:
        return self.users.get(email)

    def members(self, brand: str | None) -> list[TeamMember]:
        return sorted((m for m in self.users.values() if m.brand == brand), key=lambda m: m.email)

    def reset_temporary_password(self, email: str, temporary_password: str) -> None:
        self.users[email] = replace(self.users[email], state=UserState.INVITED)
        self.passwords[email] = temporary_password

    def disable(self, email: str) -> None:
        self.users[email] = replace(self.users[email], state=UserState.DISABLED)
        self.signed_out.append(email)

    def enable(self, email: str) -> None:
        self.users[email] = replace(self.users[email], state=UserState.ACTIVE if email not in self.passwords else UserState.INVITED)


def fake_onboarding(desk: OrderDesk, users: FakeUserDirectory | None = None) -> Onboarding:
    return bootstrap.onboarding(desk, users=users or FakeUserDirectory(), sign_in_url="https://welt.example/app")
