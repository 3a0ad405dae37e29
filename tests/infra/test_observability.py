"""Alarms for what needs a person, and every function traced and logged."""

from __future__ import annotations

from pathlib import Path

import pytest
from infra.access import FUNCTIONS

from tests.infra.conftest import STAGE, Synthesized

REPO = Path(__file__).resolve().parents[2]


def alarms(synthesized: Synthesized) -> dict[str, dict]:
    return {
        r["Properties"]["MetricName"]: r["Properties"] for r in synthesized.resources("Observability", "AWS::CloudWatch::Alarm").values()
    }


def test_alarms_cover_api_errors_dead_letters_stuck_payments_and_money_to_check(synthesized: Synthesized) -> None:
    found = synthesized.resources("Observability", "AWS::CloudWatch::Alarm")
    metrics = sorted(a["Properties"]["MetricName"] for a in found.values())

    assert metrics == sorted(
        [
            "5XXError",
            "5XXError",
            "ApproximateNumberOfMessagesVisible",
            "StuckPayments",
            "PaymentNeedsReview",
            "PaymentNeedsReview",
            "LateSuccessRefunded",
            "LateSuccessRefunded",
        ]
    )
    for alarm in found.values():
        assert alarm["Properties"]["AlarmActions"], alarm["Properties"]["MetricName"]
        assert alarm["Properties"]["Threshold"] == 1
        assert alarm["Properties"]["AlarmDescription"]
    assert alarms(synthesized)["StuckPayments"]["Namespace"] == "Welt"


def test_the_money_alarms_watch_the_metrics_the_payment_service_emits_where_it_emits_them(synthesized: Synthesized) -> None:
    from welt.services.payments import alarms as emitted

    found = synthesized.resources("Observability", "AWS::CloudWatch::Alarm").values()
    for metric in (emitted.PAYMENT_NEEDS_REVIEW, emitted.LATE_SUCCESS_REFUNDED, emitted.STUCK_PAYMENTS):
        watching = [a["Properties"] for a in found if a["Properties"]["MetricName"] == metric]
        assert watching, f"no alarm on {metric}"
        for alarm in watching:
            assert alarm["Namespace"] == emitted.NAMESPACE
            [service] = [d["Value"] for d in alarm["Dimensions"] if d["Name"] == "service"]
            assert service in (f"{STAGE.prefix}payments-api", f"{STAGE.prefix}reconcile-payments")
    services = {
        d["Value"] for a in found if a["Properties"]["MetricName"] == emitted.PAYMENT_NEEDS_REVIEW for d in a["Properties"]["Dimensions"]
    }
    assert services == {f"{STAGE.prefix}payments-api", f"{STAGE.prefix}reconcile-payments"}


def test_alarms_reach_the_stages_alarm_address(synthesized: Synthesized) -> None:
    synthesized.template("Observability").has_resource_properties(
        "AWS::SNS::Subscription", {"Protocol": "email", "Endpoint": STAGE.alarm_email}
    )


@pytest.mark.parametrize("access", FUNCTIONS, ids=lambda a: a.name)
def test_every_function_is_traced_and_names_its_service_and_metrics_namespace(synthesized: Synthesized, access) -> None:
    stack = "Api" if access.name.endswith("-api") else "Workers"
    synthesized.template(stack).has_resource_properties(
        "AWS::Lambda::Function",
        {
            "FunctionName": f"{STAGE.prefix}{access.name}",
            "Handler": access.handler,
            "TracingConfig": {"Mode": "Active"},
            "Environment": {
                "Variables": {
                    "POWERTOOLS_SERVICE_NAME": f"{STAGE.prefix}{access.name}",
                    "POWERTOOLS_METRICS_NAMESPACE": "Welt",
                    "WELT_TABLE_PREFIX": STAGE.prefix,
                }
            },
        },
    )
