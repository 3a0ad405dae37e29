"""One TransactWriteItems per business change: every write with the state it expects, all applied or none."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from welt.adapters.dynamodb.brands import brand_item
from welt.adapters.dynamodb.groups import group_item
from welt.adapters.dynamodb.orders import CAPPED_USE_RETENTION, capped_use_key, checkout_item, event_item, order_item
from welt.adapters.dynamodb.outbox import message_item
from welt.adapters.dynamodb.payments import (
    COUNTER_SEQ,
    invoice_items,
    payment_item,
    registration_items,
    sending_turn_item,
    submission_item,
)
from welt.adapters.dynamodb.reading import to_wire
from welt.adapters.tables import BRANDS, INVOICES, ORDERS, OUTBOX, PAYMENTS, SHIPPING_GROUPS, TableDefinition
from welt.services.ports import (
    BrandCheck,
    BrandWrite,
    CappedUse,
    CheckoutKeyWrite,
    GroupWrite,
    InvoiceNumberWrite,
    MessageWrite,
    OrderWrite,
    PaymentWrite,
    RegistrationRecordWrite,
    SendingTurnWrite,
    SubmissionWrite,
    Transaction,
    TransactionConflictError,
    Write,
)

MAX_ITEMS = 100  # DynamoDB's limit per transaction


def _put(table: str, item: dict[str, Any], condition: str | None = None, values: dict[str, Any] | None = None) -> dict[str, Any]:
    put: dict[str, Any] = {"TableName": table, "Item": to_wire(item)}
    if condition:
        put["ConditionExpression"] = condition
    if values:
        put["ExpressionAttributeValues"] = to_wire(values)
    return {"Put": put}


def _new(table: str, item: dict[str, Any], key: str) -> dict[str, Any]:
    return _put(table, item, f"attribute_not_exists({key})")


def _at_version(table: str, item: dict[str, Any], version: int | None) -> dict[str, Any]:
    return _put(table, item, "version = :expected", {":expected": version})


class DynamoStore:
    """Commits transactions to Welt's tables (names from the one definition, with the stage's prefix)."""

    def __init__(self, client: Any, table_names: dict[str, str]) -> None:
        self._client = client
        self._names = table_names

    def _name(self, table: TableDefinition) -> str:
        return self._names[table.logical_name]

    def _items(self, write: Write) -> list[dict[str, Any]]:
        match write:
            case OrderWrite(order=order, expected_version=None):
                events = [_put(self._name(ORDERS), event_item(order, e)) for e in order.new_events]
                return [_new(self._name(ORDERS), order_item(order), "pk"), *events]
            case OrderWrite(order=order, expected_version=version, expected_status=status):
                assert status is not None
                guarded = _put(
                    self._name(ORDERS),
                    order_item(order),
                    "version = :expected AND order_status = :status",
                    {":expected": version, ":status": status.value},
                )
                return [guarded, *[_put(self._name(ORDERS), event_item(order, e)) for e in order.new_events]]
            case BrandWrite(brand=brand, expected_version=None):
                return [_new(self._name(BRANDS), brand_item(brand), "code")]
            case BrandWrite(brand=brand, expected_version=version):
                return [_at_version(self._name(BRANDS), brand_item(brand), version)]
            case BrandCheck(code=code, stamps_status=stamps):
                return [
                    {
                        "ConditionCheck": {
                            "TableName": self._name(BRANDS),
                            "Key": to_wire({"code": code}),
                            "ConditionExpression": "stamps_status = :stamps",
                            "ExpressionAttributeValues": to_wire({":stamps": stamps.value}),
                        }
                    }
                ]
            case GroupWrite(group=group, expected_version=None):
                return [_new(self._name(SHIPPING_GROUPS), group_item(group), "brand")]
            case GroupWrite(group=group, expected_version=version):
                return [_at_version(self._name(SHIPPING_GROUPS), group_item(group), version)]
            case PaymentWrite(payment=payment, expected_version=None):
                return [_new(self._name(PAYMENTS), payment_item(payment), "payment_id")]
            case PaymentWrite(payment=payment, expected_version=version):
                return [_at_version(self._name(PAYMENTS), payment_item(payment), version)]
            case InvoiceNumberWrite():
                counter, row = invoice_items(write)
                if write.seq == COUNTER_SEQ + 1:
                    moved = _new(self._name(INVOICES), counter, "pk")
                else:
                    moved = _put(self._name(INVOICES), counter, "last_seq = :previous", {":previous": write.seq - 1})
                return [moved, _new(self._name(INVOICES), row, "pk")]
            case RegistrationRecordWrite(record=record):
                head, rows = registration_items(write)
                if record.previous_fingerprint is None:
                    moved = _new(self._name(INVOICES), head, "pk")
                else:
                    moved = _put(self._name(INVOICES), head, "fingerprint = :previous", {":previous": record.previous_fingerprint})
                return [moved, *(_new(self._name(INVOICES), row, "pk") for row in rows)]
            case SubmissionWrite():
                # Only AEAT's answer changes on a record, and only once: from PENDING.
                return [_put(self._name(INVOICES), submission_item(write), "submission = :pending", {":pending": "PENDING"})]
            case SendingTurnWrite(expected_version=None):
                return [_new(self._name(INVOICES), sending_turn_item(write), "pk")]
            case SendingTurnWrite(expected_version=version):
                return [_at_version(self._name(INVOICES), sending_turn_item(write), version)]
            case CheckoutKeyWrite():
                return [_new(self._name(ORDERS), checkout_item(write), "pk")]
            case MessageWrite(message=message):
                return [_new(self._name(OUTBOX), message_item(message), "message_id")]
            case CappedUse():
                expires = int((write.hour + CAPPED_USE_RETENTION).timestamp())
                update = {
                    "TableName": self._name(ORDERS),
                    "Key": to_wire(capped_use_key(write)),
                    "UpdateExpression": "ADD uses :one SET expires_at = :expires",
                    "ConditionExpression": "attribute_not_exists(uses) OR uses < :cap",
                    "ExpressionAttributeValues": to_wire({":one": 1, ":expires": expires, ":cap": write.cap}),
                }
                return [{"Update": update}]
        raise TypeError(f"unknown write {write!r}")

    def commit(self, transaction: Transaction) -> None:
        items: list[dict[str, Any]] = []
        owners: list[Write] = []
        for write in transaction.writes:
            for item in self._items(write):
                items.append(item)
                owners.append(write)
        if not items:
            return
        if len(items) > MAX_ITEMS:
            raise ValueError(f"a transaction of {len(items)} items is over DynamoDB's {MAX_ITEMS}")
        try:
            self._client.transact_write_items(TransactItems=items)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "TransactionCanceledException":
                raise
            reasons = error.response.get("CancellationReasons") or []
            failed = [owners[i] for i, reason in enumerate(reasons) if reason.get("Code") == "ConditionalCheckFailed" and i < len(owners)]
            if not failed and any(reason.get("Code") == "TransactionConflict" for reason in reasons):
                failed = list(transaction.writes)  # another transaction held an item: a race like any other
            if not failed:
                raise
            raise TransactionConflictError(failed) from None
