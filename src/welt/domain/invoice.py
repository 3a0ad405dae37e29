"""What an invoice says: seller, buyer, one line per order and cost, totals. Rendering is an adapter's job."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from welt.domain.catalog import Catalog
from welt.domain.model import Billing, Order
from welt.domain.payment import Payment


@dataclass(frozen=True)
class Seller:
    name: str
    address: list[str]
    vat_id: str
    email: str


@lru_cache(maxsize=1)
def factory_seller() -> Seller:
    return Seller(**json.loads(Path(__file__).with_name("factory.json").read_text(encoding="utf-8")))


@dataclass(frozen=True)
class InvoiceLine:
    description: str
    quantity: int
    unit_price: int | None
    amount: int


@dataclass(frozen=True)
class InvoiceDocument:
    number: str
    issued_at: datetime
    payment_id: str
    seller: Seller
    buyer: Billing
    lines: list[InvoiceLine]
    manufacturing: int
    shipping: int
    customization: int
    total: int
    currency: str


def invoice_for(payment: Payment, orders: list[Order], catalog: Catalog) -> InvoiceDocument:
    """The invoice of a settled payment: each order's manufacturing, then shipping and the stamp fee."""
    assert payment.invoice_number is not None and payment.settled_at is not None
    lines = []
    for order in orders:
        model = catalog.shoe_model(order.design.model)
        name = model.name if model else order.design.model
        materials = order.design.materials
        lines.append(
            InvoiceLine(
                description=f"{order.order_number} {name} ({order.type.value}; {materials.upper}, {materials.lining}, {materials.sole})",
                quantity=order.pairs,
                unit_price=order.costs.manufacturing // order.pairs if order.pairs else None,
                amount=order.costs.manufacturing,
            )
        )
    shipment = "Shipping, one shipment" if payment.shipping_group_id else "Shipping"
    lines.append(InvoiceLine(description=shipment, quantity=1, unit_price=None, amount=payment.summary.shipping))
    if payment.summary.customization:
        lines.append(
            InvoiceLine(
                description="Custom stamp development (one-time)", quantity=1, unit_price=None, amount=payment.summary.customization
            )
        )
    return InvoiceDocument(
        number=payment.invoice_number,
        issued_at=payment.settled_at,
        payment_id=payment.payment_id,
        seller=factory_seller(),
        buyer=orders[0].billing,
        lines=lines,
        manufacturing=payment.summary.manufacturing,
        shipping=payment.summary.shipping,
        customization=payment.summary.customization,
        total=payment.amount,
        currency=payment.currency,
    )
