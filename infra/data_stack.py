"""The DynamoDB tables, built from welt.adapters.tables: the same definitions the local stack and tests use."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_dynamodb as dynamodb
from constructs import Construct

from infra.stage import Stage
from welt.adapters.tables import ALL_TABLES, TableDefinition

ATTRIBUTE_TYPES = {"S": dynamodb.AttributeType.STRING, "N": dynamodb.AttributeType.NUMBER, "B": dynamodb.AttributeType.BINARY}


def _key(keys: list[tuple[str, str, str]], role: str) -> dynamodb.Attribute | None:
    return next((dynamodb.Attribute(name=name, type=ATTRIBUTE_TYPES[kind]) for name, key_role, kind in keys if key_role == role), None)


def table_id(table: TableDefinition) -> str:
    return "".join(part.capitalize() for part in table.logical_name.split("_")) + "Table"


class DataStack(cdk.Stack):
    def __init__(self, scope: Construct, construct_id: str, *, stage: Stage, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.tables: dict[str, dynamodb.Table] = {}
        for definition in ALL_TABLES:
            self.tables[definition.logical_name] = self._table(stage, definition)

    def _table(self, stage: Stage, definition: TableDefinition) -> dynamodb.Table:
        partition = _key(definition.key, "HASH")
        assert partition is not None, f"{definition.logical_name} has no HASH key"
        table = dynamodb.Table(
            self,
            table_id(definition),
            table_name=stage.table_name(definition),
            partition_key=partition,
            sort_key=_key(definition.key, "RANGE"),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(point_in_time_recovery_enabled=True),
            # Orders, payments and invoices are the factory's books: a stack removal never takes them along. A first
            # create that rolls back removes them (they hold nothing yet), so the named tables do not block the retry.
            removal_policy=cdk.RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
            deletion_protection=True,
            time_to_live_attribute=definition.ttl_attribute,
            stream=dynamodb.StreamViewType[definition.stream] if definition.stream else None,
        )
        for index, keys in definition.indexes.items():
            index_partition = _key(keys, "HASH")
            assert index_partition is not None, f"{definition.logical_name}.{index} has no HASH key"
            table.add_global_secondary_index(
                index_name=index, partition_key=index_partition, sort_key=_key(keys, "RANGE"), projection_type=dynamodb.ProjectionType.ALL
            )
        return table
