"""One contract per repository and for the store, run against the fakes and against DynamoDB on the moto server."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.backends import Backend, dynamo_backend, fake_backend
from tests.examples import CHECKOUT, example_order
from welt.adapters.dynamodb.orders import event_item, order_item
from welt.adapters.tables import ORDERS
from welt.domain.model import Brand, Costs, Labeling, Order, OrderStatus, OrderType, PaymentStatus, ProductionStage, StampStatus
from welt.domain.shipping_group import GroupStatus, ShippingGroup
from welt.domain.vat import RULES, VatTreatment
from welt.services.ports import (
    BrandCheck,
    BrandWrite,
    CheckoutKeyWrite,
    MessageWrite,
    OrderFilter,
    OutboxMessage,
    OutboxState,
    Transaction,
    TransactionConflictError,
)

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
COSTS = Costs.priced(18000, 1800, 0, RULES[VatTreatment.INTRA_COMMUNITY], "EUR")


@pytest.fixture(params=["fake", "dynamodb"])
def backend(request: pytest.FixtureRequest) -> Backend:
    if request.param == "fake":
        return fake_backend()
    return dynamo_backend(request.getfixturevalue("tables"))


def place(backend: Backend, brand_code: str, minute: int = 0, **changes: Any) -> Order:
    """An order stored as checkout stores it: the brand's next number in the same transaction."""
    brand = backend.brands.get(brand_code)
    numbered, seq = brand.with_next_order(Labeling.UNLABELED)
    order = example_order(at=T0 + timedelta(minutes=minute), actor="test", brand=brand_code, seq=seq, costs=COSTS, **changes)
    backend.store.commit(Transaction().brand(numbered, brand).order(order, None))
    return order.model_copy(update={"new_events": []})


def change(backend: Backend, order: Order, changed: Order) -> Order:
    backend.store.commit(Transaction().order(changed, order))
    return changed.model_copy(update={"new_events": []})


def launched(backend: Backend, order: Order, stage: ProductionStage = ProductionStage.CUTTING) -> Order:
    held = order.lock_for_payment("pay_x", None, T0, "test")
    paid = held.launch_to_production("pay_x", "INV-2026-000001", True, 0, T0, "test")
    return change(backend, order, paid.move_to_stage(stage, True, T0, "test") if stage is not ProductionStage.CUTTING else paid)


class TestOrderRepositoryContract:
    def test_numbers_start_at_one_per_brand_and_follow_on(self, backend: Backend) -> None:
        numbers = [place(backend, "DMO").order_number for _ in range(3)] + [place(backend, "BRK").order_number]
        assert numbers == ["00001-DMO", "00002-DMO", "00003-DMO", "00001-BRK"]
        assert backend.brands.get("DMO").last_order_seq == 3

    def test_an_order_reads_back_as_it_was_stored(self, backend: Backend) -> None:
        stored = place(backend, "DMO")
        assert backend.orders.get("DMO", stored.seq) == stored
        assert backend.orders.get("BRK", stored.seq) is None
        assert backend.orders.get_many([("DMO", 1), ("DMO", 9), ("BRK", 1)]) == [stored]

    def test_a_checkout_key_is_written_once_and_found(self, backend: Backend) -> None:
        key = CheckoutKeyWrite(brand="DMO", key_hash="abc", fingerprint="f", order_number="00001-DMO", at=T0)
        backend.store.commit(Transaction().add(key))
        with pytest.raises(TransactionConflictError) as refused:
            backend.store.commit(Transaction().add(key))
        assert refused.value.failed_on(CheckoutKeyWrite)
        assert backend.orders.checkout("DMO", "abc") == key
        assert backend.orders.checkout("BRK", "abc") is None

    def test_an_order_write_wins_only_at_the_expected_version_and_status(self, backend: Backend) -> None:
        stored = place(backend, "DMO")
        cancelled = stored.cancel(T0, "test")
        stale = stored.model_copy(update={"version": stored.version + 1})
        with pytest.raises(TransactionConflictError):
            backend.store.commit(Transaction().order(cancelled, stale))
        change(backend, stored, cancelled)
        with pytest.raises(TransactionConflictError):  # the second of two writers from the same version loses
            backend.store.commit(Transaction().order(stored.cancel(T0, "other"), stored))
        assert backend.orders.get("DMO", stored.seq).status is OrderStatus.CANCELLED

    def test_a_transaction_applies_all_its_writes_or_none(self, backend: Backend) -> None:
        first, second = place(backend, "DMO"), place(backend, "DMO")
        change(backend, second, second.cancel(T0, "someone else"))
        both = Transaction().order(first.cancel(T0, "test"), first).order(second.cancel(T0, "test"), second)
        with pytest.raises(TransactionConflictError) as refused:
            backend.store.commit(both)
        assert [w.order.order_number for w in refused.value.failed] == [second.order_number]  # type: ignore[union-attr]
        assert backend.orders.get("DMO", first.seq).status is OrderStatus.PENDING_PAYMENT
        assert [e.type for e in backend.orders.timeline("DMO", first.seq, None, 10).items] == ["CREATED"]

    def test_brand_pages_run_newest_first_and_filter_on_an_index(self, backend: Backend) -> None:
        for minute in range(5):
            place(backend, "DMO", minute)
        place(backend, "DMO", 9, type="MINI_BULK", sizes=[{"size": "EU40", "pairs": 10}])
        place(backend, "BRK")
        mto = OrderFilter(brand="DMO", type=OrderType.MTO)
        first = backend.orders.page(mto, None, 2)
        assert [o.seq for o in first.items] == [5, 4]
        second = backend.orders.page(mto, first.last_key, 2)
        third = backend.orders.page(mto, second.last_key, 2)
        assert [o.seq for o in second.items] == [3, 2]
        assert [o.seq for o in third.items] == [1] and third.last_key is None
        assert [o.seq for o in backend.orders.page(OrderFilter(brand="DMO", q="00006"), None, 10).items] == [6]
        cancelled = backend.orders.get("DMO", 2)
        change(backend, cancelled, cancelled.cancel(T0, "test"))
        gone = OrderFilter(brand="DMO", status=OrderStatus.CANCELLED, type=OrderType.MTO)
        assert [o.seq for o in backend.orders.page(gone, None, 10).items] == [2]
        waiting = OrderFilter(brand="DMO", status=OrderStatus.PENDING_PAYMENT)
        assert [o.seq for o in backend.orders.page(waiting, None, 10).items] == [6, 5, 4, 3, 1]

    def test_staff_pages_span_brands_with_filters(self, backend: Backend) -> None:
        place(backend, "DMO", 1)
        brk = place(backend, "BRK", 2)
        place(backend, "DMO", 3)
        page = backend.orders.page(OrderFilter(), None, 2)
        assert [(o.brand, o.seq) for o in page.items] == [("DMO", 2), ("BRK", 1)]
        rest = backend.orders.page(OrderFilter(), page.last_key, 2)
        assert [(o.brand, o.seq) for o in rest.items] == [("DMO", 1)] and rest.last_key is None
        assert [o.brand for o in backend.orders.page(OrderFilter(brand="BRK"), None, 10).items] == ["BRK"]
        launched(backend, brk, ProductionStage.STITCHING)
        at_stitching = backend.orders.page(OrderFilter(stage=ProductionStage.STITCHING), None, 10).items
        assert [(o.brand, o.payment_status) for o in at_stitching] == [("BRK", PaymentStatus.PAID)]
        assert backend.orders.page(OrderFilter(status=OrderStatus.SHIPPED, stage=ProductionStage.STITCHING), None, 10).items == []
        in_work = backend.orders.page(OrderFilter(status=OrderStatus.WORK_IN_PROCESS, type=OrderType.MTO), None, 10).items
        assert [o.order_number for o in in_work] == ["00001-BRK"]

    def test_a_search_reads_a_bounded_part_and_can_go_on(self, backend: Backend) -> None:
        for minute in range(3):
            place(backend, "DMO", minute, design={**CHECKOUT["design"], "design_ref": f"ref-{minute}"})
        found = backend.orders.page(OrderFilter(brand="DMO", q="ref-"), None, 2)
        assert [o.seq for o in found.items] == [3, 2] and found.last_key is not None
        rest = backend.orders.page(OrderFilter(brand="DMO", q="ref-"), found.last_key, 2)
        assert [o.seq for o in rest.items] == [1]

    def test_a_date_range_keeps_the_orders_of_those_madrid_days_on_brand_and_staff_pages(self, backend: Backend) -> None:
        # T0 is 10:00 in Madrid (UTC+1 in November): each order is named by its Madrid day and time.
        for minute in (-610, -590, 839, 840, 890):  # 1 Nov 23:50, 2 Nov 00:10, 2 Nov 23:59, 3 Nov 00:00, 3 Nov 00:50
            place(backend, "DMO", minute)
        place(backend, "BRK", 0)

        def seqs(**where: Any) -> list[tuple[str, int]]:
            page = backend.orders.page(OrderFilter(**where), None, 10)
            assert page.last_key is None
            return [(o.brand, o.seq) for o in page.items]

        second: dict[str, Any] = {"created_from": "2026-11-02", "created_to": "2026-11-02"}
        assert seqs(brand="DMO", **second) == [("DMO", 3), ("DMO", 2)]
        assert seqs(**second) == [("DMO", 3), ("BRK", 1), ("DMO", 2)]
        assert seqs(brand="DMO", created_from="2026-11-03") == [("DMO", 5), ("DMO", 4)]
        assert seqs(created_to="2026-11-01") == [("DMO", 1)]
        assert seqs(brand="DMO", created_from="2026-11-04") == []
        first = backend.orders.page(OrderFilter(brand="DMO", **second), None, 1)
        rest = backend.orders.page(OrderFilter(brand="DMO", **second), first.last_key, 1)
        assert [o.seq for o in first.items + rest.items] == [3, 2]

    def test_the_timeline_is_items_of_its_own_read_a_page_at_a_time(self, backend: Backend) -> None:
        order = place(backend, "DMO")
        for n in range(4):
            order = change(backend, order, order.revise({}, COSTS, T0 + timedelta(minutes=n), "test"))
        first = backend.orders.timeline("DMO", order.seq, None, 3)
        assert [e.type for e in first.items] == ["CREATED", "EDITED", "EDITED"]
        rest = backend.orders.timeline("DMO", order.seq, first.last_key, 3)
        assert [e.version for e in rest.items] == [4, 5] and rest.last_key is None

    def test_groupable_orders_are_the_brands_open_ungrouped_mto_orders_newest_first(self, backend: Backend) -> None:
        open_ones = [place(backend, "DMO", minute) for minute in range(3)]
        place(backend, "DMO", type="MINI_BULK", sizes=[{"size": "EU40", "pairs": 10}])
        cancelled = place(backend, "DMO")
        change(backend, cancelled, cancelled.cancel(T0, "test"))
        grouped = place(backend, "DMO")
        change(backend, grouped, grouped.join_group("G0001-DMO", T0, "test"))
        paying = place(backend, "DMO")
        change(backend, paying, paying.lock_for_payment("pay_1", None, T0, "test"))
        place(backend, "BRK")
        found = backend.orders.groupable_orders("DMO")
        assert [o.order_number for o in found] == [o.order_number for o in reversed(open_ones)]
        assert backend.orders.groupable_orders("XYZ") == []


def test_an_order_with_three_thousand_events_is_still_edited(tables: Any) -> None:
    """The timeline lives beside the order, so the order item stays small however long its history."""
    backend = dynamo_backend(tables)
    order = place(backend, "DMO")
    changed = order
    for n in range(3000):
        changed = changed.revise({}, COSTS, T0 + timedelta(seconds=n), "test")
    # Written as checkout and edits would, a batch at a time (moto copies the table on every transaction).
    with tables.table(ORDERS).batch_writer() as batch:
        for event in changed.new_events:
            batch.put_item(Item=event_item(changed, event))
        batch.put_item(Item=order_item(changed))
    stored = backend.orders.get("DMO", order.seq)
    assert stored.version == 3001
    cancelled = change(backend, stored, stored.cancel(T0, "test"))
    assert backend.orders.get("DMO", order.seq) == cancelled
    assert len(order_item(cancelled)["body"]) < 4096
    last = backend.orders.timeline("DMO", order.seq, {"sk": f"EVENT#{cancelled.version - 1:010d}"}, 10).items
    assert [e.type for e in last] == ["CANCELLED"]


class TestBrandRepositoryContract:
    def test_add_keeps_an_existing_brand(self, backend: Backend) -> None:
        backend.brands.add(Brand(code="DMO", name="Someone else"))
        assert backend.brands.get("DMO").name == "Demo Atelier"
        assert backend.brands.get("XYZ") is None
        assert set(backend.brands.get_many(["DMO", "BRK", "XYZ"])) == {"DMO", "BRK"}

    def test_a_brand_write_needs_the_version_it_was_read_at(self, backend: Backend) -> None:
        current = backend.brands.get("DMO")
        newer = current.remember_labeling(Labeling.UNLABELED)
        backend.store.commit(Transaction().brand(newer, current))
        with pytest.raises(TransactionConflictError):
            backend.store.commit(Transaction().brand(current.stamps_made(), current))
        assert backend.brands.get("DMO") == newer

    def test_a_brand_check_refuses_when_the_stamps_moved(self, backend: Backend) -> None:
        current = backend.brands.get("DMO")
        backend.store.commit(Transaction().brand(current.stamps_made(), current))
        with pytest.raises(TransactionConflictError) as refused:
            backend.store.commit(Transaction().add(BrandCheck(code="DMO", stamps_status=StampStatus.NONE)))
        assert refused.value.failed_on(BrandCheck)

    def test_a_new_brand_is_registered_only_under_a_free_code(self, backend: Backend) -> None:
        backend.store.commit(Transaction().brand(Brand(code="XYZ", name="Xyz", legal_name="Xyz S.L."), None))
        with pytest.raises(TransactionConflictError) as refused:
            backend.store.commit(Transaction().brand(Brand(code="XYZ", name="Impostor"), None))
        assert refused.value.failed_on(BrandWrite)
        assert backend.brands.get("XYZ").legal_name == "Xyz S.L."

    def test_brands_page_by_code_to_the_end(self, backend: Backend) -> None:
        for code in ("AAA", "ZZZ", "MMM"):
            backend.store.commit(Transaction().brand(Brand(code=code, name=code), None))
        first = backend.brands.page(None, 2)
        second = backend.brands.page(first.last_key, 2)
        third = backend.brands.page(second.last_key, 2)
        assert [b.code for b in first.items + second.items + third.items] == ["AAA", "BRK", "DMO", "MMM", "ZZZ"]
        assert third.last_key is None and len(third.items) == 1


class TestShippingGroupRepositoryContract:
    def group(self, backend: Backend, brand_code: str, orders: int, minute: int = 0) -> ShippingGroup:
        brand = backend.brands.get(brand_code)
        numbered, seq = brand.with_next_group()
        at = T0 + timedelta(minutes=minute)
        group = ShippingGroup(
            brand=brand_code, seq=seq, order_numbers=[f"{n:05d}-{brand_code}" for n in range(1, orders + 1)], created_at=at, updated_at=at
        )
        backend.store.commit(Transaction().brand(numbered, brand).group(group, None))
        return group

    def test_a_group_reads_back_and_is_written_at_its_version(self, backend: Backend) -> None:
        group = self.group(backend, "DMO", 2)
        assert backend.groups.get("DMO", 1) == group
        dissolved = group.dissolved(T0)
        backend.store.commit(Transaction().group(dissolved, group))
        with pytest.raises(TransactionConflictError):
            backend.store.commit(Transaction().group(group.payment_started("pay_1", T0), group))
        assert backend.groups.get("DMO", 1).status is GroupStatus.DISSOLVED

    def test_pages_are_newest_first_without_dissolved_groups_and_within_the_order_budget(self, backend: Backend) -> None:
        for minute in range(4):
            self.group(backend, "DMO", 20, minute)
        other = self.group(backend, "BRK", 2, 9)
        first = backend.groups.page("DMO", None, None, 10, 45)
        assert [g.seq for g in first.items] == [4, 3]
        rest = backend.groups.page("DMO", None, first.last_key, 10, 45)
        assert [g.seq for g in rest.items] == [2, 1] and rest.last_key is None
        gone = backend.groups.get("DMO", 2)
        backend.store.commit(Transaction().group(gone.dissolved(T0), gone))
        assert [g.seq for g in backend.groups.page("DMO", None, None, 10, 100).items] == [4, 3, 1]
        open_ones = backend.groups.page(None, GroupStatus.OPEN, None, 2, 100)
        assert [g.shipping_group_id for g in open_ones.items] == [other.shipping_group_id, "G0004-DMO"]

    def test_groups_are_read_together_by_key_dissolved_ones_included_missing_ones_left_out(self, backend: Backend) -> None:
        first, second = self.group(backend, "DMO", 2), self.group(backend, "DMO", 3, 1)
        other = self.group(backend, "BRK", 2)
        backend.store.commit(Transaction().group(second.dissolved(T0), second))
        found = backend.groups.get_many([("DMO", 1), ("DMO", 2), ("BRK", 1), ("DMO", 9), ("DMO", 1)])
        assert sorted((g.shipping_group_id, g.status) for g in found) == [
            (other.shipping_group_id, GroupStatus.OPEN),
            (first.shipping_group_id, GroupStatus.OPEN),
            (second.shipping_group_id, GroupStatus.DISSOLVED),
        ]
        assert backend.groups.get_many([]) == []


def message(message_id: str = "order-confirmation/00001-DMO") -> OutboxMessage:
    return OutboxMessage(message_id=message_id, to="a@b.example", subject="s", body="b", context={"order_number": "1"})


class TestOutboxContract:
    def enqueue(self, backend: Backend, sent: OutboxMessage | None = None) -> None:
        backend.store.commit(Transaction().send(sent or message()))

    def test_a_message_is_written_once(self, backend: Backend) -> None:
        self.enqueue(backend)
        with pytest.raises(TransactionConflictError) as refused:
            self.enqueue(backend)
        assert refused.value.failed_on(MessageWrite)
        assert backend.outbox.get(message().message_id).state is OutboxState.PENDING

    def test_only_one_sender_claims_a_message(self, backend: Backend) -> None:
        self.enqueue(backend)
        assert backend.outbox.claim(message().message_id, T0, T0 + timedelta(minutes=2)) is True
        assert backend.outbox.claim(message().message_id, T0, T0 + timedelta(minutes=2)) is False

    def test_a_lapsed_claim_can_be_taken_over(self, backend: Backend) -> None:
        self.enqueue(backend)
        backend.outbox.claim(message().message_id, T0, T0 + timedelta(minutes=2))
        later = T0 + timedelta(minutes=3)
        assert [m.message_id for m in backend.outbox.due(later, 10)] == [message().message_id]
        assert backend.outbox.claim(message().message_id, later, later + timedelta(minutes=2)) is True

    def test_released_messages_wait_for_their_retry_time(self, backend: Backend) -> None:
        self.enqueue(backend)
        backend.outbox.claim(message().message_id, T0, T0 + timedelta(minutes=2))
        backend.outbox.release(message().message_id, "SES down", T0 + timedelta(minutes=1))
        assert backend.outbox.due(T0, 10) == []
        [due] = backend.outbox.due(T0 + timedelta(minutes=1), 10)
        assert (due.attempts, due.last_error, due.state) == (1, "SES down", OutboxState.PENDING)

    def test_a_confidential_message_forgets_its_body_once_sent(self, backend: Backend) -> None:
        secret = replace(message("invitation/abc"), body="Temporary password: Pw-123456789!", confidential=True)
        self.enqueue(backend, secret)
        assert backend.outbox.get("invitation/abc").confidential is True
        backend.outbox.claim("invitation/abc", T0, T0 + timedelta(minutes=2))
        backend.outbox.mark_sent("invitation/abc", T0)
        backend.outbox.erase_body("invitation/abc")
        kept = backend.outbox.get("invitation/abc")
        assert "Pw-123456789!" not in kept.body and (kept.to, kept.state) == ("a@b.example", OutboxState.SENT)

    def test_sent_messages_are_never_due_or_claimable_again(self, backend: Backend) -> None:
        self.enqueue(backend)
        backend.outbox.claim(message().message_id, T0, T0 + timedelta(minutes=2))
        backend.outbox.mark_sent(message().message_id, T0)
        assert backend.outbox.due(T0 + timedelta(days=1), 10) == []
        assert backend.outbox.claim(message().message_id, T0 + timedelta(days=1), T0 + timedelta(days=1, minutes=2)) is False
        assert backend.outbox.get(message().message_id).state is OutboxState.SENT

    def test_a_message_given_up_is_never_due_again_and_is_listed_as_dead_newest_first(self, backend: Backend) -> None:
        for n, minute in ((1, 5), (2, 9)):
            sent = message(f"order-confirmation/0000{n}-DMO")
            self.enqueue(backend, sent)
            backend.outbox.claim(sent.message_id, T0, T0 + timedelta(minutes=2))
            backend.outbox.give_up(sent.message_id, "SES MessageRejected", T0 + timedelta(minutes=minute))
        self.enqueue(backend, message("order-confirmation/00003-DMO"))

        assert [m.message_id for m in backend.outbox.due(T0 + timedelta(days=2), 10)] == ["order-confirmation/00003-DMO"]
        assert backend.outbox.claim("order-confirmation/00001-DMO", T0 + timedelta(days=1), T0 + timedelta(days=1, minutes=2)) is False
        dead = backend.outbox.dead(10)
        assert [m.message_id for m in dead] == ["order-confirmation/00002-DMO", "order-confirmation/00001-DMO"]
        assert (dead[0].state, dead[0].attempts, dead[0].last_error) == (OutboxState.DEAD, 1, "SES MessageRejected")

    def test_a_held_message_waits_until_then_without_counting_a_failed_attempt(self, backend: Backend) -> None:
        self.enqueue(backend)
        backend.outbox.claim(message().message_id, T0, T0 + timedelta(minutes=2))
        backend.outbox.hold(message().message_id, T0 + timedelta(hours=1))
        assert backend.outbox.due(T0 + timedelta(minutes=59), 10) == []
        [due] = backend.outbox.due(T0 + timedelta(hours=1), 10)
        assert (due.state, due.attempts) == (OutboxState.PENDING, 0)

    def test_sends_are_counted_per_brand_and_clock_hour_up_to_the_cap(self, backend: Backend) -> None:
        assert [backend.outbox.count_send("DMO", T0 + timedelta(minutes=m), 3) for m in range(4)] == [True, True, True, False]
        assert backend.outbox.count_send("BRK", T0, 3) is True
        assert backend.outbox.count_send("DMO", T0 + timedelta(hours=1), 3) is True
        assert backend.outbox.due(T0 + timedelta(days=1), 10) == []  # the counts are no messages
        assert backend.outbox.dead(10) == []


class TestSessionRegistryContract:
    """Each user's "tokens valid after" instant: set by revocation, only ever moved later, one user at a time."""

    def test_a_user_never_revoked_has_no_instant(self, backend: Backend) -> None:
        assert backend.sessions.valid_after("user-1") is None

    def test_a_revocation_is_read_back_and_an_earlier_one_does_not_undo_it(self, backend: Backend) -> None:
        at = datetime(2026, 11, 2, 9, 30, 15, 250000, tzinfo=UTC)
        backend.sessions.revoke("user-1", at)
        backend.sessions.revoke("user-1", at - timedelta(minutes=10))
        assert backend.sessions.valid_after("user-1") == at
        backend.sessions.revoke("user-1", at + timedelta(hours=1))
        assert backend.sessions.valid_after("user-1") == at + timedelta(hours=1)
        assert backend.sessions.valid_after("user-2") is None


def test_an_order_stored_before_emails_had_to_be_plain_addresses_still_reads(tables: Any) -> None:
    backend = dynamo_backend(tables)
    stored = place(backend, "DMO")
    item = order_item(stored)
    item["body"] = item["body"].replace('"accounts@dmo.example"', '"\\"Accounts\\" <accounts@dmo.example>"')
    assert "Accounts" in item["body"]
    tables.table(ORDERS).put_item(Item=item)

    read = backend.orders.get("DMO", stored.seq)

    assert read is not None and read.billing.email == '"Accounts" <accounts@dmo.example>'
