"""Every field an edit form takes reaches the domain: a field added to a form and not to what the order or brand
takes is caught here (and by mypy in the domain's typed changes), not silently dropped."""

from __future__ import annotations

from tests.examples import BILLING, CHECKOUT
from welt.domain.brand import BrandDetails
from welt.domain.model import OrderChanges
from welt.services.onboarding import BrandChanges
from welt.services.orders import OrderEdit


def test_an_order_edit_with_every_field_changes_every_field() -> None:
    edit = OrderEdit.model_validate({name: CHECKOUT[name] for name in OrderEdit.model_fields})

    assert set(edit.changes()) == set(OrderEdit.model_fields) == set(OrderChanges.__annotations__)


def test_an_order_edit_leaves_out_what_it_was_not_sent() -> None:
    assert OrderEdit.model_validate({"labeling": "CUSTOM_STAMPS"}).changes() == {"labeling": "CUSTOM_STAMPS"}


def test_a_brand_edit_with_every_field_changes_every_field() -> None:
    changes = BrandChanges.model_validate(
        {
            "name": "Demo",
            "legal_name": "Demo Atelier GmbH",
            "vat_id": BILLING["vat_id"],
            "contact_email": "accounts@dmo.example",
            "billing_address": BILLING["address"],
        }
    )

    assert set(changes.details()) == set(BrandChanges.model_fields) == set(BrandDetails.__annotations__)


def test_a_brand_edit_sending_no_vat_id_removes_it() -> None:
    assert BrandChanges.model_validate({"vat_id": None}).details() == {"vat_id": None}
