"""DynamoDB implementations of the order, brand and outbox repositories.

Every write that changes state is conditional: on the version and status it expects,
or on the item not existing yet.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from boto3.dynamodb.conditions import Attr, ConditionBase, Key
from botocore.exceptions import ClientError

from welt.domain.errors import StateConflictError
from welt.domain.model import Brand, Order, OrderStatus, OrderType, PaymentStatus
from welt.domain.payment import IN_FLIGHT, Payment, invoice_number
from welt.domain.shipping_group import GroupStatus, ShippingGroup
from welt.services.ports import (
    GROUPABLE_LIMIT,
    ConcurrentUpdateError,
    OrderFilter,
    OutboxMessage,
    OutboxState,
    Page,
    search_text,
)

NUMBERING_ATTEMPTS = 200
SENT_MESSAGE_RETENTION = timedelta(days=30)


def _lost_condition(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


def _plain(value: Any) -> Any:
    """DynamoDB numbers come back as Decimal; positions and counters are integers."""
    if isinstance(value, Decimal):
        return int(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def put_next_in_sequence(table: Any, partition: tuple[str, str], item_for: Callable[[int], dict[str, Any]]) -> int:
    """Store `item_for(n)` under the partition's next sequence number n (range key `seq`).

    The next number is one past the highest stored; the conditional put makes the first writer win it and
    sends the others round again, so numbers have no gaps and no twins.
    """
    name, value = partition
    for attempt in range(NUMBERING_ATTEMPTS):
        found = table.query(KeyConditionExpression=Key(name).eq(value), ScanIndexForward=False, Limit=1,
                            ProjectionExpression="seq", ConsistentRead=True)["Items"]
        seq = (int(found[0]["seq"]) if found else 0) + 1
        try:
            table.put_item(Item=item_for(seq), ConditionExpression=Attr("seq").not_exists())
            return seq
        except ClientError as error:
            if not _lost_condition(error):
                raise
        time.sleep(random.uniform(0, 0.005 * min(attempt + 1, 20)))  # noqa: S311 (jitter, not secrecy)
    raise StateConflictError(f"Too many writers are numbering {value} at once; try again.")


class DynamoOrderRepository:
    def __init__(self, table: Any) -> None:
        self._table = table

    @staticmethod
    def _item(order: Order) -> dict[str, Any]:
        item: dict[str, Any] = {
            "brand": order.brand,
            "seq": order.seq,
            "kind": "ORDER",
            "created_key": f"{order.created_at.isoformat()}#{order.brand}#{order.seq:010d}",
            "status": order.status.value,
            "payment_status": order.payment_status.value,
            "type": order.type.value,
            "search": search_text(order),
            "version": order.version,
            "body": json.dumps(order.model_dump(mode="json"), separators=(",", ":")),
        }
        if order.production_stage is not None:
            item["stage"] = order.production_stage.value
        if order.checkout_key:
            item["checkout"] = f"{order.brand}#{order.checkout_key}"
        return item

    @staticmethod
    def _order(item: dict[str, Any]) -> Order:
        return Order.model_validate_json(item["body"])

    def add_next(self, brand: str, build: Callable[[int], Order]) -> Order:
        built: dict[int, Order] = {}

        def item_for(seq: int) -> dict[str, Any]:
            built[seq] = build(seq)
            return self._item(built[seq])

        return built[put_next_in_sequence(self._table, ("brand", brand), item_for)]

    def get(self, brand: str, seq: int) -> Order | None:
        item = self._table.get_item(Key={"brand": brand, "seq": seq}, ConsistentRead=True).get("Item")
        return self._order(item) if item else None

    def placed_by(self, brand: str, checkout_key: str) -> Order | None:
        items = self._table.query(IndexName="by_checkout", KeyConditionExpression=Key("checkout").eq(f"{brand}#{checkout_key}"),
                                  Limit=1)["Items"]
        return self.get(brand, int(items[0]["seq"])) if items else None

    def save(self, order: Order, expected_version: int, expected_status: OrderStatus) -> None:
        condition = Attr("version").eq(expected_version) & Attr("status").eq(expected_status.value)
        try:
            self._table.put_item(Item=self._item(order), ConditionExpression=condition)
        except ClientError as error:
            if _lost_condition(error):
                raise ConcurrentUpdateError(order.order_number) from None
            raise

    @staticmethod
    def _filter(where: OrderFilter) -> ConditionBase | None:
        conditions: list[ConditionBase] = []
        if where.status is not None:
            conditions.append(Attr("status").eq(where.status.value))
        if where.type is not None:
            conditions.append(Attr("type").eq(where.type.value))
        if where.brand is not None:
            conditions.append(Attr("brand").eq(where.brand))
        if where.stage is not None:
            conditions.append(Attr("stage").eq(where.stage.value))
        if where.text:
            conditions.append(Attr("search").contains(where.text))
        if not conditions:
            return None
        combined = conditions[0]
        for condition in conditions[1:]:
            combined = combined & condition
        return combined

    def _matching(self, query: dict[str, Any], where: OrderFilter) -> Iterator[dict[str, Any]]:
        condition = self._filter(where)
        if condition is not None:
            query["FilterExpression"] = condition
        while True:
            response = self._table.query(**query)
            yield from response["Items"]
            if "LastEvaluatedKey" not in response:
                return
            query["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def _page(self, query: dict[str, Any], where: OrderFilter, limit: int, position: Callable[[dict[str, Any]], dict[str, Any]]) -> Page:
        # One item past the page tells whether there is a next page at all.
        items: list[dict[str, Any]] = []
        query["Limit"] = limit + 1
        for item in self._matching(query, where):
            items.append(item)
            if len(items) > limit:
                break
        orders = [self._order(item) for item in items[:limit]]
        more = len(items) > limit
        return Page(orders=orders, last_key=position(items[limit - 1]) if more else None)

    def brand_page(self, brand: str, where: OrderFilter, after: dict[str, Any] | None, limit: int) -> Page:
        query: dict[str, Any] = {"KeyConditionExpression": Key("brand").eq(brand), "ScanIndexForward": False}
        if after is not None:
            query["ExclusiveStartKey"] = {"brand": brand, "seq": int(after["seq"])}
        return self._page(query, where, limit, lambda item: {"seq": int(item["seq"])})

    def all_brands_page(self, where: OrderFilter, after: dict[str, Any] | None, limit: int) -> Page:
        query: dict[str, Any] = {
            "IndexName": "by_created",
            "KeyConditionExpression": Key("kind").eq("ORDER"),
            "ScanIndexForward": False,
        }
        if after is not None:
            query["ExclusiveStartKey"] = {
                "kind": "ORDER",
                "created_key": str(after["created_key"]),
                "brand": str(after["brand"]),
                "seq": int(after["seq"]),
            }

        def position(item: dict[str, Any]) -> dict[str, Any]:
            return {"created_key": item["created_key"], "brand": item["brand"], "seq": int(item["seq"])}

        return self._page(query, where, limit, position)

    def groupable_orders(self, brand: str) -> list[Order]:
        # The group is only in the stored body, so membership is checked after reading.
        query: dict[str, Any] = {
            "KeyConditionExpression": Key("brand").eq(brand),
            "ScanIndexForward": False,
            "FilterExpression": Attr("type").eq(OrderType.MTO.value)
            & Attr("status").eq(OrderStatus.PENDING_PAYMENT.value)
            & Attr("payment_status").eq(PaymentStatus.UNPAID.value),
        }
        found: list[Order] = []
        for item in self._matching(query, OrderFilter()):
            order = self._order(item)
            if order.shipping_group_id is None:
                found.append(order)
                if len(found) == GROUPABLE_LIMIT:
                    break
        return found


class DynamoBrandRepository:
    def __init__(self, table: Any) -> None:
        self._table = table

    def get(self, code: str) -> Brand | None:
        item = self._table.get_item(Key={"code": code}, ConsistentRead=True).get("Item")
        return Brand.model_validate(_plain(item)) if item else None

    def add(self, brand: Brand) -> None:
        try:
            self._table.put_item(Item=brand.model_dump(mode="json"), ConditionExpression=Attr("code").not_exists())
        except ClientError as error:
            if not _lost_condition(error):
                raise

    def all(self) -> list[Brand]:
        scan: dict[str, Any] = {"ConsistentRead": True}
        brands: list[Brand] = []
        while True:
            response = self._table.scan(**scan)
            brands += [Brand.model_validate(_plain(item)) for item in response["Items"]]
            if "LastEvaluatedKey" not in response:
                return sorted(brands, key=lambda brand: brand.code)
            scan["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def save(self, brand: Brand, expected_version: int) -> None:
        try:
            self._table.put_item(Item=brand.model_dump(mode="json"), ConditionExpression=Attr("version").eq(expected_version))
        except ClientError as error:
            if _lost_condition(error):
                raise ConcurrentUpdateError(brand.code) from None
            raise


WAITING = "WAITING"


class DynamoOutbox:
    def __init__(self, table: Any) -> None:
        self._table = table

    def enqueue(self, message: OutboxMessage) -> bool:
        item = {
            "message_id": message.message_id,
            "to": message.to,
            "subject": message.subject,
            "body": message.body,
            "state": OutboxState.PENDING.value,
            "attempts": 0,
            "waiting": WAITING,
            "next_attempt_at": (message.next_attempt_at.isoformat() if message.next_attempt_at else "0"),
            "context": message.context,
        }
        try:
            self._table.put_item(Item=item, ConditionExpression=Attr("message_id").not_exists())
            return True
        except ClientError as error:
            if _lost_condition(error):
                return False
            raise

    def get(self, message_id: str) -> OutboxMessage | None:
        item = self._table.get_item(Key={"message_id": message_id}, ConsistentRead=True).get("Item")
        if not item:
            return None

        def when(name: str) -> datetime | None:
            value = item.get(name)
            return datetime.fromisoformat(value) if value and value != "0" else None

        return OutboxMessage(
            message_id=item["message_id"],
            to=item["to"],
            subject=item["subject"],
            body=item["body"],
            state=OutboxState(item["state"]),
            attempts=int(item.get("attempts", 0)),
            next_attempt_at=when("next_attempt_at"),
            lease_until=when("lease_until"),
            last_error=item.get("last_error"),
            sent_at=when("sent_at"),
            context=dict(item.get("context", {})),
        )

    def due(self, now: datetime, limit: int) -> list[OutboxMessage]:
        items = self._table.query(
            IndexName="waiting",
            KeyConditionExpression=Key("waiting").eq(WAITING) & Key("next_attempt_at").lte(now.isoformat()),
            Limit=limit,
        )["Items"]
        found = [self.get(item["message_id"]) for item in items]
        return [message for message in found if message is not None]

    def claim(self, message_id: str, now: datetime, lease_until: datetime) -> bool:
        # A sender that died mid-send leaves SENDING with a lease; once it runs out anyone may retry.
        condition = Attr("state").eq(OutboxState.PENDING.value) | (
            Attr("state").eq(OutboxState.SENDING.value) & Attr("lease_until").lt(now.isoformat())
        )
        try:
            self._table.update_item(
                Key={"message_id": message_id},
                UpdateExpression="SET #state = :sending, lease_until = :lease, next_attempt_at = :lease",
                ConditionExpression=condition,
                ExpressionAttributeNames={"#state": "state"},
                ExpressionAttributeValues={":sending": OutboxState.SENDING.value, ":lease": lease_until.isoformat()},
            )
            return True
        except ClientError as error:
            if _lost_condition(error):
                return False
            raise

    def mark_sent(self, message_id: str, at: datetime) -> None:
        self._table.update_item(
            Key={"message_id": message_id},
            UpdateExpression="SET #state = :sent, sent_at = :at, expires_at = :expires REMOVE waiting, lease_until",
            ConditionExpression=Attr("state").eq(OutboxState.SENDING.value),
            ExpressionAttributeNames={"#state": "state"},
            ExpressionAttributeValues={
                ":sent": OutboxState.SENT.value,
                ":at": at.isoformat(),
                ":expires": int((at + SENT_MESSAGE_RETENTION).timestamp()),
            },
        )

    def release(self, message_id: str, error: str, retry_at: datetime) -> None:
        self._table.update_item(
            Key={"message_id": message_id},
            UpdateExpression="SET #state = :pending, attempts = attempts + :one, last_error = :error, "
            "next_attempt_at = :retry REMOVE lease_until",
            ConditionExpression=Attr("state").eq(OutboxState.SENDING.value),
            ExpressionAttributeNames={"#state": "state"},
            ExpressionAttributeValues={
                ":pending": OutboxState.PENDING.value,
                ":one": 1,
                ":error": error,
                ":retry": retry_at.isoformat(),
            },
        )


class DynamoPaymentRepository:
    def __init__(self, table: Any) -> None:
        self._table = table

    @staticmethod
    def _item(payment: Payment) -> dict[str, Any]:
        item: dict[str, Any] = {
            "payment_id": payment.payment_id,
            "brand": payment.brand,
            "status": payment.status.value,
            "version": payment.version,
            "updated_at": payment.updated_at.isoformat(),
            "body": payment.model_dump_json(),
        }
        if payment.intent_id:
            item["intent_id"] = payment.intent_id
        if payment.status in IN_FLIGHT:
            item["in_flight"] = "IN_FLIGHT"
        return item

    def add(self, payment: Payment) -> None:
        self._table.put_item(Item=self._item(payment), ConditionExpression=Attr("payment_id").not_exists())

    def get(self, payment_id: str) -> Payment | None:
        item = self._table.get_item(Key={"payment_id": payment_id}, ConsistentRead=True).get("Item")
        return Payment.model_validate_json(item["body"]) if item else None

    def save(self, payment: Payment, expected_version: int) -> None:
        try:
            self._table.put_item(Item=self._item(payment), ConditionExpression=Attr("version").eq(expected_version))
        except ClientError as error:
            if _lost_condition(error):
                raise ConcurrentUpdateError(payment.payment_id) from None
            raise

    def by_intent(self, intent_id: str) -> Payment | None:
        items = self._table.query(IndexName="by_intent", KeyConditionExpression=Key("intent_id").eq(intent_id))["Items"]
        return self.get(items[0]["payment_id"]) if items else None

    def in_flight_since(self, before: datetime, limit: int) -> list[Payment]:
        items = self._table.query(
            IndexName="in_flight",
            KeyConditionExpression=Key("in_flight").eq("IN_FLIGHT") & Key("updated_at").lt(before.isoformat()),
            Limit=limit,
        )["Items"]
        found = [self.get(item["payment_id"]) for item in items]
        return [payment for payment in found if payment is not None and payment.status in IN_FLIGHT]


class DynamoInvoiceRegister:
    """Gapless invoice numbers per year, one per payment.

    A payment first claims its invoice (a `payment#<id>` item); only the claimer takes the next number
    of the year, so two deliveries of the same success cannot both take one. A claim left pending by a
    writer that died is taken over after CLAIM_TIMEOUT.
    """

    CLAIM_TIMEOUT = timedelta(seconds=60)
    WAIT = 0.1
    WAITS = 50

    def __init__(self, table: Any) -> None:
        self._table = table

    def _claim_key(self, payment_id: str) -> dict[str, Any]:
        return {"pk": f"payment#{payment_id}", "seq": 0}

    def _note(self, payment_id: str, number: str) -> None:
        self._table.update_item(Key=self._claim_key(payment_id), UpdateExpression="SET invoice_number = :number",
                                ExpressionAttributeValues={":number": number})

    def _claim(self, payment_id: str, at: datetime) -> str | None:
        """The payment's number if it has one; "" once this writer holds the claim; None to wait."""
        key = self._claim_key(payment_id)
        item = self._table.get_item(Key=key, ConsistentRead=True).get("Item")
        if item and item.get("invoice_number"):
            return str(item["invoice_number"])
        try:
            if item is None:
                self._table.put_item(Item={**key, "claimed_at": at.isoformat()}, ConditionExpression=Attr("pk").not_exists())
                return ""
            if datetime.fromisoformat(str(item["claimed_at"])) < at - self.CLAIM_TIMEOUT:
                self._table.update_item(
                    Key=key, UpdateExpression="SET claimed_at = :now",
                    ConditionExpression=Attr("claimed_at").eq(item["claimed_at"]) & Attr("invoice_number").not_exists(),
                    ExpressionAttributeValues={":now": at.isoformat()},
                )
                return ""
        except ClientError as error:
            if not _lost_condition(error):
                raise
        return None

    def _taken_by(self, payment_id: str) -> str | None:
        """A number a dead claimer took before it could note it on the claim."""
        items = self._table.query(IndexName="by_payment", KeyConditionExpression=Key("payment_id").eq(payment_id),
                                  Limit=1)["Items"]
        return str(items[0]["invoice_number"]) if items else None

    def issue(self, year: int, payment_id: str, brand: str, at: datetime) -> str:
        for _ in range(self.WAITS):
            claimed = self._claim(payment_id, at)
            if claimed:
                return claimed
            if claimed is None:
                time.sleep(self.WAIT)  # another delivery is issuing it right now
                continue
            taken = self._taken_by(payment_id)
            if taken:
                self._note(payment_id, taken)
                return taken

            def item_for(seq: int) -> dict[str, Any]:
                return {"pk": str(year), "seq": seq, "invoice_number": invoice_number(year, seq), "payment_id": payment_id,
                        "brand": brand, "issued_at": at.isoformat()}

            number = invoice_number(year, put_next_in_sequence(self._table, ("pk", str(year)), item_for))
            self._note(payment_id, number)
            return number
        raise StateConflictError(f"The invoice of {payment_id} is being issued by another delivery; try again.")


class DynamoEventLog:
    def __init__(self, table: Any, keep: timedelta = timedelta(days=30)) -> None:
        self._table = table
        self._keep = keep

    def seen(self, event_id: str) -> bool:
        return "Item" in self._table.get_item(Key={"event_id": event_id}, ConsistentRead=True)

    def remember(self, event_id: str, event_type: str, at: datetime) -> None:
        self._table.put_item(Item={"event_id": event_id, "type": event_type, "handled_at": at.isoformat(),
                                   "expires_at": int((at + self._keep).timestamp())})


class DynamoShippingGroupRepository:
    def __init__(self, table: Any) -> None:
        self._table = table

    @staticmethod
    def _item(group: ShippingGroup) -> dict[str, Any]:
        return {"brand": group.brand, "seq": group.seq, "status": group.status.value, "version": group.version,
                "body": group.model_dump_json()}

    def add_next(self, brand: str, build: Callable[[int], ShippingGroup]) -> ShippingGroup:
        built: dict[int, ShippingGroup] = {}

        def item_for(seq: int) -> dict[str, Any]:
            built[seq] = build(seq)
            return self._item(built[seq])

        return built[put_next_in_sequence(self._table, ("brand", brand), item_for)]

    def get(self, brand: str, seq: int) -> ShippingGroup | None:
        item = self._table.get_item(Key={"brand": brand, "seq": seq}, ConsistentRead=True).get("Item")
        return ShippingGroup.model_validate_json(item["body"]) if item else None

    def save(self, group: ShippingGroup, expected_version: int) -> None:
        try:
            self._table.put_item(Item=self._item(group), ConditionExpression=Attr("version").eq(expected_version))
        except ClientError as error:
            if _lost_condition(error):
                raise ConcurrentUpdateError(group.shipping_group_id) from None
            raise

    def remove(self, brand: str, seq: int, expected_version: int) -> None:
        self._table.delete_item(Key={"brand": brand, "seq": seq}, ConditionExpression=Attr("version").eq(expected_version))

    def brand_groups(self, brand: str, include_dissolved: bool) -> list[ShippingGroup]:
        query: dict[str, Any] = {"KeyConditionExpression": Key("brand").eq(brand), "ScanIndexForward": False}
        if not include_dissolved:
            query["FilterExpression"] = Attr("status").ne(GroupStatus.DISSOLVED.value)
        groups: list[ShippingGroup] = []
        while True:
            response = self._table.query(**query)
            groups += [ShippingGroup.model_validate_json(item["body"]) for item in response["Items"]]
            if "LastEvaluatedKey" not in response:
                return groups
            query["ExclusiveStartKey"] = response["LastEvaluatedKey"]
