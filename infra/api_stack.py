"""Both Chalice apps behind API Gateway REST APIs, with routes read from the apps themselves."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_wafv2 as wafv2
from cdk_nag import NagSuppressions
from constructs import Construct

from infra.access import API_FUNCTIONS
from infra.functions import SharedResources, WeltFunction
from infra.routes import ChaliceApi
from infra.stage import Stage

PROBLEM_JSON = "application/problem+json"
# Headers the browser app sends besides the simple ones.
CORS_HEADERS = ["Authorization", "Content-Type", "Idempotency-Key", "If-Match"]

# API Gateway's own answers, as the problem+json the functions give: (status, slug, title, detail).
# An unknown route or method is a 404 here, not API Gateway's 403 "Missing Authentication Token".
GATEWAY_PROBLEMS: dict[str, tuple[str, str, str, str]] = {
    "MISSING_AUTHENTICATION_TOKEN": ("404", "not-found", "Not found", "There is no such route, or it takes no such method."),
    "RESOURCE_NOT_FOUND": ("404", "not-found", "Not found", "There is no such route."),
    "UNAUTHORIZED": ("401", "unauthorized", "Unauthorized", "Send a valid Cognito ID token: Authorization: Bearer <token>."),
    "EXPIRED_TOKEN": ("401", "unauthorized", "Unauthorized", "The token has expired: sign in again."),
    "INVALID_SIGNATURE": ("401", "unauthorized", "Unauthorized", "The token's signature does not verify."),
    "ACCESS_DENIED": ("403", "forbidden", "Forbidden", "This token may not call this route."),
    "WAF_FILTERED": ("403", "forbidden", "Forbidden", "The request was refused by the firewall."),
    "THROTTLED": ("429", "too-many-requests", "Too many requests", "Slow down and try again in a moment."),
    "QUOTA_EXCEEDED": ("429", "too-many-requests", "Too many requests", "The request quota is used up."),
    "REQUEST_TOO_LARGE": ("413", "too-large", "Request too large", "The request body is larger than the API takes."),
    "BAD_REQUEST_BODY": ("400", "malformed-request", "Malformed request", "The request body could not be read."),
    "BAD_REQUEST_PARAMETERS": ("400", "malformed-request", "Malformed request", "A request parameter is missing or malformed."),
    "UNSUPPORTED_MEDIA_TYPE": ("415", "unsupported-media-type", "Unsupported media type", "Send application/json."),
    "INTEGRATION_TIMEOUT": ("504", "timeout", "Timeout", "The request took too long; it may have been done: check before retrying."),
    "INTEGRATION_FAILURE": ("502", "internal-error", "Internal error", "Something went wrong on our side."),
    "AUTHORIZER_FAILURE": ("500", "internal-error", "Internal error", "Something went wrong on our side."),
    "AUTHORIZER_CONFIGURATION_ERROR": ("500", "internal-error", "Internal error", "Something went wrong on our side."),
    "API_CONFIGURATION_ERROR": ("500", "internal-error", "Internal error", "Something went wrong on our side."),
    # Types API Gateway may add later land here, with a status of their own class.
    "DEFAULT_4XX": ("400", "bad-request", "Bad request", "The request was refused."),
    "DEFAULT_5XX": ("500", "internal-error", "Internal error", "Something went wrong on our side."),
}


def problem_template(status: str, slug: str, title: str, detail: str) -> str:
    return json.dumps(
        {
            "type": f"/problems/{slug}",
            "title": title,
            "status": int(status),
            "detail": detail,
            "errors": [],
            "request_id": "$context.requestId",
        }
    )


class WeltRestApi(Construct):
    """One Chalice app as a REST API: proxy integrations per route, the Cognito authorizer, problem+json errors."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        stage: Stage,
        app_name: str,
        chalice: ChaliceApi,
        function: lambda_.IFunction,
        user_pool: cognito.IUserPool,
        web_acl_arn: str,
    ) -> None:
        super().__init__(scope, construct_id)
        access_logs = logs.LogGroup(
            self, "AccessLogs", retention=logs.RetentionDays.THREE_MONTHS, removal_policy=cdk.RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE
        )
        self.api = apigw.RestApi(
            self,
            "Api",
            rest_api_name=f"{stage.prefix}{app_name}",
            description=f"Welt {app_name} API (functions/{app_name}/app.py)",
            endpoint_types=[apigw.EndpointType.REGIONAL],
            binary_media_types=chalice.binary_types,
            # The account's CloudWatch role is set once by ApiStack (api_gateway_account); access logs need it.
            cloud_watch_role=False,
            deploy_options=apigw.StageOptions(
                stage_name=stage.name,
                throttling_rate_limit=stage.throttle_rate,
                throttling_burst_limit=stage.throttle_burst,
                tracing_enabled=True,
                metrics_enabled=True,
                access_log_destination=apigw.LogGroupLogDestination(access_logs),
                access_log_format=apigw.AccessLogFormat.json_with_standard_fields(
                    caller=False,
                    http_method=True,
                    ip=True,
                    protocol=True,
                    request_time=True,
                    resource_path=True,
                    response_length=True,
                    status=True,
                    user=True,
                ),
            ),
        )
        self.authorizer = apigw.CognitoUserPoolsAuthorizer(
            self, "Cognito", cognito_user_pools=[user_pool], authorizer_name=f"{stage.prefix}{app_name}-cognito"
        )
        integration = apigw.LambdaIntegration(function, proxy=True, allow_test_invoke=False)
        preflight: dict[str, list[str]] = {}
        for route in chalice.routes:
            resource = self.api.root.resource_for_path(route.path)
            if route.public:
                method = resource.add_method(route.method, integration, authorization_type=apigw.AuthorizationType.NONE)
                NagSuppressions.add_resource_suppressions(
                    method,
                    [
                        {
                            "id": "AwsSolutions-APIG4",
                            "reason": f"{route.method} {route.path} takes no token by design (health check, or Stripe's signed webhook).",
                        },
                        {"id": "AwsSolutions-COG4", "reason": f"{route.method} {route.path} takes no token by design."},
                    ],
                )
            else:
                resource.add_method(
                    route.method, integration, authorizer=self.authorizer, authorization_type=apigw.AuthorizationType.COGNITO
                )
            if route.cors:
                preflight.setdefault(route.path, []).append(route.method)
        for path, methods in preflight.items():
            options = self.api.root.resource_for_path(path).add_cors_preflight(
                allow_origins=[stage.web_origin], allow_headers=CORS_HEADERS, allow_methods=methods, max_age=cdk.Duration.minutes(10)
            )
            NagSuppressions.add_resource_suppressions(
                options,
                [
                    {"id": "AwsSolutions-APIG4", "reason": "CORS preflight: browsers send it without credentials."},
                    {"id": "AwsSolutions-COG4", "reason": "CORS preflight: browsers send it without credentials."},
                ],
            )
        for response_type, (status, slug, title, detail) in GATEWAY_PROBLEMS.items():
            self.api.add_gateway_response(
                f"Problem{response_type.title().replace('_', '')}",
                type=apigw.ResponseType.of(response_type),
                status_code=status,
                response_headers={
                    "Content-Type": f"'{PROBLEM_JSON}'",
                    "Access-Control-Allow-Origin": f"'{stage.web_origin}'",
                    "Access-Control-Allow-Headers": f"'{','.join(CORS_HEADERS)}'",
                },
                templates={"application/json": problem_template(status, slug, title, detail)},
            )
        if not stage.emulator:  # the emulator has no WAF associations (infra/README.md)
            wafv2.CfnWebACLAssociation(self, "Firewall", resource_arn=self.api.deployment_stage.stage_arn, web_acl_arn=web_acl_arn)
        NagSuppressions.add_resource_suppressions(
            self.api,
            [
                {
                    "id": "AwsSolutions-APIG2",
                    "reason": "The functions validate every body with pydantic and answer "
                    "field by field as problem+json; a gateway validator would answer "
                    "in another shape.",
                },
                {
                    "id": "AwsSolutions-APIG6",
                    "reason": "Access logs record each request; execution logs would write to "
                    "log groups API Gateway makes outside the stack, kept forever.",
                },
            ],
            apply_to_children=True,
        )

    @property
    def origin(self) -> str:
        stack = cdk.Stack.of(self)
        return f"https://{self.api.rest_api_id}.execute-api.{stack.region}.{stack.url_suffix}"

    @property
    def base_url(self) -> str:
        """Where the app's paths start, without a trailing slash (the browser app appends /orders etc.)."""
        return f"{self.origin}/{self.api.deployment_stage.stage_name}"


def firewall(scope: Construct, stage: Stage) -> wafv2.CfnWebACL:
    """Refuses bodies over the stage's limit (413) and floods from one address, before any function runs."""

    def visibility(name: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
        return wafv2.CfnWebACL.VisibilityConfigProperty(cloud_watch_metrics_enabled=True, metric_name=name, sampled_requests_enabled=True)

    too_large = problem_template("413", "too-large", "Request too large", f"The request body is larger than {stage.max_body_bytes} bytes.")
    return wafv2.CfnWebACL(
        scope,
        "Firewall",
        name=f"{stage.prefix}api",
        scope="REGIONAL",
        default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
        visibility_config=visibility(f"{stage.prefix}api"),
        custom_response_bodies={
            "TooLarge": wafv2.CfnWebACL.CustomResponseBodyProperty(
                content=too_large.replace("$context.requestId", ""), content_type="APPLICATION_JSON"
            )
        },
        # The body is inspected up to the limit; anything longer counts as too large.
        association_config=wafv2.CfnWebACL.AssociationConfigProperty(
            request_body={
                "API_GATEWAY": wafv2.CfnWebACL.RequestBodyAssociatedResourceTypeConfigProperty(default_size_inspection_limit="KB_64")
            }
        ),
        rules=[
            wafv2.CfnWebACL.RuleProperty(
                name="BodyTooLarge",
                priority=0,
                visibility_config=visibility("BodyTooLarge"),
                action=wafv2.CfnWebACL.RuleActionProperty(
                    block=wafv2.CfnWebACL.BlockActionProperty(
                        custom_response=wafv2.CfnWebACL.CustomResponseProperty(response_code=413, custom_response_body_key="TooLarge")
                    )
                ),
                statement=wafv2.CfnWebACL.StatementProperty(
                    size_constraint_statement=wafv2.CfnWebACL.SizeConstraintStatementProperty(
                        comparison_operator="GT",
                        size=stage.max_body_bytes,
                        field_to_match=wafv2.CfnWebACL.FieldToMatchProperty(body=wafv2.CfnWebACL.BodyProperty(oversize_handling="MATCH")),
                        text_transformations=[wafv2.CfnWebACL.TextTransformationProperty(priority=0, type="NONE")],
                    )
                ),
            ),
            wafv2.CfnWebACL.RuleProperty(
                name="FloodFromOneAddress",
                priority=1,
                visibility_config=visibility("FloodFromOneAddress"),
                action=wafv2.CfnWebACL.RuleActionProperty(block={}),
                statement=wafv2.CfnWebACL.StatementProperty(
                    rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                        aggregate_key_type="IP", limit=stage.per_address_per_5_minutes
                    )
                ),
            ),
            managed_rules("AWSManagedRulesCommonRuleSet", 2, visibility, counted=COMMON_RULES_COUNTED),
            managed_rules("AWSManagedRulesKnownBadInputsRuleSet", 3, visibility),
        ],
    )


# Rules of AWS's common rule set that would refuse what Welt legitimately receives; each only counted (metrics and
# sampled requests, no block), with why. The BodyTooLarge rule above already refuses bodies over the stage's limit.
COMMON_RULES_COUNTED = {
    # 8 KB: Stripe's signed webhook bodies are often larger, and a bulk order's size run can be too.
    "SizeRestrictions_BODY": "Stripe's webhook events and bulk checkouts exceed 8 KB; our own limit is the stage's",
}


def managed_rules(
    name: str, priority: int, visibility: Callable[[str], wafv2.CfnWebACL.VisibilityConfigProperty], counted: dict[str, str] | None = None
) -> wafv2.CfnWebACL.RuleProperty:
    """One of AWS's managed rule groups, blocking what it matches except the rules only `counted`."""
    return wafv2.CfnWebACL.RuleProperty(
        name=name,
        priority=priority,
        visibility_config=visibility(name),
        override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),
        statement=wafv2.CfnWebACL.StatementProperty(
            managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
                vendor_name="AWS",
                name=name,
                rule_action_overrides=[
                    wafv2.CfnWebACL.RuleActionOverrideProperty(name=rule, action_to_use=wafv2.CfnWebACL.RuleActionProperty(count={}))
                    for rule in sorted(counted or {})
                ]
                or None,
            )
        ),
    )


def api_gateway_account(scope: Construct) -> apigw.CfnAccount:
    """The region's API Gateway setting with the role it writes logs with: a stage with access logs needs it.

    One setting per account and region, not per API: every stage's api stack sets it to a role of its own, any of
    which works, and it stays when a stack is removed (removing it would stop other stages' logs).
    """
    role = iam.Role(
        scope,
        "ApiGatewayLogsRole",
        assumed_by=iam.ServicePrincipal("apigateway.amazonaws.com"),
        description="API Gateway writes the APIs' access logs to CloudWatch Logs with it",
        managed_policies=[iam.ManagedPolicy.from_aws_managed_policy_name("service-role/AmazonAPIGatewayPushToCloudWatchLogs")],
    )
    role.apply_removal_policy(cdk.RemovalPolicy.RETAIN)
    account = apigw.CfnAccount(scope, "ApiGatewayAccount", cloud_watch_role_arn=role.role_arn)
    account.apply_removal_policy(cdk.RemovalPolicy.RETAIN)
    NagSuppressions.add_resource_suppressions(
        role,
        [
            {
                "id": "AwsSolutions-IAM4",
                "reason": "AmazonAPIGatewayPushToCloudWatchLogs is the policy API Gateway documents for this role; "
                "it can only create log groups and write to them.",
                "appliesTo": ["Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"],
            },
        ],
    )
    return account


class ApiStack(cdk.Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        stage: Stage,
        shared: SharedResources,
        packages: dict[str, Path],
        chalice: dict[str, ChaliceApi],
        user_pool: cognito.IUserPool,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        acl = firewall(self, stage)
        account = api_gateway_account(self)
        self.functions: dict[str, WeltFunction] = {}
        self.apis: dict[str, WeltRestApi] = {}
        for app_name, access in API_FUNCTIONS.items():
            function = WeltFunction(
                self, f"{app_name.title()}Function", stage=stage, access=access, package=packages[app_name], shared=shared
            )
            self.functions[app_name] = function
            self.apis[app_name] = WeltRestApi(
                self,
                f"{app_name.title()}Api",
                stage=stage,
                app_name=app_name,
                chalice=chalice[app_name],
                function=function.function,
                user_pool=user_pool,
                web_acl_arn=acl.attr_arn,
            )
            # A stage with access logs is created only once the account has the role.
            self.apis[app_name].api.deployment_stage.node.add_dependency(account)
            cdk.CfnOutput(self, f"{app_name.title()}ApiUrl", value=self.apis[app_name].base_url)
