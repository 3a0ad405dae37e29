"""Paying orders through the service layer, on fakes: confirmation, webhooks, stamps, invoices, reconciliation."""

from __future__ import annotations

import json
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.examples import checkout
from tests.fakes import Clock, FakeMailer, FakeStripe, intent_object, signed_event
from tests.invoice_reading import page_text, qr_codes_in
from welt.adapters.invoice_pdf import render_invoice
from welt.config import AEAT_QR_PREPRODUCTION
from welt.domain.errors import (
    ForbiddenError,
    NotFoundError,
    ServiceUnavailableError,
    StateConflictError,
    ValidationFailedError,
)
from welt.domain.model import OrderStatus, PaymentStatus, ProductionStage, StampStatus
from welt.domain.payment import PaymentState
from welt.domain.verifactu import InvoiceType, chain_breaks
from welt.services import orders, payments, production
from welt.services.orders import Caller, Checkout, OrderDesk, OrderEdit
from welt.services.payments import ConfirmRequest, PaymentDesk, PaymentRequest, RetryLaterError
from welt.services.ports import IntentStatus, InvalidSignatureError, PaymentProviderUnavailableError, Transaction
from welt.services.resources import OrderResource, PaymentResource, WebhookReceipt

DMO = Caller(subject="u1", brand="DMO", staff=False)
BRK = Caller(subject="u2", brand="BRK", staff=False)
STAFF = Caller(subject="s1", brand=None, staff=True)


class Shop:
    """A brand at the order desk and the payment desk, with Stripe's webhooks at hand."""

    def __init__(self, desk: OrderDesk, pay: PaymentDesk, stripe: FakeStripe) -> None:
        self.desk, self.pay, self.stripe = desk, pay, stripe
        self._keys = iter(range(1_000_000))

    def order(self, caller: Caller = DMO, **changes: Any) -> str:
        body = checkout(**changes)
        placed = orders.checkout(self.desk, caller, Checkout.model_validate(body), f"o{next(self._keys)}", body)
        return str(placed["order_number"])

    def payment(self, number: str, caller: Caller = DMO) -> PaymentResource:
        request = PaymentRequest(order_numbers=[number])
        return payments.start_payment(self.pay, caller, request, f"p{next(self._keys)}", request.model_dump())

    def confirm(self, payment_id: str, card: str = "pm_card_visa", caller: Caller = DMO) -> PaymentResource:
        return payments.confirm_payment(self.pay, caller, payment_id, ConfirmRequest(payment_method=card))

    def deliver(self, event_type: str, intent_id: str | None, event_id: str | None = None) -> WebhookReceipt:
        assert intent_id is not None, "the payment has no intent yet"
        payload, signature = signed_event(event_type, intent_object(self.stripe.retrieve(intent_id)), event_id)
        return payments.handle_webhook(self.pay, payload, signature)

    def order_view(self, number: str) -> OrderResource:
        return orders.get_order(self.desk, DMO if number.endswith("DMO") else BRK, number)

    def paid(self, card: str = "pm_card_visa", **changes: Any) -> tuple[str, PaymentResource]:
        number = self.order(**changes)
        payment = self.payment(number)
        confirmed = self.confirm(payment["payment_id"], card)
        self.deliver("payment_intent.succeeded", str(confirmed["stripe"]["payment_intent_id"]))
        return number, payments.get_payment(self.pay, DMO, payment["payment_id"])


def confirm_at_once(shop: Shop, racing: list[PaymentResource]) -> list[str]:
    """Confirm the payments at the same moment with a good card: their answers, a refusal as "409", sorted."""
    start = threading.Barrier(len(racing))

    def confirm(payment: dict[str, Any]) -> str:
        start.wait()
        try:
            return str(shop.confirm(payment["payment_id"])["status"])
        except StateConflictError:
            return "409"

    with ThreadPoolExecutor(len(racing)) as pool:
        return sorted(pool.map(confirm, racing))


@pytest.fixture
def shop(desk: OrderDesk, payment_desk: PaymentDesk, stripe: FakeStripe) -> Shop:
    return Shop(desk, payment_desk, stripe)


def test_the_amount_is_the_servers_and_a_client_cannot_send_one(shop: Shop) -> None:
    number = shop.order()
    payment = shop.payment(number)
    assert payment["amount"] == payment["summary"]["total"] == 19800
    assert payment["status"] == "REQUIRES_PAYMENT_METHOD"
    with pytest.raises(Exception) as refused:
        PaymentRequest.model_validate({"order_numbers": [number], "amount": 1})
    assert "amount" in str(refused.value)


def test_a_good_card_launches_the_order_when_stripe_confirms(shop: Shop, mailer: FakeMailer, clock: Clock) -> None:
    number = shop.order()
    payment = shop.payment(number)
    confirmed = shop.confirm(payment["payment_id"])
    assert confirmed["status"] == "SUCCEEDED"
    assert shop.order_view(number)["payment_status"] == "PROCESSING"
    shop.deliver("payment_intent.succeeded", str(confirmed["stripe"]["payment_intent_id"]))
    order = shop.order_view(number)
    assert (order["status"], order["payment_status"], order["production_stage"]) == ("WORK_IN_PROCESS", "PAID", "CUTTING")
    assert order["wip_started_at"] == clock().isoformat().replace("+00:00", "Z") and order["days_in_production"] == 0
    assert order["invoice_number"] == "INV-2026-000001"
    events = [e["type"] for e in orders.order_timeline(shop.desk, DMO, number)["events"]]
    assert events == ["CREATED", "PAYMENT_STARTED", "LAUNCHED_TO_PRODUCTION"]
    assert [subject for _, subject, _ in mailer.sent][-1].startswith("Payment received")


def test_an_order_with_a_payment_in_progress_cannot_be_edited_or_cancelled(shop: Shop) -> None:
    number = shop.order()
    shop.confirm(shop.payment(number)["payment_id"], "pm_card_threeDSecure")
    version = shop.order_view(number)["version"]
    with pytest.raises(StateConflictError):
        orders.edit_order(shop.desk, DMO, number, OrderEdit.model_validate({"sizes": [{"size": "EU40", "pairs": 1}]}), version)
    with pytest.raises(StateConflictError):
        orders.cancel_order(shop.desk, DMO, number, None)


def test_the_same_event_many_times_has_its_effect_once(shop: Shop, mailer: FakeMailer) -> None:
    number = shop.order()
    confirmed = shop.confirm(shop.payment(number)["payment_id"])
    intent = str(confirmed["stripe"]["payment_intent_id"])
    for _ in range(3):
        shop.deliver("payment_intent.succeeded", intent, event_id="evt_same")
    shop.deliver("payment_intent.succeeded", intent)  # Stripe's own retry may carry another event id
    order = shop.order_view(number)
    assert order["version"] == 3 and order["invoice_number"] == "INV-2026-000001"
    assert sum(1 for _, subject, _ in mailer.sent if subject.startswith("Payment received")) == 1


def test_a_declined_card_releases_the_order_and_a_later_card_pays_it(shop: Shop) -> None:
    number = shop.order()
    payment_id = shop.payment(number)["payment_id"]
    declined = shop.confirm(payment_id, "pm_card_chargeCustomerFail")
    assert declined["status"] == "FAILED" and declined["failure_message"] == "Your card was declined."
    assert shop.order_view(number)["payment_status"] == "UNPAID"
    failed_intent = str(declined["stripe"]["payment_intent_id"])
    second = shop.confirm(payment_id)
    shop.deliver("payment_intent.succeeded", str(second["stripe"]["payment_intent_id"]))
    shop.deliver("payment_intent.payment_failed", failed_intent)  # the first attempt's event, arriving late
    order = shop.order_view(number)
    assert (order["status"], order["payment_status"]) == ("WORK_IN_PROCESS", "PAID")
    assert payments.get_payment(shop.pay, DMO, payment_id)["attempt"] == 2


def test_failure_arriving_after_success_never_moves_the_order_back(shop: Shop) -> None:
    number = shop.order()
    intent = shop.confirm(shop.payment(number)["payment_id"])["stripe"]["payment_intent_id"]
    shop.deliver("payment_intent.succeeded", intent)
    shop.deliver("payment_intent.payment_failed", intent)
    shop.deliver("payment_intent.canceled", intent)
    assert shop.order_view(number)["status"] == "WORK_IN_PROCESS"


def test_3d_secure_asks_for_action_then_succeeds(shop: Shop) -> None:
    number = shop.order()
    payment_id = shop.payment(number)["payment_id"]
    answer = shop.confirm(payment_id, "pm_card_threeDSecure")
    assert answer["status"] == "REQUIRES_ACTION" and str(answer["stripe"]["client_secret"]).endswith("_secret")
    intent = str(answer["stripe"]["payment_intent_id"])
    shop.stripe.complete_3ds(intent)
    shop.deliver("payment_intent.succeeded", intent)
    assert payments.get_payment(shop.pay, DMO, payment_id)["status"] == "SUCCEEDED"


def test_two_confirms_at_once_charge_once(shop: Shop) -> None:
    payment_id = shop.payment(shop.order())["payment_id"]
    start = threading.Barrier(4)

    def confirm(_: int) -> str:
        start.wait()
        return str(shop.confirm(payment_id)["status"])

    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(confirm, range(4)))
    assert shop.stripe.creates == 1
    assert set(answers) <= {"SUCCEEDED", "PROCESSING"}


def test_two_payments_racing_for_one_order_charge_once(shop: Shop) -> None:
    number = shop.order()
    first, second = shop.payment(number), shop.payment(number)
    answers = confirm_at_once(shop, [first, second])
    assert answers == ["409", "SUCCEEDED"]
    assert shop.stripe.creates == 1


def test_an_order_already_paid_is_not_payable(shop: Shop) -> None:
    number, _ = shop.paid()
    with pytest.raises(StateConflictError):
        shop.payment(number)


def test_an_edit_that_changes_the_price_voids_the_open_payment(shop: Shop) -> None:
    number = shop.order()
    payment_id = shop.payment(number)["payment_id"]
    version = shop.order_view(number)["version"]
    orders.edit_order(
        shop.desk,
        DMO,
        number,
        OrderEdit.model_validate(
            {"design": {"model": "chelsea-boot", "materials": {"upper": "calf-black", "lining": "leather-black", "sole": "crepe"}}}
        ),
        version,
    )
    with pytest.raises(StateConflictError, match="price changed"):
        shop.confirm(payment_id)
    assert shop.stripe.creates == 0
    assert shop.order_view(number)["payment_status"] == "UNPAID"
    assert payments.get_payment(shop.pay, DMO, payment_id)["status"] == "CANCELED"


def test_stamp_fee_is_charged_once_per_brand_even_with_two_payments_at_once(shop: Shop) -> None:
    first, second = shop.order(labeling="CUSTOM_STAMPS"), shop.order(labeling="CUSTOM_STAMPS")
    pay_first, pay_second = shop.payment(first), shop.payment(second)
    assert pay_first["summary"]["customization"] == pay_second["summary"]["customization"] == shop.pay.catalog.stamp_fee
    answers = confirm_at_once(shop, [pay_first, pay_second])
    assert answers == ["409", "SUCCEEDED"]
    winner, loser = (first, second) if shop.order_view(first)["payment_status"] == "PROCESSING" else (second, first)
    winning = pay_first if winner == first else pay_second
    shop.deliver("payment_intent.succeeded", str(payments.get_payment(shop.pay, DMO, winning["payment_id"])["stripe"]["payment_intent_id"]))
    retry = shop.payment(loser)
    assert retry["summary"]["customization"] == 0
    assert shop.confirm(retry["payment_id"])["status"] == "SUCCEEDED"


def test_an_abandoned_payment_does_not_excuse_the_next_one_from_the_stamp_fee(shop: Shop, clock: Clock) -> None:
    first, second = shop.order(labeling="CUSTOM_STAMPS"), shop.order(labeling="CUSTOM_STAMPS")
    abandoned = shop.payment(first)
    shop.confirm(abandoned["payment_id"], "pm_card_threeDSecure")  # holds the fee, never authenticates
    waiting = shop.payment(second)
    assert waiting["summary"]["customization"] == shop.pay.catalog.stamp_fee
    with pytest.raises(StateConflictError, match="being paid by payment"):
        shop.confirm(waiting["payment_id"])
    clock.advance(hours=2)
    payments.reconcile(shop.pay)  # the 3-D Secure was abandoned: its claim on the fee goes back
    paid = shop.confirm(shop.payment(second)["payment_id"])
    shop.deliver("payment_intent.succeeded", str(paid["stripe"]["payment_intent_id"]))
    assert paid["summary"]["customization"] == shop.pay.catalog.stamp_fee
    assert orders.brand_profile(shop.desk, DMO)["stamps_status"] == StampStatus.IN_DEVELOPMENT


def test_a_success_that_arrives_after_the_payment_was_given_up_still_launches(shop: Shop, clock: Clock) -> None:
    number = shop.order()
    payment_id = shop.payment(number)["payment_id"]
    intent = str(shop.confirm(payment_id, "pm_card_threeDSecure")["stripe"]["payment_intent_id"])
    held = shop.pay.payments.get(payment_id)
    assert held is not None
    shop.pay.store.commit(Transaction().payment(held.canceled(clock(), "given up"), held))  # as if closed
    shop.stripe.complete_3ds(intent)
    shop.deliver("payment_intent.succeeded", intent)
    assert shop.order_view(number)["status"] == "WORK_IN_PROCESS"
    assert payments.get_payment(shop.pay, DMO, payment_id)["status"] == "SUCCEEDED"


def test_paid_stamped_orders_wait_for_stamps_until_staff_mark_them_ready(shop: Shop) -> None:
    number, payment = shop.paid(labeling="CUSTOM_STAMPS")
    assert payment["summary"]["customization"] == shop.pay.catalog.stamp_fee
    assert shop.order_view(number)["production_stage"] == "AWAITING_STAMPS"
    assert orders.brand_profile(shop.desk, DMO)["stamps_status"] == StampStatus.IN_DEVELOPMENT
    other, second = shop.paid(labeling="CUSTOM_STAMPS")
    assert second["summary"]["customization"] == 0
    answer = production.mark_stamps_ready(shop.desk, STAFF, "DMO", production.StampsUpdate(status="READY"))
    assert sorted(answer["orders_released"]) == sorted([number, other])
    assert {shop.order_view(n)["production_stage"] for n in (number, other)} == {ProductionStage.CUTTING}
    again = production.mark_stamps_ready(shop.desk, STAFF, "DMO", production.StampsUpdate(status="READY"))
    assert again["orders_released"] == []
    later, _ = shop.paid(labeling="CUSTOM_STAMPS")
    assert shop.order_view(later)["production_stage"] == "CUTTING"


def test_stamps_of_one_brand_do_not_touch_another(shop: Shop) -> None:
    number, _ = shop.paid(labeling="CUSTOM_STAMPS")
    brk = shop.order(BRK, labeling="CUSTOM_STAMPS")
    assert shop.payment(brk, BRK)["summary"]["customization"] == shop.pay.catalog.stamp_fee
    production.mark_stamps_ready(shop.desk, STAFF, "BRK", production.StampsUpdate(status="READY"))
    assert shop.order_view(number)["production_stage"] == "AWAITING_STAMPS"


def test_invoice_numbers_are_gapless_and_failed_attempts_take_none(shop: Shop) -> None:
    numbers = []
    for card in ["pm_card_visa", "pm_card_chargeCustomerFail", "pm_card_visa"]:
        payment_id = shop.payment(shop.order())["payment_id"]
        confirmed = shop.confirm(payment_id, card)
        if confirmed["status"] == "SUCCEEDED":
            shop.deliver("payment_intent.succeeded", str(confirmed["stripe"]["payment_intent_id"]))
            numbers.append(payments.get_payment(shop.pay, DMO, payment_id)["invoice_number"])
    assert numbers == ["INV-2026-000001", "INV-2026-000002"]


def test_the_invoice_names_seller_buyer_orders_and_totals(shop: Shop) -> None:
    number, payment = shop.paid(labeling="CUSTOM_STAMPS")
    invoice = payments.invoice_of(shop.pay, DMO, payment["payment_id"])
    assert invoice.number == "INV-2026-000001" and invoice.buyer.vat_id == "DE123456788"
    assert invoice.lines[0].description.startswith(number)
    assert sum(line.amount for line in invoice.lines) == invoice.total == payment["amount"]
    with pytest.raises(NotFoundError):
        payments.invoice_of(shop.pay, BRK, payment["payment_id"])


def test_the_invoice_pdf_is_the_same_bytes_at_every_download(shop: Shop) -> None:
    """Brand and staff download the same file: it is dated by the payment, not by the time it was rendered."""
    _, payment = shop.paid()
    invoice = payments.invoice_of(shop.pay, DMO, payment["payment_id"])
    first = render_invoice(invoice, compress=False)
    assert f"/CreationDate (D:{invoice.issued_at:%Y%m%d%H%M%S}Z)".encode() in first
    assert render_invoice(invoice, compress=False) == first
    assert render_invoice(invoice) == render_invoice(invoice)


def test_no_invoice_before_payment(shop: Shop) -> None:
    payment_id = shop.payment(shop.order())["payment_id"]
    with pytest.raises(NotFoundError):
        payments.invoice_of(shop.pay, DMO, payment_id)


def test_refunds_only_move_forward(shop: Shop) -> None:
    number, payment = shop.paid()
    intent = str(payment["stripe"]["payment_intent_id"])

    def refund(amount: int) -> None:
        charge = {"id": "ch_1", "object": "charge", "payment_intent": intent, "amount": payment["amount"], "amount_refunded": amount}
        payments.handle_webhook(shop.pay, *signed_event("charge.refunded", charge))

    refund(5000)
    assert shop.order_view(number)["payment_status"] == "PARTIALLY_REFUNDED"
    refund(payment["amount"])
    refund(5000)  # an older event arriving late
    assert shop.order_view(number)["payment_status"] == "REFUNDED"
    assert payments.get_payment(shop.pay, DMO, payment["payment_id"])["refunded_amount"] == payment["amount"]


def test_a_refund_that_overtakes_the_success_is_recorded_and_shows_when_the_success_settles(shop: Shop) -> None:
    number = shop.order()
    confirmed = shop.confirm(shop.payment(number)["payment_id"])
    intent = str(confirmed["stripe"]["payment_intent_id"])
    charge = {"id": "ch_1", "payment_intent": intent, "amount": confirmed["amount"], "amount_refunded": 100}
    payload, signature = signed_event("charge.refunded", charge, event_id="evt_refund")
    assert payments.handle_webhook(shop.pay, payload, signature) == {"received": True}
    assert payments.get_payment(shop.pay, DMO, confirmed["payment_id"])["refunded_amount"] == 100
    shop.deliver("payment_intent.succeeded", intent)
    assert shop.order_view(number)["status"] == "WORK_IN_PROCESS"
    assert shop.order_view(number)["payment_status"] == "PARTIALLY_REFUNDED"


def test_a_refund_that_overtook_the_success_is_rectified_as_the_invoice_is_issued(shop: Shop) -> None:
    number = shop.order()
    confirmed = shop.confirm(shop.payment(number)["payment_id"])
    intent = confirmed["stripe"]["payment_intent_id"]
    charge = {"id": "ch_1", "payment_intent": intent, "amount": confirmed["amount"], "amount_refunded": 6050}
    payments.handle_webhook(shop.pay, *signed_event("charge.refunded", charge, event_id="evt_refund"))
    assert shop.pay.invoices.records(0, 10) == []  # nothing invoiced yet, so nothing to rectify
    shop.deliver("payment_intent.succeeded", intent)
    shop.deliver("payment_intent.succeeded", intent)  # told twice: still one invoice and one rectifying invoice
    payment = payments.get_payment(shop.pay, DMO, confirmed["payment_id"])
    records = shop.pay.invoices.records(0, 10)
    assert [(r.invoice_number, r.invoice_type.value, r.corrects, r.total_cents) for r in records] == [
        (payment["invoice_number"], "F1", None, payment["amount"]),
        ("RECT-2026-000001", "R1", payment["invoice_number"], -6050),
    ]
    assert chain_breaks(records) == []
    assert payment["rectifying_invoices"] == ["RECT-2026-000001"]
    assert payments.invoicing_records(shop.pay, STAFF, 50, 0)["records"][-1]["HuellaAnterior"] == records[0].fingerprint


def test_unknown_event_types_are_acknowledged_and_ignored(shop: Shop) -> None:
    payload, signature = signed_event("customer.created", {"id": "cus_1"})
    assert payments.handle_webhook(shop.pay, payload, signature) == {"received": True}


@pytest.mark.parametrize(
    "tamper",
    ["wrong secret", "stale timestamp", "timestamp a day ahead", "malformed header", "no header", "body changed"],
)
def test_a_webhook_that_is_not_provably_stripes_changes_nothing(shop: Shop, tamper: str) -> None:
    number = shop.order()
    intent_id = str(shop.confirm(shop.payment(number)["payment_id"])["stripe"]["payment_intent_id"])
    obj = intent_object(shop.stripe.retrieve(intent_id))
    payload, signature = signed_event("payment_intent.succeeded", obj)
    if tamper == "wrong secret":
        payload, signature = signed_event("payment_intent.succeeded", obj, secret="whsec_someone_else")
    elif tamper == "stale timestamp":
        import time

        payload, signature = signed_event("payment_intent.succeeded", obj, timestamp=int(time.time()) - 301)
    elif tamper == "timestamp a day ahead":  # the tolerance holds both ways: no signature made to be used later
        import time

        payload, signature = signed_event("payment_intent.succeeded", obj, timestamp=int(time.time()) + 86_400)
    elif tamper == "malformed header":
        signature = "v1=deadbeef,t=notanumber"
    elif tamper == "no header":
        signature = None  # type: ignore[assignment]
    else:
        payload = payload.replace(b'"amount": 19800', b'"amount": 1')
    with pytest.raises(InvalidSignatureError):
        payments.handle_webhook(shop.pay, payload, signature)
    assert shop.order_view(number)["payment_status"] == "PROCESSING"


def test_reconciliation_settles_a_payment_whose_webhook_never_came(shop: Shop, clock: Clock) -> None:
    number = shop.order()
    shop.confirm(shop.payment(number)["payment_id"])
    assert payments.reconcile(shop.pay)["checked"] == 0  # too fresh to ask about
    clock.advance(minutes=6)
    assert payments.reconcile(shop.pay) == {"checked": 1, "settled": 1, "released": 0, "refunded": 0, "mismatch": 0, "failed": 0}
    assert shop.order_view(number)["status"] == "WORK_IN_PROCESS"
    assert payments.reconcile(shop.pay)["checked"] == 0


def test_abandoned_3d_secure_is_canceled_and_the_order_released(shop: Shop, clock: Clock) -> None:
    number = shop.order()
    payment_id = shop.payment(number)["payment_id"]
    intent = str(shop.confirm(payment_id, "pm_card_threeDSecure")["stripe"]["payment_intent_id"])
    clock.advance(minutes=10)
    assert payments.reconcile(shop.pay)["released"] == 0  # still within the hour a buyer may take
    clock.advance(hours=1)
    assert payments.reconcile(shop.pay)["released"] == 1
    assert shop.stripe.retrieve(intent).status == IntentStatus.CANCELED
    assert shop.order_view(number)["payment_status"] == "UNPAID"
    assert payments.get_payment(shop.pay, DMO, payment_id)["status"] == "CANCELED"
    shop.deliver("payment_intent.canceled", intent)  # Stripe's own event for it changes nothing more
    assert shop.order_view(number)["payment_status"] == "UNPAID"


def test_another_brands_payment_is_not_found(shop: Shop) -> None:
    payment_id = shop.payment(shop.order())["payment_id"]
    with pytest.raises(NotFoundError):
        payments.get_payment(shop.pay, BRK, payment_id)
    with pytest.raises(NotFoundError):
        shop.confirm(payment_id, caller=BRK)
    with pytest.raises(NotFoundError):
        shop.payment(shop.order(), caller=BRK)


def test_pay_exactly_one_order_or_one_group(shop: Shop) -> None:
    with pytest.raises(ValidationFailedError):
        payments.start_payment(shop.pay, DMO, PaymentRequest(), "k", {})


def test_a_cancelled_order_is_not_payable(shop: Shop) -> None:
    number = shop.order()
    orders.cancel_order(shop.desk, DMO, number, None)
    with pytest.raises(StateConflictError):
        shop.payment(number)
    assert shop.order_view(number)["status"] == OrderStatus.CANCELLED
    assert shop.order_view(number)["payment_status"] == PaymentStatus.UNPAID


def test_a_canceled_payment_cannot_be_confirmed(shop: Shop) -> None:
    number = shop.order()
    payment_id = shop.payment(number)["payment_id"]
    created = shop.pay.payments.get(payment_id)
    assert created is not None
    shop.pay.store.commit(Transaction().payment(created.canceled(shop.pay.clock(), "test"), created))
    with pytest.raises(StateConflictError):
        shop.confirm(payment_id)
    assert payments.get_payment(shop.pay, DMO, payment_id)["status"] == PaymentState.CANCELED


def test_reading_a_payment_after_3d_secure_settles_it_with_stripe(shop: Shop) -> None:
    refused, passed = shop.order(), shop.order()
    refused_id = shop.payment(refused)["payment_id"]
    intent = str(shop.confirm(refused_id, "pm_card_threeDSecure")["stripe"]["payment_intent_id"])
    shop.stripe.complete_3ds(intent, success=False)
    answer = payments.get_payment(shop.pay, DMO, refused_id)
    assert (answer["status"], answer["failure_message"]) == ("FAILED", "Authentication failed.")
    assert shop.order_view(refused)["payment_status"] == "UNPAID"
    passed_id = shop.payment(passed)["payment_id"]
    intent = str(shop.confirm(passed_id, "pm_card_threeDSecure")["stripe"]["payment_intent_id"])
    shop.stripe.complete_3ds(intent)
    assert payments.get_payment(shop.pay, DMO, passed_id)["status"] == "SUCCEEDED"
    assert shop.order_view(passed)["status"] == "WORK_IN_PROCESS"


def test_reading_a_charge_under_way_leaves_it_to_stripes_webhook(shop: Shop) -> None:
    number = shop.order()
    payment_id = shop.confirm(shop.payment(number)["payment_id"])["payment_id"]
    assert payments.get_payment(shop.pay, DMO, payment_id)["status"] == "PROCESSING"
    assert shop.order_view(number)["payment_status"] == "PROCESSING"


# ---------------------------------------------------------------- faults: Stripe errors, lost answers, stuck payments


def metrics_written(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    """The CloudWatch metrics (embedded metric format) written to stdout so far."""
    found = []
    for line in capsys.readouterr().out.splitlines():
        if line.startswith("{") and '"CloudWatchMetrics"' in line:
            found.append(json.loads(line))
    return found


def counted(capsys: pytest.CaptureFixture[str], name: str) -> list[tuple[float, str | None]]:
    """Each value of the metric `name` written so far, with the payment it names."""
    return [(value, metric.get("payment_id")) for metric in metrics_written(capsys) if name in metric for value in metric[name]]


def test_a_confirm_whose_answer_is_lost_answers_processing_and_stripes_webhook_settles_it(shop: Shop) -> None:
    number = shop.order()
    payment_id = shop.payment(number)["payment_id"]
    shop.stripe.fail_next("confirm", "lost")
    answered = shop.confirm(payment_id)
    intent = str(answered["stripe"]["payment_intent_id"])
    assert answered["status"] == "PROCESSING" and intent is not None  # recorded before the card was charged
    assert shop.stripe.retrieve(intent).status == IntentStatus.CHARGED
    assert shop.order_view(number)["payment_status"] == "PROCESSING"
    assert shop.confirm(payment_id)["status"] == "PROCESSING"  # the buyer's retry charges nothing
    assert (shop.stripe.creates, shop.stripe.confirms) == (1, 1)
    shop.deliver("payment_intent.succeeded", intent)
    assert shop.order_view(number)["status"] == "WORK_IN_PROCESS"


@pytest.mark.parametrize("failing", ["create", "confirm"])
def test_stripe_refusing_before_charging_answers_503_and_releases_the_order(shop: Shop, failing: str) -> None:
    number = shop.order()
    payment_id = shop.payment(number)["payment_id"]
    shop.stripe.fail_next(failing, "unavailable")
    with pytest.raises(PaymentProviderUnavailableError) as refused:
        shop.confirm(payment_id)
    assert isinstance(refused.value, ServiceUnavailableError) and "nothing was charged" in str(refused.value)
    assert shop.order_view(number)["payment_status"] == "UNPAID"
    assert payments.get_payment(shop.pay, DMO, payment_id)["status"] == "FAILED"
    assert all(intent.status in (IntentStatus.CANCELED, IntentStatus.UNCONFIRMED) for intent in shop.stripe.intents.values())
    paid = shop.confirm(payment_id)  # the buyer tries again a minute later
    shop.deliver("payment_intent.succeeded", str(paid["stripe"]["payment_intent_id"]))
    assert shop.order_view(number)["status"] == "WORK_IN_PROCESS"
    assert [i.status for i in shop.stripe.intents.values()].count(IntentStatus.CHARGED) == 1


def test_reading_a_payment_awaiting_3d_secure_while_stripe_is_unreachable_shows_it_as_known(shop: Shop) -> None:
    payment_id = shop.payment(shop.order())["payment_id"]
    intent = str(shop.confirm(payment_id, "pm_card_threeDSecure")["stripe"]["payment_intent_id"])
    shop.stripe.complete_3ds(intent)
    shop.stripe.fail_next("retrieve", "unavailable")
    assert payments.get_payment(shop.pay, DMO, payment_id)["status"] == "REQUIRES_ACTION"  # not a 503
    assert payments.get_payment(shop.pay, DMO, payment_id)["status"] == "SUCCEEDED"  # the next poll settles it


def test_a_new_attempt_cancels_the_previous_attempts_intent_at_stripe(shop: Shop) -> None:
    payment_id = shop.payment(shop.order())["payment_id"]
    declined = shop.confirm(payment_id, "pm_card_chargeCustomerFail")
    first = str(declined["stripe"]["payment_intent_id"])
    assert declined["status"] == "FAILED" and first is not None
    second = str(shop.confirm(payment_id)["stripe"]["payment_intent_id"])
    assert second != first
    assert shop.stripe.cancels == [first] and shop.stripe.retrieve(first).status == IntentStatus.CANCELED


def test_a_success_for_an_attempt_no_longer_current_is_refunded_and_counted(shop: Shop, capsys: pytest.CaptureFixture[str]) -> None:
    number = shop.order()
    payment_id = shop.payment(number)["payment_id"]
    first = str(shop.confirm(payment_id, "pm_card_threeDSecure")["stripe"]["payment_intent_id"])
    shop.stripe.complete_3ds(first, success=False)
    assert payments.get_payment(shop.pay, DMO, payment_id)["status"] == "FAILED"
    shop.stripe.fail_next("cancel", "unavailable")  # the old intent could not be cancelled
    second = str(shop.confirm(payment_id)["stripe"]["payment_intent_id"])
    shop.deliver("payment_intent.succeeded", second)
    shop.stripe.charge(shop.stripe.retrieve(first), status=IntentStatus.CHARGED)  # the bank's late yes to the first
    shop.deliver("payment_intent.succeeded", first, event_id="evt_late")
    shop.deliver("payment_intent.succeeded", first, event_id="evt_late")  # Stripe's redelivery: nothing more
    assert [(r.intent_id, r.amount) for r in shop.stripe.refunds] == [(first, 19800)]
    assert counted(capsys, "LateSuccessRefunded") == [(1.0, payment_id)]
    payment = payments.get_payment(shop.pay, DMO, payment_id)
    assert (payment["status"], str(payment["stripe"]["payment_intent_id"]), payment["refunded_amount"]) == ("SUCCEEDED", second, 0)
    assert shop.order_view(number)["payment_status"] == "PAID"


def test_a_late_success_whose_refund_answer_is_lost_is_delivered_again_and_refunded_once(shop: Shop) -> None:
    number = shop.order()
    given_up = shop.payment(number)["payment_id"]
    intent = str(shop.confirm(given_up, "pm_card_threeDSecure")["stripe"]["payment_intent_id"])
    payments.close_attempt(shop.pay, given_up, 1, "given up", PaymentState.CANCELED)
    shop.deliver("payment_intent.succeeded", str(shop.confirm(shop.payment(number)["payment_id"])["stripe"]["payment_intent_id"]))
    shop.stripe.complete_3ds(intent)
    shop.stripe.fail_next("refund", "lost")
    with pytest.raises(RetryLaterError):  # answered 409: Stripe delivers the event again
        shop.deliver("payment_intent.succeeded", intent, event_id="evt_late")
    shop.deliver("payment_intent.succeeded", intent, event_id="evt_late")
    assert [r.intent_id for r in shop.stripe.refunds] == [intent]


def test_a_success_for_a_payment_given_up_whose_order_was_paid_since_is_refunded(shop: Shop, capsys: pytest.CaptureFixture[str]) -> None:
    number = shop.order()
    given_up = shop.payment(number)["payment_id"]
    intent = str(shop.confirm(given_up, "pm_card_threeDSecure")["stripe"]["payment_intent_id"])
    payments.close_attempt(shop.pay, given_up, 1, "given up", PaymentState.CANCELED)
    again = shop.payment(number)["payment_id"]
    shop.deliver("payment_intent.succeeded", str(shop.confirm(again)["stripe"]["payment_intent_id"]))
    shop.stripe.complete_3ds(intent)
    shop.deliver("payment_intent.succeeded", intent)
    assert [r.intent_id for r in shop.stripe.refunds] == [intent]
    assert counted(capsys, "LateSuccessRefunded") == [(1.0, given_up)]
    assert payments.get_payment(shop.pay, DMO, given_up)["status"] == "CANCELED"
    assert shop.order_view(number)["invoice_number"] == "INV-2026-000001"


@pytest.mark.parametrize("charged", [{"amount": 100}, {"currency": "usd"}])
def test_a_charge_of_another_amount_or_currency_waits_for_staff_review(
    shop: Shop, clock: Clock, capsys: pytest.CaptureFixture[str], charged: dict[str, Any]
) -> None:
    number = shop.order()
    payment_id = shop.payment(number)["payment_id"]
    intent = str(shop.confirm(payment_id)["stripe"]["payment_intent_id"])
    shop.stripe.charge(shop.stripe.retrieve(intent), **charged)
    shop.deliver("payment_intent.succeeded", intent)
    payment = payments.get_payment(shop.pay, DMO, payment_id)
    assert (payment["status"], payment["invoice_number"]) == ("NEEDS_REVIEW", None)
    assert shop.order_view(number)["payment_status"] == "PROCESSING"  # still locked: neither paid nor payable
    assert counted(capsys, "PaymentNeedsReview") == [(1.0, payment_id)]
    shop.deliver("payment_intent.succeeded", intent)  # a redelivery neither settles nor counts again
    clock.advance(hours=2)
    assert payments.reconcile(shop.pay)["checked"] == 0
    assert payments.get_payment(shop.pay, DMO, payment_id)["status"] == "NEEDS_REVIEW"
    assert counted(capsys, "PaymentNeedsReview") == []
    listed = payments.payments_for_staff(shop.pay, STAFF, "NEEDS_REVIEW")["payments"]
    assert [(p["brand"], p["payment"]["payment_id"]) for p in listed] == [("DMO", payment_id)]
    assert "Stripe charged" in str(listed[0]["payment"]["failure_message"])


def test_only_staff_list_payments_and_only_by_a_known_status(shop: Shop) -> None:
    with pytest.raises(ForbiddenError):
        payments.payments_for_staff(shop.pay, DMO, "NEEDS_REVIEW")
    with pytest.raises(ValidationFailedError):
        payments.payments_for_staff(shop.pay, STAFF, "SUCCEEDED")
    assert payments.payments_for_staff(shop.pay, STAFF, None) == {"payments": []}


def test_a_refund_of_a_payment_welt_had_canceled_is_recorded(shop: Shop) -> None:
    number = shop.order()
    payment_id = shop.payment(number)["payment_id"]
    intent = str(shop.confirm(payment_id, "pm_card_threeDSecure")["stripe"]["payment_intent_id"])
    payments.close_attempt(shop.pay, payment_id, 1, "given up", PaymentState.CANCELED)
    charge = {"id": "ch_1", "object": "charge", "payment_intent": intent, "amount": 19800, "amount_refunded": 19800}
    assert payments.handle_webhook(shop.pay, *signed_event("charge.refunded", charge)) == {"received": True}
    payment = payments.get_payment(shop.pay, DMO, payment_id)
    assert (payment["status"], payment["refunded_amount"]) == ("CANCELED", 19800)
    assert shop.order_view(number)["payment_status"] == "UNPAID"  # its order is another payment's to take
    # A sale never invoiced has no invoice to rectify: no rectifying invoice, no record.
    assert (payment["rectifying_invoices"], shop.pay.invoices.records(0, 10)) == ([], [])


def test_reconciliation_asks_stripe_before_giving_up_a_payment_whose_confirm_answer_was_lost(shop: Shop, clock: Clock) -> None:
    number = shop.order()
    payment_id = shop.payment(number)["payment_id"]
    shop.stripe.fail_next("confirm", "lost")
    shop.confirm(payment_id)
    clock.advance(hours=2)  # and Stripe's webhook never came
    assert payments.reconcile(shop.pay)["settled"] == 1
    assert shop.order_view(number)["status"] == "WORK_IN_PROCESS"
    assert shop.stripe.cancels == []


def died_confirming(shop: Shop, call: str) -> tuple[str, str]:
    """An order whose confirm died as it made Stripe call `call`: its number and payment."""
    number = shop.order()
    payment_id = shop.payment(number)["payment_id"]
    shop.stripe.fail_next(call, "crash")
    with pytest.raises(SystemExit):
        shop.confirm(payment_id)
    return number, payment_id


def test_reconciliation_releases_an_attempt_that_died_before_creating_its_intent(shop: Shop, clock: Clock) -> None:
    number, _ = died_confirming(shop, "create")
    clock.advance(minutes=10)
    assert payments.reconcile(shop.pay)["released"] == 0  # not yet given up
    clock.advance(hours=1)
    assert payments.reconcile(shop.pay)["released"] == 1
    assert shop.stripe.intents == {} and shop.stripe.cancels == []
    assert shop.order_view(number)["payment_status"] == "UNPAID"


def test_reconciliation_cancels_an_intent_never_confirmed_and_releases_the_order(shop: Shop, clock: Clock) -> None:
    number, payment_id = died_confirming(shop, "confirm")
    started = shop.pay.payments.get(payment_id)
    assert started is not None
    intent = started.intent_id
    clock.advance(hours=2)
    assert payments.reconcile(shop.pay)["released"] == 1
    assert shop.stripe.cancels == [intent]
    assert shop.order_view(number)["payment_status"] == "UNPAID"


def test_one_payment_that_fails_to_reconcile_does_not_stop_the_others(
    shop: Shop, clock: Clock, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    numbers, paying = [], []
    for _ in range(3):
        numbers.append(shop.order())
        paying.append(shop.payment(numbers[-1])["payment_id"])
        shop.confirm(paying[-1])
        clock.advance(minutes=1)
    clock.advance(minutes=10)
    shop.stripe.fail_next("retrieve", "unavailable")  # the oldest is asked about first, and fails
    outcome = payments.reconcile(shop.pay)
    assert (outcome["checked"], outcome["failed"], outcome["settled"]) == (3, 1, 2)
    assert [shop.order_view(n)["status"] for n in numbers] == ["PENDING_PAYMENT", "WORK_IN_PROCESS", "WORK_IN_PROCESS"]
    assert any(getattr(r, "payment_id", None) == paying[0] for r in caplog.records if r.levelname == "ERROR")
    assert counted(capsys, "StuckPayments") == [(3.0, None)]
    assert payments.reconcile(shop.pay)["settled"] == 1  # the next run settles it
    assert shop.order_view(numbers[0])["status"] == "WORK_IN_PROCESS"


def test_an_order_left_in_3d_secure_names_its_payment_so_the_buyer_can_finish_it(shop: Shop) -> None:
    number = shop.order()
    payment_id = shop.payment(number)["payment_id"]
    assert shop.order_view(number)["open_payment_id"] is None  # created, not started: nothing is locked
    shop.confirm(payment_id, "pm_card_threeDSecure")
    assert shop.order_view(number)["open_payment_id"] == payment_id
    again = payments.get_payment(shop.pay, DMO, payment_id)
    assert again["status"] == "REQUIRES_ACTION" and again["stripe"]["client_secret"]  # what the bank step needs again
    shop.stripe.complete_3ds(str(again["stripe"]["payment_intent_id"]))
    assert payments.get_payment(shop.pay, DMO, payment_id)["status"] == "SUCCEEDED"
    assert shop.order_view(number)["open_payment_id"] is None


def test_canceling_a_payment_left_in_3d_secure_releases_the_order_at_once(shop: Shop) -> None:
    number = shop.order()
    payment_id = shop.payment(number)["payment_id"]
    intent = str(shop.confirm(payment_id, "pm_card_threeDSecure")["stripe"]["payment_intent_id"])
    canceled = payments.cancel_payment(shop.pay, DMO, payment_id)
    assert canceled["status"] == "CANCELED"
    assert shop.stripe.retrieve(intent).status == IntentStatus.CANCELED
    view = shop.order_view(number)
    assert (view["payment_status"], view["open_payment_id"]) == ("UNPAID", None)
    assert payments.cancel_payment(shop.pay, DMO, payment_id)["status"] == "CANCELED"  # a second click changes nothing
    fresh = shop.payment(number)  # and the order is payable again at once
    assert shop.confirm(fresh["payment_id"])["status"] in ("SUCCEEDED", "PROCESSING")


def test_a_payment_stripe_already_charged_cannot_be_canceled_and_settles_as_paid(shop: Shop) -> None:
    number = shop.order()
    payment_id = shop.payment(number)["payment_id"]
    intent = str(shop.confirm(payment_id, "pm_card_threeDSecure")["stripe"]["payment_intent_id"])
    shop.stripe.complete_3ds(intent)  # the bank said yes; Welt has not heard yet
    with pytest.raises(StateConflictError, match="already charged"):
        payments.cancel_payment(shop.pay, DMO, payment_id)
    assert payments.get_payment(shop.pay, DMO, payment_id)["status"] == "SUCCEEDED"
    assert shop.order_view(number)["status"] == "WORK_IN_PROCESS"
    with pytest.raises(StateConflictError):
        payments.cancel_payment(shop.pay, DMO, payment_id)


def test_only_the_brand_cancels_its_own_payment(shop: Shop) -> None:
    payment_id = shop.payment(shop.order())["payment_id"]
    with pytest.raises(NotFoundError):
        payments.cancel_payment(shop.pay, BRK, payment_id)
    with pytest.raises(ForbiddenError):
        payments.cancel_payment(shop.pay, STAFF, payment_id)
    assert payments.cancel_payment(shop.pay, DMO, payment_id)["status"] == "CANCELED"  # not yet started: nothing to release
    with pytest.raises(StateConflictError):
        shop.confirm(payment_id)


def test_canceling_while_stripe_is_unreachable_changes_nothing(shop: Shop) -> None:
    number = shop.order()
    payment_id = shop.payment(number)["payment_id"]
    shop.confirm(payment_id, "pm_card_threeDSecure")
    shop.stripe.fail_next("cancel", "unavailable")
    with pytest.raises(ServiceUnavailableError):
        payments.cancel_payment(shop.pay, DMO, payment_id)
    assert shop.order_view(number)["open_payment_id"] == payment_id
    assert payments.cancel_payment(shop.pay, DMO, payment_id)["status"] == "CANCELED"


def test_the_invoice_pdf_carries_aeats_qr_code_and_the_verifactu_legend(shop: Shop) -> None:
    _, payment = shop.paid()
    invoice = payments.invoice_of(shop.pay, DMO, payment["payment_id"])
    pdf = render_invoice(invoice)
    (scanned,) = qr_codes_in(pdf)
    address = urlsplit(scanned)
    assert f"{address.scheme}://{address.netloc}{address.path}" == AEAT_QR_PREPRODUCTION
    assert parse_qs(address.query) == {
        "nif": ["B03999992"],
        "numserie": [invoice.number],
        "fecha": [f"{invoice.issued_on:%d-%m-%Y}"],
        "importe": [f"{payment['amount'] / 100:.2f}"],
    }
    text = page_text(pdf)
    assert "VERI*FACTU" in text and "B03999992" in text and "DE123456788" in text
    assert "art. 25 Ley 37/1992" in text


def test_a_refunds_rectifying_invoice_is_a_pdf_with_its_negative_amounts_the_invoice_it_corrects_and_aeats_qr(shop: Shop) -> None:
    spain = {**checkout()["shipping_address"], "country": "ES", "postal_code": "03203"}
    _, payment = shop.paid(shipping_address=spain)
    intent = payment["stripe"]["payment_intent_id"]
    charge = {"id": "ch_1", "object": "charge", "payment_intent": intent, "amount": payment["amount"], "amount_refunded": 6050}
    payments.handle_webhook(shop.pay, *signed_event("charge.refunded", charge, event_id="evt_part"))
    [number] = payments.get_payment(shop.pay, DMO, payment["payment_id"])["rectifying_invoices"]
    rectifying = payments.rectifying_invoice_of(shop.pay, DMO, payment["payment_id"], number)
    pdf = render_invoice(rectifying)

    (scanned,) = qr_codes_in(pdf)
    address = urlsplit(scanned)
    assert f"{address.scheme}://{address.netloc}{address.path}" == AEAT_QR_PREPRODUCTION
    assert parse_qs(address.query) == {
        "nif": ["B03999992"],
        "numserie": [number],
        "fecha": [f"{rectifying.issued_on:%d-%m-%Y}"],
        "importe": ["-60.50"],
    }
    [record] = [r for r in shop.pay.invoices.records(0, 10) if r.invoice_number == number]
    assert (record.total_cents, record.vat_cents) == (rectifying.total, rectifying.vat) == (-6050, -1050)
    text = page_text(pdf)
    assert f"Rectifying invoice {number}" in text and "Type: R1" in text
    assert f"Rectifies invoice {payment['invoice_number']}" in text
    assert "VERI*FACTU" in text and "B03999992" in text and "DE123456788" in text
    assert "EUR -50.00" in text and "IVA 21%" in text and "EUR -10.50" in text and "EUR -60.50" in text
    assert "art. 80 Ley 37/1992" in text
    listed = payments.rectifying_invoices_of(shop.pay, DMO, payment["payment_id"])["rectifying_invoices"]
    assert [(r["number"], r["corrects"], r["net"], r["vat"], r["total"]) for r in listed] == [
        (number, payment["invoice_number"], -5000, -1050, -6050)
    ]
    with pytest.raises(NotFoundError):
        payments.rectifying_invoices_of(shop.pay, BRK, payment["payment_id"])
    with pytest.raises(NotFoundError):
        payments.rectifying_invoice_of(shop.pay, BRK, payment["payment_id"], number)
    with pytest.raises(NotFoundError):
        payments.rectifying_invoice_of(shop.pay, DMO, payment["payment_id"], "RECT-2026-000099")


def test_twenty_successes_at_once_leave_twenty_records_in_one_unbroken_chain(shop: Shop) -> None:
    confirmed = []
    for _ in range(20):
        payment_id = shop.payment(shop.order())["payment_id"]
        confirmed.append(str(shop.confirm(payment_id)["stripe"]["payment_intent_id"]))
    start = threading.Barrier(len(confirmed))

    def deliver(intent_id: str) -> None:
        start.wait()
        shop.deliver("payment_intent.succeeded", intent_id)

    with ThreadPoolExecutor(len(confirmed)) as pool:
        list(pool.map(deliver, confirmed))
    records = shop.pay.invoices.records(0, 100)
    assert len(records) == 20
    assert chain_breaks(records) == []
    assert sorted(r.invoice_number for r in records) == [f"INV-2026-{seq:06d}" for seq in range(1, 21)]
    assert records[0].previous_fingerprint is None and records[0].invoice_type is InvoiceType.F1


def test_each_record_carries_its_invoices_iva_and_total_as_aeat_writes_them(shop: Shop) -> None:
    _, payment = shop.paid(shipping_address={**checkout()["shipping_address"], "country": "ES", "postal_code": "03203"})
    (record,) = shop.pay.invoices.records(0, 10)
    view = record.aeat_view()
    assert view["NumSerieFactura"] == payment["invoice_number"] and view["IDEmisorFactura"] == "B03999992"
    assert view["CuotaTotal"] == f"{payment['summary']['vat'] / 100:.2f}" != "0.00"
    assert view["ImporteTotal"] == f"{payment['amount'] / 100:.2f}"
    assert view["FechaHoraHusoGenRegistro"].endswith(("+01:00", "+02:00"))
    assert re.fullmatch(r"\d\d-\d\d-\d{4}", view["FechaExpedicionFactura"])


def test_each_refund_leaves_a_rectifying_invoice_by_differences_and_its_record(shop: Shop) -> None:
    spain = {**checkout()["shipping_address"], "country": "ES", "postal_code": "03203"}
    _, payment = shop.paid(shipping_address=spain)
    intent = str(payment["stripe"]["payment_intent_id"])

    def refund(amount: int, event_id: str) -> None:
        charge = {"id": "ch_1", "object": "charge", "payment_intent": intent, "amount": payment["amount"], "amount_refunded": amount}
        payments.handle_webhook(shop.pay, *signed_event("charge.refunded", charge, event_id=event_id))

    refund(6050, "evt_first")
    refund(6050, "evt_first_again")  # the same refund told twice: one rectifying invoice
    refund(payment["amount"], "evt_rest")
    records = shop.pay.invoices.records(0, 10)
    assert [(r.invoice_number, r.invoice_type.value, r.corrects) for r in records] == [
        (payment["invoice_number"], "F1", None),
        ("RECT-2026-000001", "R1", payment["invoice_number"]),
        ("RECT-2026-000002", "R1", payment["invoice_number"]),
    ]
    assert chain_breaks(records) == []
    # By differences: each gives back its part; together they undo the invoice to the cent, IVA included.
    assert records[1].total_cents == -6050 and records[1].vat_cents == -1050
    assert sum(r.total_cents for r in records) == 0 and sum(r.vat_cents for r in records) == 0
    assert payments.get_payment(shop.pay, DMO, payment["payment_id"])["rectifying_invoices"] == ["RECT-2026-000001", "RECT-2026-000002"]
