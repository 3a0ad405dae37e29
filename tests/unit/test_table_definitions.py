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


def test_orders_sort_numerically_and_every_filter_has_an_index() -> None:
    arguments = ORDERS.create_table_arguments("orders")
    assert {"AttributeName": "seq", "AttributeType": "N"} in arguments["AttributeDefinitions"]
    names = {index["IndexName"] for index in arguments["GlobalSecondaryIndexes"]}
    assert {"by_brand", "by_created", "by_brand_status_type", "by_stage_type", "groupable"} <= names
    assert len(names) <= 20  # DynamoDB's limit of global secondary indexes per table
    assert OUTBOX.ttl_attribute == "expires_at"
    assert OUTBOX.create_table_arguments("outbox")["StreamSpecification"]["StreamViewType"] == "NEW_IMAGE"
