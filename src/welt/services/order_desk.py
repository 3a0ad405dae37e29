"""The order desk: everything the order use cases talk to, and the checks every would-be order passes first."""

from __future__ import annotations

from dataclasses import dataclass

from welt.domain.catalog import Catalog
from welt.domain.errors import (
    FieldProblem,
    ValidationFailedError,
)
from welt.domain.model import (
    Brand,
    Design,
    Labeling,
    OrderType,
    SizeLine,
)
from welt.domain.pricing import design_problems, size_run_problems
from welt.services.pagination import CursorSigner
from welt.services.ports import (
    ArtworkFiles,
    BrandRepository,
    Clock,
    OrderRepository,
    Outbox,
    SessionRegistry,
    ShippingGroupRepository,
    Store,
    VatRegistry,
)

TIMELINE_PAGE = 100


@dataclass
class OrderDesk:
    """Everything the order use cases talk to."""

    store: Store
    orders: OrderRepository
    brands: BrandRepository
    groups: ShippingGroupRepository
    outbox: Outbox
    catalog: Catalog
    cursors: CursorSigner
    clock: Clock
    sessions: SessionRegistry
    vat_registry: VatRegistry
    # The private bucket of stamps' artwork; None where it is not configured (the artwork steps answer 503).
    artwork: ArtworkFiles | None = None


def check_buildable(desk: OrderDesk, order_type: OrderType, design: Design, sizes: list[SizeLine], within: tuple[str, ...] = ()) -> None:
    problems = design_problems(desk.catalog, design) + size_run_problems(desk.catalog, order_type, sizes)
    problems = [FieldProblem((*within, *p.loc), p.msg) for p in problems]
    if problems:
        raise ValidationFailedError("The order cannot be made as described.", problems)


def labeling_for(brand: Brand, asked: Labeling | None, within: tuple[str, ...] = ()) -> Labeling:
    if asked is not None:
        return asked
    if brand.labeling_default is None:
        raise ValidationFailedError(
            "A brand's first order must choose its labeling.",
            [FieldProblem((*within, "labeling"), "choose UNLABELED or CUSTOM_STAMPS for your first order")],
        )
    return brand.labeling_default
