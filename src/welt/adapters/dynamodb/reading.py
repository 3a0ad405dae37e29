"""What every DynamoDB repository shares: plain numbers back from Decimal, batched reads, positions of items."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeSerializer

from welt.adapters.tables import TableDefinition

BATCH_READ = 100  # BatchGetItem's limit per request
UNPROCESSED_ROUNDS = 8

_serializer = TypeSerializer()


def plain(value: Any) -> Any:
    """DynamoDB numbers come back as Decimal; positions and counters are integers."""
    if isinstance(value, Decimal):
        return int(value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def to_wire(item: dict[str, Any]) -> dict[str, Any]:
    return {name: _serializer.serialize(value) for name, value in item.items()}


def position(definition: TableDefinition, index: str | None, item: dict[str, Any]) -> dict[str, Any]:
    """Where a listing stands after `item`: its keys in the table and in the index read."""
    return {name: plain(item[name]) for name in definition.index_keys(index)}


def batch_get(table: Any, keys: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The items that exist among `keys`, in one BatchGetItem per hundred keys (plus retries of unprocessed ones).

    The table resource's client takes and gives plain Python values, as the table itself does.
    """
    client, name = table.meta.client, table.name
    found: list[dict[str, Any]] = []
    unique = list({tuple(sorted(key.items())): key for key in keys}.values())
    for start in range(0, len(unique), BATCH_READ):
        request: dict[str, Any] = {name: {"Keys": unique[start : start + BATCH_READ], "ConsistentRead": True}}
        for _ in range(UNPROCESSED_ROUNDS):
            response = client.batch_get_item(RequestItems=request)
            found += response["Responses"].get(name, [])
            request = response.get("UnprocessedKeys") or {}
            if not request:
                break
    return found
