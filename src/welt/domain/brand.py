"""A brand in the registry: who they are, where their stamps stand, and its order and group counters."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, TypedDict, Unpack

from pydantic import (
    BaseModel,
    ConfigDict,
    StringConstraints,
)

from welt.domain.addresses import Billing, PostalAddress, ShippingAddress
from welt.domain.errors import StateConflictError
from welt.domain.stamps import StampWork
from welt.domain.statuses import Labeling, StampStatus
from welt.domain.text import ShortText, Strict

BRAND_CODE = re.compile(r"^[A-Z]{3}$")


# A brand keeps its usual shipping addresses to choose at checkout: a handful of stores and warehouses, so a cap that
# keeps the brand's item small (DynamoDB items stop at 400 KB) and the checkout's list short.
MAX_SAVED_ADDRESSES = 50


class SavedAddress(Strict):
    """A shipping address the brand keeps, under a name of its own ("Berlin store")."""

    id: Annotated[str, StringConstraints(pattern=r"^A[0-9a-f]{12}$")]
    label: ShortText
    address: ShippingAddress


class BrandDetails(TypedDict, total=False):
    """Who a brand is as a business, as staff may change it; a key left out stays as it is."""

    name: str
    legal_name: str | None
    vat_id: str | None
    contact_email: str | None
    billing_address: PostalAddress | None


class BrandChange(BrandDetails, total=False):
    """What one step of a brand's life changes: its details, counters, labeling, stamps or saved addresses."""

    last_order_seq: int
    last_group_seq: int
    labeling_default: Labeling | None
    stamps_status: StampStatus
    stamp_fee_payment_id: str | None
    addresses: list[SavedAddress]
    stamps: StampWork


class Brand(BaseModel):
    """A brand in the registry: who they are, where their stamps stand, and its order and group counters.

    Every change returns a new Brand one version on (or the same object when there is nothing to do),
    so storage only has to write it on the version it was read at.
    """

    model_config = ConfigDict(defer_build=True)

    code: str
    name: str
    labeling_default: Labeling | None = None
    stamps_status: StampStatus = StampStatus.NONE
    # The payment that is paying the one-time stamp fee right now (or did): only one may.
    stamp_fee_payment_id: str | None = None
    # The last order and shipping group numbers taken: the next checkout takes the one after, in the
    # same transaction as the order, so numbers have no gap and no twin.
    last_order_seq: int = 0
    last_group_seq: int = 0
    # Who the brand is as a business, set when staff register it: its billing details fill a checkout's
    # billing when the buyer sends none. Brands registered before registration existed have none.
    legal_name: str | None = None
    vat_id: str | None = None
    contact_email: str | None = None
    billing_address: PostalAddress | None = None
    registered_at: datetime | None = None
    addresses: list[SavedAddress] = []
    # The stamps' steps from the brand's artwork to the made stamps (welt.domain.stamps), with their record.
    stamps: StampWork = StampWork()
    version: int = 1

    def _next(self, **changes: Unpack[BrandChange]) -> Brand:
        return self.model_copy(update={**changes, "version": self.version + 1})

    def stamp_fee_due(self) -> bool:
        """Whether a payment with stamped orders still has to carry the stamp fee: until one with it succeeds.

        A payment holding the claim (`stamp_fee_payment_id`) does not excuse others: if it is abandoned,
        the next payment with stamped orders must still carry the fee, so they are priced with it and
        wait (409) while the claim is held.
        """
        return self.stamps_status is StampStatus.NONE

    def labeling_for(self, asked: Labeling | None) -> Labeling | None:
        """What an order is labeled with: what it asks for, else the brand's last choice (None on a first order)."""
        return asked if asked is not None else self.labeling_default

    def with_next_order(self, labeling: Labeling) -> tuple[Brand, int]:
        """Take the next order number; the order's labeling becomes the default of later orders."""
        return self._next(last_order_seq=self.last_order_seq + 1, labeling_default=labeling), self.last_order_seq + 1

    def with_next_group(self) -> tuple[Brand, int]:
        return self._next(last_group_seq=self.last_group_seq + 1), self.last_group_seq + 1

    def remember_labeling(self, labeling: Labeling) -> Brand:
        return self if self.labeling_default is labeling else self._next(labeling_default=labeling)

    def claim_stamp_fee(self, payment_id: str) -> Brand:
        """Only one payment at a time may carry the stamp fee; a second one must wait or start over."""
        if self.stamp_fee_payment_id == payment_id:
            return self
        if not self.stamp_fee_due():
            raise StateConflictError("The stamp fee is already paid; start a new payment without it.")
        if self.stamp_fee_payment_id is not None:
            raise StateConflictError(
                f"The one-time stamp fee is being paid by payment {self.stamp_fee_payment_id}; "
                "try again once it has completed (a new payment is then priced without the fee if it succeeded)."
            )
        return self._next(stamp_fee_payment_id=payment_id)

    def release_stamp_fee(self, payment_id: str) -> Brand:
        """The payment carrying the fee took no money: the next stamped payment may carry it."""
        if self.stamp_fee_payment_id != payment_id or self.stamps_status is not StampStatus.NONE:
            return self
        return self._next(stamp_fee_payment_id=None)

    def start_stamp_development(self, payment_id: str) -> Brand:
        """The stamp fee is paid: the factory starts making the brand's stamps."""
        if self.stamps_status is not StampStatus.NONE:
            return self
        return self._next(stamps_status=StampStatus.IN_DEVELOPMENT, stamp_fee_payment_id=payment_id)

    def stamps_made(self, at: datetime | None = None, actor: str = "staff") -> Brand:
        """The stamps are made; with `at`, the step is also recorded among the stamps' events."""
        if self.stamps_status is StampStatus.READY:
            return self
        return self._next(stamps_status=StampStatus.READY, stamps=self.stamps.made(at, actor) if at else self.stamps)

    def with_stamps(self, work: StampWork) -> Brand:
        return self if work is self.stamps else self._next(stamps=work)

    @property
    def stamps_ready(self) -> bool:
        return self.stamps_status is StampStatus.READY

    def with_details(self, **details: Unpack[BrandDetails]) -> Brand:
        """Names, VAT ID, contact or billing address changed by staff (the same object when nothing changes)."""
        if all(getattr(self, name) == value for name, value in details.items()):
            return self
        return self._next(**details)

    def saved_address(self, address_id: str) -> SavedAddress | None:
        return next((saved for saved in self.addresses if saved.id == address_id), None)

    def with_saved_address(self, saved: SavedAddress) -> Brand:
        """The address added, or put in place of the one with its id (the same object when nothing changes)."""
        kept = self.saved_address(saved.id)
        if kept == saved:
            return self
        if kept is None and len(self.addresses) >= MAX_SAVED_ADDRESSES:
            raise StateConflictError(f"A brand keeps at most {MAX_SAVED_ADDRESSES} addresses; remove one first.")
        addresses = [saved if other.id == saved.id else other for other in self.addresses]
        return self._next(addresses=addresses if kept else [*self.addresses, saved])

    def without_address(self, address_id: str) -> Brand:
        if self.saved_address(address_id) is None:
            return self
        return self._next(addresses=[saved for saved in self.addresses if saved.id != address_id])

    def billing(self) -> Billing | None:
        """What the brand is billed as by default: its legal name, VAT ID, contact and billing address."""
        if self.billing_address is None or self.contact_email is None:
            return None
        return Billing(
            name=self.legal_name or self.name,
            company=self.legal_name,
            vat_id=self.vat_id,
            email=self.contact_email,
            address=self.billing_address,
        )

    def public_view(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "labeling_default": self.labeling_default,
            "stamps_status": self.stamps_status,
            "legal_name": self.legal_name,
            "vat_id": self.vat_id,
            "contact_email": self.contact_email,
            "billing_address": self.billing_address.model_dump(mode="json") if self.billing_address else None,
        }
