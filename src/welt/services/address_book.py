"""A brand's saved shipping addresses: listed, added once per Idempotency-Key, replaced and removed.

The addresses live on the brand's own item, so each change is one write at the version the brand was read at;
a change that loses a race with another change to the brand (an order numbered, a stamp status) is redone on the
brand as it now is. Only the brand's own users see or change them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from welt.domain.addresses import ShippingAddress
from welt.domain.brand import Brand, SavedAddress
from welt.domain.errors import FieldProblem, IdempotencyKeyReusedError, NotFoundError
from welt.domain.text import ShortText, Strict
from welt.services.callers import Caller, brand_of
from welt.services.changes import until_applied
from welt.services.orders import OrderDesk
from welt.services.ports import Transaction
from welt.services.resources import SavedAddressList, SavedAddressResource, saved_address_resource


class AddressForm(Strict):
    """A shipping address to keep, and the brand's name for it."""

    label: ShortText
    address: ShippingAddress


def list_addresses(desk: OrderDesk, caller: Caller) -> SavedAddressList:
    return _address_list(brand_of(desk.brands, caller))


def _address_list(brand: Brand) -> SavedAddressList:
    return {"addresses": [saved_address_resource(saved) for saved in brand.addresses]}


def save_address(desk: OrderDesk, caller: Caller, form: AddressForm, idempotency_key: str) -> SavedAddressResource:
    """Keep a new address; the same key again (a retry) answers the address it kept, whatever happened in between."""
    digest = hashlib.sha256(f"{caller.brand}\x00{idempotency_key}".encode()).hexdigest()
    saved = SavedAddress(id=f"A{digest[:12]}", label=form.label, address=form.address)

    def keep(brand: Brand) -> Brand:
        kept = brand.saved_address(saved.id)
        if kept is not None and kept != saved:
            raise IdempotencyKeyReusedError(
                "This Idempotency-Key was already used for a different address.",
                [FieldProblem(("header", "Idempotency-Key"), "use a new key for a new address")],
            )
        return brand if kept else brand.with_saved_address(saved)

    _change(desk, caller, keep)
    return saved_address_resource(saved)


def replace_address(desk: OrderDesk, caller: Caller, address_id: str, form: AddressForm) -> SavedAddressResource:
    def replace(brand: Brand) -> Brand:
        kept = _existing(brand, address_id)
        return brand.with_saved_address(kept.model_copy(update={"label": form.label, "address": form.address}))

    changed = _change(desk, caller, replace)
    return saved_address_resource(_existing(changed, address_id))


def remove_address(desk: OrderDesk, caller: Caller, address_id: str) -> SavedAddressList:
    """The address removed; the addresses the brand still keeps, as the removal left them."""

    def remove(brand: Brand) -> Brand:
        _existing(brand, address_id)
        return brand.without_address(address_id)

    return _address_list(_change(desk, caller, remove))


def _existing(brand: Brand, address_id: str) -> SavedAddress:
    saved = brand.saved_address(address_id)
    if saved is None:
        raise NotFoundError(f"No saved address {address_id[:20]}.")
    return saved


def _change(desk: OrderDesk, caller: Caller, change: Callable[[Brand], Brand]) -> Brand:
    """`change` applied to the brand as it is now, redone if another change to the brand commits first."""

    def attempt() -> Brand:
        brand = brand_of(desk.brands, caller)
        changed = change(brand)
        desk.store.commit(Transaction().brand(changed, brand))
        return changed

    return until_applied(attempt, f"Brand {caller.brand}")
