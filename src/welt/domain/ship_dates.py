"""When an order in production is expected to ship: its stage, when it got there, and the catalog's lead times.

Lead times are working days (Monday to Friday, the factory's week), so a ship date never falls on a weekend.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from welt.domain.catalog import Catalog
from welt.domain.model import Order, OrderStatus, ProductionStage

SATURDAY = 5


def add_working_days(start: date, days: int) -> date:
    """`days` working days after `start`; with none, `start` itself or the Monday after a weekend."""
    current = start
    while current.weekday() >= SATURDAY:
        current += timedelta(days=1)
    left = days
    while left > 0:
        current += timedelta(days=1)
        if current.weekday() < SATURDAY:
            left -= 1
    return current


def stage_lead_days(catalog: Catalog, stage: ProductionStage) -> int:
    """Working days one order spends at `stage`; waiting for stamps takes as long as making them."""
    if stage is ProductionStage.AWAITING_STAMPS:
        return catalog.stamp_development_days
    return catalog.stage_lead_days.get(stage.value, 0)


def stage_entered_at(order: Order) -> datetime | None:
    """When the order reached its current stage (its launch, for an order launched before stages were dated)."""
    return order.stage_entered_at or order.wip_started_at


def expected_ship_date(order: Order, catalog: Catalog, today: date) -> date | None:
    """The day an order in production should leave the factory; None for any order not in production.

    The current stage ends its lead time after the order entered it, or today if it is running late;
    every later stage then takes its full lead time.
    """
    if order.status is not OrderStatus.WORK_IN_PROCESS or order.production_stage is None:
        return None
    entered = stage_entered_at(order)
    if entered is None:
        return None
    stages = list(ProductionStage)
    current = stages.index(order.production_stage)
    stage_ends = max(add_working_days(entered.date(), stage_lead_days(catalog, order.production_stage)), add_working_days(today, 0))
    later = sum(stage_lead_days(catalog, stage) for stage in stages[current + 1 :])
    return add_working_days(stage_ends, later)
