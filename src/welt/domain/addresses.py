"""Where shoes are shipped and invoices addressed: countries, plain email addresses, phones, billing details."""

from __future__ import annotations

from typing import Annotated

from pydantic import (
    AfterValidator,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

from welt.domain.countries import COUNTRY_CODES
from welt.domain.postcodes import postcode_problem
from welt.domain.text import OptionalText, PostalCode, Strict, Text, clean_text
from welt.domain.vat import vat_id_problem


def _iso_country(code: str) -> str:
    if code not in COUNTRY_CODES:
        raise ValueError(f"{code} is not an ISO 3166-1 alpha-2 country code")
    return code


Country = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$"), AfterValidator(_iso_country)]


# Validation context for data read back from storage: it was checked on the way in, and a rule tightened since
# (plain email addresses, postcode formats that follow Google's address data) must not make an order placed before
# it unreadable.
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


def _postcode_of_the_country(value: str, info: ValidationInfo) -> str:
    """A postcode in its country's shape (an address whose country was refused is not checked twice)."""
    country = info.data.get("country")
    if (info.context or {}).get("stored") or not country:
        return value
    problem = postcode_problem(country, value)
    if problem:
        raise PydanticCustomError("postcode_format", problem)
    return value


CountrysPostcode = Annotated[
    PostalCode,
    AfterValidator(_postcode_of_the_country),
    Field(description="In the shape the country gives postcodes (Google's address data); otherwise 422 with an example."),
]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, max_length=32, pattern=r"^\+?[0-9 ()./-]{5,}$")]


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
