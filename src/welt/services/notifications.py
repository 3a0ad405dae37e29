"""Emails through the outbox: written with the change that calls for them, sent by whoever claims them first
(the outbox stream's consumer, or the scheduled retry), retried until SES takes them or the address proves dead.

A brand's emails are capped per clock hour when they are sent: one past the cap is held until the next hour, not
lost, so no brand can make the factory's mail domain send in bulk.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from aws_lambda_powertools import Logger

from welt.domain import labels
from welt.domain.brand import Brand
from welt.domain.catalog import Catalog
from welt.domain.errors import FieldProblem, ForbiddenError, ValidationFailedError
from welt.domain.model import Order, ProductionStage, Tracking
from welt.domain.payment import Payment
from welt.domain.ship_dates import expected_ship_date
from welt.services.callers import Caller
from welt.services.ports import Clock, Mailer, Outbox, OutboxMessage, OutboxState, UndeliverableAddressError
from welt.services.resources import StaffEmailList

logger = Logger(child=True)

SEND_LEASE = timedelta(minutes=2)
MAX_BACKOFF = timedelta(hours=1)
# Failed sends before a message is given up as dead: with the backoff, about a day of SES refusing it.
MAX_SEND_ATTEMPTS = 30
EMAILS_PER_BRAND_HOUR = 200  # the default of WELT_EMAILS_PER_BRAND_HOUR


def _euros(cents: int) -> str:
    return f"EUR {cents // 100:,}.{cents % 100:02d}"


def _material(catalog: Catalog, material_id: str) -> str:
    material = catalog.material(material_id)
    return material.name if material else material_id


def confirmation_message(order: Order, catalog: Catalog) -> OutboxMessage:
    """The order confirmation: specs and costs, to the billing contact."""
    model = catalog.shoe_model(order.design.model)
    materials = order.design.materials
    sizes = ", ".join(f"{line.size} x {line.pairs}" for line in order.sizes)
    lines = [
        f"Thank you for your order {order.order_number}.",
        "",
        f"It is in your order pool: {labels.ORDER_STATUS[order.status]}. Production starts once it is paid.",
        "",
        f"Model: {model.name if model else order.design.model}",
        f"Upper: {_material(catalog, materials.upper)}; lining: {_material(catalog, materials.lining)}; "
        f"sole: {_material(catalog, materials.sole)}",
        f"Design reference: {order.design.design_ref or '-'}",
        f"Order type: {labels.ORDER_TYPE[order.type]}, {order.pairs} pair(s): {sizes}",
        f"Labeling: {labels.LABELING[order.labeling]}",
        "",
        f"Manufacturing: {_euros(order.costs.manufacturing)}",
        f"Shipping: {_euros(order.costs.shipping)}",
        f"Customization: {_euros(order.costs.customization)}",
        f"Net: {_euros(order.costs.net)}",
        f"VAT (IVA {order.costs.vat_rate_percent}%): {_euros(order.costs.vat)}",
        *([order.costs.vat_note] if order.costs.vat_note else []),
        f"Total: {_euros(order.costs.total)}",
    ]
    return OutboxMessage(
        message_id=f"order-confirmation/{order.order_number}",
        to=order.billing.email,
        subject=f"Order {order.order_number} confirmed",
        body="\n".join(lines),
        context={"order_number": order.order_number, "brand": order.brand},
    )


def payment_received_message(payment: Payment, orders: list[Order], catalog: Catalog) -> OutboxMessage:
    """Payment received: the orders are launched to production (or wait for the brand's stamps)."""
    lines = [
        f"We received your payment of {_euros(payment.amount)} (invoice {payment.invoice_number}).",
        "",
        "Launched to production:",
    ]
    for order in orders:
        model = catalog.shoe_model(order.design.model)
        waiting = " - waits for your custom stamps" if order.production_stage is ProductionStage.AWAITING_STAMPS else ""
        lines.append(f"  {order.order_number}: {model.name if model else order.design.model}, {order.pairs} pair(s){waiting}")
        shipping_on = expected_ship_date(order, catalog, payment.updated_at.date())
        if shipping_on:
            lines.append(f"    expected to ship on {shipping_on:%A %d %B %Y}")
    lines += [
        "",
        f"Manufacturing: {_euros(payment.summary.manufacturing)}",
        f"Shipping: {_euros(payment.summary.shipping)}",
        f"Customization: {_euros(payment.summary.customization)}",
        f"Net: {_euros(payment.summary.net)}",
        f"VAT (IVA {payment.summary.vat_rate_percent}%): {_euros(payment.summary.vat)}",
        *([payment.summary.vat_note] if payment.summary.vat_note else []),
        f"Total paid: {_euros(payment.amount)}",
        "",
        "Your invoice is in your order pool. We will email you the tracking number when your shoes ship.",
        "Ship dates are estimates from the factory's lead times; your order pool shows the latest one.",
    ]
    to = orders[0].billing.email if orders else ""
    return OutboxMessage(
        message_id=f"payment-received/{payment.payment_id}",
        to=to,
        subject=f"Payment received: {', '.join(payment.order_numbers)} launched to production",
        body="\n".join(lines),
        context={"payment_id": payment.payment_id, "brand": payment.brand},
    )


def shipped_message(key: str, orders: list[Order], tracking: Tracking, catalog: Catalog) -> OutboxMessage:
    """Shipped, with the tracking number: one email per shipment (an order, or a whole group)."""
    lines = [f"Your shoes are on their way with {tracking.carrier}.", "", f"Tracking number: {tracking.tracking_number}"]
    if tracking.tracking_url:
        lines.append(f"Track it: {tracking.tracking_url}")
    lines += ["", "In this shipment:"]
    for order in orders:
        model = catalog.shoe_model(order.design.model)
        lines.append(f"  {order.order_number}: {model.name if model else order.design.model}, {order.pairs} pair(s)")
    numbers = ", ".join(order.order_number for order in orders)
    return OutboxMessage(
        message_id=f"shipped/{key}",
        to=orders[0].billing.email,
        subject=f"Shipped: {numbers} (tracking {tracking.tracking_number})",
        body="\n".join(lines),
        context={"shipment": key, "brand": orders[0].brand},
    )


STAMP_STEP_EMAILS = {
    "ARTWORK_RECEIVED": (
        "We received your stamp artwork",
        "We received your artwork {file}. We will send you a proof of your stamp to approve on your brand profile page.",
    ),
    "PROOF_SENT": (
        "Your stamp proof is ready to approve",
        "The proof of your custom stamp is ready:\n\n  {note}\n\nApprove it, or ask for changes, on your brand profile page.",
    ),
    "CHANGES_ASKED": (
        "You asked for changes to your stamp proof",
        "You asked for these changes to your stamp proof:\n\n  {comment}\n\nWe will send you a new proof.",
    ),
    "PROOF_APPROVED": ("You approved your stamp proof", "You approved the proof of your custom stamp. We are making your stamps now."),
    "EXPECTED_DATE_SET": ("Your stamps have an expected date", "We expect your custom stamps to be ready on {expected_on}."),
    "MADE": ("Your custom stamps are ready", "Your custom stamps are made. Your paid orders waiting for them move on to cutting now."),
}


def stamps_message(brand: Brand, to: str) -> OutboxMessage:
    """The brand's stamps took a step: one email per step (keyed by the revision it produced), to the brand's contact."""
    event = brand.stamps.events[-1]
    subject, body = STAMP_STEP_EMAILS[str(event.type)]
    facts = {"file": event.details.get("file_name", ""), "note": "", "comment": "", "expected_on": "", **event.details}
    if brand.stamps.expected_on:
        facts["expected_on"] = f"{brand.stamps.expected_on:%A %d %B %Y}"
    return OutboxMessage(
        message_id=f"stamps/{brand.code}/{event.revision}",
        to=to,
        subject=subject,
        body=body.format(**facts),
        context={"brand": brand.code},
    )


def _next_hour(at: datetime) -> datetime:
    return at.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)


def deliver_one(outbox: Outbox, mailer: Mailer, message_id: str, clock: Clock, per_brand_hour: int = EMAILS_PER_BRAND_HOUR) -> bool:
    """Send one message if nobody else is; on failure it stays pending for the retry run, unless its address is dead.

    Past its brand's `per_brand_hour` sends this clock hour, the message is held until the next hour.
    """
    now = clock()
    if not outbox.claim(message_id, now, now + SEND_LEASE):
        return False
    message = outbox.get(message_id)
    if message is None:
        return False
    brand = message.context.get("brand")
    if brand and not outbox.count_send(brand, now, per_brand_hour):
        outbox.hold(message_id, _next_hour(now))
        logger.warning("email held: the brand's hourly email cap is reached", extra={"message_id": message_id, **message.context})
        return False
    try:
        mailer.send(message.to, message.subject, message.body)
    except Exception as error:  # any SES failure: keep the message and try later, unless the address is dead
        reason = f"{type(error).__name__}: {error}"[:500]
        if isinstance(error, UndeliverableAddressError) or message.attempts + 1 >= MAX_SEND_ATTEMPTS:
            outbox.give_up(message_id, reason, clock())
            logger.warning("email given up: the address is dead", extra={"message_id": message_id, **message.context})
            return False
        delay = min(MAX_BACKOFF, timedelta(seconds=30 * 2 ** min(message.attempts, 10)))
        outbox.release(message_id, reason, clock() + delay)
        logger.warning("email not sent, will retry", extra={"message_id": message_id, **message.context})
        return False
    outbox.mark_sent(message_id, clock())
    if message.confidential:
        outbox.erase_body(message_id)
    logger.info("email sent", extra={"message_id": message_id, **message.context})
    return True


class MessageNotSentError(Exception):
    """The message is still unsent: its stream record is reported failed, so Lambda tries it again."""


def deliver_now(outbox: Outbox, mailer: Mailer, message_id: str, clock: Clock, per_brand_hour: int = EMAILS_PER_BRAND_HOUR) -> None:
    """Send a message the outbox's stream shows waiting; MessageNotSentError unless it ends sent (by this or another sender)."""
    deliver_one(outbox, mailer, message_id, clock, per_brand_hour)
    message = outbox.get(message_id)
    if message is not None and message.state is not OutboxState.SENT:
        raise MessageNotSentError(message_id)


def deliver_due(outbox: Outbox, mailer: Mailer, clock: Clock, limit: int = 50, per_brand_hour: int = EMAILS_PER_BRAND_HOUR) -> int:
    """The retry run: send every message that is due. Returns how many went out."""
    due = outbox.due(clock(), limit)
    return sum(deliver_one(outbox, mailer, message.message_id, clock, per_brand_hour) for message in due)


DEAD_LIST_LIMIT = 100


def emails_for_staff(outbox: Outbox, caller: Caller, state: str | None) -> StaffEmailList:
    """Emails staff must act on: DEAD ones (the address refused or failing for a day), the most recent first."""
    if not caller.staff:
        raise ForbiddenError("Only staff list emails.")
    if (state or OutboxState.DEAD.value) != OutboxState.DEAD.value:
        raise ValidationFailedError("Staff list emails by state DEAD.", [FieldProblem(("query", "state"), "must be one of: DEAD")])
    return {
        "emails": [
            {
                "message_id": message.message_id,
                "brand": message.context.get("brand"),
                "to": message.to,
                "subject": message.subject,
                "state": message.state.value,
                "attempts": message.attempts,
                "last_error": message.last_error,
                "given_up_at": message.next_attempt_at.isoformat() if message.next_attempt_at else None,
            }
            for message in outbox.dead(DEAD_LIST_LIMIT)
        ]
    }
