"""IVA over HTTP on the local stack: what checkout shows is what the pay page shows and what Stripe charges,
and the invoice's QR code, read back from the PDF, names the invoice at AEAT."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.e2e.conftest import Api, PaymentsApi, StripeEmulator, StripeWebhooks, assert_problem, eventually, order_form, pay_by_card
from tests.e2e.test_load import all_invoicing_records, record_from
from tests.examples import BILLING, SHIPPING_ADDRESS
from tests.invoice_reading import page_text, qr_codes_in
from welt.domain.verifactu import chain_breaks

pytestmark = pytest.mark.e2e

ELCHE = {**SHIPPING_ADDRESS, "line1": "Carrer de Sant Jordi 4", "city": "Elche", "postal_code": "03203", "country": "ES"}
SPANISH_BUYER = {**BILLING, "name": "Taller Demo S.L.", "vat_id": "ESB03999992", "address": {**BILLING["address"], "country": "ES"}}
NEW_YORK = {**SHIPPING_ADDRESS, "city": "New York", "postal_code": "10001", "country": "US"}


def charged(dmo: Api, dmo_pay: PaymentsApi, stripe_emulator: StripeEmulator, form: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Check out and pay: the order's costs, and the settled payment, whose intent Stripe charged."""
    order = dmo.place(form)
    payment = pay_by_card(dmo_pay, dmo, order["order_number"])
    intent = stripe_emulator.intent(payment["stripe"]["payment_intent_id"])
    # The pay page shows the payment's summary; Stripe charged its total, not a cent more or less.
    assert intent["amount"] == payment["amount"] == payment["summary"]["total"] == order["costs"]["total"]
    return order["costs"], payment


def test_an_order_shipped_and_billed_in_spain_is_charged_net_plus_21_percent(
    dmo: Api, dmo_pay: PaymentsApi, stripe_emulator: StripeEmulator, tag: str
) -> None:
    costs, payment = charged(dmo, dmo_pay, stripe_emulator, order_form(tag, shipping_address=ELCHE, billing=SPANISH_BUYER))
    assert costs["vat_rate_percent"] == 21 and costs["vat_note"] is None
    assert costs["vat"] == (costs["net"] * 21 + 50) // 100 and costs["total"] == costs["net"] + costs["vat"]
    assert payment["summary"]["vat"] == costs["vat"]


def test_a_german_buyer_with_a_valid_vat_id_is_charged_the_net_with_the_art_25_note(
    dmo: Api, dmo_pay: PaymentsApi, stripe_emulator: StripeEmulator, tag: str
) -> None:
    costs, payment = charged(dmo, dmo_pay, stripe_emulator, order_form(tag))
    assert (costs["vat_rate_percent"], costs["vat"], costs["total"]) == (0, 0, costs["net"])
    assert "art. 25 Ley 37/1992" in costs["vat_note"]
    assert payment["summary"]["vat_note"] == costs["vat_note"]


def test_an_order_shipped_to_the_us_is_charged_the_net_with_the_export_note(
    dmo: Api, dmo_pay: PaymentsApi, stripe_emulator: StripeEmulator, tag: str
) -> None:
    costs, _ = charged(dmo, dmo_pay, stripe_emulator, order_form(tag, shipping_address=NEW_YORK))
    assert (costs["vat"], costs["total"]) == (0, costs["net"])
    assert "art. 21 Ley 37/1992" in costs["vat_note"]


def test_a_malformed_vat_id_is_422_on_the_field_and_places_nothing(dmo: Api, tag: str) -> None:
    form = order_form(tag, billing={**BILLING, "vat_id": "DE123456789"})
    problem = assert_problem(dmo.checkout(form), 422)
    assert [error["loc"] for error in problem["errors"]] == [["body", "billing", "vat_id"]]
    assert dmo.all_orders(q=tag) == []


def test_the_invoice_qr_code_read_from_the_pdf_names_the_invoice(
    dmo: Api, dmo_pay: PaymentsApi, stripe_emulator: StripeEmulator, tag: str
) -> None:
    costs, payment = charged(dmo, dmo_pay, stripe_emulator, order_form(tag, shipping_address=ELCHE, billing=SPANISH_BUYER))
    response = dmo_pay.get(f"/payments/{payment['payment_id']}/invoice", headers={"Accept": "application/pdf"})
    assert response.status_code == 200, response.text
    (scanned,) = qr_codes_in(response.content)
    query = parse_qs(urlsplit(scanned).query)
    assert query["nif"] == ["B03999992"] and query["numserie"] == [payment["invoice_number"]]
    assert query["importe"] == [f"{costs['total'] / 100:.2f}"]
    text = page_text(response.content)
    assert "VERI*FACTU" in text and "IVA 21%" in text and "ESB03999992" in text


def test_a_refund_leaves_a_rectifying_invoice_and_its_record_in_the_chain(
    dmo: Api, dmo_pay: PaymentsApi, staff_pay: PaymentsApi, stripe_emulator: StripeEmulator, webhooks: StripeWebhooks, tag: str
) -> None:
    costs, payment = charged(dmo, dmo_pay, stripe_emulator, order_form(tag, shipping_address=ELCHE, billing=SPANISH_BUYER))
    (charge,) = stripe_emulator.charges_for([payment["stripe"]["payment_intent_id"]])
    stripe_emulator.refund(charge["id"], payment["amount"])
    response = webhooks.send(StripeWebhooks.event("charge.refunded", stripe_emulator.charge(charge["id"])))
    assert response.status_code == 200, response.text

    (rectifying,) = dmo_pay.payment(payment["payment_id"])["rectifying_invoices"]
    assert rectifying.startswith("RECT-")
    chain = all_invoicing_records(staff_pay)
    (record,) = [view for view in chain if view["NumSerieFactura"] == rectifying]
    assert (record["TipoFactura"], record["corrects"]) == ("R1", payment["invoice_number"])
    assert record["ImporteTotal"] == f"-{costs['total'] / 100:.2f}" and record["CuotaTotal"] == f"-{costs['vat'] / 100:.2f}"
    assert chain_breaks([record_from(view) for view in chain]) == []


def test_the_rectifying_invoice_is_a_pdf_whose_qr_names_it_and_aeat_accepts_its_record(
    dmo: Api,
    dmo_pay: PaymentsApi,
    brk_pay: PaymentsApi,
    staff_pay: PaymentsApi,
    stripe_emulator: StripeEmulator,
    webhooks: StripeWebhooks,
    tag: str,
) -> None:
    _, payment = charged(dmo, dmo_pay, stripe_emulator, order_form(tag, shipping_address=ELCHE, billing=SPANISH_BUYER))
    (charge,) = stripe_emulator.charges_for([payment["stripe"]["payment_intent_id"]])
    stripe_emulator.refund(charge["id"], 6050)
    assert webhooks.send(StripeWebhooks.event("charge.refunded", stripe_emulator.charge(charge["id"]))).status_code == 200
    (rectifying,) = dmo_pay.payment(payment["payment_id"])["rectifying_invoices"]
    listed = dmo_pay.get(f"/payments/{payment['payment_id']}/rectifying-invoices").json()["rectifying_invoices"]
    assert [(r["number"], r["corrects"], r["total"]) for r in listed] == [(rectifying, payment["invoice_number"], -6050)]

    path = f"/payments/{payment['payment_id']}/rectifying-invoices/{rectifying}"
    response = dmo_pay.get(path, headers={"Accept": "application/pdf"})
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == "application/pdf"
    assert f'filename="{rectifying}.pdf"' in response.headers["Content-Disposition"]
    (scanned,) = qr_codes_in(response.content)
    query = parse_qs(urlsplit(scanned).query)
    assert (query["nif"], query["numserie"], query["importe"]) == (["B03999992"], [rectifying], ["-60.50"])
    text = page_text(response.content)
    assert "VERI*FACTU" in text and "ESB03999992" in text and "IVA 21%" in text and "EUR -60.50" in text
    assert f"Rectifies invoice {payment['invoice_number']}" in text
    assert_problem(brk_pay.get(path), 404)
    assert_problem(dmo_pay.get(f"/payments/{payment['payment_id']}/rectifying-invoices/RECT-2000-000001"), 404)
    record = eventually(
        lambda: next(v for v in all_invoicing_records(staff_pay) if v["NumSerieFactura"] == rectifying),
        lambda view: view["submission_state"] != "PENDING",
        40,
        "AEAT's answer on the rectifying invoice",
    )
    assert record["submission_state"] == "Correcto"
