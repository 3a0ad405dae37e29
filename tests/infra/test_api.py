"""Both APIs: the routes Chalice registers, Cognito on every one but health and the webhook, problem+json errors."""

from __future__ import annotations

import json
from typing import Any

import pytest
from infra.routes import chalice_api

from tests.infra.conftest import STAGE, Synthesized

PUBLIC = {("orders", "GET", "/health"), ("payments", "GET", "/health"), ("payments", "POST", "/webhooks/stripe")}


def api_ids(synthesized: Synthesized) -> dict[str, str]:
    return {
        r["Properties"]["Name"].removeprefix(STAGE.prefix): logical_id
        for logical_id, r in synthesized.resources("Api", "AWS::ApiGateway::RestApi").items()
    }


def methods_of(synthesized: Synthesized, api: str) -> dict[tuple[str, str], dict[str, Any]]:
    """(HTTP method, path) -> the method's properties, with paths rebuilt from the resource tree."""
    rest_api = api_ids(synthesized)[api]
    resources = synthesized.resources("Api", "AWS::ApiGateway::Resource")

    def path_of(reference: Any) -> str:
        if "Fn::GetAtt" in reference:  # the root resource
            return ""
        resource = resources[reference["Ref"]]["Properties"]
        return f"{path_of(resource['ParentId'])}/{resource['PathPart']}"

    methods = {}
    for method in synthesized.resources("Api", "AWS::ApiGateway::Method").values():
        properties = method["Properties"]
        if properties["RestApiId"] != {"Ref": rest_api}:
            continue
        methods[(properties["HttpMethod"], path_of(properties["ResourceId"]) or "/")] = properties
    return methods


@pytest.mark.parametrize("api", ["orders", "payments"])
def test_the_gateway_serves_exactly_the_routes_the_chalice_app_registers(synthesized: Synthesized, api: str) -> None:
    routes = {(route.method, route.path) for route in chalice_api(api).routes}
    served = {key for key in methods_of(synthesized, api) if key[0] != "OPTIONS"}

    assert served == routes
    assert len(routes) >= (20 if api == "orders" else 6)


@pytest.mark.parametrize("api", ["orders", "payments"])
def test_every_route_but_health_and_the_webhook_needs_a_cognito_token(synthesized: Synthesized, api: str) -> None:
    [authorizer_id] = [
        logical_id
        for logical_id, r in synthesized.resources("Api", "AWS::ApiGateway::Authorizer").items()
        if r["Properties"]["RestApiId"] == {"Ref": api_ids(synthesized)[api]}
    ]
    authorizer = synthesized.templates["Api"]["Resources"][authorizer_id]["Properties"]
    assert authorizer["Type"] == "COGNITO_USER_POOLS"
    assert authorizer["IdentitySource"] == "method.request.header.Authorization"

    for (method, path), properties in methods_of(synthesized, api).items():
        if method == "OPTIONS" or (api, method, path) in PUBLIC:
            # Preflights: browsers send them without credentials, so they cannot carry a token.
            assert properties["AuthorizationType"] == "NONE", (method, path)
            assert "AuthorizerId" not in properties
        else:
            assert properties["AuthorizationType"] == "COGNITO_USER_POOLS", (method, path)
            assert properties["AuthorizerId"] == {"Ref": authorizer_id}, (method, path)
            assert properties["Integration"]["Type"] == "AWS_PROXY"


@pytest.mark.parametrize("api", ["orders", "payments"])
def test_gateway_answers_are_problem_json_with_cors_headers(synthesized: Synthesized, api: str) -> None:
    from infra.api_stack import GATEWAY_PROBLEMS

    responses = {
        r["Properties"]["ResponseType"]: r["Properties"]
        for r in synthesized.resources("Api", "AWS::ApiGateway::GatewayResponse").values()
        if r["Properties"]["RestApiId"] == {"Ref": api_ids(synthesized)[api]}
    }

    assert set(responses) == set(GATEWAY_PROBLEMS)
    assert {
        "MISSING_AUTHENTICATION_TOKEN",
        "UNAUTHORIZED",
        "ACCESS_DENIED",
        "THROTTLED",
        "DEFAULT_4XX",
        "DEFAULT_5XX",
        "REQUEST_TOO_LARGE",
    } <= set(responses)
    for response_type, properties in responses.items():
        assert properties["ResponseParameters"]["gatewayresponse.header.Content-Type"] == "'application/problem+json'"
        assert properties["ResponseParameters"]["gatewayresponse.header.Access-Control-Allow-Origin"] == f"'{STAGE.web_origin}'"
        body = json.loads(properties["ResponseTemplates"]["application/json"])
        assert body["status"] == int(properties["StatusCode"]), response_type
        assert set(body) >= {"type", "title", "status", "detail", "errors"}


def test_an_unknown_route_answers_404_not_403(synthesized: Synthesized) -> None:
    for response in synthesized.resources("Api", "AWS::ApiGateway::GatewayResponse").values():
        if response["Properties"]["ResponseType"] == "MISSING_AUTHENTICATION_TOKEN":
            assert response["Properties"]["StatusCode"] == "404"
            assert "Authentication" not in response["Properties"]["ResponseTemplates"]["application/json"]


def test_both_stages_are_throttled_traced_and_logged(synthesized: Synthesized) -> None:
    stages = synthesized.resources("Api", "AWS::ApiGateway::Stage")
    assert len(stages) == 2
    for stage in stages.values():
        properties = stage["Properties"]
        assert properties["StageName"] == STAGE.name
        assert properties["TracingEnabled"] is True
        assert "DestinationArn" in properties["AccessLogSetting"]
        [settings] = properties["MethodSettings"]
        assert settings["HttpMethod"] == "*" and settings["ResourcePath"] == "/*"
        assert settings["ThrottlingRateLimit"] == STAGE.throttle_rate
        assert settings["ThrottlingBurstLimit"] == STAGE.throttle_burst


def test_bodies_over_the_size_limit_are_refused_with_413_before_a_function_runs(synthesized: Synthesized) -> None:
    [acl] = synthesized.resources("Api", "AWS::WAFv2::WebACL").values()
    [size_rule] = [r for r in acl["Properties"]["Rules"] if "SizeConstraintStatement" in r["Statement"]]
    statement = size_rule["Statement"]["SizeConstraintStatement"]

    assert statement["ComparisonOperator"] == "GT"
    assert statement["Size"] == STAGE.max_body_bytes
    # A body longer than WAF inspects counts as too large, so nothing slips past the limit.
    assert statement["FieldToMatch"]["Body"]["OversizeHandling"] == "MATCH"
    assert size_rule["Action"]["Block"]["CustomResponse"]["ResponseCode"] == 413
    associations = synthesized.resources("Api", "AWS::WAFv2::WebACLAssociation")
    assert len(associations) == 2


def test_one_address_is_limited_well_below_the_limit_every_brand_shares(synthesized: Synthesized) -> None:
    [acl] = synthesized.resources("Api", "AWS::WAFv2::WebACL").values()
    [flood] = [r for r in acl["Properties"]["Rules"] if "RateBasedStatement" in r["Statement"]]
    per_address = flood["Statement"]["RateBasedStatement"]

    assert per_address["AggregateKeyType"] == "IP"
    assert per_address["Limit"] == STAGE.per_address_per_5_minutes
    assert per_address["Limit"] <= STAGE.throttle_rate * 60 * 5 / 5  # a fifth of the route limit at most
    assert "Block" in flood["Action"]


def test_aws_managed_rule_groups_block_common_attacks_and_known_bad_inputs(synthesized: Synthesized) -> None:
    [acl] = synthesized.resources("Api", "AWS::WAFv2::WebACL").values()
    groups = {
        r["Statement"]["ManagedRuleGroupStatement"]["Name"]: r
        for r in acl["Properties"]["Rules"]
        if "ManagedRuleGroupStatement" in r["Statement"]
    }

    assert set(groups) == {"AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet"}
    for rule in groups.values():
        assert rule["OverrideAction"] == {"None": {}}  # the group's own block actions apply
        assert rule["Statement"]["ManagedRuleGroupStatement"]["VendorName"] == "AWS"
    overrides = groups["AWSManagedRulesCommonRuleSet"]["Statement"]["ManagedRuleGroupStatement"]["RuleActionOverrides"]
    # Only the 8 KB body rule is counted instead of blocking: Stripe's webhooks are larger; our own size rule applies.
    assert overrides == [{"Name": "SizeRestrictions_BODY", "ActionToUse": {"Count": {}}}]
    assert "RuleActionOverrides" not in groups["AWSManagedRulesKnownBadInputsRuleSet"]["Statement"]["ManagedRuleGroupStatement"]


def test_the_apis_and_reconciliation_have_reserved_concurrency(synthesized: Synthesized) -> None:
    kept = {
        function["Properties"]["FunctionName"]: function["Properties"].get("ReservedConcurrentExecutions")
        for stack in ("Api", "Workers")
        for function in synthesized.resources(stack, "AWS::Lambda::Function").values()
        if function["Properties"].get("FunctionName", "").startswith(STAGE.prefix)
    }

    assert kept[f"{STAGE.prefix}orders-api"] == kept[f"{STAGE.prefix}payments-api"] == STAGE.api_reserved_concurrency > 0
    assert kept[f"{STAGE.prefix}reconcile-payments"] == 1


def test_the_invoice_pdf_passes_through_as_binary(synthesized: Synthesized) -> None:
    apis = {r["Properties"]["Name"]: r["Properties"] for r in synthesized.resources("Api", "AWS::ApiGateway::RestApi").values()}
    assert "application/pdf" in apis[f"{STAGE.prefix}payments"]["BinaryMediaTypes"]
