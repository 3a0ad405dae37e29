"""What an order costs: the net, its IVA and the total charged."""

from __future__ import annotations

from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    model_validator,
)

from welt.domain.vat import VatRule, VatTreatment, vat_on


class Costs(BaseModel):
    """What an order costs: the net (manufacturing + shipping + customization), its IVA and the total charged."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    manufacturing: int
    shipping: int
    customization: int
    net: int
    vat_rate_percent: int
    vat: int
    # The legal reason, in words, whenever no IVA is charged.
    vat_note: str | None
    total: int
    currency: str = "EUR"
    # Which rule set the IVA (None on orders stored before IVA was charged: priced again from their addresses).
    vat_treatment: VatTreatment | None = None

    @classmethod
    def priced(cls, manufacturing: int, shipping: int, customization: int, rule: VatRule, currency: str) -> Costs:
        net = manufacturing + shipping + customization
        vat = vat_on(net, rule.rate_percent)
        return cls(
            manufacturing=manufacturing,
            shipping=shipping,
            customization=customization,
            net=net,
            vat_rate_percent=int(rule.rate_percent),
            vat=vat,
            vat_note=rule.note,
            total=net + vat,
            currency=currency,
            vat_treatment=rule.treatment,
        )

    @model_validator(mode="before")
    @classmethod
    def _priced_before_vat(cls, stored: Any) -> Any:
        """Orders stored before IVA was charged kept their total as the net, with no IVA on it."""
        if isinstance(stored, dict) and "net" not in stored:
            return {**stored, "net": stored["total"], "vat_rate_percent": 0, "vat": 0, "vat_note": None}
        return stored
