"""Table definitions: the local stack, the tests and the data stack (tests/infra) all build from these."""

from __future__ import annotations

from welt.adapters.tables import ORDERS, OUTBOX


def test_orders_sort_numerically_and_every_filter_has_an_index() -> None:
    arguments = ORDERS.create_table_arguments("orders")
    assert {"AttributeName": "seq", "AttributeType": "N"} in arguments["AttributeDefinitions"]
    names = {index["IndexName"] for index in arguments["GlobalSecondaryIndexes"]}
    assert {"by_brand", "by_created", "by_brand_status_type", "by_stage_type", "groupable"} <= names
    assert len(names) <= 20  # DynamoDB's limit of global secondary indexes per table
    assert OUTBOX.ttl_attribute == "expires_at"
    assert OUTBOX.create_table_arguments("outbox")["StreamSpecification"]["StreamViewType"] == "NEW_IMAGE"
