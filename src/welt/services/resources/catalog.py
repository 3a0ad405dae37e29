"""The catalog as the API shows it."""

from __future__ import annotations

from typing import Annotated, Literal, cast

from pydantic import Field, WithJsonSchema
from typing_extensions import TypedDict

from welt.domain.catalog import Catalog as CatalogModel

# ---------------------------------------------------------------- the catalog


class OrderTypeRule(TypedDict):
    min_pairs: int
    max_pairs: int
    factor: Annotated[
        str, Field(pattern=r"^[0-9]+\.[0-9]+$", description='The manufacturing price factor, as a decimal string (`"0.85"`).')
    ]


class Material(TypedDict):
    id: str
    name: str
    part: Literal["upper", "lining", "sole"]
    surcharge: Annotated[int, Field(description="Added to the model's base price per pair, in cents.")]


class ModelMaterials(TypedDict):
    """The material ids this model allows, per part."""

    upper: list[str]
    lining: list[str]
    sole: list[str]


class ShoeModel(TypedDict):
    id: str
    name: str
    base_price: Annotated[int, Field(description="Per pair, in cents.")]
    materials: ModelMaterials


class ShippingZone(TypedDict):
    id: str
    name: str
    countries: Annotated[list[str], Field(description="ISO 3166-1 alpha-2 codes; `*` is every country no other zone lists.")]
    base: Annotated[int, Field(description="Per shipment, in cents.")]
    per_pair: Annotated[int, Field(description="Per pair in the shipment, in cents.")]


class StageLeadDays(TypedDict):
    """Working days an order spends at each production stage, from `CUTTING` to `READY_TO_SHIP`."""

    CUTTING: int
    STITCHING: int
    LASTING: int
    FINISHING: int
    PACKING: int
    READY_TO_SHIP: int


class OrderTypeRules(TypedDict):
    MTO: OrderTypeRule
    MINI_BULK: OrderTypeRule
    BULK: OrderTypeRule


class Catalog(TypedDict):
    currency: Annotated[str, WithJsonSchema({"type": "string", "const": "EUR"})]
    stamp_fee: Annotated[int, Field(description="The one-time custom stamp development fee, in cents.")]
    stamp_development_days: Annotated[
        int, Field(description="Working days the factory takes to make a brand's custom stamps (the `AWAITING_STAMPS` lead time).")
    ]
    stage_lead_days: StageLeadDays
    order_types: OrderTypeRules
    materials: list[Material]
    models: list[ShoeModel]
    shipping_zones: list[ShippingZone]


def catalog_resource(catalog: CatalogModel) -> Catalog:
    # The catalog's own view names Catalog's keys one for one, already in JSON form.
    return cast(Catalog, catalog.public_view())
