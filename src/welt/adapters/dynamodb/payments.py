"""Payments, the invoice register and the log of handled Stripe events, in DynamoDB."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from boto3.dynamodb.conditions import Attr, Key

from welt.domain.payment import IN_FLIGHT, Payment, PaymentState
from welt.domain.verifactu import RegistrationRecord, SendingTurn
from welt.services.ports import InvoiceNumberWrite, PaidPage, RegistrationRecordWrite, SendingTurnWrite, SubmissionWrite, paid_key

COUNTER_SEQ = 0


def payment_item(payment: Payment) -> dict[str, Any]:
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
    if payment.status is PaymentState.NEEDS_REVIEW:
        item["needs_review"] = PaymentState.NEEDS_REVIEW.value
    if payment.invoice_number is not None and payment.settled_at is not None:
        item.update(paid_brand=payment.brand, paid_key=paid_key(payment.settled_at, payment.payment_id))
    return item


def invoice_items(write: InvoiceNumberWrite) -> tuple[dict[str, Any], dict[str, Any]]:
    """The year's counter at its new value, and the invoice row."""
    counter = {"pk": f"{write.series}{write.year}", "seq": COUNTER_SEQ, "last_seq": write.seq}
    row = {
        "pk": f"{write.series}{write.year}",
        "seq": write.seq,
        "invoice_number": write.number,
        "payment_id": write.payment_id,
        "brand": write.brand,
        "issued_at": write.at.isoformat(),
    }
    return counter, row


# The VERI*FACTU chain lives beside the invoice rows: its head at seq 0, each record at its position.
CHAIN = "VERIFACTU"


def registration_items(write: RegistrationRecordWrite) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The chain's head moved onto the last record written, and the records."""
    records = [write.record, *([write.then] if write.then else [])]
    last = records[-1]
    head = {"pk": CHAIN, "seq": COUNTER_SEQ, "position": last.position, "fingerprint": last.fingerprint, "body": last.model_dump_json()}
    rows = [
        {"pk": CHAIN, "seq": r.position, "invoice_number": r.invoice_number, "submission": r.submission.value, "body": r.model_dump_json()}
        for r in records
    ]
    return head, rows


def submission_item(write: SubmissionWrite) -> dict[str, Any]:
    record = write.record
    return {
        "pk": CHAIN,
        "seq": record.position,
        "invoice_number": record.invoice_number,
        "submission": record.submission.value,
        "body": record.model_dump_json(),
    }


# The queue's turn to send records to AEAT: one item beside the chain (not in it: the chain's rows are records).
SENDING = "VERIFACTU_SENDING"


def sending_turn_item(write: SendingTurnWrite) -> dict[str, Any]:
    turn = write.turn
    return {"pk": SENDING, "seq": COUNTER_SEQ, "version": turn.version, "body": turn.model_dump_json()}


class DynamoPaymentRepository:
    def __init__(self, table: Any) -> None:
        self._table = table

    def get(self, payment_id: str) -> Payment | None:
        item = self._table.get_item(Key={"payment_id": payment_id}, ConsistentRead=True).get("Item")
        return Payment.model_validate_json(item["body"]) if item else None

    def by_intent(self, intent_id: str) -> Payment | None:
        items = self._table.query(IndexName="by_intent", KeyConditionExpression=Key("intent_id").eq(intent_id))["Items"]
        return Payment.model_validate_json(items[0]["body"]) if items else None

    def in_flight_since(self, before: datetime, limit: int) -> list[Payment]:
        items = self._table.query(
            IndexName="in_flight",
            KeyConditionExpression=Key("in_flight").eq("IN_FLIGHT") & Key("updated_at").lt(before.isoformat()),
            Limit=limit,
        )["Items"]
        found = [Payment.model_validate_json(item["body"]) for item in items]
        return [payment for payment in found if payment.status in IN_FLIGHT]

    def needing_review(self, limit: int) -> list[Payment]:
        items = self._table.query(
            IndexName="needs_review",
            KeyConditionExpression=Key("needs_review").eq(PaymentState.NEEDS_REVIEW.value),
            Limit=limit,
        )["Items"]
        found = [Payment.model_validate_json(item["body"]) for item in items]
        return [payment for payment in found if payment.status is PaymentState.NEEDS_REVIEW]

    def paid(self, brand: str, since: datetime | None, after: str | None, limit: int) -> PaidPage:
        """The brand's invoiced payments, newest first: a page of `limit`, or (with `since`) all paid since then."""
        condition = Key("paid_brand").eq(brand)
        if since is not None:
            condition &= Key("paid_key").gte(paid_key(since, ""))
        query: dict[str, Any] = {"IndexName": "paid_by_brand", "KeyConditionExpression": condition, "ScanIndexForward": False}
        if after is not None:
            query["ExclusiveStartKey"] = {"paid_brand": brand, "paid_key": after, "payment_id": after.rpartition("#")[2]}
        found: list[dict[str, Any]] = []
        while len(found) <= limit:
            query["Limit"] = limit + 1 - len(found)
            response = self._table.query(**query)
            found += response["Items"]
            if "LastEvaluatedKey" not in response:
                break
            query["ExclusiveStartKey"] = response["LastEvaluatedKey"]
        payments = [Payment.model_validate_json(item["body"]) for item in found[:limit]]
        return PaidPage(payments=payments, after=str(found[limit - 1]["paid_key"]) if len(found) > limit else None)


def index_paid_payments(table: Any) -> int:
    """Give every invoiced payment written before the `paid_by_brand` index its keys; how many it gave them to.

    Run once after deploying the index (`python -m welt.admin index-paid-payments`): a one-off Scan, each item
    updated only at the version read, so a payment changed meanwhile (which then carries its keys) is left alone.
    """
    done = 0
    scan: dict[str, Any] = {"FilterExpression": Attr("paid_brand").not_exists() & Attr("body").exists()}
    while True:
        response = table.scan(**scan)
        for item in response["Items"]:
            payment = Payment.model_validate_json(item["body"])
            keys = payment_item(payment)
            if "paid_brand" not in keys:
                continue
            try:
                table.update_item(
                    Key={"payment_id": payment.payment_id},
                    UpdateExpression="SET paid_brand = :brand, paid_key = :key",
                    ConditionExpression=Attr("version").eq(item["version"]),
                    ExpressionAttributeValues={":brand": keys["paid_brand"], ":key": keys["paid_key"]},
                )
                done += 1
            except table.meta.client.exceptions.ConditionalCheckFailedException:
                continue
        if "LastEvaluatedKey" not in response:
            return done
        scan["ExclusiveStartKey"] = response["LastEvaluatedKey"]


class DynamoInvoiceRegister:
    """Gapless invoice numbers per year: a counter item moved in the same transaction as the payment's success."""

    def __init__(self, table: Any) -> None:
        self._table = table

    def last_number(self, year: int, series: str = "") -> int:
        item = self._table.get_item(Key={"pk": f"{series}{year}", "seq": COUNTER_SEQ}, ConsistentRead=True).get("Item")
        return int(item["last_seq"]) if item else 0

    def chain_head(self) -> RegistrationRecord | None:
        item = self._table.get_item(Key={"pk": CHAIN, "seq": COUNTER_SEQ}, ConsistentRead=True).get("Item")
        return RegistrationRecord.model_validate_json(item["body"]) if item else None

    def records(self, after_position: int, limit: int) -> list[RegistrationRecord]:
        items = self._table.query(
            KeyConditionExpression=Key("pk").eq(CHAIN) & Key("seq").gt(max(after_position, COUNTER_SEQ)),
            Limit=limit,
            ConsistentRead=True,
        )["Items"]
        return [RegistrationRecord.model_validate_json(item["body"]) for item in items]

    def sending_turn(self) -> SendingTurn | None:
        item = self._table.get_item(Key={"pk": SENDING, "seq": COUNTER_SEQ}, ConsistentRead=True).get("Item")
        return SendingTurn.model_validate_json(item["body"]) if item else None


class DynamoEventLog:
    def __init__(self, table: Any, keep: timedelta = timedelta(days=30)) -> None:
        self._table = table
        self._keep = keep

    def seen(self, event_id: str) -> bool:
        return "Item" in self._table.get_item(Key={"event_id": event_id}, ConsistentRead=True)

    def remember(self, event_id: str, event_type: str, at: datetime) -> None:
        self._table.put_item(
            Item={"event_id": event_id, "type": event_type, "handled_at": at.isoformat(), "expires_at": int((at + self._keep).timestamp())}
        )
