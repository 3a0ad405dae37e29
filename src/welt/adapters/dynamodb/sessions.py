"""Each user's "tokens valid after" instant in DynamoDB, kept in the orders table under a partition of its own."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError


def sessions_key(subject: str) -> dict[str, str]:
    # None of the attributes the orders table's indexes key on, so the item shows in no listing.
    return {"pk": f"USER#{subject}", "sk": "TOKENS"}


class DynamoSessionRegistry:
    def __init__(self, table: Any) -> None:
        self._table = table

    def valid_after(self, subject: str) -> datetime | None:
        item = self._table.get_item(Key=sessions_key(subject), ConsistentRead=True).get("Item")
        return datetime.fromisoformat(item["tokens_valid_after"]) if item else None

    def revoke(self, subject: str, at: datetime) -> None:
        try:
            self._table.put_item(
                Item={**sessions_key(subject), "tokens_valid_after": at.isoformat()},
                # ISO instants in UTC sort as text: a later revocation is never undone by an earlier one.
                ConditionExpression="attribute_not_exists(pk) OR tokens_valid_after < :at",
                ExpressionAttributeValues={":at": at.isoformat()},
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise
