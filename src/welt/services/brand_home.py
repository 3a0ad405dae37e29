"""A brand's home page and its invoices: read through the indexes the pool and the payments already have.

The home page's order figures read the pool's own index per status (`by_brand_status`), a page of 100 at a time
and at most `SUMMARY_BUDGET` orders per figure, so its cost is bounded whatever the brand's size: one brand read,
at most five Queries per figure (one for most brands), and one Query a MB of the year's payments, read from the
sparse `paid_by_brand` index that also lists the invoices. Weeks, months and years are the factory's, in Madrid.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from typing import Any

from welt.domain.errors import FieldProblem, MalformedRequestError
from welt.domain.invoice import MADRID, issue_date
from welt.domain.model import Brand, Order, OrderStatus
from welt.domain.payment import Payment
from welt.domain.pricing import GroupShare
from welt.domain.ship_dates import expected_ship_date
from welt.services.callers import Caller, brand_of
from welt.services.group_shares import group_shares
from welt.services.payments.desk import PaymentDesk
from welt.services.ports import OrderFilter
from welt.services.resources.home import AwaitingPayment, BrandSummary, InProduction, InvoiceList, InvoiceRow, ShippedThisWeek, Spend
from welt.services.resources.orders import shown_costs
from welt.services.resources.parts import iso

SUMMARY_PAGE = 100
SUMMARY_BUDGET = 500  # orders read per figure: five pages
NEXT_SHIPS = 5
FIGURES = (OrderStatus.PENDING_PAYMENT, OrderStatus.WORK_IN_PROCESS, OrderStatus.SHIPPED)
# Payments a year the spend adds up; a brand paying more than this a year is told the figure is a floor.
SPEND_BUDGET = 5000
INVOICE_PAGE = 20
INVOICE_MAX_PAGE = 100
CURSOR = r"^[0-9T:.+-]{19,40}#[A-Za-z0-9_-]{1,64}$"


def _orders(desk: PaymentDesk, brand: str, status: OrderStatus) -> tuple[list[Order], bool]:
    """The brand's orders with `status`, newest first, at most SUMMARY_BUDGET; and whether that was all of them."""
    where = OrderFilter(brand=brand, status=status)
    found: list[Order] = []
    after: dict[str, Any] | None = None
    while len(found) < SUMMARY_BUDGET:
        page = desk.orders.page(where, after, SUMMARY_PAGE)
        found += page.items
        after = page.last_key
        if after is None:
            return found, True
    return found, False


Shares = dict[str, GroupShare]
Listed = tuple[list[Order], bool]


def _total(desk: PaymentDesk, orders: list[Order], brand: Brand, shares: Shares) -> int:
    """The orders' totals as the pool shows each one: a grouped order's share of its group, any other alone."""

    def shown(order: Order) -> int:
        share = shares.get(order.order_number)
        return share.total if share is not None else shown_costs(desk.catalog, order, brand).total

    return sum(shown(order) for order in orders)


def _awaiting(desk: PaymentDesk, brand: Brand, now: datetime, listed: Listed, shares: Shares) -> AwaitingPayment:
    orders, complete = listed
    oldest = min(orders, key=lambda order: order.seq) if orders and complete else None
    return {
        "status": OrderStatus.PENDING_PAYMENT,
        "count": len(orders),
        "total": _total(desk, orders, brand, shares),
        "complete": complete,
        "oldest": None
        if oldest is None
        else {
            "order_number": oldest.order_number,
            "created_at": iso(oldest.created_at),
            "total": _total(desk, [oldest], brand, shares),
        },
    }


def _in_production(desk: PaymentDesk, brand: Brand, now: datetime, listed: Listed, shares: Shares) -> InProduction:
    orders, complete = listed
    today = now.astimezone(MADRID).date()
    dated = sorted(((expected_ship_date(o, desk.catalog, today), o) for o in orders), key=lambda pair: (pair[0] or date.max, pair[1].seq))
    return {
        "status": OrderStatus.WORK_IN_PROCESS,
        "count": len(orders),
        "total": _total(desk, orders, brand, shares),
        "complete": complete,
        "next_ships": [
            {
                "order_number": order.order_number,
                "production_stage": order.production_stage,
                "expected_ship_date": day.isoformat() if day else None,
            }
            for day, order in dated[:NEXT_SHIPS]
        ],
    }


def _madrid_start(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=MADRID)


def _shipped_this_week(desk: PaymentDesk, brand: Brand, now: datetime, listed: Listed, shares: Shares) -> ShippedThisWeek:
    today = now.astimezone(MADRID).date()
    monday = today - timedelta(days=today.weekday())
    orders, complete = listed
    this_week = [o for o in orders if o.tracking is not None and o.tracking.shipped_at >= _madrid_start(monday)]
    return {
        "status": OrderStatus.SHIPPED,
        "week_starts": monday.isoformat(),
        "count": len(this_week),
        "total": _total(desk, this_week, brand, shares),
        "complete": complete,
    }


def _spend(desk: PaymentDesk, brand: Brand, now: datetime) -> Spend:
    today = now.astimezone(MADRID).date()
    month_starts = _madrid_start(today.replace(day=1))
    paid = desk.payments.paid(brand.code, _madrid_start(today.replace(month=1, day=1)), None, SPEND_BUDGET).payments
    this_month = [p for p in paid if p.settled_at is not None and p.settled_at >= month_starts]
    return {
        "this_month": sum(p.amount for p in this_month),
        "this_year": sum(p.amount for p in paid),
        "payments_this_month": len(this_month),
        "payments_this_year": len(paid),
        "currency": "EUR",
    }


def brand_summary(desk: PaymentDesk, caller: Caller) -> BrandSummary:
    """The caller's brand's home page figures, each with the pool filter that lists its orders."""
    brand = brand_of(desk.brands, caller)
    now = desk.clock()
    awaiting, making, shipped = (_orders(desk, brand.code, status) for status in FIGURES)
    # One read of the groups (and their other orders) for all three figures, as the pool prices grouped orders.
    shown = [*awaiting[0], *making[0], *shipped[0]]
    shares = group_shares(desk.catalog, desk.groups, desk.orders, shown, {brand.code: brand})
    return {
        "as_of": iso(now),
        "awaiting_payment": _awaiting(desk, brand, now, awaiting, shares),
        "in_production": _in_production(desk, brand, now, making, shares),
        "shipped_this_week": _shipped_this_week(desk, brand, now, shipped, shares),
        "spend": _spend(desk, brand, now),
    }


def _rows(payment: Payment) -> Iterator[InvoiceRow]:
    assert payment.invoice_number is not None and payment.settled_at is not None
    summary = payment.summary
    yield {
        "kind": "INVOICE",
        "number": payment.invoice_number,
        "issued_on": issue_date(payment.settled_at).isoformat(),
        "payment_id": payment.payment_id,
        "order_numbers": payment.order_numbers,
        "net": summary.net,
        "vat": summary.vat,
        "total": summary.total,
        "currency": payment.currency,
        "corrects": None,
        "download": f"/payments/{payment.payment_id}/invoice",
    }
    for r in payment.rectifications:
        yield {
            "kind": "RECTIFYING",
            "number": r.number,
            "issued_on": issue_date(r.issued_at).isoformat(),
            "payment_id": payment.payment_id,
            "order_numbers": payment.order_numbers,
            "net": r.net,
            "vat": r.vat,
            "total": r.total,
            "currency": payment.currency,
            "corrects": payment.invoice_number,
            "download": f"/payments/{payment.payment_id}/rectifying-invoices/{r.number}",
        }


def brand_invoices(desk: PaymentDesk, caller: Caller, limit: int, cursor: str | None) -> InvoiceList:
    """The caller's brand's invoices and rectifying invoices, newest payment first, `limit` payments a page."""
    brand = brand_of(desk.brands, caller)
    if cursor is not None and "#" not in cursor:
        raise MalformedRequestError(
            "The cursor is not valid for this listing; start again without one.",
            [FieldProblem(("query", "cursor"), "not a cursor issued for this listing")],
        )
    page = desk.payments.paid(brand.code, None, cursor, limit)
    return {"invoices": [row for payment in page.payments for row in _rows(payment)], "next_cursor": page.after}
