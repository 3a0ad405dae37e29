"""One contract per repository, run against its fake and against DynamoDB on the moto server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.examples import CHECKOUT
from tests.fakes import FakeBrandRepository, FakeOrderRepository, FakeOutbox
from tests.integration.conftest import Tables
from welt.adapters.dynamodb import DynamoBrandRepository, DynamoOrderRepository, DynamoOutbox
from welt.adapters.tables import BRANDS, ORDERS, OUTBOX
from welt.domain.model import Brand, Costs, Labeling, Order, OrderStatus, OrderType, StampStatus
from welt.services.ports import ConcurrentUpdateError, OrderFilter, OutboxMessage, OutboxState

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
COSTS = Costs(manufacturing=18000, shipping=1800, customization=0, total=19800)


def builder(brand: str, minute: int = 0, **changes: Any) -> Any:
    def build(seq: int) -> Order:
        fields = {**CHECKOUT, **changes}
        return Order.place(at=T0 + timedelta(minutes=minute), actor="test", brand=brand, seq=seq, costs=COSTS, **fields)

    return build


@pytest.fixture(params=["fake", "dynamodb"])
def order_repo(request: pytest.FixtureRequest) -> Any:
    if request.param == "fake":
        return FakeOrderRepository()
    tables: Tables = request.getfixturevalue("tables")
    return DynamoOrderRepository(tables.table(ORDERS))


@pytest.fixture(params=["fake", "dynamodb"])
def brand_repo(request: pytest.FixtureRequest) -> Any:
    if request.param == "fake":
        return FakeBrandRepository()
    return DynamoBrandRepository(request.getfixturevalue("tables").table(BRANDS))


@pytest.fixture(params=["fake", "dynamodb"])
def outbox(request: pytest.FixtureRequest) -> Any:
    if request.param == "fake":
        return FakeOutbox()
    return DynamoOutbox(request.getfixturevalue("tables").table(OUTBOX))


class TestOrderRepositoryContract:
    def test_numbers_start_at_one_per_brand_and_follow_on(self, order_repo: Any) -> None:
        numbers = [order_repo.add_next("DMO", builder("DMO")).order_number for _ in range(3)]
        numbers.append(order_repo.add_next("BRK", builder("BRK")).order_number)
        assert numbers == ["00001-DMO", "00002-DMO", "00003-DMO", "00001-BRK"]

    def test_an_order_reads_back_as_it_was_stored(self, order_repo: Any) -> None:
        stored = order_repo.add_next("DMO", builder("DMO"))
        assert order_repo.get("DMO", stored.seq) == stored
        assert order_repo.get("BRK", stored.seq) is None

    def test_an_order_is_found_by_the_checkout_that_placed_it(self, order_repo: Any) -> None:
        placed = order_repo.add_next("DMO", builder("DMO", checkout_key="abc", checkout_fingerprint="f"))
        order_repo.add_next("DMO", builder("DMO"))
        assert order_repo.placed_by("DMO", "abc") == placed
        assert order_repo.placed_by("BRK", "abc") is None
        assert order_repo.placed_by("DMO", "other") is None

    def test_save_wins_only_at_the_expected_version_and_status(self, order_repo: Any) -> None:
        stored = order_repo.add_next("DMO", builder("DMO"))
        cancelled = stored.cancel(T0, "test")
        with pytest.raises(ConcurrentUpdateError):
            order_repo.save(cancelled, expected_version=stored.version + 1, expected_status=stored.status)
        with pytest.raises(ConcurrentUpdateError):
            order_repo.save(cancelled, expected_version=stored.version, expected_status=OrderStatus.WORK_IN_PROCESS)
        order_repo.save(cancelled, expected_version=stored.version, expected_status=stored.status)
        with pytest.raises(ConcurrentUpdateError):  # the second of two writers from the same version loses
            order_repo.save(cancelled, expected_version=stored.version, expected_status=stored.status)
        assert order_repo.get("DMO", stored.seq).status is OrderStatus.CANCELLED

    def test_brand_pages_run_newest_first_and_filter(self, order_repo: Any) -> None:
        for minute in range(5):
            order_repo.add_next("DMO", builder("DMO", minute))
        order_repo.add_next("DMO", builder("DMO", 9, type="MINI_BULK", sizes=[{"size": "EU40", "pairs": 10}]))
        order_repo.add_next("BRK", builder("BRK"))
        first = order_repo.brand_page("DMO", OrderFilter(type=OrderType.MTO), None, 2)
        assert [o.seq for o in first.orders] == [5, 4]
        second = order_repo.brand_page("DMO", OrderFilter(type=OrderType.MTO), first.last_key, 2)
        third = order_repo.brand_page("DMO", OrderFilter(type=OrderType.MTO), second.last_key, 2)
        assert [o.seq for o in second.orders] == [3, 2]
        assert [o.seq for o in third.orders] == [1] and third.last_key is None
        assert [o.seq for o in order_repo.brand_page("DMO", OrderFilter(text="00006"), None, 10).orders] == [6]

    def test_all_brands_page_spans_brands_with_filters(self, order_repo: Any) -> None:
        order_repo.add_next("DMO", builder("DMO", 1))
        order_repo.add_next("BRK", builder("BRK", 2))
        order_repo.add_next("DMO", builder("DMO", 3))
        page = order_repo.all_brands_page(OrderFilter(), None, 2)
        assert [(o.brand, o.seq) for o in page.orders] == [("DMO", 2), ("BRK", 1)]
        rest = order_repo.all_brands_page(OrderFilter(), page.last_key, 2)
        assert [(o.brand, o.seq) for o in rest.orders] == [("DMO", 1)] and rest.last_key is None
        only = order_repo.all_brands_page(OrderFilter(brand="BRK"), None, 10)
        assert [o.brand for o in only.orders] == ["BRK"]


    def test_groupable_orders_are_the_brands_open_ungrouped_mto_orders_newest_first(self, order_repo: Any) -> None:
        open_ones = [order_repo.add_next("DMO", builder("DMO", minute=m)) for m in range(3)]
        order_repo.add_next("DMO", builder("DMO", type="MINI_BULK", sizes=[{"size": "EU40", "pairs": 10}]))
        cancelled = order_repo.add_next("DMO", builder("DMO"))
        order_repo.save(cancelled.cancel(T0, "test"), expected_version=cancelled.version, expected_status=cancelled.status)
        grouped = order_repo.add_next("DMO", builder("DMO"))
        order_repo.save(grouped.join_group("G0001-DMO", T0, "test"), expected_version=grouped.version,
                        expected_status=grouped.status)
        paying = order_repo.add_next("DMO", builder("DMO"))
        order_repo.save(paying.lock_for_payment("pay_1", None, T0, "test"), expected_version=paying.version,
                        expected_status=paying.status)
        order_repo.add_next("BRK", builder("BRK"))
        found = order_repo.groupable_orders("DMO")
        assert [o.order_number for o in found] == [o.order_number for o in reversed(open_ones)]
        assert order_repo.groupable_orders("XYZ") == []


class TestBrandRepositoryContract:
    def test_add_keeps_an_existing_brand(self, brand_repo: Any) -> None:
        brand_repo.add(Brand(code="DMO", name="Demo Atelier"))
        brand_repo.add(Brand(code="DMO", name="Someone else"))
        assert brand_repo.get("DMO").name == "Demo Atelier"
        assert brand_repo.get("XYZ") is None

    def test_save_needs_the_expected_version(self, brand_repo: Any) -> None:
        brand_repo.add(Brand(code="DMO", name="Demo Atelier"))
        current = brand_repo.get("DMO")
        newer = current.model_copy(update={"labeling_default": Labeling.UNLABELED, "version": 2})
        brand_repo.save(newer, expected_version=1)
        with pytest.raises(ConcurrentUpdateError):
            brand_repo.save(newer.model_copy(update={"stamps_status": StampStatus.READY}), expected_version=1)
        assert brand_repo.get("DMO") == newer


def message(message_id: str = "order-confirmation/00001-DMO") -> OutboxMessage:
    return OutboxMessage(message_id=message_id, to="a@b.example", subject="s", body="b", context={"order_number": "1"})


class TestOutboxContract:
    def test_a_message_is_enqueued_once(self, outbox: Any) -> None:
        assert outbox.enqueue(message()) is True
        assert outbox.enqueue(message()) is False
        assert outbox.get(message().message_id).state is OutboxState.PENDING

    def test_only_one_sender_claims_a_message(self, outbox: Any) -> None:
        outbox.enqueue(message())
        assert outbox.claim(message().message_id, T0, T0 + timedelta(minutes=2)) is True
        assert outbox.claim(message().message_id, T0, T0 + timedelta(minutes=2)) is False

    def test_a_lapsed_claim_can_be_taken_over(self, outbox: Any) -> None:
        outbox.enqueue(message())
        outbox.claim(message().message_id, T0, T0 + timedelta(minutes=2))
        later = T0 + timedelta(minutes=3)
        assert [m.message_id for m in outbox.due(later, 10)] == [message().message_id]
        assert outbox.claim(message().message_id, later, later + timedelta(minutes=2)) is True

    def test_released_messages_wait_for_their_retry_time(self, outbox: Any) -> None:
        outbox.enqueue(message())
        outbox.claim(message().message_id, T0, T0 + timedelta(minutes=2))
        outbox.release(message().message_id, "SES down", T0 + timedelta(minutes=1))
        assert outbox.due(T0, 10) == []
        [due] = outbox.due(T0 + timedelta(minutes=1), 10)
        assert (due.attempts, due.last_error, due.state) == (1, "SES down", OutboxState.PENDING)

    def test_sent_messages_are_never_due_or_claimable_again(self, outbox: Any) -> None:
        outbox.enqueue(message())
        outbox.claim(message().message_id, T0, T0 + timedelta(minutes=2))
        outbox.mark_sent(message().message_id, T0)
        assert outbox.due(T0 + timedelta(days=1), 10) == []
        assert outbox.claim(message().message_id, T0 + timedelta(days=1), T0 + timedelta(days=1, minutes=2)) is False
        assert outbox.get(message().message_id).state is OutboxState.SENT
