"""Quotes: a would-be order, or existing orders shipped together, priced without saving anything."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from welt.domain.errors import (
    FieldProblem,
    ValidationFailedError,
)
from welt.domain.model import (
    Brand,
    Costs,
    Country,
    Design,
    Labeling,
    OrderType,
    SizeLine,
)
from welt.domain.pricing import price_orders, quote_order
from welt.domain.text import OrderNumberText
from welt.domain.vat import EU_MEMBER_STATES, VatRule, vat_id_problem, vat_rule
from welt.services.callers import Caller, brand_of, find_orders
from welt.services.order_desk import OrderDesk, check_buildable, labeling_for
from welt.services.resources import Quote, costs_json, exactly_one_of


class OrderQuote(BaseModel):
    """A would-be order, as checkout takes it, with the destination country instead of addresses. Without a
    country (no address yet), shipping is left out: it is 0 and `shipping_included` is `false`.
    """

    model_config = ConfigDict(defer_build=True, extra="ignore")

    type: OrderType
    design: Design
    sizes: list[SizeLine] = Field(min_length=1, max_length=27)
    labeling: Labeling | None = None
    country: Country | None = None  # without it (no address yet) the quote leaves shipping out
    # Where in the country and who buys, for the IVA: without them, IVA as for a buyer without a VAT ID.
    postal_code: Annotated[str, StringConstraints(strip_whitespace=True, max_length=16)] = Field(
        default="", description="Where in the country (a Spanish 35/38/51/52 code is the Canary Islands, Ceuta or Melilla)."
    )
    vat_id: Annotated[str, StringConstraints(strip_whitespace=True, max_length=32)] | None = Field(
        default=None, description="The buyer's VAT ID, for the IVA; a malformed one is 422. Without a country, IVA is Spain's."
    )

    @field_validator("vat_id")
    @classmethod
    def _vat_id_well_formed(cls, value: str | None) -> str | None:
        problem = vat_id_problem(value) if value else None
        if problem:
            raise ValueError(problem)
        return value or None


class QuoteRequest(BaseModel):
    """Exactly one of `order` or `order_numbers`; the other is left out or `null`."""

    model_config = ConfigDict(defer_build=True, extra="forbid", json_schema_extra=exactly_one_of("order", "order_numbers"))

    order: OrderQuote | None = None
    order_numbers: list[OrderNumberText] | None = Field(default=None, min_length=1, max_length=20)


def quote(desk: OrderDesk, caller: Caller, request: QuoteRequest) -> Quote:
    """Price a would-be order, or existing orders shipped together, without saving anything."""
    brand = brand_of(desk.brands, caller)
    if (request.order is None) == (request.order_numbers is None):
        raise ValidationFailedError(
            "Quote either one would-be order or a set of existing orders.",
            [FieldProblem(("body",), "give exactly one of 'order' or 'order_numbers'")],
        )
    if request.order is not None:
        wanted = request.order
        check_buildable(desk, wanted.type, wanted.design, wanted.sizes, within=("order",))
        labeling = labeling_for(brand, wanted.labeling, within=("order",))
        rule = _quoted_vat_rule(desk, wanted)
        costs = quote_order(
            desk.catalog, wanted.design, wanted.type, wanted.sizes, labeling, wanted.country or "ES", brand.stamps_status, rule
        )
        if wanted.country is None:
            costs = Costs.priced(costs.manufacturing, 0, costs.customization, rule, costs.currency)
        return {
            "costs": costs_json(costs),
            "pairs": sum(line.pairs for line in wanted.sizes),
            "labeling": labeling,
            "shipping_included": wanted.country is not None,
        }
    return _quote_shipment(desk, caller, brand, request.order_numbers or [])


def _quoted_vat_rule(desk: OrderDesk, wanted: OrderQuote) -> VatRule:
    """A quote without a destination shows Spain's IVA, the most a brand would pay."""
    if wanted.country is None:
        return vat_rule("ES", "", None, None)
    asks_vies = wanted.vat_id is not None and wanted.country != "ES" and wanted.country in EU_MEMBER_STATES
    check = desk.vat_registry.check(wanted.vat_id or "") if asks_vies else None
    return vat_rule(wanted.country, wanted.postal_code, wanted.vat_id, check)


def _quote_shipment(desk: OrderDesk, caller: Caller, brand: Brand, numbers: list[str]) -> Quote:
    if len(set(numbers)) != len(numbers):
        raise ValidationFailedError("Each order may be named once.", [FieldProblem(("order_numbers",), "duplicates")])
    orders = find_orders(desk.orders, caller, numbers)
    countries = {order.shipping_address.country for order in orders}
    if len(countries) > 1:
        raise ValidationFailedError(
            "Orders shipped together need one destination.",
            [FieldProblem(("order_numbers",), f"the orders ship to {', '.join(sorted(countries))}")],
        )
    price = price_orders(desk.catalog, orders, together=True, stamps=brand.stamps_status)
    return {"costs": costs_json(price.priced), "pairs": price.pairs, "order_numbers": numbers, "shipping_savings": price.shipping_savings}
