"""Orders in DynamoDB: one partition per order (the order item and its timeline), indexes for every listing."""

from __future__ import annotations

import functools
import hashlib
import operator
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from boto3.dynamodb.conditions import Attr, Key

from welt.adapters.dynamodb.reading import batch_get, plain, position
from welt.adapters.tables import ORDER_FILTER_INDEXES, ORDERS
from welt.domain.model import STORED, Order, OrderStatus, OrderType, PaymentStatus, TimelineEvent, order_number
from welt.domain.shipping_group import address_key
from welt.services.ports import GROUPABLE_LIMIT, SEARCH_BUDGET, CappedUse, CheckoutKeyWrite, OrderFilter, Page, search_text

ORDER_SK = "ORDER"
EVENT_PREFIX = "EVENT#"
CHECKOUT_SK = "CHECKOUT"
CHECKOUT_KEY_RETENTION = timedelta(days=2)  # longer than the 24 hours an Idempotency-Key is honoured


def order_pk(brand: str, seq: int) -> str:
    return f"ORDER#{order_number(brand, seq)}"


def checkout_pk(brand: str, key_hash: str) -> str:
    return f"CHECKOUT#{brand}#{key_hash}"


# A brand's count of a capped use (card confirmations) in one clock hour lives here too, under its own partition,
# with none of the attributes the indexes key on; TTL removes it a day after its hour.
CAPPED_USE_RETENTION = timedelta(days=1)


def capped_use_key(use: CappedUse) -> dict[str, str]:
    return {"pk": f"CAP#{use.what}#{use.brand}", "sk": use.hour.isoformat()}


def created_key(order: Order) -> str:
    return f"{order.created_at.isoformat()}#{order.brand}#{order.seq:010d}"


def _address_hash(order: Order) -> str:
    return hashlib.sha256("\x1f".join(address_key(order)).encode()).hexdigest()[:24]


def order_item(order: Order) -> dict[str, Any]:
    """The order item, with the key of every index it belongs to (absent keys keep it out of sparse ones)."""
    status, kind = order.status.value, order.type.value
    item: dict[str, Any] = {
        "pk": order_pk(order.brand, order.seq),
        "sk": ORDER_SK,
        "brand": order.brand,
        "seq": order.seq,
        "kind": "ORDER",
        "created_key": created_key(order),
        "order_status": status,
        "order_type": kind,
        "brand_status": f"{order.brand}#{status}",
        "brand_type": f"{order.brand}#{kind}",
        "brand_status_type": f"{order.brand}#{status}#{kind}",
        "status_type": f"{status}#{kind}",
        "search": search_text(order),
        "version": order.version,
        "body": order.model_dump_json(),
    }
    if order.status is OrderStatus.WORK_IN_PROCESS and order.production_stage is not None:
        stage = order.production_stage.value
        item.update(
            stage=stage,
            stage_type=f"{stage}#{kind}",
            brand_stage=f"{order.brand}#{stage}",
            brand_stage_type=f"{order.brand}#{stage}#{kind}",
        )
    if (
        order.type is OrderType.MTO
        and order.status is OrderStatus.PENDING_PAYMENT
        and order.payment_status is PaymentStatus.UNPAID
        and order.shipping_group_id is None
    ):
        item.update(groupable=order.brand, address_key=f"{_address_hash(order)}#{order.seq:010d}")
    return item


def event_item(order: Order, event: TimelineEvent) -> dict[str, Any]:
    return {"pk": order_pk(order.brand, order.seq), "sk": f"{EVENT_PREFIX}{event.version:010d}", "body": event.model_dump_json()}


def checkout_item(write: CheckoutKeyWrite) -> dict[str, Any]:
    return {
        "pk": checkout_pk(write.brand, write.key_hash),
        "sk": CHECKOUT_SK,
        "brand": write.brand,
        "fingerprint": write.fingerprint,
        "order_number": write.order_number,
        "at": write.at.isoformat(),
        "expires_at": int((write.at + CHECKOUT_KEY_RETENTION).timestamp()),
    }


# The key attribute of each staff index whose name is not simply its key.
FACTORY_KEYS = {"by_created": "kind", "by_status": "order_status", "by_type": "order_type"}
FACTORY_INDEXES = {name for name in ORDER_FILTER_INDEXES if not name.startswith("by_brand")}


def created_bounds(where: OrderFilter) -> tuple[str | None, str | None]:
    """The lowest and highest `created_key` within the filter's dates. A key starts with the UTC instant, so the
    end is the last microsecond of the range followed by a character above every separator."""
    start, end = where.created_span
    return (start.isoformat() if start else None, f"{(end - timedelta(microseconds=1)).isoformat()}~" if end else None)


def index_for(where: OrderFilter) -> tuple[str, str, str] | None:
    """(index, key attribute, key value) of the index that holds exactly the orders `where` keeps, text aside.

    None when the filters cannot both hold: a production stage is only ever asked of orders in production.
    """
    if where.stage is not None and where.status not in (None, OrderStatus.WORK_IN_PROCESS):
        return None
    names: list[str] = []
    values: list[str] = [where.brand] if where.brand else []
    if where.stage is not None:
        names.append("stage")
        values.append(where.stage.value)
    elif where.status is not None:
        names.append("status")
        values.append(where.status.value)
    if where.type is not None:
        names.append("type")
        values.append(where.type.value)
    if where.brand:
        index = "_".join(["by_brand", *names])
        return index, index.removeprefix("by_"), "#".join(values)
    index = "_".join(["by", *names]) if names else "by_created"
    return index, FACTORY_KEYS.get(index, index.removeprefix("by_")), "#".join(values) or "ORDER"


class DynamoOrderRepository:
    def __init__(self, table: Any) -> None:
        self._table = table

    @staticmethod
    def _order(item: dict[str, Any]) -> Order:
        return Order.model_validate_json(item["body"], context=STORED)

    def get(self, brand: str, seq: int) -> Order | None:
        item = self._table.get_item(Key={"pk": order_pk(brand, seq), "sk": ORDER_SK}, ConsistentRead=True).get("Item")
        return self._order(item) if item else None

    def get_many(self, keys: Sequence[tuple[str, int]]) -> list[Order]:
        found = {
            item["pk"]: self._order(item) for item in batch_get(self._table, [{"pk": order_pk(b, s), "sk": ORDER_SK} for b, s in keys])
        }
        return [found[pk] for pk in (order_pk(b, s) for b, s in keys) if pk in found]

    def checkout(self, brand: str, key_hash: str) -> CheckoutKeyWrite | None:
        item = self._table.get_item(Key={"pk": checkout_pk(brand, key_hash), "sk": CHECKOUT_SK}, ConsistentRead=True).get("Item")
        if not item:
            return None
        return CheckoutKeyWrite(
            brand=brand,
            key_hash=key_hash,
            fingerprint=str(item["fingerprint"]),
            order_number=str(item["order_number"]),
            at=datetime.fromisoformat(str(item["at"])),
        )

    def page(self, where: OrderFilter, after: dict[str, Any] | None, limit: int) -> Page[Order]:
        located = index_for(where)
        if located is None:
            return Page(items=[], last_key=None)
        index, attribute, value = located
        query: dict[str, Any] = {
            "IndexName": index,
            "KeyConditionExpression": Key(attribute).eq(value),
            "ScanIndexForward": False,
            "Limit": limit + 1,
        }
        start, end = created_bounds(where)
        # Staff indexes sort by creation, so a date range narrows the key; a brand's sort by number, so it filters.
        sorted_by_date = index in FACTORY_INDEXES
        if sorted_by_date and start and end:
            query["KeyConditionExpression"] &= Key("created_key").between(start, end)
        elif sorted_by_date and (start or end):
            query["KeyConditionExpression"] &= Key("created_key").gte(start) if start else Key("created_key").lte(end)
        conditions = []
        if where.text:
            conditions.append(Attr("search").contains(where.text))
        if not sorted_by_date and start:
            conditions.append(Attr("created_key").gte(start))
        if not sorted_by_date and end:
            conditions.append(Attr("created_key").lte(end))
        searching = bool(conditions)
        if searching:
            query["FilterExpression"] = functools.reduce(operator.and_, conditions)
            query["Limit"] = SEARCH_BUDGET
        if after is not None:
            query["ExclusiveStartKey"] = after
        response = self._table.query(**query)
        items = response["Items"]
        if len(items) > limit:
            return Page(items=[self._order(i) for i in items[:limit]], last_key=position(ORDERS, index, items[limit - 1]))
        # Only a filtered read stops before the end of what matches: it carries on from where it looked.
        carry_on = plain(response["LastEvaluatedKey"]) if searching and "LastEvaluatedKey" in response else None
        return Page(items=[self._order(i) for i in items], last_key=carry_on)

    def timeline(self, brand: str, seq: int, after: dict[str, Any] | None, limit: int) -> Page[TimelineEvent]:
        query: dict[str, Any] = {
            "KeyConditionExpression": Key("pk").eq(order_pk(brand, seq)) & Key("sk").begins_with(EVENT_PREFIX),
            "Limit": limit + 1,
            "ConsistentRead": True,
        }
        if after is not None:
            query["ExclusiveStartKey"] = {"pk": order_pk(brand, seq), "sk": str(after["sk"])}
        items = self._table.query(**query)["Items"]
        events = [TimelineEvent.model_validate_json(item["body"]) for item in items[:limit]]
        return Page(items=events, last_key={"sk": items[limit - 1]["sk"]} if len(items) > limit else None)

    def groupable_orders(self, brand: str) -> list[Order]:
        items = self._table.query(IndexName="groupable", KeyConditionExpression=Key("groupable").eq(brand), Limit=GROUPABLE_LIMIT)["Items"]
        return sorted((self._order(item) for item in items), key=lambda order: order.seq, reverse=True)
