"""Crash tests: every business change, failed at every point its writes can fail, is entirely before or after.

A scenario sets a shop up, then makes one request. The harness runs it once untouched (the reference),
then again in a fresh shop for each point k, crashing there (before the k-th call, or after it applied
and before its answer came back). It checks the state is the state before the request or the reference's
state after it, that repeating the request (Stripe redelivering, a client retrying) ends at the
reference's state, and that every email the reference sent went out exactly once.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from tests.backends import Backend, desks
from tests.examples import checkout
from tests.fakes import Clock, Crashes, FakeMailer, FakeStripe, intent_object, signed_event
from welt.domain.errors import StateConflictError, VersionMismatchError
from welt.domain.model import ProductionStage
from welt.domain.payment import PaymentState
from welt.services import orders, payments, production, shipping_groups
from welt.services.callers import Caller
from welt.services.notifications import deliver_due
from welt.services.orders import Checkout, OrderEdit
from welt.services.payments import ConfirmRequest, PaymentRequest
from welt.services.ports import OrderFilter
from welt.services.resources import PaymentResource

DMO = Caller(subject="u1", brand="DMO", staff=False)
STAFF = Caller(subject="s1", brand=None, staff=True)
SHIPMENT = production.Shipment(carrier="DHL", tracking_number="JD0001", tracking_url="https://track.example/JD0001")


@dataclass
class Shop:
    backend: Backend
    desk: orders.OrderDesk
    pay: payments.PaymentDesk
    stripe: FakeStripe
    mailer: FakeMailer
    clock: Clock
    context: dict[str, Any] = field(default_factory=dict)

    def order(self, key: str) -> str:
        body = checkout()
        return str(orders.checkout(self.desk, DMO, Checkout.model_validate(body), key, body)["order_number"])

    def payment(self, key: str, **request: Any) -> str:
        wanted = PaymentRequest(**request)
        return str(payments.start_payment(self.pay, DMO, wanted, key, wanted.model_dump())["payment_id"])

    def confirm(self, payment_id: str, card: str = "pm_card_visa") -> PaymentResource:
        return payments.confirm_payment(self.pay, DMO, payment_id, ConfirmRequest(payment_method=card))

    def deliver(self, event_type: str, obj: dict[str, Any], event_id: str) -> None:
        payments.handle_webhook(self.pay, *signed_event(event_type, obj, event_id))

    def intent(self, payment_id: str) -> dict[str, Any]:
        payment = self.pay.payments.get(payment_id)
        assert payment is not None and payment.intent_id is not None
        return intent_object(self.stripe.retrieve(payment.intent_id))

    def paid(self, number: str, key: str) -> str:
        payment_id = self.payment(key, order_numbers=[number])
        self.confirm(payment_id)
        self.deliver("payment_intent.succeeded", self.intent(payment_id), f"evt_paid_{key}")
        return payment_id

    def ready(self, number: str) -> None:
        production.move_stage(self.desk, STAFF, number, production.StageChange(stage=ProductionStage.READY_TO_SHIP))


def state(shop: Shop) -> dict[str, Any]:
    """What a user of the shop could see, read through the repositories."""
    orders_now = shop.backend.orders.page(OrderFilter(brand="DMO"), None, 100).items
    groups = shop.backend.groups.page("DMO", None, None, 50, 1000).items
    brand = shop.backend.brands.get("DMO")
    charged = {}
    for n in range(1, 10):
        payment = shop.backend.payments.get(f"pay_{n:06d}")
        if payment is not None and payment.status is not PaymentState.REQUIRES_PAYMENT_METHOD:
            charged[payment.payment_id] = (payment.status.value, payment.invoice_number, payment.refunded_amount)
    return {
        "orders": {
            o.order_number: (
                o.status.value,
                o.payment_status.value,
                o.production_stage,
                o.shipping_group_id,
                o.sizes[0].pairs,
                o.tracking is not None,
            )
            for o in orders_now
        },
        "timelines": {o.order_number: len(shop.backend.orders.timeline("DMO", o.seq, None, 100).items) for o in orders_now},
        "groups": {g.shipping_group_id: (g.status.value, tuple(g.order_numbers)) for g in groups},
        "brand": (
            brand.stamps_status.value,
            brand.last_order_seq,
            brand.last_group_seq,
            brand.stamp_fee_payment_id,
            brand.labeling_default,
        ),
        "payments": charged,
        "invoices": shop.backend.invoices.last_number(shop.clock().year),
    }


def drain(shop: Shop) -> None:
    """What the outbox stream's consumer (or, after a minute, the scheduled retry) sends of what was written."""
    later = shop.clock() + timedelta(minutes=5)
    deliver_due(shop.backend.outbox, shop.mailer, lambda: later)


def emails(shop: Shop) -> Counter[str]:
    return Counter(subject for _, subject, _ in shop.mailer.sent)


@dataclass(frozen=True)
class Scenario:
    name: str
    setup: Callable[[Shop], object]
    request: Callable[[Shop], Any]
    # Errors a repeated request may answer once the first one went through (e.g. 412 after an edit applied).
    settled_answers: tuple[type[Exception], ...] = ()
    recover: Callable[[Shop], None] | None = None


def _edit(shop: Shop) -> Any:
    return orders.edit_order(shop.desk, DMO, "00001-DMO", OrderEdit.model_validate({"sizes": [{"size": "EU43", "pairs": 1}]}), 1)


def _three_orders(shop: Shop) -> None:
    for n in range(3):
        shop.order(f"o{n}")


def _group_of_two(shop: Shop) -> None:
    _three_orders(shop)
    shipping_groups.create_group(shop.desk, DMO, shipping_groups.NewGroup(order_numbers=["00001-DMO", "00002-DMO"]))


def _group_of_three(shop: Shop) -> None:
    _group_of_two(shop)
    shipping_groups.add_order(shop.desk, DMO, "G0001-DMO", shipping_groups.GroupAddition(order_number="00003-DMO"))


def _awaiting_charge(shop: Shop) -> None:
    shop.order("o1")
    shop.context["payment"] = shop.payment("p1", order_numbers=["00001-DMO"])


def _charged(shop: Shop) -> None:
    _awaiting_charge(shop)
    shop.confirm(shop.context["payment"])


def _declined_after_3ds(shop: Shop) -> None:
    _awaiting_charge(shop)
    intent = str(shop.confirm(shop.context["payment"], "pm_card_threeDSecure")["stripe"]["payment_intent_id"])
    shop.stripe.complete_3ds(intent, success=False)


def _left_in_3ds(shop: Shop) -> None:
    _awaiting_charge(shop)
    shop.confirm(shop.context["payment"], "pm_card_threeDSecure")


def _paid(shop: Shop) -> None:
    shop.order("o1")
    shop.context["payment"] = shop.paid("00001-DMO", "p1")


def _ready_to_ship(shop: Shop) -> None:
    _paid(shop)
    shop.ready("00001-DMO")


def _group_ready_to_ship(shop: Shop) -> None:
    _group_of_two(shop)
    payment_id = shop.payment("pg", shipping_group_id="G0001-DMO")
    shop.confirm(payment_id)
    shop.deliver("payment_intent.succeeded", shop.intent(payment_id), "evt_group")
    shop.ready("00001-DMO")
    shop.ready("00002-DMO")


def _abandon_and_retry(shop: Shop) -> None:
    """A confirm that died after locking the orders and before reaching Stripe: reconciliation frees it after
    the hour, and the brand pays with a new payment."""
    payment = shop.pay.payments.get(shop.context["payment"])
    if payment is not None and payment.status is PaymentState.PROCESSING and payment.intent_id is None:
        shop.clock.advance(hours=2)
        payments.reconcile(shop.pay)
        shop.confirm(shop.payment("p2", order_numbers=["00001-DMO"]))


SCENARIOS = [
    Scenario("checkout", lambda shop: None, lambda shop: shop.order("k1")),
    Scenario("edit", lambda shop: shop.order("o1"), _edit, (VersionMismatchError,)),
    Scenario("cancel", lambda shop: shop.order("o1"), lambda shop: orders.cancel_order(shop.desk, DMO, "00001-DMO", None)),
    Scenario(
        "group create",
        _three_orders,
        lambda shop: shipping_groups.create_group(shop.desk, DMO, shipping_groups.NewGroup(order_numbers=["00001-DMO", "00002-DMO"])),
        (StateConflictError,),
    ),
    Scenario(
        "group add",
        _group_of_two,
        lambda shop: shipping_groups.add_order(shop.desk, DMO, "G0001-DMO", shipping_groups.GroupAddition(order_number="00003-DMO")),
        (StateConflictError,),
    ),
    Scenario(
        "group remove",
        _group_of_three,
        lambda shop: shipping_groups.remove_order(shop.desk, DMO, "G0001-DMO", "00003-DMO"),
        (StateConflictError,),
    ),
    Scenario("group dissolve", _group_of_two, lambda shop: shipping_groups.dissolve_group(shop.desk, DMO, "G0001-DMO")),
    Scenario("payment start", _awaiting_charge, lambda shop: shop.confirm(shop.context["payment"]), recover=_abandon_and_retry),
    Scenario(
        "payment success", _charged, lambda shop: shop.deliver("payment_intent.succeeded", shop.intent(shop.context["payment"]), "evt_ok")
    ),
    Scenario(
        "payment failure",
        _declined_after_3ds,
        lambda shop: shop.deliver("payment_intent.payment_failed", shop.intent(shop.context["payment"]), "evt_no"),
    ),
    Scenario("payment cancel", _left_in_3ds, lambda shop: payments.cancel_payment(shop.pay, DMO, shop.context["payment"])),
    Scenario(
        "refund",
        _paid,
        lambda shop: shop.deliver(
            "charge.refunded",
            {"id": "ch_1", "payment_intent": shop.intent(shop.context["payment"])["id"], "amount_refunded": 20000},
            "evt_back",
        ),
    ),
    Scenario("ship order", _ready_to_ship, lambda shop: production.ship_order(shop.desk, STAFF, "00001-DMO", SHIPMENT)),
    Scenario("ship group", _group_ready_to_ship, lambda shop: production.ship_group(shop.desk, STAFF, "G0001-DMO", SHIPMENT)),
]


def new_shop(make_backend: Callable[[], tuple[Backend, Crashes]]) -> tuple[Shop, Crashes]:
    backend, crashes = make_backend()
    mailer, clock, stripe = FakeMailer(), Clock(), FakeStripe()
    desk, pay = desks(backend, mailer, clock, stripe)
    return Shop(backend, desk, pay, stripe, mailer, clock), crashes


def run_crashes(scenario: Scenario, make_backend: Callable[[], tuple[Backend, Crashes]]) -> int:
    """Crash the scenario's request at every point; returns how many points were tried."""
    reference, crashes = new_shop(make_backend)
    scenario.setup(reference)
    before = state(reference)
    start = crashes.calls
    scenario.request(reference)
    points = crashes.calls - start
    drain(reference)
    after, sent = state(reference), emails(reference)
    assert before != after, f"{scenario.name}: the request changed nothing"
    for point in range(1, points + 1):
        for phase in ("before", "after"):
            shop, crashes = new_shop(make_backend)
            scenario.setup(shop)
            crashes.plan = (crashes.calls + point, phase)
            try:
                scenario.request(shop)
            except Exception:  # the crash, however a library wraps it
                pass
            crashes.plan = None
            seen = state(shop)
            where = f"{scenario.name}: crash {phase} call {point} of {points}"
            assert seen in (before, after), f"{where} left a state neither before nor after:\n{seen}\nbefore {before}\nafter {after}"
            try:
                scenario.request(shop)
            except scenario.settled_answers:
                pass
            if scenario.recover is not None:
                scenario.recover(shop)
            drain(shop)
            final = state(shop)
            if scenario.recover is None:
                assert final == after, f"{where}: the retry did not end where the request ends:\n{final}\n{after}"
            else:  # recovered through another payment: the orders end as the request leaves them
                assert final["orders"] == after["orders"], f"{where}: {final['orders']} != {after['orders']}"
            assert emails(shop) == sent, f"{where}: emails {emails(shop)} != {sent}"
    return points
