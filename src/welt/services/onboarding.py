"""Going live: staff register brands and invite their teams (and their own colleagues); users are in the user pool only.

A brand is registered in one transaction whose condition is that its code is free. An invitation is a user in the
pool with a temporary password Welt makes, and one email through the outbox whose id is made from that password,
so it is written exactly once; a new invitation is a new password and a new email.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, WithJsonSchema, field_validator
from pydantic_core import PydanticCustomError

from welt.domain.brand import BrandDetails
from welt.domain.errors import FieldProblem, ForbiddenError, NotFoundError, StateConflictError, VersionMismatchError
from welt.domain.model import BRAND_CODE, Brand, Email, PostalAddress, Text
from welt.domain.team import PASSWORD_RULES, TEMPORARY_PASSWORD_DAYS, TeamMember, temporary_password
from welt.domain.vat_id import compact_vat_id, vat_id_problem
from welt.services.callers import Caller, brand_of
from welt.services.orders import OrderDesk
from welt.services.ports import OutboxMessage, Transaction, TransactionConflictError, UserDirectory, UserExistsError
from welt.services.resources import BrandList, StaffBrand, TeamList, TeamMemberResource, member_resource, staff_brand_resource

EMAIL_ADDRESS = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
BRAND_PAGE = 50
MAX_BRAND_PAGE = 100
# The factory registers brands under the three letters their order numbers carry: 00001-XYZ.
BrandCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
VatId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]


@dataclass
class Onboarding:
    """What registering brands and inviting users talk to: the order desk's store and the user pool."""

    desk: OrderDesk
    users: UserDirectory
    sign_in_url: str  # the browser app, named in every invitation


def _checked_vat_id(vat_id: str | None) -> str | None:
    if vat_id is None:
        return None
    problem = vat_id_problem(vat_id)
    if problem:
        raise PydanticCustomError("vat_id", problem)
    return compact_vat_id(vat_id)


# What the document shows of an email address; the address itself is checked by `Email` (a stricter rule).
EMAIL_SHAPE = WithJsonSchema({"type": "string", "maxLength": 254, "pattern": r"^[^@\s]+@[^@\s]+\.[^@\s]+$"})


class BrandRegistration(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="forbid")

    code: BrandCode = Field(description="Three capital letters, free; order numbers carry it.")
    name: Text
    legal_name: Text
    vat_id: VatId | None = Field(default=None, description="An EU VAT ID with its country prefix, such as ESB12345674.")
    contact_email: Annotated[Email, EMAIL_SHAPE]
    billing_address: PostalAddress

    @field_validator("vat_id")
    @classmethod
    def _vat_id(cls, value: str | None) -> str | None:
        return _checked_vat_id(value)


class BrandChanges(BaseModel):
    """What staff may change on a brand; absent fields stay, `vat_id: null` removes the VAT ID."""

    model_config = ConfigDict(defer_build=True, extra="forbid")

    name: Text | None = None
    legal_name: Text | None = None
    vat_id: VatId | None = None
    contact_email: Annotated[Email, EMAIL_SHAPE] | None = None
    billing_address: PostalAddress | None = None

    @field_validator("vat_id")
    @classmethod
    def _vat_id(cls, value: str | None) -> str | None:
        return _checked_vat_id(value)

    def details(self) -> BrandDetails:
        """The fields staff sent (`vat_id: null` included), as the brand takes them; each named, so mypy sees a new one."""
        sent = self.model_fields_set
        details = BrandDetails()
        if "name" in sent and self.name is not None:
            details["name"] = self.name
        if "legal_name" in sent:
            details["legal_name"] = self.legal_name
        if "vat_id" in sent:
            details["vat_id"] = self.vat_id
        if "contact_email" in sent:
            details["contact_email"] = self.contact_email
        if "billing_address" in sent:
            details["billing_address"] = self.billing_address
        return details


class Invitation(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="forbid")

    email: Annotated[Email, EMAIL_SHAPE]
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


def _staff_only(caller: Caller) -> None:
    if not caller.staff:
        raise ForbiddenError("This is for factory staff.")


def staff_view(brand: Brand) -> StaffBrand:
    return staff_brand_resource(brand)


def _brand(desk: OrderDesk, code: str) -> Brand:
    brand = desk.brands.get(code) if BRAND_CODE.fullmatch(code) else None
    if brand is None:
        raise NotFoundError(f"No brand {code}.")
    return brand


# ---------------------------------------------------------------- brands


def register_brand(desk: OrderDesk, caller: Caller, form: BrandRegistration) -> StaffBrand:
    """A new brand under a free code; its order numbers start at 00001-<code>."""
    _staff_only(caller)
    brand = Brand(
        code=form.code,
        name=form.name,
        legal_name=form.legal_name,
        vat_id=form.vat_id,
        contact_email=form.contact_email,
        billing_address=form.billing_address,
        registered_at=desk.clock(),
    )
    try:
        desk.store.commit(Transaction().brand(brand, None))
    except TransactionConflictError:
        raise StateConflictError(
            f"Brand code {form.code} is taken; choose other letters.", [FieldProblem(("body", "code"), "taken")]
        ) from None
    return staff_view(brand)


def list_brands(desk: OrderDesk, caller: Caller, limit: int = BRAND_PAGE, cursor: str | None = None) -> BrandList:
    """Staff: the brands by code, a page at a time."""
    _staff_only(caller)
    scope = "admin-brands"
    page = desk.brands.page(desk.cursors.start_of(scope, cursor), limit)
    return {"brands": [staff_view(brand) for brand in page.items], "next_cursor": desk.cursors.after(scope, page.last_key)}


def get_brand(desk: OrderDesk, caller: Caller, code: str) -> StaffBrand:
    _staff_only(caller)
    return staff_view(_brand(desk, code))


def edit_brand(desk: OrderDesk, caller: Caller, code: str, changes: BrandChanges, version: int) -> StaffBrand:
    """Staff change a brand's names, VAT ID, contact or billing address, on the version they read."""
    _staff_only(caller)
    brand = _brand(desk, code)
    if brand.version != version:
        raise VersionMismatchError(f"Brand {code} is at version {brand.version}; read it again and redo your change.")
    changed = brand.with_details(**changes.details())
    try:
        desk.store.commit(Transaction().brand(changed, brand))
    except TransactionConflictError:
        raise VersionMismatchError(f"Brand {code} changed while you edited it; read it again and redo your change.") from None
    return staff_view(changed)


# ---------------------------------------------------------------- users


def invitation_message(member: TeamMember, password: str, sign_in_url: str, brand: Brand | None) -> OutboxMessage:
    """The invitation: where to sign in, the temporary password on a line of its own, and what happens next."""
    team = f"{brand.name} ({brand.code})" if brand else "the factory's staff"
    lines = [
        f"Hello {member.name},",
        "",
        f"You have been given access to Welt, the factory's order desk, for {team}.",
        "",
        f"Sign in at: {sign_in_url}",
        f"Email: {member.email}",
        f"Temporary password: {password}",
        "",
        f"The temporary password works for {TEMPORARY_PASSWORD_DAYS} days. At your first sign-in you choose your own password:",
        *[f"  - {rule}" for rule in PASSWORD_RULES],
        "",
        "If the temporary password has expired, ask the factory to send you a new invitation.",
    ]
    # One email per temporary password: the id is made from it, so a retried write finds the first one.
    digest = hashlib.sha256(f"{member.email}\x00{password}".encode()).hexdigest()[:24]
    return OutboxMessage(
        message_id=f"invitation/{digest}",
        to=member.email,
        subject="Your Welt account" if brand is None else f"Your Welt account for {brand.name}",
        body="\n".join(lines),
        context={"invitation": member.brand or "staff"},
        confidential=True,
    )


def _send_invitation(onboarding: Onboarding, member: TeamMember, password: str) -> None:
    brand = onboarding.desk.brands.get(member.brand) if member.brand else None
    try:
        onboarding.desk.store.commit(Transaction().send(invitation_message(member, password, onboarding.sign_in_url, brand)))
    except TransactionConflictError:
        pass  # the same invitation was written before: it goes out once


def _member(onboarding: Onboarding, brand: str | None, email: str) -> TeamMember:
    """The user `email` of this brand (None: of the staff); anyone else's is as missing as a missing one."""
    address = email.strip().lower()
    member = onboarding.users.find(address) if EMAIL_ADDRESS.fullmatch(address) and len(address) <= 254 else None
    if member is None or member.brand != brand:
        raise NotFoundError(f"No user {email} in {'brand ' + brand if brand else 'the staff'}.")
    return member


def _team_of(onboarding: Onboarding, caller: Caller, code: str | None) -> str | None:
    _staff_only(caller)
    if code is not None:
        _brand(onboarding.desk, code)
    return code


def invite_user(onboarding: Onboarding, caller: Caller, code: str | None, invitation: Invitation) -> TeamMemberResource:
    """A new user of brand `code` (None: a staff user) with a temporary password, and the invitation email."""
    brand = _team_of(onboarding, caller, code)
    email = invitation.email.lower()
    password = temporary_password()
    try:
        member = onboarding.users.create(email, invitation.name, brand, password)
    except UserExistsError:
        raise StateConflictError(
            f"{email} already has an account; to send a new temporary password, invite them again.",
            [FieldProblem(("body", "email"), "taken")],
        ) from None
    _send_invitation(onboarding, member, password)
    return member_resource(member)


def resend_invitation(onboarding: Onboarding, caller: Caller, code: str | None, email: str) -> TeamMemberResource:
    """A new temporary password and a new invitation email; the user sets their own password again at sign-in."""
    member = _member(onboarding, _team_of(onboarding, caller, code), email)
    password = temporary_password()
    onboarding.users.reset_temporary_password(member.email, password)
    _send_invitation(onboarding, member, password)
    found = onboarding.users.find(member.email)
    assert found is not None
    return member_resource(found)


def list_team(onboarding: Onboarding, caller: Caller, code: str | None) -> TeamList:
    brand = _team_of(onboarding, caller, code)
    return {"users": [member_resource(member) for member in onboarding.users.members(brand)]}


def disable_user(onboarding: Onboarding, caller: Caller, code: str | None, email: str) -> TeamMemberResource:
    """The user can no longer sign in and their refresh tokens are revoked; an ID token already issued runs out within the hour."""
    member = _member(onboarding, _team_of(onboarding, caller, code), email)
    if caller.email is not None and caller.email.lower() == member.email:
        raise StateConflictError("You cannot disable your own account; ask another staff member.")
    onboarding.users.disable(member.email)
    found = onboarding.users.find(member.email)
    assert found is not None
    return member_resource(found)


def enable_user(onboarding: Onboarding, caller: Caller, code: str | None, email: str) -> TeamMemberResource:
    member = _member(onboarding, _team_of(onboarding, caller, code), email)
    onboarding.users.enable(member.email)
    found = onboarding.users.find(member.email)
    assert found is not None
    return member_resource(found)


def own_team(onboarding: Onboarding, caller: Caller) -> TeamList:
    """A brand user's own team: who of their brand has access, and in what state. Staff invite and remove them."""
    brand = brand_of(onboarding.desk.brands, caller)
    return {"users": [member_resource(member) for member in onboarding.users.members(brand.code)]}
