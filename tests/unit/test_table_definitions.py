"""Table definitions: the local stack, the tests and the data stack (tests/infra) all build from these."""

from __future__ import annotations

from welt.adapters.tables import ORDERS, OUTBOX


def test_orders_sort_numerically_and_staff_index_spans_brands() -> None:
    arguments = ORDERS.create_table_arguments("orders")
    assert {"AttributeName": "seq", "AttributeType": "N"} in arguments["AttributeDefinitions"]
    assert arguments["GlobalSecondaryIndexes"][0]["IndexName"] == "by_created"
    assert OUTBOX.ttl_attribute == "expires_at"
