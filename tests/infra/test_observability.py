"""Alarms for what needs a person, and every function traced and logged."""

from __future__ import annotations

from pathlib import Path

import pytest
from infra.access import FUNCTIONS

from tests.infra.conftest import STAGE, Synthesized
from tests.infra.references import References

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
            "ApproximateNumberOfMessagesVisible",  # the outbox stream's dead letters
            "ApproximateNumberOfMessagesVisible",  # each schedule's dead letters
            "ApproximateNumberOfMessagesVisible",
            "ApproximateNumberOfMessagesVisible",
            "StuckPayments",
            "AeatRecordsRejected",
            "AeatUnanswered",
            "PaymentNeedsReview",
            "PaymentNeedsReview",
            "LateSuccessRefunded",
            "LateSuccessRefunded",
            "IteratorAge",
            *["Errors"] * len(FUNCTIONS),
            *["Throttles"] * len(FUNCTIONS),
        ]
    )
    for alarm in found.values():
        assert alarm["Properties"]["AlarmActions"], alarm["Properties"]["MetricName"]
        assert alarm["Properties"]["Threshold"] == (300_000 if alarm["Properties"]["MetricName"] == "IteratorAge" else 1)
        assert alarm["Properties"]["AlarmDescription"]
    assert alarms(synthesized)["StuckPayments"]["Namespace"] == "Welt"


def watched_functions(synthesized: Synthesized, metric: str) -> list[str]:
    """The functions (names without the stage prefix) an alarm on this AWS/Lambda metric watches, one per alarm."""
    references = References(synthesized.templates, STAGE)
    watched = []
    for alarm in synthesized.resources("Observability", "AWS::CloudWatch::Alarm").values():
        properties = alarm["Properties"]
        if properties["MetricName"] == metric:
            assert properties["Namespace"] == "AWS/Lambda"
            [dimension] = properties["Dimensions"]
            assert dimension["Name"] == "FunctionName"
            watched.append(references.describe(dimension["Value"], "Observability").removeprefix("function:"))
    return sorted(watched)


@pytest.mark.parametrize("metric", ["Errors", "Throttles"])
def test_every_function_has_an_alarm_on_its_errors_and_its_throttles(synthesized: Synthesized, metric: str) -> None:
    assert watched_functions(synthesized, metric) == sorted(access.name for access in FUNCTIONS)


def test_the_outbox_stream_lag_has_an_alarm(synthesized: Synthesized) -> None:
    assert watched_functions(synthesized, "IteratorAge") == ["send-emails"]
    assert alarms(synthesized)["IteratorAge"]["Statistic"] == "Maximum"


def test_each_schedules_dead_letter_queue_has_an_alarm(synthesized: Synthesized) -> None:
    references = References(synthesized.templates, STAGE)
    queues = []
    for alarm in synthesized.resources("Observability", "AWS::CloudWatch::Alarm").values():
        if alarm["Properties"]["MetricName"] == "ApproximateNumberOfMessagesVisible":
            [dimension] = alarm["Properties"]["Dimensions"]
            queues.append(references.describe(dimension["Value"], "Observability"))
    queue_names = {
        f"<Workers.{logical_id}.QueueName>": r["Properties"]["QueueName"]
        for logical_id, r in synthesized.resources("Workers", "AWS::SQS::Queue").items()
    }
    assert sorted(queue_names[q] for q in queues) == sorted(
        f"{STAGE.prefix}{name}"
        for name in (
            "outbox-dead-letters",
            "retry-emails-schedule-dead-letters",
            "reconcile-payments-schedule-dead-letters",
            "submit-records-schedule-dead-letters",
        )
    )


def test_cloudwatch_may_publish_this_accounts_alarms_to_the_topic_over_tls_only(synthesized: Synthesized) -> None:
    [policy] = synthesized.resources("Observability", "AWS::SNS::TopicPolicy").values()
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    [publish] = [s for s in statements if s["Effect"] == "Allow"]
    assert publish["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert publish["Action"] == "sns:Publish"
    assert set(publish["Condition"]) == {"StringEquals", "ArnLike"}
    assert publish["Condition"]["StringEquals"]["aws:SourceAccount"] == {"Ref": "AWS::AccountId"}
    [deny] = [s for s in statements if s["Effect"] == "Deny"]
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


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


def test_the_aeat_alarms_watch_the_metrics_the_sending_function_emits(synthesized: Synthesized) -> None:
    from welt.services.payments import alarms as emitted

    found = synthesized.resources("Observability", "AWS::CloudWatch::Alarm").values()
    for metric in (emitted.AEAT_RECORDS_REJECTED, emitted.AEAT_UNANSWERED):
        [alarm] = [a["Properties"] for a in found if a["Properties"]["MetricName"] == metric]
        assert alarm["Namespace"] == emitted.NAMESPACE
        assert alarm["Dimensions"] == [{"Name": "service", "Value": f"{STAGE.prefix}submit-records"}]
