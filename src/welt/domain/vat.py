"""Spanish VAT (IVA) on what the factory sells: which treatment applies, at what rate, and why.

The factory ships from Elche, so Ley 37/1992 decides by where the shoes go and who buys them:
- to Spain's VAT territory (peninsula and Balearic Islands): IVA at the general rate;
- to another EU member state, for a buyer with a confirmed VAT ID of that state: exempt intra-community
  supply (art. 25);
- outside the EU, or to the Canary Islands, Ceuta or Melilla (Spain, outside its VAT territory): exempt
  export (art. 21);
- to another EU member state for a buyer without a confirmed VAT ID there: IVA at the general rate
  (distance sales under the OSS scheme are out of scope: the factory sells to brands, not consumers).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from stdnum.eu import vat as eu_vat
from stdnum.exceptions import ValidationError

# Spain's general IVA rate (art. 90 Ley 37/1992).
GENERAL_RATE_PERCENT = Decimal(21)

EU_MEMBER_STATES = frozenset("AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK".split())

# Spanish postal codes outside the VAT territory: Las Palmas (35) and Santa Cruz de Tenerife (38) for the
# Canary Islands, 51 for Ceuta, 52 for Melilla. A Spanish address is recognised by its postal code alone.
OUTSIDE_SPANISH_VAT_TERRITORY = ("35", "38", "51", "52")

# A VAT ID starts with its state's prefix, which is the ISO code but for Greece.
VAT_PREFIX_COUNTRY = {"EL": "GR"}


class VatTreatment(StrEnum):
    DOMESTIC = "DOMESTIC"
    INTRA_COMMUNITY = "INTRA_COMMUNITY"
    EXPORT = "EXPORT"
    EU_WITHOUT_VAT_ID = "EU_WITHOUT_VAT_ID"


class VatIdCheck(StrEnum):
    """What VIES said about a buyer's VAT ID when it was last given."""

    CONFIRMED = "CONFIRMED"
    NOT_REGISTERED = "NOT_REGISTERED"
    # VIES could not answer: the exemption needs proof, so the buyer pays IVA until VIES confirms.
    UNCONFIRMED = "UNCONFIRMED"


@dataclass(frozen=True)
class VatRule:
    treatment: VatTreatment
    rate_percent: Decimal
    # The legal reason an invoice carries no IVA, in words; None when IVA is charged.
    note: str | None


RULES = {
    VatTreatment.DOMESTIC: VatRule(VatTreatment.DOMESTIC, GENERAL_RATE_PERCENT, None),
    VatTreatment.EU_WITHOUT_VAT_ID: VatRule(VatTreatment.EU_WITHOUT_VAT_ID, GENERAL_RATE_PERCENT, None),
    VatTreatment.INTRA_COMMUNITY: VatRule(
        VatTreatment.INTRA_COMMUNITY,
        Decimal(0),
        "Exempt intra-community supply, art. 25 Ley 37/1992 (IVA); the buyer accounts for VAT in its member state.",
    ),
    VatTreatment.EXPORT: VatRule(
        VatTreatment.EXPORT,
        Decimal(0),
        "Exempt export of goods, art. 21 Ley 37/1992 (IVA).",
    ),
}


def is_inside_spanish_vat_territory(country: str, postal_code: str) -> bool:
    return country == "ES" and not postal_code.strip().startswith(OUTSIDE_SPANISH_VAT_TERRITORY)


def vat_id_country(vat_id: str) -> str | None:
    """The member state that issued a VAT ID, read from its prefix (`EL` is Greece)."""
    prefix = eu_vat.compact(vat_id)[:2].upper()
    country = VAT_PREFIX_COUNTRY.get(prefix, prefix)
    return country if country in EU_MEMBER_STATES else None


def vat_id_problem(vat_id: str) -> str | None:
    """Why a VAT ID is malformed (prefix, length or check digits), or None when its state could have issued it."""
    try:
        eu_vat.validate(vat_id)
    except ValidationError as error:
        return f"'{vat_id}' is not a valid EU VAT ID ({error}); write it with its country prefix, e.g. DE123456788"
    if vat_id_country(vat_id) is None:
        return f"'{vat_id}' is not a VAT ID of an EU member state"
    return None


def vat_rule(ship_to_country: str, ship_to_postal_code: str, buyer_vat_id: str | None, vat_id_check: VatIdCheck | None) -> VatRule:
    """The one rule deciding the IVA of a sale, from where the shoes go and who buys them."""
    if ship_to_country == "ES":
        inside = is_inside_spanish_vat_territory(ship_to_country, ship_to_postal_code)
        return RULES[VatTreatment.DOMESTIC if inside else VatTreatment.EXPORT]
    if ship_to_country not in EU_MEMBER_STATES:
        return RULES[VatTreatment.EXPORT]
    confirmed = buyer_vat_id is not None and vat_id_check is VatIdCheck.CONFIRMED
    if confirmed and vat_id_country(buyer_vat_id or "") == ship_to_country:
        return RULES[VatTreatment.INTRA_COMMUNITY]
    return RULES[VatTreatment.EU_WITHOUT_VAT_ID]


def vat_on(net: int, rate_percent: Decimal) -> int:
    """IVA on a net amount in cents, rounded half up to the cent."""
    return int((Decimal(net) * rate_percent / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
