"""The infrastructure template and the local stack build the same tables from one definition."""

from __future__ import annotations

from infra.tables import template

from welt.adapters.tables import ALL_TABLES, ORDERS, OUTBOX


def test_template_has_every_table_with_its_keys_indexes_and_ttl() -> None:
    resources = template("prod")["Resources"]
    assert len(resources) == len(ALL_TABLES)
    for table in ALL_TABLES:
        arguments = table.create_table_arguments("x")
        name = f"welt-prod-{table.logical_name}"
        [resource] = [r for r in resources.values() if r["Properties"]["TableName"] == name]
        properties = resource["Properties"]
        assert properties["KeySchema"] == arguments["KeySchema"]
        assert properties.get("GlobalSecondaryIndexes") == arguments.get("GlobalSecondaryIndexes")
        ttl = properties.get("TimeToLiveSpecification", {}).get("AttributeName")
        assert ttl == table.ttl_attribute


def test_orders_sort_numerically_and_staff_index_spans_brands() -> None:
    arguments = ORDERS.create_table_arguments("orders")
    assert {"AttributeName": "seq", "AttributeType": "N"} in arguments["AttributeDefinitions"]
    assert arguments["GlobalSecondaryIndexes"][0]["IndexName"] == "by_created"
    assert OUTBOX.ttl_attribute == "expires_at"
