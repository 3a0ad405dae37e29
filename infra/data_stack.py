"""The DynamoDB tables, built from welt.adapters.tables: the same definitions the local stack and tests use."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_s3 as s3
from cdk_nag import NagSuppressions
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
        self.artwork_bucket = self._artwork_bucket(stage)

    def _artwork_bucket(self, stage: Stage) -> s3.Bucket:
        """Brands' stamp artwork: private, encrypted, TLS only; the browser app's origin may POST an upload form."""
        bucket = s3.Bucket(
            self,
            "ArtworkBucket",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            cors=[
                s3.CorsRule(allowed_methods=[s3.HttpMethods.POST], allowed_origins=[stage.web_origin], allowed_headers=["*"], max_age=3000)
            ],
            # A form's upload that was never sent on to Welt is left behind; stop paying for broken multipart parts.
            lifecycle_rules=[s3.LifecycleRule(abort_incomplete_multipart_upload_after=cdk.Duration.days(1))],
            removal_policy=cdk.RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
        )
        NagSuppressions.add_resource_suppressions(
            bucket,
            [
                {
                    "id": "AwsSolutions-S1",
                    "reason": "Only the orders API's role reaches the files (uploads and downloads through its signed "
                    "forms and links, each logged by the API); CloudTrail data events can be turned on per stage.",
                }
            ],
        )
        return bucket

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
