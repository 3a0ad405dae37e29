"""Orders, brands and the order life cycle.

Every change to an order goes through a method here: it checks the transition applies,
bumps `version` and appends a timeline event, so storage only has to write conditionally.
"""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictInt,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from welt.domain.countries import COUNTRY_CODES
from welt.domain.errors import StateConflictError
from welt.domain.postcodes import postcode_problem
from welt.domain.text import OptionalShortText, OptionalText, PostalCode, ShortText, Text, clean_text
from welt.domain.vat import RULES as VAT_RULES
from welt.domain.vat import VatRule, VatTreatment, vat_id_problem, vat_on, vat_rule

BRAND_CODE = re.compile(r"^[A-Z]{3}$")
ORDER_NUMBER = re.compile(r"^(\d{5,12})-([A-Z]{3})$")
EU_SIZE = re.compile(r"^EU(3[5-9]|4[0-7])(\.5)?$|^EU48$")


class OrderType(StrEnum):
    MTO = "MTO"
    MINI_BULK = "MINI_BULK"
    BULK = "BULK"


class Labeling(StrEnum):
    UNLABELED = "UNLABELED"
    CUSTOM_STAMPS = "CUSTOM_STAMPS"


class StampStatus(StrEnum):
    NONE = "NONE"
    IN_DEVELOPMENT = "IN_DEVELOPMENT"
    READY = "READY"


class OrderStatus(StrEnum):
    PENDING_PAYMENT = "PENDING_PAYMENT"
    WORK_IN_PROCESS = "WORK_IN_PROCESS"
    SHIPPED = "SHIPPED"
    DELIVERED = "DELIVERED"
    CANCELLED = "CANCELLED"


class PaymentStatus(StrEnum):
    UNPAID = "UNPAID"
    PROCESSING = "PROCESSING"
    PAID = "PAID"
    PARTIALLY_REFUNDED = "PARTIALLY_REFUNDED"
    REFUNDED = "REFUNDED"


class ProductionStage(StrEnum):
    AWAITING_STAMPS = "AWAITING_STAMPS"
    CUTTING = "CUTTING"
    STITCHING = "STITCHING"
    LASTING = "LASTING"
    FINISHING = "FINISHING"
    PACKING = "PACKING"
    READY_TO_SHIP = "READY_TO_SHIP"


def _iso_country(code: str) -> str:
    if code not in COUNTRY_CODES:
        raise ValueError(f"{code} is not an ISO 3166-1 alpha-2 country code")
    return code


Country = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$"), AfterValidator(_iso_country)]


# Validation context for data read back from storage: it was checked on the way in, and a rule tightened since
# (plain email addresses) must not make an order placed before it unreadable.
STORED: dict[str, bool] = {"stored": True}


def _plain_address(text: str, info: ValidationInfo) -> str:
    """One bare address (RFC 5322 addr-spec), stored normalized; the factory mails it, so nothing else may ride along."""
    if (info.context or {}).get("stored"):
        return text
    from email_validator import EmailNotValidError, validate_email  # loaded with the first address checked

    try:
        # No display name ("X" <a@b>), no list, no quoted local part, no IP literal; SES needs an ASCII local part.
        checked = validate_email(text.strip(" "), check_deliverability=False, allow_smtputf8=False, allow_display_name=False)
    except EmailNotValidError:
        raise PydanticCustomError("plain_email", "must be one plain email address such as name@example.com") from None
    return checked.normalized


Email = Annotated[str, StringConstraints(max_length=254), AfterValidator(_plain_address)]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, max_length=32, pattern=r"^\+?[0-9 ()./-]{5,}$")]


class Strict(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)


class Materials(Strict):
    upper: Text
    lining: Text
    sole: Text


class Design(Strict):
    model: Text
    materials: Materials
    design_ref: OptionalShortText = None


class SizeLine(Strict):
    size: str
    pairs: StrictInt = Field(ge=1, le=5000)  # a number, never "1" or true

    @field_validator("size")
    @classmethod
    def _eu_size(cls, value: str) -> str:
        if not EU_SIZE.fullmatch(value):
            raise ValueError("must be an EU size from EU35 to EU48, half sizes as EU42.5")
        return value


class SizeRun(BaseModel):
    """The pairs of one design, by size; each size at most once."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    lines: list[SizeLine] = Field(min_length=1, max_length=27)

    @field_validator("lines")
    @classmethod
    def _each_size_once(cls, lines: list[SizeLine]) -> list[SizeLine]:
        sizes = [line.size for line in lines]
        if len(set(sizes)) != len(sizes):
            raise ValueError("each size may appear only once")
        return lines

    @property
    def pairs(self) -> int:
        return sum(line.pairs for line in self.lines)


# What a person sends is held to today's rules; what is stored is read as it was written. Postcode formats follow
# Google's address data and may tighten with an upgrade: an order stored under an older format must stay readable.
# Request bodies are validated with this context (entrypoints.http), the operators' command line too.
AS_SENT: dict[str, bool] = {"as_sent": True}


def _postcode_of_the_country(value: str, info: ValidationInfo) -> str:
    """A postcode in its country's shape (an address whose country was refused is not checked twice)."""
    if not (info.context or {}).get("as_sent"):
        return value
    country = info.data.get("country")
    problem = postcode_problem(country, value) if country else None
    if problem:
        raise PydanticCustomError("postcode_format", problem)
    return value


CountrysPostcode = Annotated[
    PostalCode,
    AfterValidator(_postcode_of_the_country),
    Field(description="In the shape the country gives postcodes (Google's address data); otherwise 422 with an example."),
]


class ShippingAddress(Strict):
    name: Text
    company: OptionalText = None
    line1: Text
    line2: OptionalText = None
    city: Text
    # The country comes before the postcode: the postcode's shape is checked against it.
    country: Country
    postal_code: CountrysPostcode
    region: OptionalText = None
    phone: Phone
    email: Email


# A brand keeps its usual shipping addresses to choose at checkout: a handful of stores and warehouses, so a cap that
# keeps the brand's item small (DynamoDB items stop at 400 KB) and the checkout's list short.
MAX_SAVED_ADDRESSES = 50


class SavedAddress(Strict):
    """A shipping address the brand keeps, under a name of its own ("Berlin store")."""

    id: Annotated[str, StringConstraints(pattern=r"^A[0-9a-f]{12}$")]
    label: ShortText
    address: ShippingAddress


class PostalAddress(Strict):
    line1: Text
    line2: OptionalText = None
    city: Text
    country: Country
    postal_code: CountrysPostcode
    region: OptionalText = None


class Billing(Strict):
    name: Text
    company: OptionalText = None
    vat_id: Annotated[str, StringConstraints(strip_whitespace=True, max_length=32), AfterValidator(clean_text)] | None = None
    email: Email
    address: PostalAddress

    @field_validator("vat_id")
    @classmethod
    def _vat_id_well_formed(cls, value: str | None) -> str | None:
        """Format and check digits of the member state's VAT ID (VIES, asked later, says whether it is registered)."""
        if not value:
            return None
        problem = vat_id_problem(value)
        if problem:
            raise ValueError(problem)
        return value.upper().replace(" ", "")


class Costs(BaseModel):
    """What an order costs: the net (manufacturing + shipping + customization), its IVA and the total charged."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    manufacturing: int
    shipping: int
    customization: int
    net: int
    vat_rate_percent: int
    vat: int
    # The legal reason, in words, whenever no IVA is charged.
    vat_note: str | None
    total: int
    currency: str = "EUR"
    # Which rule set the IVA (None on orders stored before IVA was charged: priced again from their addresses).
    vat_treatment: VatTreatment | None = None

    @classmethod
    def priced(cls, manufacturing: int, shipping: int, customization: int, rule: VatRule, currency: str) -> Costs:
        net = manufacturing + shipping + customization
        vat = vat_on(net, rule.rate_percent)
        return cls(
            manufacturing=manufacturing,
            shipping=shipping,
            customization=customization,
            net=net,
            vat_rate_percent=int(rule.rate_percent),
            vat=vat,
            vat_note=rule.note,
            total=net + vat,
            currency=currency,
            vat_treatment=rule.treatment,
        )

    @model_validator(mode="before")
    @classmethod
    def _priced_before_vat(cls, stored: Any) -> Any:
        """Orders stored before IVA was charged kept their total as the net, with no IVA on it."""
        if isinstance(stored, dict) and "net" not in stored:
            return {**stored, "net": stored["total"], "vat_rate_percent": 0, "vat": 0, "vat_note": None}
        return stored


class TimelineEvent(BaseModel):
    """One change in an order's life; `version` is the order version it produced, which orders the timeline."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    at: datetime
    actor: str
    type: str
    details: dict[str, Any] = Field(default_factory=dict)
    version: int = 0


class Tracking(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True)

    carrier: str
    tracking_number: str
    tracking_url: str | None = None
    shipped_at: datetime


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
    version: int = 1

    def _next(self, **changes: Any) -> Brand:
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

    def stamps_made(self) -> Brand:
        return self if self.stamps_status is StampStatus.READY else self._next(stamps_status=StampStatus.READY)

    @property
    def stamps_ready(self) -> bool:
        return self.stamps_status is StampStatus.READY

    def with_details(self, **details: Any) -> Brand:
        """Names, VAT ID, contact or billing address changed by staff (the same object when nothing changes)."""
        changed = {name: value for name, value in details.items() if getattr(self, name) != value}
        return self._next(**changed) if changed else self

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


def order_number(brand: str, seq: int) -> str:
    return f"{seq:05d}-{brand}"


def parse_order_number(text: str) -> tuple[str, int] | None:
    """`00042-DMO` -> ("DMO", 42); anything else -> None."""
    match = ORDER_NUMBER.fullmatch(text)
    if not match:
        return None
    brand, seq = match.group(2), int(match.group(1))
    # One spelling per order: 000042-DMO is not another name for 00042-DMO.
    return (brand, seq) if seq > 0 and order_number(brand, seq) == text else None


class Order(BaseModel):
    """One order: one design, one size run, one shipment."""

    model_config = ConfigDict(defer_build=True)

    brand: str
    seq: int
    type: OrderType
    status: OrderStatus = OrderStatus.PENDING_PAYMENT
    payment_status: PaymentStatus = PaymentStatus.UNPAID
    production_stage: ProductionStage | None = None
    design: Design
    sizes: list[SizeLine]
    labeling: Labeling
    shipping_address: ShippingAddress
    billing: Billing
    costs: Costs
    shipping_group_id: str | None = None
    version: int = 1
    created_at: datetime
    updated_at: datetime
    wip_started_at: datetime | None = None
    # When the order reached its current production stage: where its expected ship date counts from.
    stage_entered_at: datetime | None = None
    tracking: Tracking | None = None
    payment_id: str | None = None
    invoice_number: str | None = None
    # The events of the change being made, written as timeline items beside the order; never stored in it.
    new_events: list[TimelineEvent] = Field(default_factory=list, exclude=True)

    @model_validator(mode="after")
    def _number_is_valid(self) -> Order:
        if not BRAND_CODE.fullmatch(self.brand) or self.seq < 1:
            raise ValueError("an order needs a brand code and a positive sequence number")
        return self

    @classmethod
    def place(
        cls,
        *,
        at: datetime,
        actor: str,
        brand: str,
        seq: int,
        type: OrderType,
        design: Design,
        sizes: list[SizeLine],
        labeling: Labeling,
        shipping_address: ShippingAddress,
        billing: Billing,
        costs: Costs,
    ) -> Order:
        """A new order at checkout, its timeline opened with the costs it was placed at. Every field is named, so a
        field added to the order is a type error at each place that makes one until it is given."""
        order = cls(
            created_at=at,
            updated_at=at,
            version=0,
            brand=brand,
            seq=seq,
            type=type,
            design=design,
            sizes=sizes,
            labeling=labeling,
            shipping_address=shipping_address,
            billing=billing,
            costs=costs,
        )
        return order._record(at, actor, "CREATED", {"costs": order.costs.model_dump()})

    @property
    def order_number(self) -> str:
        return order_number(self.brand, self.seq)

    @property
    def pairs(self) -> int:
        return sum(line.pairs for line in self.sizes)

    def days_in_production(self, now: datetime) -> int | None:
        """Days from launch to shipping (or to now while still in the factory)."""
        if self.wip_started_at is None:
            return None
        until = self.tracking.shipped_at if self.tracking else now
        return max(0, (until - self.wip_started_at).days)

    def vat_rule(self) -> VatRule:
        """The IVA rule the order was priced under (orders priced before IVA: by their addresses, VAT ID unconfirmed)."""
        if self.costs.vat_treatment is not None:
            return VAT_RULES[self.costs.vat_treatment]
        return vat_rule(self.shipping_address.country, self.shipping_address.postal_code, self.billing.vat_id, None)

    @property
    def is_editable(self) -> bool:
        return self.status is OrderStatus.PENDING_PAYMENT and self.payment_status is PaymentStatus.UNPAID and self.shipping_group_id is None

    def _ensure_editable(self, action: str) -> None:
        if self.is_editable:
            return
        if self.status is not OrderStatus.PENDING_PAYMENT:
            reason = f"it is {self.status.value}"
        elif self.payment_status is not PaymentStatus.UNPAID:
            reason = f"its payment is {self.payment_status.value}"
        else:
            reason = f"it is in shipping group {self.shipping_group_id}"
        raise StateConflictError(f"Order {self.order_number} cannot be {action}: {reason}.")

    def _record(self, at: datetime, actor: str, event_type: str, details: dict[str, Any]) -> Order:
        version = self.version + 1
        event = TimelineEvent(at=at, actor=actor, type=event_type, details=details, version=version)
        return self.model_copy(update={"version": version, "updated_at": at, "new_events": [*self.new_events, event]})

    def revise(self, changes: dict[str, Any], costs: Costs, at: datetime, actor: str) -> Order:
        """Apply a brand's edit (fields already validated) with freshly computed costs."""
        self._ensure_editable("edited")
        revised = self.model_copy(update={**changes, "costs": costs})
        return revised._record(at, actor, "EDITED", {"fields": sorted(changes)})

    def cancel(self, at: datetime, actor: str) -> Order:
        self._ensure_editable("cancelled")
        cancelled = self.model_copy(update={"status": OrderStatus.CANCELLED})
        return cancelled._record(at, actor, "CANCELLED", {})

    def payable_problem(self, shipping_group_id: str | None) -> str | None:
        """Why this order cannot be paid (alone, or as part of `shipping_group_id`), or None."""
        if self.status is not OrderStatus.PENDING_PAYMENT:
            return f"order {self.order_number} is {self.status.value}"
        if self.payment_status is not PaymentStatus.UNPAID:
            return f"order {self.order_number} has a payment {self.payment_status.value}"
        if self.shipping_group_id != shipping_group_id:
            if self.shipping_group_id is None:
                return f"order {self.order_number} is not in shipping group {shipping_group_id}"
            return f"order {self.order_number} is in shipping group {self.shipping_group_id}: pay the group"
        return None

    def lock_for_payment(self, payment_id: str, shipping_group_id: str | None, at: datetime, actor: str) -> Order:
        """A payment is under way: the order is frozen until it succeeds, fails or is abandoned."""
        if self.holds_payment(payment_id):
            return self  # already held by this payment (a retried attempt, or a release that never ran)
        problem = self.payable_problem(shipping_group_id)
        if problem:
            raise StateConflictError(f"Order {self.order_number} cannot be paid: {problem}.")
        locked = self.model_copy(update={"payment_status": PaymentStatus.PROCESSING, "payment_id": payment_id})
        return locked._record(at, actor, "PAYMENT_STARTED", {"payment_id": payment_id})

    @property
    def open_payment_id(self) -> str | None:
        """The payment in progress that locks this order, if any: the buyer finishes or cancels it."""
        return self.payment_id if self.payment_status is PaymentStatus.PROCESSING else None

    def holds_payment(self, payment_id: str) -> bool:
        return self.payment_status is PaymentStatus.PROCESSING and self.payment_id == payment_id

    def release_payment(self, payment_id: str, reason: str, at: datetime, actor: str) -> Order:
        """The payment failed or was abandoned: the order is unpaid and editable again."""
        if not self.holds_payment(payment_id):
            raise StateConflictError(f"Order {self.order_number} is not held by payment {payment_id}.")
        released = self.model_copy(update={"payment_status": PaymentStatus.UNPAID, "payment_id": None})
        return released._record(at, actor, "PAYMENT_RELEASED", {"payment_id": payment_id, "reason": reason})

    def launch_to_production(
        self, payment_id: str, invoice_number: str, stamps_ready: bool, stamp_fee_paid: int, at: datetime, actor: str
    ) -> Order:
        """Paid: production starts, at the stamps if the brand's are not ready yet.

        `stamp_fee_paid` is the stamp fee this order carried in its payment (0 for all but one order),
        so the order shows what was charged, not the fee it was quoted while the brand had no stamps.
        """
        if not self.holds_payment(payment_id) or self.status is not OrderStatus.PENDING_PAYMENT:
            raise StateConflictError(f"Order {self.order_number} is not waiting for payment {payment_id}.")
        waits = self.labeling is Labeling.CUSTOM_STAMPS and not stamps_ready
        stage = ProductionStage.AWAITING_STAMPS if waits else ProductionStage.CUTTING
        costs = Costs.priced(self.costs.manufacturing, self.costs.shipping, stamp_fee_paid, self.vat_rule(), self.costs.currency)
        launched = self.model_copy(
            update={
                "status": OrderStatus.WORK_IN_PROCESS,
                "payment_status": PaymentStatus.PAID,
                "production_stage": stage,
                "wip_started_at": at,
                "stage_entered_at": at,
                "invoice_number": invoice_number,
                "costs": costs,
            }
        )
        details = {"payment_id": payment_id, "invoice_number": invoice_number, "production_stage": stage.value}
        return launched._record(at, actor, "LAUNCHED_TO_PRODUCTION", details)

    def record_refund(self, refunded: PaymentStatus, at: datetime, actor: str) -> Order:
        """Refund state only moves forward: PAID, PARTIALLY_REFUNDED, REFUNDED."""
        order_of = [PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED]
        if self.payment_status not in order_of or order_of.index(refunded) <= order_of.index(self.payment_status):
            raise StateConflictError(f"Order {self.order_number} cannot move from {self.payment_status.value} to {refunded.value}.")
        updated = self.model_copy(update={"payment_status": refunded})
        return updated._record(at, actor, "REFUNDED", {"payment_status": refunded.value})

    def release_from_stamps(self, at: datetime, actor: str) -> Order:
        """The brand's stamps are ready: an order waiting for them moves on to cutting."""
        if self.production_stage is not ProductionStage.AWAITING_STAMPS:
            raise StateConflictError(f"Order {self.order_number} is not waiting for stamps.")
        moved = self.model_copy(update={"production_stage": ProductionStage.CUTTING, "stage_entered_at": at})
        return moved._record(at, actor, "STAGE_CHANGED", {"from": "AWAITING_STAMPS", "to": "CUTTING", "reason": "stamps ready"})

    def join_group(self, group: str, at: datetime, actor: str) -> Order:
        self._ensure_editable("grouped")
        joined = self.model_copy(update={"shipping_group_id": group})
        return joined._record(at, actor, "GROUPED", {"shipping_group_id": group})

    def leave_group(self, group: str, at: datetime, actor: str) -> Order:
        if self.shipping_group_id != group or self.payment_status is not PaymentStatus.UNPAID:
            raise StateConflictError(f"Order {self.order_number} is not an unpaid order of shipping group {group}.")
        left = self.model_copy(update={"shipping_group_id": None})
        return left._record(at, actor, "UNGROUPED", {"shipping_group_id": group})

    def move_to_stage(self, stage: ProductionStage, stamps_ready: bool, at: datetime, actor: str) -> Order:
        """Staff move a paid order forward through production, never backwards, never past missing stamps."""
        if self.status is not OrderStatus.WORK_IN_PROCESS or self.production_stage is None:
            raise StateConflictError(f"Order {self.order_number} is {self.status.value}, not in production.")
        stages = list(ProductionStage)
        current = stages.index(self.production_stage)
        if stages.index(stage) < current:
            raise StateConflictError(
                f"Order {self.order_number} is at {self.production_stage.value}; production never goes back to {stage.value}."
            )
        if stage is self.production_stage:
            return self
        if self.production_stage is ProductionStage.AWAITING_STAMPS and not stamps_ready:
            raise StateConflictError(f"Order {self.order_number} waits for the brand's custom stamps; mark them READY first.")
        moved = self.model_copy(update={"production_stage": stage, "stage_entered_at": at})
        details = {"from": self.production_stage.value, "to": stage.value}
        return moved._record(at, actor, "STAGE_CHANGED", details)

    def ship(self, tracking: Tracking, at: datetime, actor: str) -> Order:
        if self.status is not OrderStatus.WORK_IN_PROCESS or self.production_stage is not ProductionStage.READY_TO_SHIP:
            where = self.production_stage.value if self.production_stage else self.status.value
            raise StateConflictError(f"Order {self.order_number} is not ready to ship (it is {where}).")
        shipped = self.model_copy(update={"status": OrderStatus.SHIPPED, "tracking": tracking})
        return shipped._record(at, actor, "SHIPPED", tracking.model_dump(mode="json"))

    def deliver(self, at: datetime, actor: str) -> Order:
        if self.status is not OrderStatus.SHIPPED:
            raise StateConflictError(f"Order {self.order_number} is {self.status.value}, not SHIPPED.")
        delivered = self.model_copy(update={"status": OrderStatus.DELIVERED})
        return delivered._record(at, actor, "DELIVERED", {})
