"""IVA through checkout and payment, on fakes: what is shown is what Stripe is asked to charge."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from pydantic import ValidationError

from tests.examples import BILLING, SHIPPING_ADDRESS, checkout
from tests.fakes import FakeStripe
from welt.domain.errors import StateConflictError
from welt.domain.vat import VatIdCheck
from welt.services import orders, payments, shipping_groups
from welt.services.orders import Caller, Checkout, OrderDesk, OrderEdit
from welt.services.payments import PaymentDesk, PaymentRequest
from welt.services.resources import OrderResource, PaymentResource

DMO = Caller(subject="u1", brand="DMO", staff=False)
ELCHE = {**SHIPPING_ADDRESS, "line1": "Carrer de Sant Jordi 4", "city": "Elche", "postal_code": "03203", "country": "ES"}
SPANISH_BUYER = {**BILLING, "name": "Demo Atelier S.L.", "vat_id": "ESB03999992", "address": {**BILLING["address"], "country": "ES"}}
NEW_YORK = {**SHIPPING_ADDRESS, "city": "New York", "postal_code": "10001", "country": "US"}
TENERIFE = {**ELCHE, "city": "Santa Cruz de Tenerife", "postal_code": "38001"}


def place(desk: OrderDesk, key: str, **changes: Any) -> OrderResource:
    body = checkout(**changes)
    return orders.checkout(desk, DMO, Checkout.model_validate(body), key, body)


def pay(payment_desk: PaymentDesk, number: str) -> PaymentResource:
    request = PaymentRequest(order_numbers=[number])
    return payments.start_payment(payment_desk, DMO, request, f"pay-{number}", request.model_dump())


def pay_together(desk: OrderDesk, payment_desk: PaymentDesk, *numbers: str) -> PaymentResource:
    group = shipping_groups.create_group(desk, DMO, shipping_groups.NewGroup(order_numbers=list(numbers)))
    request = PaymentRequest(shipping_group_id=group["shipping_group_id"])
    return payments.start_payment(payment_desk, DMO, request, f"pay-{group['shipping_group_id']}", request.model_dump())


def test_an_order_shipped_and_billed_in_spain_is_charged_net_plus_21_percent(desk: OrderDesk, payment_desk: PaymentDesk) -> None:
    order = place(desk, "es", shipping_address=ELCHE, billing=SPANISH_BUYER)
    costs = order["costs"]
    assert costs["vat_rate_percent"] == 21 and costs["vat_note"] is None
    assert costs["vat"] == (costs["net"] * 21 + 50) // 100
    assert costs["total"] == costs["net"] + costs["vat"]
    payment = pay(payment_desk, order["order_number"])
    assert payment["amount"] == payment["summary"]["total"] == costs["total"]
    assert payment["summary"]["vat"] == costs["vat"]


def test_a_german_buyer_with_a_confirmed_vat_id_is_charged_the_net_under_art_25(desk: OrderDesk, payment_desk: PaymentDesk) -> None:
    order = place(desk, "de")
    assert order["costs"]["vat"] == 0 and order["costs"]["total"] == order["costs"]["net"]
    assert "art. 25" in str(order["costs"]["vat_note"])
    assert pay(payment_desk, order["order_number"])["amount"] == order["costs"]["net"]


@pytest.mark.parametrize("vat_id", ["DE111111125", "FR40303265045", None])
def test_an_eu_buyer_vies_does_not_confirm_pays_iva(desk: OrderDesk, vat_id: str | None) -> None:
    # DE111111125: VIES does not know it; FR40303265045: VIES cannot answer for France; None: no VAT ID.
    order = place(desk, f"eu-{vat_id}", billing={**BILLING, "vat_id": vat_id})
    assert order["costs"]["vat_rate_percent"] == 21 and order["costs"]["vat"] > 0


@pytest.mark.parametrize("address", [NEW_YORK, TENERIFE])
def test_exports_are_charged_the_net_under_art_21(desk: OrderDesk, address: dict[str, Any]) -> None:
    order = place(desk, address["city"], shipping_address=address)
    assert order["costs"]["vat"] == 0 and "art. 21" in str(order["costs"]["vat_note"])


@pytest.mark.parametrize("vat_id", ["DE123456789", "ES12345", "GB980780684"])
def test_a_malformed_vat_id_is_refused_on_the_field(vat_id: str) -> None:
    with pytest.raises(ValidationError) as refused:
        Checkout.model_validate(checkout(billing={**BILLING, "vat_id": vat_id}))
    assert [error["loc"] for error in refused.value.errors()] == [("billing", "vat_id")]


def test_changing_the_billing_prices_the_order_again(desk: OrderDesk) -> None:
    order = place(desk, "edit")
    edit = OrderEdit.model_validate({"billing": {**BILLING, "vat_id": None}})
    edited = orders.edit_order(desk, DMO, order["order_number"], edit, order["version"])
    assert edited["costs"]["vat_rate_percent"] == 21 and edited["costs"]["total"] > order["costs"]["total"]


def test_one_payment_is_one_buyer(desk: OrderDesk, payment_desk: PaymentDesk, stripe: FakeStripe) -> None:
    first = place(desk, "a")["order_number"]
    second = place(desk, "b", billing={**BILLING, "name": "Another Buyer GmbH"})["order_number"]
    with pytest.raises(StateConflictError, match="different buyers"):
        pay_together(desk, payment_desk, first, second)
    assert stripe.intents == {}


def test_one_payment_is_one_iva_treatment(desk: OrderDesk, payment_desk: PaymentDesk) -> None:
    confirmed = place(desk, "a")["order_number"]
    # The same buyer, at a moment VIES could not answer: that order carries IVA, the first does not.
    vies_down = place(replace(desk, vat_registry=VIESDown()), "b")["order_number"]
    with pytest.raises(StateConflictError, match="different IVA treatments"):
        pay_together(desk, payment_desk, confirmed, vies_down)


class VIESDown:
    def check(self, vat_id: str) -> VatIdCheck:
        return VatIdCheck.UNCONFIRMED
