"""Alarms for what needs a person, and every function traced and logged."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from infra.access import FUNCTIONS

from tests.infra.conftest import STAGE, Synthesized

REPO = Path(__file__).resolve().parents[2]


def alarms(synthesized: Synthesized) -> dict[str, dict]:
    return {r["Properties"]["MetricName"]: r["Properties"]
            for r in synthesized.resources("Observability", "AWS::CloudWatch::Alarm").values()}


def test_alarms_cover_api_errors_dead_letters_stuck_payments_and_money_to_check(synthesized: Synthesized) -> None:
    found = synthesized.resources("Observability", "AWS::CloudWatch::Alarm")
    metrics = sorted(a["Properties"]["MetricName"] for a in found.values())

    assert metrics == sorted(["5XXError", "5XXError", "ApproximateNumberOfMessagesVisible", "StuckPayments",
                              "PaymentNeedsReview", "LateSuccessRefunded"])
    for alarm in found.values():
        assert alarm["Properties"]["AlarmActions"], alarm["Properties"]["MetricName"]
        assert alarm["Properties"]["Threshold"] == 1
        assert alarm["Properties"]["AlarmDescription"]
    assert alarms(synthesized)["StuckPayments"]["Namespace"] == "Welt"


def test_the_money_log_lines_are_counted_from_the_payments_logs(synthesized: Synthesized) -> None:
    from infra.observability_stack import MONEY_LOG_LINES

    source = "".join(path.read_text() for path in (REPO / "src" / "welt" / "services" / "payments").glob("*.py"))
    filters = synthesized.resources("Observability", "AWS::Logs::MetricFilter").values()

    for metric, line in MONEY_LOG_LINES.items():
        assert line in source, f"the log line {line!r} is gone from the payment service: update the metric filter"
        matching = [f for f in filters if f["Properties"]["MetricTransformations"][0]["MetricName"] == metric]
        assert len(matching) == 2  # the payments API and reconciliation
        for metric_filter in matching:
            assert metric_filter["Properties"]["FilterPattern"] == json.dumps(line)
            assert metric_filter["Properties"]["MetricTransformations"][0]["MetricNamespace"] == "Welt"


def test_alarms_reach_the_stages_alarm_address(synthesized: Synthesized) -> None:
    synthesized.template("Observability").has_resource_properties("AWS::SNS::Subscription", {
        "Protocol": "email", "Endpoint": STAGE.alarm_email})


@pytest.mark.parametrize("access", FUNCTIONS, ids=lambda a: a.name)
def test_every_function_is_traced_and_names_its_service_and_metrics_namespace(synthesized: Synthesized, access) -> None:
    stack = "Api" if access.name.endswith("-api") else "Workers"
    synthesized.template(stack).has_resource_properties("AWS::Lambda::Function", {
        "FunctionName": f"{STAGE.prefix}{access.name}",
        "Handler": access.handler,
        "TracingConfig": {"Mode": "Active"},
        "Environment": {"Variables": {"POWERTOOLS_SERVICE_NAME": f"{STAGE.prefix}{access.name}",
                                      "POWERTOOLS_METRICS_NAMESPACE": "Welt",
                                      "WELT_TABLE_PREFIX": STAGE.prefix}},
    })
