"""Expected ship dates: lead times per stage in working days, counted from when the order reached its stage."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tests.examples import example_order
from welt.domain.catalog import load_catalog
from welt.domain.model import Costs, Order, OrderStatus, PaymentStatus, ProductionStage
from welt.domain.ship_dates import add_working_days, expected_ship_date, stage_lead_days
from welt.domain.vat import RULES, VatTreatment

CATALOG = load_catalog()
MONDAY = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
COSTS = Costs.priced(18000, 1800, 0, RULES[VatTreatment.INTRA_COMMUNITY], "EUR")


def launched(labeling: str = "UNLABELED", stamps_ready: bool = True, at: datetime = MONDAY) -> Order:
    order = example_order(at=at, seq=7, costs=COSTS, labeling=labeling)
    held = order.lock_for_payment("pay_1", None, at, "brand:DMO:u1")
    return held.launch_to_production("pay_1", "INV-2026-000001", stamps_ready, 0, at, "stripe")


def test_the_catalog_lead_times_used_below() -> None:
    # The hand-worked dates in these tests rely on these values.
    assert CATALOG.stamp_development_days == 15
    assert [stage_lead_days(CATALOG, stage) for stage in list(ProductionStage)[1:]] == [2, 3, 3, 2, 1, 1]


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (date(2026, 11, 6), 1, date(2026, 11, 9)),  # Friday + 1 is Monday
        (date(2026, 11, 7), 0, date(2026, 11, 9)),  # a Saturday rolls to Monday
        (date(2026, 11, 2), 5, date(2026, 11, 9)),  # a working week
        (date(2026, 11, 2), 0, date(2026, 11, 2)),
    ],
)
def test_working_days_skip_weekends(start: date, days: int, expected: date) -> None:
    assert add_working_days(start, days) == expected


def test_an_order_launched_on_monday_ships_after_twelve_working_days() -> None:
    # Cutting ends Wednesday 4th; ten more working days of later stages: Wednesday 18th.
    assert expected_ship_date(launched(), CATALOG, MONDAY.date()) == date(2026, 11, 18)


def test_an_order_waiting_for_stamps_adds_the_stamp_development_time() -> None:
    order = launched(labeling="CUSTOM_STAMPS", stamps_ready=False)
    assert order.production_stage is ProductionStage.AWAITING_STAMPS
    # 15 + 12 working days from Monday 2nd: Wednesday 9 December.
    assert expected_ship_date(order, CATALOG, MONDAY.date()) == date(2026, 12, 9)


def test_the_date_moves_when_staff_move_the_stage() -> None:
    thursday = datetime(2026, 11, 5, 14, 0, tzinfo=UTC)
    order = launched().move_to_stage(ProductionStage.STITCHING, True, thursday, "staff:s1")
    assert order.stage_entered_at == thursday
    # Stitching ends Tuesday 10th, seven more working days: Thursday 19th.
    assert expected_ship_date(order, CATALOG, thursday.date()) == date(2026, 11, 19)
    ready = order.move_to_stage(ProductionStage.READY_TO_SHIP, True, thursday, "staff:s1")
    assert expected_ship_date(ready, CATALOG, thursday.date()) == date(2026, 11, 6)


def test_a_stage_running_late_ends_today_at_the_earliest() -> None:
    friday_later = date(2026, 11, 20)
    # Still cutting on Friday 20th: cutting ends that day, then ten working days: Friday 4 December.
    assert expected_ship_date(launched(), CATALOG, friday_later) == date(2026, 12, 4)


def test_released_stamps_count_from_the_release() -> None:
    order = launched(labeling="CUSTOM_STAMPS", stamps_ready=False)
    tuesday = datetime(2026, 11, 10, 8, 0, tzinfo=UTC)
    released = order.release_from_stamps(tuesday, "staff:s1")
    # Cutting from Tuesday 10th ends Thursday 12th, then ten working days: Thursday 26th.
    assert expected_ship_date(released, CATALOG, tuesday.date()) == date(2026, 11, 26)


@pytest.mark.parametrize(
    "state",
    [
        {},
        {"status": OrderStatus.CANCELLED},
        {"status": OrderStatus.SHIPPED, "payment_status": PaymentStatus.PAID},
        {"status": OrderStatus.DELIVERED, "payment_status": PaymentStatus.PAID},
    ],
)
def test_orders_not_in_production_have_no_ship_date(state: dict[str, object]) -> None:
    order = example_order(at=MONDAY, seq=7, costs=COSTS)
    assert expected_ship_date(order.model_copy(update=state), CATALOG, MONDAY.date()) is None
