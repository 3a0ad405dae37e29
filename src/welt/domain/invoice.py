"""What an invoice says: seller, buyer, one line per order and cost, net, IVA, total, the legal mention and
AEAT's QR contents. Rendering is an adapter's job.

The seller is `factory.json`: the local stack's NIF (B03999992) is fictitious, with valid check digits;
production sets the factory's real NIF, legal name and address there.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from welt.domain.catalog import Catalog
from welt.domain.model import Billing, Order
from welt.domain.payment import Payment, Rectification
from welt.domain.verifactu import InvoiceType, verification_url


@dataclass(frozen=True)
class Seller:
    name: str
    address: list[str]
    # The Spanish tax ID (NIF) AEAT knows the factory by, and the same with ES, its EU VAT ID.
    nif: str
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
    net: int
    vat_rate_percent: int
    vat: int
    # Why no IVA is charged (the exemption's article), printed as the invoice's legal mention.
    vat_note: str | None
    total: int
    currency: str
    invoice_type: InvoiceType
    # What the QR code holds: AEAT's ValidarQR address with this invoice's NIF, number, date and total.
    verification_url: str
    # For a rectifying invoice: the invoice it corrects, and that invoice's date.
    corrects: str | None = None
    corrects_issued_on: date | None = None

    @property
    def issued_on(self) -> date:
        return issue_date(self.issued_at)


# The factory's time zone: invoice dates and the records' FechaHoraHusoGenRegistro are Elche's.
MADRID = ZoneInfo("Europe/Madrid")


def issue_date(moment: datetime) -> date:
    """An invoice's date is the factory's calendar day, in Elche."""
    return moment.astimezone(MADRID).date()


def invoice_for(payment: Payment, orders: list[Order], catalog: Catalog, qr_service: str) -> InvoiceDocument:
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
    seller = factory_seller()
    summary = payment.summary
    return InvoiceDocument(
        number=payment.invoice_number,
        issued_at=payment.settled_at,
        payment_id=payment.payment_id,
        seller=seller,
        buyer=orders[0].billing,
        lines=lines,
        manufacturing=summary.manufacturing,
        shipping=summary.shipping,
        customization=summary.customization,
        net=summary.net,
        vat_rate_percent=summary.vat_rate_percent,
        vat=summary.vat,
        vat_note=summary.vat_note,
        total=payment.amount,
        currency=payment.currency,
        invoice_type=InvoiceType.F1,
        verification_url=verification_url(qr_service, seller.nif, payment.invoice_number, issue_date(payment.settled_at), payment.amount),
    )


def rectifying_invoice_for(payment: Payment, rectification: Rectification, orders: list[Order], qr_service: str) -> InvoiceDocument:
    """A refund's rectifying invoice (R1, by differences): the amount given back, negative, with the IVA within it at
    the rate of the invoice it corrects, naming that invoice."""
    assert payment.invoice_number is not None and payment.settled_at is not None
    seller = factory_seller()
    summary = payment.summary
    given_back = InvoiceLine(
        description=f"Refund on invoice {payment.invoice_number} ({', '.join(payment.order_numbers)})",
        quantity=1,
        unit_price=None,
        amount=rectification.net,
    )
    issued_on = issue_date(rectification.issued_at)
    return InvoiceDocument(
        number=rectification.number,
        issued_at=rectification.issued_at,
        payment_id=payment.payment_id,
        seller=seller,
        buyer=orders[0].billing,
        lines=[given_back],
        manufacturing=0,
        shipping=0,
        customization=0,
        net=rectification.net,
        vat_rate_percent=summary.vat_rate_percent,
        vat=rectification.vat,
        vat_note=summary.vat_note,
        total=rectification.total,
        currency=payment.currency,
        invoice_type=InvoiceType.R1,
        verification_url=verification_url(qr_service, seller.nif, rectification.number, issued_on, rectification.total),
        corrects=payment.invoice_number,
        corrects_issued_on=issue_date(payment.settled_at),
    )
