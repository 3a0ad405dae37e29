"""The order state machine: what may change when, versions and the timeline."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from tests.examples import example_order
from welt.domain.errors import StateConflictError
from welt.domain.model import (
    Costs,
    Order,
    OrderStatus,
    PaymentStatus,
    SizeLine,
    parse_order_number,
)
from welt.domain.vat import RULES, VatTreatment

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
COSTS = Costs.priced(18000, 1800, 0, RULES[VatTreatment.INTRA_COMMUNITY], "EUR")


def placed(**changes: object) -> Order:
    order = example_order(at=NOW, seq=42, costs=COSTS)
    return order.model_copy(update=changes)


def test_a_placed_order_is_pending_payment_at_version_one_with_a_created_event() -> None:
    order = placed()
    assert order.order_number == "00042-DMO"
    assert (order.status, order.payment_status, order.version) == (OrderStatus.PENDING_PAYMENT, PaymentStatus.UNPAID, 1)
    assert [e.type for e in order.new_events] == ["CREATED"]


def test_order_numbers_parse_back_and_refuse_anything_else() -> None:
    assert parse_order_number("00042-DMO") == ("DMO", 42)
    assert parse_order_number("123456-DMO") == ("DMO", 123456)
    for bad in ["42-DMO", "00042-dmo", "00042-DMOX", "../00042-DMO", ""]:
        assert parse_order_number(bad) is None


def test_editing_bumps_the_version_and_records_the_fields() -> None:
    order = placed()
    sizes = [SizeLine(size="EU43", pairs=1)]
    revised = order.revise({"sizes": sizes}, COSTS, NOW, "brand:DMO:u1")
    assert revised.version == 2 and revised.sizes == sizes
    assert revised.new_events[-1].type == "EDITED" and revised.new_events[-1].details == {"fields": ["sizes"]}


@pytest.mark.parametrize(
    "state",
    [
        {"status": OrderStatus.WORK_IN_PROCESS, "payment_status": PaymentStatus.PAID},
        {"payment_status": PaymentStatus.PROCESSING},
        {"shipping_group_id": "G0001-DMO"},
        {"status": OrderStatus.CANCELLED},
    ],
)
def test_only_an_unpaid_ungrouped_pending_order_can_be_edited_or_cancelled(state: dict[str, object]) -> None:
    order = placed(**state)
    with pytest.raises(StateConflictError):
        order.revise({}, COSTS, NOW, "x")
    with pytest.raises(StateConflictError):
        order.cancel(NOW, "x")


def test_cancelling_records_who_and_when() -> None:
    cancelled = placed().cancel(NOW, "brand:DMO:u1")
    assert cancelled.status is OrderStatus.CANCELLED
    assert cancelled.new_events[-1].actor == "brand:DMO:u1"


@pytest.mark.parametrize("size", ["EU34", "EU48.5", "EU49", "42", "EU42.3", "eu42"])
def test_sizes_outside_eu35_to_eu48_are_refused(size: str) -> None:
    with pytest.raises(ValidationError):
        SizeLine(size=size, pairs=1)


@pytest.mark.parametrize("size", ["EU35", "EU35.5", "EU42", "EU47.5", "EU48"])
def test_eu_sizes_and_half_sizes_are_accepted(size: str) -> None:
    assert SizeLine(size=size, pairs=1).size == size


def test_days_in_production_count_from_wip_start() -> None:
    order = placed(wip_started_at=datetime(2026, 10, 30, 12, 0, tzinfo=UTC))
    assert order.days_in_production(NOW) == 2
    assert placed().days_in_production(NOW) is None
