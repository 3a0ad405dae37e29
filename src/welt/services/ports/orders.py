"""Reading orders, brands and shipping groups, and asking the EU's VIES about a buyer's VAT ID."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any, Generic, Protocol, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from welt.domain.invoice import MADRID
from welt.domain.model import Brand, Order, OrderStatus, OrderType, ProductionStage, TimelineEvent
from welt.domain.shipping_group import GroupStatus, ShippingGroup
from welt.domain.vat import VatIdCheck
from welt.services.ports.transactions import CheckoutKeyWrite

MAX_PAGE = 100
DEFAULT_PAGE = 25
ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_day(value: object) -> object:
    """A day is written YYYY-MM-DD; pydantic alone would also read a number as a Unix time."""
    if isinstance(value, str) and not ISO_DAY.fullmatch(value):
        raise PydanticCustomError("date_format", "must be a date written YYYY-MM-DD")
    return value


IsoDay = Annotated[date, BeforeValidator(_iso_day)]


class OrderFilter(BaseModel):
    """One order pool listing, from the query string through the service to the repository: which orders (all given
    conditions hold), how many, and where the last page ended. A brand's own listing has its brand set by the service."""

    model_config = ConfigDict(defer_build=True, extra="ignore", frozen=True)

    status: OrderStatus | None = None
    type: OrderType | None = None
    q: str | None = Field(
        default=None,
        max_length=100,
        description="Text found in the order number, the model or the design reference (case does not matter).",
    )
    brand: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    stage: ProductionStage | None = Field(default=None, description="Orders in production (`WORK_IN_PROCESS`) at this stage.")
    created_from: IsoDay | None = Field(
        default=None, description="Orders placed on or after this day (ISO date, e.g. 2027-01-04), in the factory's time zone (Madrid)."
    )
    created_to: IsoDay | None = Field(
        default=None,
        description="Orders placed on or before this day (ISO date, inclusive), in the factory's time zone (Madrid); not before "
        "`created_from`.",
    )
    limit: int = Field(default=DEFAULT_PAGE, ge=1, le=MAX_PAGE, description="Orders per page.")
    cursor: str | None = Field(default=None, max_length=2000, description="The `next_cursor` of the previous page, with the same filters.")

    @field_validator("created_to")
    @classmethod
    def _not_before_from(cls, value: date | None, info: ValidationInfo) -> date | None:
        start = info.data.get("created_from")
        if value is not None and start is not None and value < start:
            raise PydanticCustomError("date_range", "must not be before the first day of the range ({start})", {"start": start.isoformat()})
        return value

    @property
    def created_span(self) -> tuple[datetime | None, datetime | None]:
        """The instants (UTC) the dates stand for: from the start of `created_from` in Madrid, up to but
        not including the start of the day after `created_to` there. None where the range is open."""
        start = datetime.combine(self.created_from, time(), MADRID).astimezone(UTC) if self.created_from else None
        end = datetime.combine(self.created_to + timedelta(days=1), time(), MADRID).astimezone(UTC) if self.created_to else None
        return start, end

    @property
    def dated(self) -> bool:
        return self.created_from is not None or self.created_to is not None

    @property
    def text(self) -> str | None:
        """`q` as searched: trimmed and lower-cased, None when empty."""
        return (self.q or "").strip().lower() or None

    @property
    def scope(self) -> str:
        """What a cursor is bound to: the conditions, not the page size or the cursor itself."""
        return self.model_dump_json(exclude={"limit", "cursor", "q"}) + f"|{self.text or ''}"

    def matches(self, order: Order) -> bool:
        if self.status is not None and order.status is not self.status:
            return False
        if self.type is not None and order.type is not self.type:
            return False
        if self.brand is not None and order.brand != self.brand:
            return False
        if self.stage is not None and (order.production_stage is not self.stage or order.status is not OrderStatus.WORK_IN_PROCESS):
            return False
        start, end = self.created_span
        if (start is not None and order.created_at < start) or (end is not None and order.created_at >= end):
            return False
        return self.text is None or self.text in search_text(order)


def search_text(order: Order) -> str:
    """What `q` searches, lower-cased: order number, model id and the designer's reference."""
    return "|".join([order.order_number, order.design.model, order.design.design_ref or ""]).lower()


GROUPABLE_LIMIT = 1000  # group suggestions read at most this many candidate orders
SEARCH_BUDGET = 500  # a text search looks at most at this many orders per call, then answers a cursor to go on
T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    last_key: dict[str, Any] | None  # where the next page starts, None at the end


class OrderRepository(Protocol):
    def get(self, brand: str, seq: int) -> Order | None: ...

    def get_many(self, keys: Sequence[tuple[str, int]]) -> list[Order]:
        """The orders that exist among `keys`, in the order asked, in one read."""
        ...

    def checkout(self, brand: str, key_hash: str) -> CheckoutKeyWrite | None:
        """What an earlier checkout with this (hashed) Idempotency-Key placed, if any."""
        ...

    def page(self, where: OrderFilter, after: dict[str, Any] | None, limit: int) -> Page[Order]:
        """Orders matching `where` (one brand's when `where.brand` is set), newest first, in one read.

        With a text filter the read looks at a bounded number of orders: a page may come back short with
        a `last_key` to search further.
        """
        ...

    def timeline(self, brand: str, seq: int, after: dict[str, Any] | None, limit: int) -> Page[TimelineEvent]: ...

    def groupable_orders(self, brand: str) -> list[Order]:
        """The brand's MTO orders that are PENDING_PAYMENT, UNPAID and in no group (the candidates of group
        suggestions), newest first, at most GROUPABLE_LIMIT, in one read of a sparse index."""
        ...


class BrandRepository(Protocol):
    def get(self, code: str) -> Brand | None: ...

    def get_many(self, codes: Sequence[str]) -> dict[str, Brand]: ...

    def add(self, brand: Brand) -> None:
        """Register a brand that does not exist yet (seeding); an existing one is left alone."""
        ...

    def page(self, after: dict[str, Any] | None, limit: int) -> Page[Brand]:
        """Brands by code, a page at a time, in one Query of the registry's index."""
        ...


class ShippingGroupRepository(Protocol):
    def get(self, brand: str, seq: int) -> ShippingGroup | None: ...

    def get_many(self, keys: Sequence[tuple[str, int]]) -> list[ShippingGroup]:
        """The groups that exist among `keys`, in one read."""
        ...

    def page(
        self, brand: str | None, status: GroupStatus | None, after: dict[str, Any] | None, limit: int, order_budget: int
    ) -> Page[ShippingGroup]:
        """Groups not dissolved, newest first: one brand's, or every brand's (optionally of one status).

        A page ends early rather than hold more than `order_budget` orders, so one read can fetch them all.
        """
        ...


class VatRegistry(Protocol):
    """The EU's VIES: whether a well-formed VAT ID is registered for intra-community trade right now.

    Answers VatIdCheck.UNCONFIRMED when VIES cannot answer (a member state's service down, a timeout): the
    sale is then priced with IVA, since the art. 25 exemption needs a buyer identified for VAT.
    """

    def check(self, vat_id: str) -> VatIdCheck: ...
