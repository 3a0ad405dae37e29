"""The API functions' Lambda entry point hands API Gateway's proxy events to the Chalice app, traced."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest

from tests import tokens
from tests.apps import load_app
from welt.bootstrap import wiring


def proxy_event(method: str, path: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    """A REST API Lambda proxy event, as API Gateway sends it for a route with no path parameters."""
    return {
        "resource": path,
        "path": path,
        "httpMethod": method,
        "headers": headers or {},
        "multiValueHeaders": {name: [value] for name, value in (headers or {}).items()},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": None,
        "stageVariables": None,
        "body": None,
        "isBase64Encoded": False,
        "requestContext": {
            "resourcePath": path,
            "httpMethod": method,
            "path": f"/prod{path}",
            "stage": "prod",
            "requestId": "req-1",
            "identity": {"sourceIp": "192.0.2.1"},
        },
    }


def context(name: str) -> SimpleNamespace:
    return SimpleNamespace(
        function_name=name,
        memory_limit_in_mb=1024,
        aws_request_id="req-1",
        invoked_function_arn=f"arn:aws:lambda:eu-west-1:123456789012:function:{name}",
        get_remaining_time_in_millis=lambda: 29000,
    )


@pytest.mark.parametrize("app", ["orders", "payments"])
def test_the_health_route_answers_through_the_lambda_entry_point(app: str) -> None:
    response = load_app(app).handler(proxy_event("GET", "/health"), context(f"welt-test-{app}-api"))

    assert response["statusCode"] == 200
    assert json.loads(response["body"]) == {"status": "ok"}


def test_a_route_without_a_token_is_refused_as_problem_json_through_the_entry_point() -> None:
    module = load_app("orders")

    with wiring.use(token_verifier=tokens.verifier()):
        response = module.handler(proxy_event("GET", "/brand"), context("welt-test-orders-api"))

    assert response["statusCode"] == 401
    assert response["headers"]["Content-Type"] == "application/problem+json"
