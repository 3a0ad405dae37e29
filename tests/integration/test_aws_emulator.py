"""The AWS emulator applies each DynamoDB request whole, as DynamoDB does, even when requests race."""

from __future__ import annotations

import threading
import uuid

import boto3
from botocore.exceptions import ClientError

from tests.integration.conftest import REGION

PLAIN_WRITES = 300


def test_a_failing_transaction_racing_plain_writes_leaves_every_plain_write_in_place(aws_endpoint: str) -> None:
    client = boto3.client("dynamodb", region_name=REGION)
    name = f"race-{uuid.uuid4().hex[:8]}"
    client.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    client.put_item(TableName=name, Item={"pk": {"S": "taken"}})
    writing = threading.Event()
    refused = 0

    def failing_transactions() -> None:
        # Each one puts a fresh item and one that exists: cancelled, and rolled back by the emulator.
        nonlocal refused
        other = boto3.client("dynamodb", region_name=REGION)
        while not writing.is_set() or refused < 20:
            try:
                other.transact_write_items(
                    TransactItems=[
                        {
                            "Put": {
                                "TableName": name,
                                "Item": {"pk": {"S": f"t-{uuid.uuid4().hex}"}},
                                "ConditionExpression": "attribute_not_exists(pk)",
                            }
                        },
                        {"Put": {"TableName": name, "Item": {"pk": {"S": "taken"}}, "ConditionExpression": "attribute_not_exists(pk)"}},
                    ]
                )
            except ClientError as error:
                assert error.response["Error"]["Code"] == "TransactionCanceledException"
                refused += 1
            if writing.is_set() and refused >= 20:
                return

    racer = threading.Thread(target=failing_transactions)
    racer.start()
    writers = [
        threading.Thread(
            target=lambda start=start: [
                client.put_item(TableName=name, Item={"pk": {"S": f"plain-{n}"}}) for n in range(start, PLAIN_WRITES, 3)
            ]
        )
        for start in range(3)
    ]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join()
    writing.set()
    racer.join()
    keys = set()
    scan: dict[str, object] = {"TableName": name, "ConsistentRead": True}
    while True:
        page = client.scan(**scan)
        keys |= {item["pk"]["S"] for item in page["Items"]}
        if "LastEvaluatedKey" not in page:
            break
        scan["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    assert refused >= 20
    assert {f"plain-{n}" for n in range(PLAIN_WRITES)} <= keys
    assert not any(key.startswith("t-") for key in keys)
