"""Shipping groups in DynamoDB: keyed by brand and number, with sparse indexes of the groups not dissolved."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from boto3.dynamodb.conditions import Key

from welt.adapters.dynamodb.reading import batch_get, position
from welt.adapters.tables import SHIPPING_GROUPS
from welt.domain.shipping_group import GroupStatus, ShippingGroup
from welt.services.ports import Page


def group_item(group: ShippingGroup) -> dict[str, Any]:
    item: dict[str, Any] = {
        "brand": group.brand,
        "seq": group.seq,
        "status": group.status.value,
        "version": group.version,
        "created_key": f"{group.created_at.isoformat()}#{group.brand}#{group.seq:010d}",
        "body": group.model_dump_json(),
    }
    if group.status is not GroupStatus.DISSOLVED:
        item.update(live_brand=group.brand, live="GROUP", live_status=group.status.value)
    return item


class DynamoShippingGroupRepository:
    def __init__(self, table: Any) -> None:
        self._table = table

    def get(self, brand: str, seq: int) -> ShippingGroup | None:
        item = self._table.get_item(Key={"brand": brand, "seq": seq}, ConsistentRead=True).get("Item")
        return ShippingGroup.model_validate_json(item["body"]) if item else None

    def get_many(self, keys: Sequence[tuple[str, int]]) -> list[ShippingGroup]:
        items = batch_get(self._table, [{"brand": brand, "seq": seq} for brand, seq in keys])
        return [ShippingGroup.model_validate_json(item["body"]) for item in items]

    def page(
        self, brand: str | None, status: GroupStatus | None, after: dict[str, Any] | None, limit: int, order_budget: int
    ) -> Page[ShippingGroup]:
        if brand is not None:  # a brand's own list has no status filter
            index, key = "live_by_brand", Key("live_brand").eq(brand)
        elif status is not None:
            index, key = "live_by_status", Key("live_status").eq(status.value)
        else:
            index, key = "live", Key("live").eq("GROUP")
        query: dict[str, Any] = {"IndexName": index, "KeyConditionExpression": key, "ScanIndexForward": False, "Limit": limit + 1}
        if after is not None:
            query["ExclusiveStartKey"] = after
        items = self._table.query(**query)["Items"]
        groups = [ShippingGroup.model_validate_json(item["body"]) for item in items]
        kept = fitting(groups[:limit], order_budget)
        more = len(items) > len(kept)
        return Page(items=kept, last_key=position(SHIPPING_GROUPS, index, items[len(kept) - 1]) if more else None)


def fitting(groups: list[ShippingGroup], order_budget: int) -> list[ShippingGroup]:
    """The first groups whose orders together stay within the budget (at least one group)."""
    kept: list[ShippingGroup] = []
    total = 0
    for group in groups:
        total += len(group.order_numbers)
        if kept and total > order_budget:
            break
        kept.append(group)
    return kept
