"""Group-shipping suggestions: the sets of a brand's open MTO orders that could ship together."""

from __future__ import annotations

from typing import Any

from welt.domain.suggestions import suggest_groups
from welt.services.orders import Caller, OrderDesk, brand_of


def list_suggestions(desk: OrderDesk, caller: Caller) -> dict[str, Any]:
    brand = brand_of(desk.brands, caller)
    candidates = desk.orders.groupable_orders(brand.code)
    return {"suggestions": suggest_groups(candidates, desk.catalog, brand.stamp_fee_due())}
