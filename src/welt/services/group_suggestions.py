"""Group-shipping suggestions: the sets of a brand's open MTO orders that could ship together."""

from __future__ import annotations

from typing import cast

from welt.domain.suggestions import suggest_groups
from welt.services.orders import Caller, OrderDesk, brand_of
from welt.services.resources import GroupSuggestion, GroupSuggestionList


def list_suggestions(desk: OrderDesk, caller: Caller) -> GroupSuggestionList:
    brand = brand_of(desk.brands, caller)
    candidates = desk.orders.groupable_orders(brand.code)
    found = suggest_groups(candidates, desk.catalog, brand.stamp_fee_due())
    # The domain names each suggestion's parts as GroupSuggestion does, already in JSON form.
    return {"suggestions": cast(list[GroupSuggestion], found)}
