"""Load on the real local stack: a hundred checkouts at once for one brand, and twenty payments whose success
webhooks arrive ten times each, shuffled and at once. Numbers stay gapless and single, effects happen once."""

from __future__ import annotations

import random
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
import requests

from tests.e2e.conftest import (
    Api,
    CapturedDelivery,
    Mailbox,
    PaymentsApi,
    RunningStack,
    StripeEmulator,
    StripeWebhooks,
    checkouts_at_once,
    launched,
    order_form,
    pay_by_card,
    seq_of,
)
from welt.domain.verifactu import InvoiceType, RegistrationRecord, chain_breaks

pytestmark = pytest.mark.e2e

CHECKOUTS = 100
PAYMENTS = 20
DELIVERIES_EACH = 10
SEED = 20261130  # the shuffle is repeatable


def test_a_hundred_concurrent_checkouts_for_one_brand_get_a_hundred_consecutive_numbers(stack: RunningStack, dmo: Api, tag: str) -> None:
    before = dmo.highest_seq()
    forms = [order_form(f"{tag}-{i:03d}") for i in range(CHECKOUTS)]

    responses = checkouts_at_once(stack, "DMO", forms, tag, within=50)

    assert [r.status_code for r in responses] == [201] * CHECKOUTS, [r.text for r in responses if r.status_code != 201]
    numbers = [r.json()["order_number"] for r in responses]
    assert sorted(seq_of(n) for n in numbers) == list(range(before + 1, before + CHECKOUTS + 1)), "a gap or a twin"
    assert all(n.endswith("-DMO") for n in numbers)
    stored = {o["order_number"]: o["design"]["design_ref"] for o in dmo.all_orders(limit=100, q=tag)}
    assert stored == {n: f["design"]["design_ref"] for n, f in zip(numbers, forms, strict=True)}, (
        "an order was overwritten under another's number"
    )
    assert dmo.highest_seq() == before + CHECKOUTS


def deliver(webhooks: StripeWebhooks, delivery: CapturedDelivery, within: float = 30) -> int:
    """Post one delivery signed now, as Stripe does on each attempt; a connection dropped by the busy server is sent again."""
    deadline = time.monotonic() + within
    while True:
        try:
            return webhooks.send(delivery.body).status_code
        except requests.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def test_twenty_payments_each_told_ten_times_in_a_shuffle_take_twenty_invoice_numbers_and_send_twenty_emails(
    dmo: Api,
    dmo_pay: PaymentsApi,
    staff_pay: PaymentsApi,
    stripe_emulator: StripeEmulator,
    webhooks: StripeWebhooks,
    mailbox: Mailbox,
    tag: str,
) -> None:
    form = order_form(tag)
    numbers = [dmo.place(form)["order_number"] for _ in range(PAYMENTS)]
    payment_ids = [dmo_pay.create(number)["payment_id"] for number in numbers]
    with stripe_emulator.webhooks_withheld() as withheld:
        for payment_id in payment_ids:
            confirmed = dmo_pay.confirm(payment_id)
            assert confirmed.status_code == 200, confirmed.text
            assert confirmed.json()["status"] == "SUCCEEDED", confirmed.text
        successes = [withheld.wait_for("payment_intent.succeeded", payment_id) for payment_id in payment_ids]
    assert len({d.event["id"] for d in successes}) == PAYMENTS
    deliveries = successes * DELIVERIES_EACH
    random.Random(SEED).shuffle(deliveries)

    with ThreadPoolExecutor(max_workers=10) as pool:
        statuses = list(pool.map(lambda d: deliver(webhooks, d), deliveries))

    assert set(statuses) == {200}, {s: statuses.count(s) for s in set(statuses)}
    payments = [dmo_pay.settled(payment_id) for payment_id in payment_ids]
    launched(dmo, numbers)
    invoices = sorted(int(p["invoice_number"].rsplit("-", 1)[1]) for p in payments)
    assert invoices == list(range(invoices[0], invoices[0] + PAYMENTS)), f"not 20 consecutive: {invoices}"
    emails = mailbox.about(form["billing"]["email"], "Payment received", count=PAYMENTS, within=20)
    assert len(emails) == PAYMENTS, f"{len(emails)} payment emails for {PAYMENTS} payments"
    # No number was taken and dropped after the last one either: the next payment gets the very next number.
    following = pay_by_card(dmo_pay, dmo, dmo.place(order_form(f"{tag}-next"))["order_number"])
    assert int(following["invoice_number"].rsplit("-", 1)[1]) == invoices[-1] + 1
    assert len(mailbox.about(form["billing"]["email"], "Payment received", count=PAYMENTS + 1, within=2)) == PAYMENTS, (
        "a payment email went out twice"
    )
    assert {n for e in emails for n in numbers if n in e["subject"]} == set(numbers)
    # Each of the twenty invoices left its VERI*FACTU record, and the whole chain recomputes from the records.
    chain = all_invoicing_records(staff_pay)
    assert chain_breaks([record_from(view) for view in chain]) == []
    recorded = [view["NumSerieFactura"] for view in chain]
    invoiced = [p["invoice_number"] for p in payments]
    assert sorted(n for n in recorded if n in invoiced) == sorted(invoiced) and len(recorded) == len(set(recorded))


def all_invoicing_records(staff_pay: PaymentsApi) -> list[dict[str, Any]]:
    """GET /admin/invoicing/records page by page, oldest first."""
    records: list[dict[str, Any]] = []
    cursor = None
    while True:
        response = staff_pay.get("/admin/invoicing/records", params={"limit": 7, **({"cursor": cursor} if cursor else {})})
        assert response.status_code == 200, response.text
        page = response.json()
        records += page["records"]
        cursor = page["next_cursor"]
        if cursor is None:
            return records


def record_from(view: dict[str, Any]) -> RegistrationRecord:
    """A record as AEAT's field names show it, read back into the domain's record to recompute its Huella."""
    return RegistrationRecord(
        position=view["position"],
        issuer_nif=view["IDEmisorFactura"],
        invoice_number=view["NumSerieFactura"],
        issued_on=datetime.strptime(view["FechaExpedicionFactura"], "%d-%m-%Y").date(),
        invoice_type=InvoiceType(view["TipoFactura"]),
        vat_cents=round(Decimal(view["CuotaTotal"]) * 100),
        total_cents=round(Decimal(view["ImporteTotal"]) * 100),
        generated_at=datetime.fromisoformat(view["FechaHoraHusoGenRegistro"]),
        previous_fingerprint=view["HuellaAnterior"],
        fingerprint=view["Huella"],
        payment_id="",
    )
