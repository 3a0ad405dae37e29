"""What every resource is made of: the domain's parts as JSON, the schema helpers, and the formats of times and ids."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, NotRequired, cast

from pydantic import Field, WithJsonSchema
from pydantic.config import JsonDict
from typing_extensions import TypedDict

from welt.domain.model import (
    Costs,
    Tracking,
)

# The API document's generator turns this key into a `$ref` (pydantic would try to resolve a `$ref` itself).
SCHEMA_NAMED = "x-welt-schema"


def component(name: str, description: str | None = None) -> WithJsonSchema:
    """A nested part whose schema is the domain's own (`#/components/schemas/<name>`)."""
    schema: dict[str, object] = {SCHEMA_NAMED: name}
    return WithJsonSchema(schema if description is None else {**schema, "description": description})


def exactly_one_of(first: str, second: str) -> JsonDict:
    """A request model's rule "exactly one of `first` or `second`, the other left out or null", as the document's `oneOf`
    (`model_config = ConfigDict(json_schema_extra=exactly_one_of(...))`); the service checks the same rule."""

    def only(present: str, absent: str) -> JsonDict:
        return {"required": [present], "properties": {present: {"not": {"type": "null"}}, absent: {"type": "null"}}}

    return {"oneOf": [only(first, second), only(second, first)]}


def nullable(name: str, description: str | None = None) -> WithJsonSchema:
    schema: dict[str, object] = {"anyOf": [{SCHEMA_NAMED: name}, {"type": "null"}]}
    return WithJsonSchema(schema if description is None else {"description": description, **schema})


DateTime = Annotated[str, Field(json_schema_extra={"format": "date-time"})]
OptionalDateTime = Annotated[str | None, Field(json_schema_extra={"format": "date-time"})]
OrderNumber = Annotated[str, Field(pattern=r"^[0-9]{5,12}-[A-Z]{3}$", examples=["00042-DMO"])]
GroupId = Annotated[str, Field(pattern=r"^G[0-9]{4,12}-[A-Z]{3}$", examples=["G0007-DMO"])]
BrandCode = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
NextCursor = Annotated[str | None, Field(description="Pass as `cursor` for the next page; `null` on the last page.")]


# ---------------------------------------------------------------- the parts an order is made of, as JSON


class MaterialsJson(TypedDict):
    upper: str
    lining: str
    sole: str


class DesignJson(TypedDict):
    model: str
    materials: MaterialsJson
    design_ref: NotRequired[str | None]


class SizeLineJson(TypedDict):
    size: str
    pairs: int


class PostalAddressJson(TypedDict):
    line1: str
    line2: NotRequired[str | None]
    city: str
    postal_code: str
    region: NotRequired[str | None]
    country: str


class ShippingAddressJson(TypedDict):
    name: str
    company: NotRequired[str | None]
    line1: str
    line2: NotRequired[str | None]
    city: str
    postal_code: str
    region: NotRequired[str | None]
    country: str
    phone: str
    email: str


class BillingJson(TypedDict):
    name: str
    company: NotRequired[str | None]
    vat_id: NotRequired[str | None]
    email: str
    address: PostalAddressJson


class CostsJson(TypedDict):
    manufacturing: int
    shipping: int
    customization: int
    net: int
    vat_rate_percent: int
    vat: int
    vat_note: str | None
    total: int
    currency: str
    vat_treatment: NotRequired[str | None]


class TrackingJson(TypedDict):
    carrier: str
    tracking_number: str
    tracking_url: str | None
    shipped_at: str


def costs_json(costs: Costs) -> CostsJson:
    # pydantic's dump is untyped; its keys are Costs' fields, which CostsJson names one for one.
    return cast(CostsJson, costs.model_dump(mode="json"))


def tracking_json(tracking: Tracking) -> TrackingJson:
    return {
        "carrier": tracking.carrier,
        "tracking_number": tracking.tracking_number,
        "tracking_url": tracking.tracking_url,
        "shipped_at": iso(tracking.shipped_at),
    }


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")
