"""CloudFormation for Welt's DynamoDB tables, generated from the one definition in welt.adapters.tables.

Usage: python infra/tables.py [stage]  > tables.json
"""

from __future__ import annotations

import json
import sys
from typing import Any

from welt.adapters.tables import ALL_TABLES, TableDefinition


def logical_id(table: TableDefinition) -> str:
    return "".join(part.capitalize() for part in table.logical_name.split("_")) + "Table"


def table_resource(table: TableDefinition, stage: str) -> dict[str, Any]:
    arguments = table.create_table_arguments(f"welt-{stage}-{table.logical_name}")
    properties: dict[str, Any] = {
        "TableName": arguments["TableName"],
        "BillingMode": arguments["BillingMode"],
        "KeySchema": arguments["KeySchema"],
        "AttributeDefinitions": arguments["AttributeDefinitions"],
        "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
    }
    if "GlobalSecondaryIndexes" in arguments:
        properties["GlobalSecondaryIndexes"] = arguments["GlobalSecondaryIndexes"]
    if table.ttl_attribute:
        properties["TimeToLiveSpecification"] = {"AttributeName": table.ttl_attribute, "Enabled": True}
    return {"Type": "AWS::DynamoDB::Table", "DeletionPolicy": "Retain", "Properties": properties}


def template(stage: str) -> dict[str, Any]:
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": f"Welt DynamoDB tables ({stage})",
        "Resources": {logical_id(table): table_resource(table, stage) for table in ALL_TABLES},
        "Outputs": {
            logical_id(table): {"Value": {"Ref": logical_id(table)}} for table in ALL_TABLES
        },
    }


if __name__ == "__main__":
    print(json.dumps(template(sys.argv[1] if len(sys.argv) > 1 else "prod"), indent=2))
