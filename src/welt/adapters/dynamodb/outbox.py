"""The email outbox in DynamoDB: messages written with the change that calls for them, then claimed, sent and kept."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from boto3.dynamodb.conditions import Attr, Key
from botocore.exceptions import ClientError

from welt.services.ports import OutboxMessage, OutboxState

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

SENT_MESSAGE_RETENTION = timedelta(days=30)
# The `waiting` index holds every unsent message: WAITING ones are retried, DEAD ones are listed for staff.
WAITING = "WAITING"
ERASED_BODY = "(erased once sent: it held a temporary password)"
DEAD = "DEAD"
# A brand's sends in one clock hour are counted in an item of this table (no `state`, so no sender takes it).
SEND_COUNT_RETENTION = timedelta(days=1)


def send_count_key(brand: str, at: datetime) -> dict[str, str]:
    return {"message_id": f"CAP#emails#{brand}#{at.replace(minute=0, second=0, microsecond=0).isoformat()}"}


def message_item(message: OutboxMessage) -> dict[str, Any]:
    """A new message, waiting to be sent."""
    return {
        "message_id": message.message_id,
        "to": message.to,
        "subject": message.subject,
        "body": message.body,
        "state": OutboxState.PENDING.value,
        "attempts": 0,
        "waiting": WAITING,
        "next_attempt_at": (message.next_attempt_at.isoformat() if message.next_attempt_at else "0"),
        "context": message.context,
        **({"confidential": True} if message.confidential else {}),
    }


def message_waiting_in(record: DynamoDBRecord, now: datetime) -> str | None:
    """The id of the message an outbox stream record shows waiting to be sent now, or None.

    A row that expired or was deleted has nothing left to send; a row being sent or sent changed by the sender
    itself; one backing off after a failed send belongs to the scheduled retry until its time comes.
    """
    from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecordEventName

    if record.event_name not in (DynamoDBRecordEventName.INSERT, DynamoDBRecordEventName.MODIFY) or record.dynamodb is None:
        return None
    image = record.dynamodb.new_image or {}
    if image.get("state") != OutboxState.PENDING.value:
        return None
    retry_at = image.get("next_attempt_at")
    if retry_at and retry_at != "0" and datetime.fromisoformat(retry_at) > now:
        return None
    message_id = image.get("message_id")
    return message_id if isinstance(message_id, str) else None


def _lost_condition(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


class DynamoOutbox:
    def __init__(self, table: Any) -> None:
        self._table = table

    def get(self, message_id: str) -> OutboxMessage | None:
        item = self._table.get_item(Key={"message_id": message_id}, ConsistentRead=True).get("Item")
        return self._message(item) if item and "state" in item else None

    @staticmethod
    def _message(item: dict[str, Any]) -> OutboxMessage:
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
            confidential=bool(item.get("confidential", False)),
        )

    def dead(self, limit: int) -> list[OutboxMessage]:
        items = self._table.query(IndexName="waiting", KeyConditionExpression=Key("waiting").eq(DEAD), ScanIndexForward=False, Limit=limit)[
            "Items"
        ]
        return [self._message(item) for item in items]

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

    def _end_claim(
        self, message_id: str, state: OutboxState, values: dict[str, Any], *, attempted: bool = False, remove: tuple[str, ...] = ()
    ) -> None:
        """End the claim this sender holds on a message in SENDING: its next state, the attributes set with it, and
        whether the try counts as an attempt. The lease goes in every case."""
        sets = ["#state = :state", *(f"{name} = :{name}" for name in values)]
        if attempted:
            sets.append("attempts = attempts + :one")
        self._table.update_item(
            Key={"message_id": message_id},
            UpdateExpression=f"SET {', '.join(sets)} REMOVE {', '.join((*remove, 'lease_until'))}",
            ConditionExpression=Attr("state").eq(OutboxState.SENDING.value),
            ExpressionAttributeNames={"#state": "state"},
            ExpressionAttributeValues={
                ":state": state.value,
                **{f":{name}": value for name, value in values.items()},
                **({":one": 1} if attempted else {}),
            },
        )

    def mark_sent(self, message_id: str, at: datetime) -> None:
        expires = int((at + SENT_MESSAGE_RETENTION).timestamp())
        self._end_claim(message_id, OutboxState.SENT, {"sent_at": at.isoformat(), "expires_at": expires}, remove=("waiting",))

    def release(self, message_id: str, error: str, retry_at: datetime) -> None:
        self._end_claim(message_id, OutboxState.PENDING, {"last_error": error, "next_attempt_at": retry_at.isoformat()}, attempted=True)

    def erase_body(self, message_id: str) -> None:
        self._table.update_item(
            Key={"message_id": message_id},
            UpdateExpression="SET body = :erased",
            ConditionExpression=Attr("state").eq(OutboxState.SENT.value),
            ExpressionAttributeValues={":erased": ERASED_BODY},
        )

    def hold(self, message_id: str, until: datetime) -> None:
        why = "held: the brand's hourly email cap was reached"
        self._end_claim(message_id, OutboxState.PENDING, {"next_attempt_at": until.isoformat(), "last_error": why})

    def give_up(self, message_id: str, error: str, at: datetime) -> None:
        # It stays in the `waiting` index under DEAD, by when it was given up, for the staff listing.
        gone = {"waiting": DEAD, "next_attempt_at": at.isoformat(), "last_error": error}
        self._end_claim(message_id, OutboxState.DEAD, gone, attempted=True)

    def count_send(self, brand: str, at: datetime, cap: int) -> bool:
        try:
            self._table.update_item(
                Key=send_count_key(brand, at),
                UpdateExpression="ADD uses :one SET expires_at = :expires",
                ConditionExpression=Attr("uses").not_exists() | Attr("uses").lt(cap),
                ExpressionAttributeValues={":one": 1, ":expires": int((at + SEND_COUNT_RETENTION).timestamp())},
            )
            return True
        except ClientError as error:
            if _lost_condition(error):
                return False
            raise
