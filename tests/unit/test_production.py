"""Staff running production: stages forward only, stamps gating, shipping orders and groups, delivery."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.examples import checkout
from tests.fakes import Clock, FakeMailer, FakeStripe, intent_object, signed_event
from welt.domain.errors import ForbiddenError, StateConflictError
from welt.domain.model import ProductionStage
from welt.services import onboarding, order_pool, orders, payments, production, shipping_groups
from welt.services.orders import Caller, Checkout, OrderDesk
from welt.services.payments import ConfirmRequest, PaymentDesk, PaymentRequest
from welt.services.ports import OrderFilter
from welt.services.production import Shipment, StageChange, StageMoveUndo, StampsUpdate
from welt.services.resources import OrderResource

DMO = Caller(subject="u1", brand="DMO", staff=False)
STAFF = Caller(subject="s1", brand=None, staff=True)
SHIPMENT = Shipment(carrier="DHL", tracking_number="JD0146 0001", tracking_url="https://track.example/JD01460001")
STAGES = ["CUTTING", "STITCHING", "LASTING", "FINISHING", "PACKING", "READY_TO_SHIP"]


class Factory:
    def __init__(self, desk: OrderDesk, pay: PaymentDesk, stripe: FakeStripe) -> None:
        self.desk, self.payments, self.stripe = desk, pay, stripe
        self._keys = iter(range(1_000_000))

    def order(self, **changes: Any) -> str:
        body = checkout(**changes)
        return str(orders.checkout(self.desk, DMO, Checkout.model_validate(body), f"k{next(self._keys)}", body)["order_number"])

    def pay(self, request: PaymentRequest) -> None:
        payment = payments.start_payment(self.payments, DMO, request, f"p{next(self._keys)}", request.model_dump())
        confirmed = payments.confirm_payment(self.payments, DMO, payment["payment_id"], ConfirmRequest(payment_method="pm_card_visa"))
        intent = intent_object(self.stripe.retrieve(str(confirmed["stripe"]["payment_intent_id"])))
        payments.handle_webhook(self.payments, *signed_event("payment_intent.succeeded", intent))

    def paid_order(self, **changes: Any) -> str:
        number = self.order(**changes)
        self.pay(PaymentRequest(order_numbers=[number]))
        return number

    def stage(self, number: str, stage: str) -> OrderResource:
        return production.move_stage(self.desk, STAFF, number, StageChange.model_validate({"stage": stage}))

    def ready(self, number: str) -> None:
        self.stage(number, "READY_TO_SHIP")

    def view(self, number: str) -> OrderResource:
        return orders.get_order(self.desk, DMO, number)


@pytest.fixture
def factory(desk: OrderDesk, payment_desk: PaymentDesk, stripe: FakeStripe) -> Factory:
    return Factory(desk, payment_desk, stripe)


def tracking_number(order: OrderResource) -> str | None:
    return order["tracking"]["tracking_number"] if order["tracking"] else None


def test_an_order_moves_forward_through_every_stage(factory: Factory) -> None:
    number = factory.paid_order()
    for stage in STAGES[1:]:
        assert factory.stage(number, stage)["production_stage"] == stage
    events = [e for e in orders.order_timeline(factory.desk, DMO, number)["events"] if e["type"] == "STAGE_CHANGED"]
    assert [e["details"]["to"] for e in events] == STAGES[1:]


def test_production_never_goes_backwards_and_a_repeat_changes_nothing(factory: Factory) -> None:
    number = factory.paid_order()
    factory.stage(number, "LASTING")
    version = factory.view(number)["version"]
    with pytest.raises(StateConflictError, match="never goes back"):
        factory.stage(number, "STITCHING")
    assert factory.stage(number, "LASTING")["version"] == version


def test_nothing_moves_before_payment(factory: Factory) -> None:
    number = factory.order()
    with pytest.raises(StateConflictError, match="not in production"):
        factory.stage(number, "CUTTING")


def test_stamped_orders_stay_at_the_stamps_until_they_are_ready(factory: Factory) -> None:
    number = factory.paid_order(labeling="CUSTOM_STAMPS")
    assert factory.view(number)["production_stage"] == "AWAITING_STAMPS"
    with pytest.raises(StateConflictError, match="stamps"):
        factory.stage(number, "CUTTING")
    production.mark_stamps_ready(factory.desk, STAFF, "DMO", StampsUpdate(status="READY"))
    assert factory.stage(number, "STITCHING")["production_stage"] == "STITCHING"


def test_shipping_an_order_sets_tracking_and_emails_it_once(factory: Factory, mailer: FakeMailer, clock: Clock) -> None:
    number = factory.paid_order()
    with pytest.raises(StateConflictError, match="not ready to ship"):
        production.ship_order(factory.desk, STAFF, number, SHIPMENT)
    factory.ready(number)
    clock.advance(days=9)
    shipped = production.ship_order(factory.desk, STAFF, number, SHIPMENT)
    production.ship_order(factory.desk, STAFF, number, SHIPMENT)  # a retried request
    assert shipped["status"] == "SHIPPED" and shipped["tracking"] is not None and shipped["tracking"]["tracking_number"] == "JD0146 0001"
    tracking_mails = [body for _, subject, body in mailer.sent if subject.startswith("Shipped")]
    assert len(tracking_mails) == 1 and "JD0146 0001" in tracking_mails[0]
    clock.advance(days=3)
    assert factory.view(number)["days_in_production"] == 9
    delivered = production.deliver_order(factory.desk, STAFF, number)
    assert delivered["status"] == "DELIVERED"
    assert production.deliver_order(factory.desk, STAFF, number)["version"] == delivered["version"]


def test_a_group_ships_only_when_every_order_is_ready_with_one_tracking(factory: Factory, mailer: FakeMailer) -> None:
    numbers = [factory.order() for _ in range(3)]
    group = shipping_groups.create_group(factory.desk, DMO, shipping_groups.NewGroup(order_numbers=numbers))
    group_id = group["shipping_group_id"]
    with pytest.raises(StateConflictError, match="OPEN"):
        production.ship_group(factory.desk, STAFF, group_id, SHIPMENT)
    factory.pay(PaymentRequest(shipping_group_id=group_id))
    factory.ready(numbers[0])
    factory.ready(numbers[1])
    with pytest.raises(StateConflictError, match=numbers[2]):
        production.ship_group(factory.desk, STAFF, group_id, SHIPMENT)
    with pytest.raises(StateConflictError, match="ship the group"):
        production.ship_order(factory.desk, STAFF, numbers[0], SHIPMENT)
    factory.ready(numbers[2])
    shipped = production.ship_group(factory.desk, STAFF, group_id, SHIPMENT)
    assert (
        shipped["status"] == "SHIPPED"
        and shipped["tracking"] is not None
        and shipped["tracking"]["tracking_number"] == SHIPMENT.tracking_number
    )
    assert {tracking_number(factory.view(n)) for n in numbers} == {SHIPMENT.tracking_number}
    assert sum(1 for _, subject, _ in mailer.sent if subject.startswith("Shipped")) == 1


def test_two_staff_shipping_one_group_at_once_have_one_winner(factory: Factory, mailer: FakeMailer) -> None:
    numbers = [factory.order() for _ in range(2)]
    group_id = shipping_groups.create_group(factory.desk, DMO, shipping_groups.NewGroup(order_numbers=numbers))["shipping_group_id"]
    factory.pay(PaymentRequest(shipping_group_id=group_id))
    for number in numbers:
        factory.ready(number)
    start = threading.Barrier(2)

    def ship(tracking_number: str) -> str:
        start.wait()
        try:
            shipment = Shipment(carrier="UPS", tracking_number=tracking_number)
            return str(production.ship_group(factory.desk, STAFF, group_id, shipment)["status"])
        except StateConflictError:
            return "409"

    with ThreadPoolExecutor(2) as pool:
        outcomes = sorted(pool.map(ship, ["1Z001", "1Z002"]))
    assert outcomes == ["409", "SHIPPED"]
    assert len({tracking_number(factory.view(n)) for n in numbers}) == 1
    assert sum(1 for _, subject, _ in mailer.sent if subject.startswith("Shipped")) == 1


def test_brand_users_cannot_run_production(factory: Factory) -> None:
    number = factory.paid_order()
    with pytest.raises(ForbiddenError):
        production.move_stage(factory.desk, DMO, number, StageChange.model_validate({"stage": "STITCHING"}))
    with pytest.raises(ForbiddenError):
        production.ship_order(factory.desk, DMO, number, SHIPMENT)


def test_staff_filter_the_pool_by_stage(factory: Factory) -> None:
    first, second = factory.paid_order(), factory.paid_order()
    factory.stage(second, "PACKING")
    packing = order_pool.list_all_orders(factory.desk, STAFF, OrderFilter(stage=ProductionStage.PACKING))
    assert [o["order_number"] for o in packing["orders"]] == [second]
    row = packing["orders"][0]
    for column in ("invoice_number", "wip_started_at", "model_name", "status", "days_in_production", "payment_status", "pairs", "tracking"):
        assert column in row
    assert first != second


def test_staff_list_brands_and_the_groups_ready_to_ship(factory: Factory) -> None:
    numbers = [factory.order() for _ in range(2)]
    group_id = shipping_groups.create_group(factory.desk, DMO, shipping_groups.NewGroup(order_numbers=numbers))["shipping_group_id"]
    assert [b["code"] for b in onboarding.list_brands(factory.desk, STAFF)["brands"]] == ["BRK", "DMO"]
    assert production.list_groups(factory.desk, STAFF, production.GroupStatus.PAID)["shipping_groups"] == []
    factory.pay(PaymentRequest(shipping_group_id=group_id))
    paid = production.list_groups(factory.desk, STAFF, production.GroupStatus.PAID)["shipping_groups"]
    assert [(g["shipping_group_id"], g["brand"]) for g in paid] == [(group_id, "DMO")]
    with pytest.raises(ForbiddenError):
        onboarding.list_brands(factory.desk, DMO)


def test_orders_in_production_show_a_ship_date_that_moves_with_the_stage(factory: Factory, clock: Clock, mailer: FakeMailer) -> None:
    waiting = factory.order()
    assert factory.view(waiting)["expected_ship_date"] is None
    number = factory.paid_order()
    # Launched on Monday 2 November: cutting to Wednesday 4th, then ten working days.
    assert factory.view(number)["expected_ship_date"] == "2026-11-18"
    receipt = next(body for _, subject, body in mailer.sent if subject.startswith("Payment received"))
    assert f"{number}: Derby" in receipt and "expected to ship on Wednesday 18 November 2026" in receipt
    clock.advance(days=3)  # Thursday 5th, a day late out of cutting
    assert factory.stage(number, "STITCHING")["expected_ship_date"] == "2026-11-19"
    staff_pool = order_pool.list_all_orders(factory.desk, STAFF, OrderFilter(stage=ProductionStage.STITCHING))
    assert [(o["order_number"], o["expected_ship_date"]) for o in staff_pool["orders"]] == [(number, "2026-11-19")]
    factory.ready(number)
    shipped = production.ship_order(factory.desk, STAFF, number, SHIPMENT)
    assert shipped["expected_ship_date"] is None


def test_a_brand_sees_factory_staff_on_its_timeline_by_role_and_staff_see_who(factory: Factory) -> None:
    number = factory.paid_order()
    factory.stage(number, "LASTING")

    seen_by_brand = [e["actor"] for e in orders.order_timeline(factory.desk, DMO, number)["events"] if e["type"] == "STAGE_CHANGED"]
    seen_by_staff = [e["actor"] for e in orders.order_timeline(factory.desk, STAFF, number)["events"] if e["type"] == "STAGE_CHANGED"]

    assert seen_by_brand == ["staff"]
    assert seen_by_staff == ["staff:s1"]


def undo(factory: Factory, number: str, version: int, caller: Caller = STAFF) -> OrderResource:
    return production.undo_stage_move(factory.desk, caller, number, StageMoveUndo(version=version))


def timeline_types(factory: Factory, number: str) -> list[str]:
    return [e["type"] for e in orders.order_timeline(factory.desk, STAFF, number)["events"]]


def test_staff_undo_a_stage_move_within_a_minute_and_it_shows_on_the_timeline(factory: Factory, clock: Clock) -> None:
    number = factory.paid_order()
    launched_at = factory.view(number)["stage_entered_at"]
    clock.advance(hours=2)
    moved = factory.stage(number, "PACKING")
    clock.advance(seconds=59)
    back = undo(factory, number, moved["version"])
    assert back["production_stage"] == "CUTTING" and back["stage_entered_at"] == launched_at
    assert back["version"] == moved["version"] + 1
    undone = orders.order_timeline(factory.desk, STAFF, number)["events"][-1]
    assert undone["type"] == "STAGE_MOVE_UNDONE" and undone["details"] == {"from": "PACKING", "to": "CUTTING"}
    for version in (moved["version"], back["version"]):
        with pytest.raises(StateConflictError, match="undone already"):
            undo(factory, number, version)
    assert factory.view(number)["version"] == back["version"]


def test_a_stage_move_cannot_be_undone_after_a_minute(factory: Factory, clock: Clock) -> None:
    number = factory.paid_order()
    moved = factory.stage(number, "STITCHING")
    clock.advance(seconds=61)
    with pytest.raises(StateConflictError, match="more than a minute ago"):
        undo(factory, number, moved["version"])
    assert factory.view(number)["version"] == moved["version"] and "STAGE_MOVE_UNDONE" not in timeline_types(factory, number)


def test_only_the_latest_change_can_be_undone(factory: Factory) -> None:
    number = factory.paid_order()
    with pytest.raises(StateConflictError, match="no stage move"):
        undo(factory, number, factory.view(number)["version"])  # launched by its payment, not moved by staff
    first = factory.stage(number, "STITCHING")
    second = factory.stage(number, "LASTING")
    with pytest.raises(StateConflictError, match="changed since"):
        undo(factory, number, first["version"])  # a later move came after it
    assert undo(factory, number, second["version"])["production_stage"] == "STITCHING"
    ready = factory.stage(number, "READY_TO_SHIP")
    production.ship_order(factory.desk, STAFF, number, SHIPMENT)
    with pytest.raises(StateConflictError, match="changed since"):
        undo(factory, number, ready["version"])
    assert factory.view(number)["status"] == "SHIPPED"


def test_brand_users_cannot_undo_a_stage_move(factory: Factory) -> None:
    number = factory.paid_order()
    moved = factory.stage(number, "STITCHING")
    with pytest.raises(ForbiddenError):
        undo(factory, number, moved["version"], DMO)
    assert factory.view(number)["production_stage"] == "STITCHING"


def race_an_undo_and_a_move(factory: Factory, number: str, version: int) -> tuple[str, str]:
    """Staff undo the move that produced `version` while someone else moves the order on to LASTING."""
    start = threading.Barrier(2)

    def run(step: Callable[[], OrderResource]) -> str:
        start.wait()
        try:
            return str(step()["production_stage"])
        except StateConflictError:
            return "409"

    with ThreadPoolExecutor(2) as pool:
        undone = pool.submit(run, lambda: undo(factory, number, version))
        moved = pool.submit(run, lambda: factory.stage(number, "LASTING"))
        return undone.result(), moved.result()


def test_an_undo_racing_a_move_has_one_winner(factory: Factory) -> None:
    for _ in range(5):
        number = factory.paid_order()
        outcomes = race_an_undo_and_a_move(factory, number, factory.stage(number, "STITCHING")["version"])
        # The move always lands (from CUTTING if the undo came first); the undo lands only if it came first.
        assert outcomes in {("409", "LASTING"), ("CUTTING", "LASTING")}
        types = timeline_types(factory, number)
        expected = ["STAGE_CHANGED", "STAGE_CHANGED"] if outcomes[0] == "409" else ["STAGE_CHANGED", "STAGE_MOVE_UNDONE", "STAGE_CHANGED"]
        assert types[-len(expected) :] == expected and types.count("STAGE_MOVE_UNDONE") == (outcomes[0] != "409")
        assert factory.view(number)["production_stage"] == "LASTING"


def test_two_undos_at_once_take_a_move_back_once(factory: Factory) -> None:
    number = factory.paid_order()
    moved = factory.stage(number, "FINISHING")
    start = threading.Barrier(2)

    def take_back(_: int) -> str:
        start.wait()
        try:
            return str(undo(factory, number, moved["version"])["production_stage"])
        except StateConflictError:
            return "409"

    with ThreadPoolExecutor(2) as pool:
        assert sorted(pool.map(take_back, range(2))) == ["409", "CUTTING"]
    assert timeline_types(factory, number).count("STAGE_MOVE_UNDONE") == 1
