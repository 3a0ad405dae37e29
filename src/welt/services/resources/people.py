"""Brands and the people of a brand or of the factory, as the API shows them."""

from __future__ import annotations

from typing import Annotated, cast

from pydantic import Field
from typing_extensions import TypedDict

from welt.domain.brand import SavedAddress
from welt.domain.model import (
    Brand,
    Labeling,
    StampStatus,
)
from welt.domain.team import TeamMember, UserState
from welt.services.resources.parts import (
    BrandCode,
    OptionalDateTime,
    PostalAddressJson,
    ShippingAddressJson,
    component,
    nullable,
)

# ---------------------------------------------------------------- brands and their people


class BrandResource(TypedDict):
    code: BrandCode
    name: str
    labeling_default: Annotated[Labeling | None, nullable("Labeling", "The labeling of the brand's last order; `null` before the first.")]
    stamps_status: Annotated[StampStatus, component("StampStatus")]
    legal_name: str | None
    vat_id: str | None
    contact_email: str | None
    billing_address: Annotated[
        PostalAddressJson | None,
        nullable("PostalAddress", "Where invoices are addressed by default; `null` for a brand registered without billing details."),
    ]


def brand_resource(brand: Brand) -> BrandResource:
    return {
        "code": brand.code,
        "name": brand.name,
        "labeling_default": brand.labeling_default,
        "stamps_status": brand.stamps_status,
        "legal_name": brand.legal_name,
        "vat_id": brand.vat_id,
        "contact_email": brand.contact_email,
        "billing_address": cast(PostalAddressJson, brand.billing_address.model_dump(mode="json")) if brand.billing_address else None,
    }


class StaffBrand(BrandResource):
    """A brand as staff see it: when it was registered, and the version to edit it at."""

    registered_at: OptionalDateTime
    version: int


def staff_brand_resource(brand: Brand) -> StaffBrand:
    return {
        **brand_resource(brand),
        "registered_at": brand.registered_at.isoformat() if brand.registered_at else None,
        "version": brand.version,
    }


class BrandList(TypedDict):
    brands: list[StaffBrand]
    next_cursor: str | None


class StampsReady(TypedDict):
    code: str
    name: str
    labeling_default: Annotated[Labeling | None, nullable("Labeling")]
    stamps_status: Annotated[StampStatus, component("StampStatus")]
    orders_released: Annotated[list[str], Field(description="The orders that moved from `AWAITING_STAMPS` to `CUTTING`.")]


class TeamMemberResource(TypedDict):
    email: str
    name: str
    state: Annotated[UserState, component("UserState")]
    brand: Annotated[str | None, Field(description="The user's brand; `null` for factory staff.")]
    created_at: str | None


def member_resource(member: TeamMember) -> TeamMemberResource:
    return {"email": member.email, "name": member.name, "state": member.state, "brand": member.brand, "created_at": member.created_at}


class TeamList(TypedDict):
    users: list[TeamMemberResource]


# ---------------------------------------------------------------- the brand's saved addresses


class SavedAddressResource(TypedDict):
    id: Annotated[str, Field(description="The address's id, `A` and 12 hex digits.", pattern=r"^A[0-9a-f]{12}$")]
    label: Annotated[str, Field(description="The brand's own name for it, such as `Berlin store`.")]
    address: ShippingAddressJson


class SavedAddressList(TypedDict):
    addresses: list[SavedAddressResource]


def saved_address_resource(saved: SavedAddress) -> SavedAddressResource:
    return {"id": saved.id, "label": saved.label, "address": cast(ShippingAddressJson, saved.address.model_dump(mode="json"))}
