"""Brands grown to thousands of orders straight through Welt's own item code, in seconds (budgets, benchmark)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.examples import CHECKOUT, example_order
from welt.adapters.dynamodb.brands import brand_item
from welt.adapters.dynamodb.orders import event_item, order_item
from welt.domain.model import Brand, Costs, Order, OrderStatus, PaymentStatus, ProductionStage
from welt.domain.vat import RULES, VatTreatment

T0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
COSTS = Costs.priced(18000, 1800, 0, RULES[VatTreatment.INTRA_COMMUNITY], "EUR")


def grown_order(brand: str, seq: int) -> Order:
    """Order n of a grown brand: most wait for payment, every fifth is in production, a few were cancelled."""
    design = {**CHECKOUT["design"], "design_ref": f"3D-{seq:05d}"}
    order = example_order(at=T0 + timedelta(minutes=seq), actor="bench", brand=brand, seq=seq, costs=COSTS, design=design)
    if seq % 5 == 0:
        order = order.model_copy(
            update={
                "status": OrderStatus.WORK_IN_PROCESS,
                "payment_status": PaymentStatus.PAID,
                "production_stage": ProductionStage.STITCHING,
                "wip_started_at": T0,
            }
        )
    elif seq % 17 == 0:
        order = order.model_copy(update={"status": OrderStatus.CANCELLED})
    return order


def grow(orders_table: Any, brands_table: Any, brand: Brand, count: int) -> Brand:
    """Write `count` orders (with their CREATED events) for the brand and move its counter past them."""
    with orders_table.batch_writer() as batch:
        for seq in range(brand.last_order_seq + 1, brand.last_order_seq + count + 1):
            order = grown_order(brand.code, seq)
            for event in order.new_events:
                batch.put_item(Item=event_item(order, event))
            batch.put_item(Item=order_item(order))
    grown = brand.model_copy(update={"last_order_seq": brand.last_order_seq + count, "version": brand.version + 1})
    brands_table.put_item(Item=brand_item(grown))
    return grown
