"""The outbox stream sender and the two schedules."""

from __future__ import annotations

import json
from typing import Any

from chalice.app import CloudWatchEvent

from tests.infra.conftest import STAGE, Synthesized
from tests.infra.references import References


def function_names(synthesized: Synthesized) -> dict[str, str]:
    return {
        logical_id: r["Properties"]["FunctionName"] for logical_id, r in synthesized.resources("Workers", "AWS::Lambda::Function").items()
    }


def test_one_stream_event_source_feeds_the_outbox_to_the_sender_with_partial_failures_and_a_dead_letter_queue(
    synthesized: Synthesized,
) -> None:
    [mapping] = synthesized.resources("Workers", "AWS::Lambda::EventSourceMapping").values()
    properties = mapping["Properties"]
    references = References(synthesized.templates, STAGE)

    assert references.describe(properties["EventSourceArn"], "Workers") == "table:outbox/stream"
    assert function_names(synthesized)[properties["FunctionName"]["Ref"]] == f"{STAGE.prefix}send-emails"
    assert properties["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert properties["BisectBatchOnFunctionError"] is True
    assert properties["MaximumRetryAttempts"] == 5
    destination = properties["DestinationConfig"]["OnFailure"]["Destination"]
    assert "OutboxDeadLetters" in destination["Fn::GetAtt"][0]
    assert [json.loads(f["Pattern"]) for f in properties["FilterCriteria"]["Filters"]] == [{"eventName": ["INSERT", "MODIFY"]}]


def test_the_sender_runs_the_stream_handler_of_the_orders_package(synthesized: Synthesized) -> None:
    synthesized.template("Workers").has_resource_properties(
        "AWS::Lambda::Function", {"FunctionName": f"{STAGE.prefix}send-emails", "Handler": "app.send_emails"}
    )


def schedules(synthesized: Synthesized) -> dict[str, dict[str, Any]]:
    names = function_names(synthesized)
    found = {}
    for schedule in synthesized.resources("Workers", "AWS::Scheduler::Schedule").values():
        properties = schedule["Properties"]
        target = properties["Target"]["Arn"]["Fn::GetAtt"][0]
        found[names[target]] = properties
    return found


def test_schedules_run_the_email_retry_and_the_aeat_sending_every_minute_and_reconciliation_every_five(synthesized: Synthesized) -> None:
    found = schedules(synthesized)

    assert {name: p["ScheduleExpression"] for name, p in found.items()} == {
        f"{STAGE.prefix}retry-emails": "rate(1 minute)",
        f"{STAGE.prefix}reconcile-payments": "rate(5 minutes)",
        f"{STAGE.prefix}submit-records": "rate(1 minute)",
    }
    for properties in found.values():
        assert properties["State"] == "ENABLED"
        assert properties["FlexibleTimeWindow"] == {"Mode": "OFF"}


def test_a_scheduled_run_hands_chalice_the_event_shape_its_schedule_handlers_read(synthesized: Synthesized) -> None:
    for properties in schedules(synthesized).values():
        raw = properties["Target"]["Input"]
        text = raw if isinstance(raw, str) else "".join(p if isinstance(p, str) else "0" for p in raw["Fn::Join"][1])
        event = json.loads(text)

        parsed = CloudWatchEvent(event, context=None)  # what @app.schedule does with it; raises on a missing key

        assert parsed.source == "aws.scheduler"
        assert parsed.event_id == "<aws.scheduler.execution-id>"


def test_every_handler_a_function_names_exists_in_its_app_and_takes_an_event_and_a_context() -> None:
    import inspect

    from infra.access import FUNCTIONS

    from tests.apps import load_app

    for access in FUNCTIONS:
        module_name, attribute = access.handler.split(".")
        assert module_name == "app"
        handler = getattr(load_app(access.app), attribute)
        target = getattr(handler, "func", None) or handler  # Chalice keeps a scheduled function as .func
        assert callable(handler), access.handler
        if target is handler:
            assert list(inspect.signature(handler).parameters) == ["event", "context"], access.name


def test_each_schedule_retries_until_its_next_run_then_leaves_the_run_in_a_dead_letter_queue(synthesized: Synthesized) -> None:
    queues = synthesized.resources("Workers", "AWS::SQS::Queue")
    seen = set()
    for name, properties in schedules(synthesized).items():
        target = properties["Target"]
        assert target["RetryPolicy"]["MaximumRetryAttempts"] >= 1, name
        assert target["RetryPolicy"]["MaximumEventAgeInSeconds"] == (300 if name.endswith("reconcile-payments") else 60)
        [queue_id, attribute] = target["DeadLetterConfig"]["Arn"]["Fn::GetAtt"]
        assert attribute == "Arn"
        assert queues[queue_id]["Properties"]["QueueName"] == f"{name}-schedule-dead-letters"
        seen.add(queue_id)
        # Scheduler's role for this target may put the run there (and only there).
        role_id = target["RoleArn"]["Fn::GetAtt"][0]
        sends = [
            statement["Resource"]
            for policy in synthesized.resources("Workers", "AWS::IAM::Policy").values()
            if {"Ref": role_id} in policy["Properties"]["Roles"]
            for statement in policy["Properties"]["PolicyDocument"]["Statement"]
            if "sqs:SendMessage" in statement["Action"]
        ]
        assert sends == [{"Fn::GetAtt": [queue_id, "Arn"]}], name
    assert len(seen) == 3
