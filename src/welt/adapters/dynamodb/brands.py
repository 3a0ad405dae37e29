"""The brand registry in DynamoDB: one item per brand, with its stamps, stamp-fee claim and counters."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from boto3.dynamodb.conditions import Attr, Key
from botocore.exceptions import ClientError

from welt.adapters.dynamodb.reading import batch_get, plain, position
from welt.adapters.tables import BRANDS
from welt.domain.model import Brand
from welt.services.ports import Page

REGISTRY = "BRAND"  # the partition of the `registry` index every brand is listed in


def brand_item(brand: Brand) -> dict[str, Any]:
    return {**brand.model_dump(mode="json", exclude_none=True), "registry": REGISTRY}


class DynamoBrandRepository:
    def __init__(self, table: Any) -> None:
        self._table = table

    def get(self, code: str) -> Brand | None:
        item = self._table.get_item(Key={"code": code}, ConsistentRead=True).get("Item")
        return Brand.model_validate(plain(item)) if item else None

    def get_many(self, codes: Sequence[str]) -> dict[str, Brand]:
        found = [Brand.model_validate(plain(item)) for item in batch_get(self._table, [{"code": c} for c in codes])]
        return {brand.code: brand for brand in found}

    def add(self, brand: Brand) -> None:
        try:
            self._table.put_item(Item=brand_item(brand), ConditionExpression=Attr("code").not_exists())
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise

    def page(self, after: dict[str, Any] | None, limit: int) -> Page[Brand]:
        query: dict[str, Any] = {"IndexName": "registry", "KeyConditionExpression": Key("registry").eq(REGISTRY), "Limit": limit + 1}
        if after is not None:
            query["ExclusiveStartKey"] = after
        items = self._table.query(**query)["Items"][: limit + 1]
        kept = items[:limit]
        more = len(items) > limit
        return Page([Brand.model_validate(plain(item)) for item in kept], position(BRANDS, "registry", kept[-1]) if more else None)
