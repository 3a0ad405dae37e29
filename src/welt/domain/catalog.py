"""The factory's catalog: shoe models, materials, order types, shipping zones and the stamp fee.

The values live in `catalog.json` beside this module so prices change as data, not code.
"""

from __future__ import annotations

import json
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

Part = Literal["upper", "lining", "sole"]
PARTS: tuple[Part, ...] = ("upper", "lining", "sole")
REST_OF_WORLD = "*"


class ShoeModel(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True)

    id: str
    name: str
    base_price: int
    materials: dict[Part, list[str]]


class Material(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True)

    id: str
    name: str
    part: Part
    surcharge: int


class OrderTypeRule(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True)

    min_pairs: int
    max_pairs: int
    factor: Decimal


class ShippingZone(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True)

    id: str
    name: str
    countries: list[str]
    base: int
    per_pair: int


class Catalog(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True)

    currency: str
    stamp_fee: int
    # Working days a brand's custom stamps take to make, and each factory stage takes per order.
    stamp_development_days: int
    stage_lead_days: dict[str, int]
    order_types: dict[str, OrderTypeRule]
    models: list[ShoeModel]
    materials: list[Material]
    shipping_zones: list[ShippingZone]

    def shoe_model(self, model_id: str) -> ShoeModel | None:
        return next((m for m in self.models if m.id == model_id), None)

    def material(self, material_id: str) -> Material | None:
        return next((m for m in self.materials if m.id == material_id), None)

    def zone_for(self, country: str) -> ShippingZone:
        for zone in self.shipping_zones:
            if country in zone.countries:
                return zone
        return next(z for z in self.shipping_zones if REST_OF_WORLD in z.countries)

    def public_view(self) -> dict[str, object]:
        """The shape `GET /catalog` answers with (factors as decimal strings)."""
        return self.model_dump(mode="json")


@lru_cache(maxsize=1)
def load_catalog() -> Catalog:
    raw = json.loads((Path(__file__).with_name("catalog.json")).read_text(encoding="utf-8"))
    return Catalog.model_validate(raw)
