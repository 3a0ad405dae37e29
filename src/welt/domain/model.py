"""Orders and their life cycle; the parts an order is made of have modules of their own, importable from here too.

Every change to an order goes through a method here: it checks the transition applies,
bumps `version` and appends a timeline event, so storage only has to write conditionally.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypedDict

from pydantic import BaseModel, ConfigDict, Field, model_validator

from welt.domain.addresses import STORED, Billing, Country, Email, PostalAddress, ShippingAddress
from welt.domain.brand import BRAND_CODE, Brand
from welt.domain.costs import Costs
from welt.domain.design import EU_SIZE, Design, Materials, SizeLine
from welt.domain.errors import StateConflictError
from welt.domain.order_numbers import order_number, parse_order_number
from welt.domain.stage_move import UNDO_WINDOW, StageMove
from welt.domain.statuses import Labeling, OrderStatus, OrderType, PaymentStatus, ProductionStage, StampStatus
from welt.domain.text import Text
from welt.domain.timeline import TimelineEvent, Tracking
from welt.domain.vat import RULES as VAT_RULES
from welt.domain.vat import VatRule, vat_rule


class OrderChanges(TypedDict, total=False):
    """What a brand's edit may change on an unpaid order; a key left out stays as it is."""

    design: Design
    sizes: list[SizeLine]
    labeling: Labeling
    shipping_address: ShippingAddress
    billing: Billing


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
    last_stage_move: StageMove | None = None
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

    def revise(self, changes: OrderChanges, costs: Costs, at: datetime, actor: str) -> Order:
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
        taken_back = StageMove(from_stage=self.production_stage, from_entered_at=self.stage_entered_at, at=at, version=self.version + 1)
        moved = self.model_copy(update={"production_stage": stage, "stage_entered_at": at, "last_stage_move": taken_back})
        details = {"from": self.production_stage.value, "to": stage.value}
        return moved._record(at, actor, "STAGE_CHANGED", details)

    def undo_stage_move(self, version: int, at: datetime, actor: str) -> Order:
        """Take back the stage move that produced `version`: within `UNDO_WINDOW`, if nothing changed the order since.

        Naming the move by its version keeps an undo from taking back a later move someone else made meanwhile.
        """
        move = self.last_stage_move
        if move is None or move.version != self.version or version != self.version or self.production_stage is None:
            raise StateConflictError(
                f"Order {self.order_number} has no stage move at version {version} to undo: it changed since, or was undone already."
            )
        if at - move.at > UNDO_WINDOW:
            raise StateConflictError(f"Order {self.order_number} moved stage more than a minute ago; it can no longer be undone.")
        back = self.model_copy(
            update={"production_stage": move.from_stage, "stage_entered_at": move.from_entered_at, "last_stage_move": None}
        )
        details = {"from": self.production_stage.value, "to": move.from_stage.value}
        return back._record(at, actor, "STAGE_MOVE_UNDONE", details)

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

    def public_view(self, now: datetime) -> dict[str, Any]:
        """The order as the API shows it (the timeline has its own route)."""
        body = self.model_dump(mode="json", exclude={"brand", "seq", "updated_at"})
        body.update(
            order_number=self.order_number,
            brand=self.brand,
            pairs=self.pairs,
            updated_at=self.updated_at.isoformat().replace("+00:00", "Z"),
            days_in_production=self.days_in_production(now),
            open_payment_id=self.open_payment_id,
        )
        return body


# Everything an order is made of, importable from here as before the parts had modules of their own.
__all__ = [
    "BRAND_CODE",
    "EU_SIZE",
    "STORED",
    "Billing",
    "Brand",
    "Costs",
    "Country",
    "Design",
    "Email",
    "Labeling",
    "Materials",
    "Order",
    "OrderChanges",
    "OrderStatus",
    "OrderType",
    "PaymentStatus",
    "PostalAddress",
    "ProductionStage",
    "ShippingAddress",
    "SizeLine",
    "StampStatus",
    "Text",
    "TimelineEvent",
    "Tracking",
    "order_number",
    "parse_order_number",
]
