"""One Lambda function with a role of its own, granted exactly what infra/access.py says it uses."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_secretsmanager as secretsmanager
from cdk_nag import NagSuppressions
from constructs import Construct

from infra.access import (
    AEAT_CERTIFICATE,
    AEAT_KEY,
    ARTWORK_PREFIX,
    CURSOR_SECRET,
    STRIPE_SECRET_KEY,
    STRIPE_WEBHOOK_SECRET,
    FunctionAccess,
)
from infra.stage import Stage

# The environment variable each secret's id goes in; welt.config reads the value with Powertools Parameters.
SECRET_VARIABLES = {
    STRIPE_SECRET_KEY: "STRIPE_SECRET_KEY_SECRET_ID",
    STRIPE_WEBHOOK_SECRET: "STRIPE_WEBHOOK_SECRET_SECRET_ID",
    CURSOR_SECRET: "WELT_CURSOR_SECRET_SECRET_ID",
    AEAT_CERTIFICATE: "WELT_AEAT_CERTIFICATE_SECRET_ID",
    AEAT_KEY: "WELT_AEAT_KEY_SECRET_ID",
}
METRICS_NAMESPACE = "Welt"
# The packages are built for CPython 3.11 (the lock files pin for it), so the runtime must match.
RUNTIME = lambda_.Runtime.PYTHON_3_11


@dataclass(frozen=True)
class SharedResources:
    """What every function may be wired to; each takes only what its access entry names."""

    tables: dict[str, dynamodb.ITable]
    secrets: dict[str, secretsmanager.ISecret]
    mail_identity_arn: str
    mail_configuration_set_arn: str
    environment: dict[str, str]
    user_pool_arn: str = ""
    artwork_bucket_name: str = ""
    artwork_bucket_arn: str = ""


class WeltFunction(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        stage: Stage,
        access: FunctionAccess,
        package: Path,
        shared: SharedResources,
        timeout_seconds: int = 29,
        memory_mb: int = 1024,
    ) -> None:
        super().__init__(scope, construct_id)
        self.access = access
        name = f"{stage.prefix}{access.name}"
        self.log_group = logs.LogGroup(
            self,
            "Logs",
            log_group_name=f"/aws/lambda/{name}",
            retention=logs.RetentionDays.THREE_MONTHS,
            # Kept when the function goes; removed when a first create rolls back, so the fixed name is free again.
            removal_policy=cdk.RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
        )
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"{name}: only what infra/access.py lists for it",
        )
        environment = {
            **shared.environment,
            "POWERTOOLS_SERVICE_NAME": name,
            "POWERTOOLS_METRICS_NAMESPACE": METRICS_NAMESPACE,
            "WELT_TABLE_PREFIX": stage.prefix,
            **access.environment,
        }
        for secret in access.secrets:
            environment[SECRET_VARIABLES[secret]] = shared.secrets[secret].secret_arn
        if access.artwork_actions:
            environment["WELT_ARTWORK_BUCKET"] = shared.artwork_bucket_name
        self.function = lambda_.Function(
            self,
            "Function",
            function_name=name,
            runtime=RUNTIME,
            architecture=lambda_.Architecture.X86_64,
            handler=access.handler,
            code=lambda_.Code.from_asset(str(package)),
            role=self.role,
            timeout=cdk.Duration.seconds(timeout_seconds),
            memory_size=memory_mb,
            reserved_concurrent_executions=stage.reserved_concurrency(access.name),
            tracing=lambda_.Tracing.ACTIVE,
            log_group=self.log_group,
            environment=environment,
        )
        self._grant(stage, shared)

    def _grant(self, stage: Stage, shared: SharedResources) -> None:
        stack = cdk.Stack.of(self)
        self.role.add_to_principal_policy(
            iam.PolicyStatement(
                sid="OwnLogs",
                actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                resources=[
                    stack.format_arn(
                        service="logs",
                        resource="log-group",
                        resource_name=f"{self.log_group.log_group_name}:log-stream:*",
                        arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
                    )
                ],
            )
        )
        for number, use in enumerate(self.access.tables):
            table = shared.tables[use.table.logical_name]
            self.role.add_to_principal_policy(
                iam.PolicyStatement(sid=f"Table{number}", actions=list(use.actions), resources=[table.table_arn])
            )
            if use.index_names():
                self.role.add_to_principal_policy(
                    iam.PolicyStatement(
                        sid=f"Indexes{number}",
                        actions=["dynamodb:Query"],
                        resources=[f"{table.table_arn}/index/{index}" for index in use.index_names()],
                    )
                )
        for number, secret in enumerate(self.access.secrets):
            self.role.add_to_principal_policy(
                iam.PolicyStatement(
                    sid=f"Secret{number}", actions=["secretsmanager:GetSecretValue"], resources=[shared.secrets[secret].secret_arn]
                )
            )
        if self.access.user_pool_actions:
            self.role.add_to_principal_policy(
                iam.PolicyStatement(sid="UserPool", actions=list(self.access.user_pool_actions), resources=[shared.user_pool_arn])
            )
        if self.access.artwork_actions:
            self.role.add_to_principal_policy(
                iam.PolicyStatement(
                    sid="Artwork",
                    actions=list(self.access.artwork_actions),
                    resources=[f"{shared.artwork_bucket_arn}/{ARTWORK_PREFIX}*"],
                )
            )
        if self.access.sends_mail:
            self.role.add_to_principal_policy(
                iam.PolicyStatement(
                    sid="SendMail",
                    actions=["ses:SendEmail", "ses:SendRawEmail"],
                    # The emulator authorizes SendEmail against "*", not the sending identity, and knows no
                    # ses:FromAddress condition; there the statement cannot be narrowed (infra/README.md).
                    resources=["*"] if stage.emulator else [shared.mail_identity_arn, shared.mail_configuration_set_arn],
                    conditions=None if stage.emulator else {"StringEquals": {"ses:FromAddress": stage.mail_from}},
                )
            )
        NagSuppressions.add_resource_suppressions(
            self.role,
            [
                {
                    "id": "AwsSolutions-IAM5",
                    "reason": "Lambda names its log streams itself, so the streams of the "
                    "function's own log group are the narrowest resource; X-Ray "
                    "tracing and dynamodb:ListStreams (the stream reader) have no "
                    "resource-level permissions.",
                    "appliesTo": [
                        {"regex": "/^Resource::arn:<AWS::Partition>:logs:.*:log-stream:\\*$/g"},
                        "Resource::*",
                        # Brands' artwork files are named as they are uploaded: the artwork prefix is the narrowest.
                        {"regex": "/^Resource::<ArtworkBucket.*\\.Arn>\\/artwork\\/\\*$/g"},
                    ],
                },
            ],
            apply_to_children=True,
        )
        NagSuppressions.add_resource_suppressions(
            self.function,
            [
                {
                    "id": "AwsSolutions-L1",
                    "reason": "The dependency lock files and packages are built for CPython 3.11; the runtime moves with them.",
                },
            ],
        )
