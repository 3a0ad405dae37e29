"""Reads CloudFormation values that point across stacks (exports, joins, attributes) as plain names."""

from __future__ import annotations

import re
from typing import Any

from infra.stage import Stage


class References:
    """`describe` turns a template value into text: a table ARN reads `table:orders`, an index `table:orders/index/x`."""

    def __init__(self, templates: dict[str, dict[str, Any]], stage: Stage) -> None:
        self.templates = templates
        self.stage = stage
        self.exports: dict[str, tuple[str, Any]] = {}
        for stack, template in templates.items():
            for output in template.get("Outputs", {}).values():
                if "Export" in output:
                    self.exports[output["Export"]["Name"]] = (stack, output["Value"])

    def _resource(self, stack: str, logical_id: str, attribute: str | None) -> str:
        resource = self.templates[stack]["Resources"][logical_id]
        properties = resource.get("Properties", {})
        if resource["Type"] == "AWS::DynamoDB::Table":
            name = properties["TableName"].removeprefix(self.stage.prefix)
            return f"table:{name}" + ("/stream" if attribute == "StreamArn" else "")
        if resource["Type"] == "AWS::SecretsManager::Secret":
            return f"secret:{properties['Name'].removeprefix(self.stage.prefix)}"
        if resource["Type"] == "AWS::Logs::LogGroup" and attribute is None:
            return str(properties["LogGroupName"])
        if resource["Type"] == "AWS::Lambda::Function" and attribute is None:
            return f"function:{properties['FunctionName'].removeprefix(self.stage.prefix)}"
        if resource["Type"] == "AWS::Cognito::UserPool":
            return f"userpool:{properties['UserPoolName'].removeprefix(self.stage.prefix)}"
        if resource["Type"] == "AWS::S3::Bucket" and attribute == "Arn":
            return f"bucket:{re.sub(r'[0-9A-F]{8}$', '', logical_id)}"
        if resource["Type"] == "AWS::SES::ConfigurationSet":
            return str(properties["Name"])
        return f"<{stack}.{logical_id}{'.' + attribute if attribute else ''}>"

    def describe(self, value: Any, stack: str) -> str:
        if isinstance(value, str):
            return value
        if isinstance(value, list):
            return ",".join(self.describe(item, stack) for item in value)
        if "Fn::ImportValue" in value:
            source_stack, exported = self.exports[value["Fn::ImportValue"]]
            return self.describe(exported, source_stack)
        if "Fn::GetAtt" in value:
            logical_id, attribute = value["Fn::GetAtt"]
            return self._resource(stack, logical_id, attribute)
        if "Ref" in value:
            if value["Ref"].startswith("AWS::"):
                return f"<{value['Ref']}>"
            return self._resource(stack, value["Ref"], None)
        if "Fn::Join" in value:
            separator, parts = value["Fn::Join"]
            return separator.join(self.describe(part, stack) for part in parts)
        raise AssertionError(f"cannot read {value}")

    def policy_statements(self, stack: str, role_id: str) -> list[dict[str, Any]]:
        """Every statement of every policy attached to the role, resources described."""
        statements = []
        for resource in self.templates[stack]["Resources"].values():
            if resource["Type"] != "AWS::IAM::Policy":
                continue
            if {"Ref": role_id} not in resource["Properties"]["Roles"]:
                continue
            for statement in resource["Properties"]["PolicyDocument"]["Statement"]:
                actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
                resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
                statements.append(
                    {
                        "actions": actions,
                        "resources": [self.describe(r, stack) for r in resources],
                        "condition": statement.get("Condition"),
                        "effect": statement["Effect"],
                    }
                )
        return statements
