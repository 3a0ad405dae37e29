"""Functions that run without a request: the outbox sender (table stream), the email retry, reconciliation and the
sending of VERI*FACTU records to AEAT."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_scheduler_targets as targets
from aws_cdk import aws_sqs as sqs
from cdk_nag import NagSuppressions
from constructs import Construct

from infra.access import RECONCILE_PAYMENTS, RETRY_EMAILS, SEND_EMAILS, SUBMIT_RECORDS
from infra.functions import SharedResources, WeltFunction
from infra.stage import Stage
from welt.adapters.tables import OUTBOX

# Chalice's scheduled handlers read an EventBridge event; Scheduler sends this one, filled in per run.
SCHEDULED_EVENT = {
    "version": "0",
    "id": scheduler.ContextAttribute.execution_id,
    "detail-type": "Scheduled Event",
    "source": "aws.scheduler",
    "time": scheduler.ContextAttribute.scheduled_time,
    "resources": [scheduler.ContextAttribute.schedule_arn],
    "detail": {},
}


class WorkersStack(cdk.Stack):
    def __init__(
        self, scope: Construct, construct_id: str, *, stage: Stage, shared: SharedResources, packages: dict[str, Path], **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.dead_letters = sqs.Queue(
            self,
            "OutboxDeadLetters",
            queue_name=f"{stage.prefix}outbox-dead-letters",
            retention_period=cdk.Duration.days(14),
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
        )
        NagSuppressions.add_resource_suppressions(
            self.dead_letters,
            [
                {"id": "AwsSolutions-SQS3", "reason": "This is the dead-letter queue itself."},
            ],
        )

        self.send_emails = WeltFunction(
            self, "SendEmails", stage=stage, access=SEND_EMAILS, package=packages[SEND_EMAILS.app], shared=shared, timeout_seconds=60
        )
        outbox = shared.tables[OUTBOX.logical_name]
        self.send_emails.function.add_event_source(
            sources.DynamoEventSource(
                outbox,
                starting_position=lambda_.StartingPosition.LATEST,
                batch_size=10,
                # One bad message must not hold up the rest: failures are reported per record, a failing batch is
                # split in halves, and what still fails after the retries goes to the dead-letter queue.
                report_batch_item_failures=True,
                bisect_batch_on_error=True,
                retry_attempts=5,
                max_record_age=cdk.Duration.hours(6),
                on_failure=sources.SqsDlq(self.dead_letters),
                filters=[lambda_.FilterCriteria.filter({"eventName": lambda_.FilterRule.or_("INSERT", "MODIFY")})],
            )
        )

        self.retry_emails = WeltFunction(
            self, "RetryEmails", stage=stage, access=RETRY_EMAILS, package=packages[RETRY_EMAILS.app], shared=shared, timeout_seconds=55
        )
        self.reconcile_payments = WeltFunction(
            self,
            "ReconcilePayments",
            stage=stage,
            access=RECONCILE_PAYMENTS,
            package=packages[RECONCILE_PAYMENTS.app],
            shared=shared,
            timeout_seconds=240,
        )
        self.submit_records = WeltFunction(
            self,
            "SubmitRecords",
            stage=stage,
            access=SUBMIT_RECORDS,
            package=packages[SUBMIT_RECORDS.app],
            shared=shared,
            timeout_seconds=120,
        )
        # Runs Scheduler could not deliver after its retries, per schedule (observability alarms on each).
        self.schedule_dead_letters: dict[str, sqs.Queue] = {}
        self.schedules = [
            self._every(stage, "RetryEmailsSchedule", self.retry_emails, cdk.Duration.minutes(1)),
            self._every(stage, "ReconcilePaymentsSchedule", self.reconcile_payments, cdk.Duration.minutes(5)),
            # AEAT's usual wait between submissions is 60 s; the queue's turn decides what a run may send.
            self._every(stage, "SubmitRecordsSchedule", self.submit_records, cdk.Duration.minutes(1)),
        ]
        NagSuppressions.add_resource_suppressions(
            self,
            [
                {
                    "id": "AwsSolutions-IAM5",
                    "reason": "Scheduler's role may invoke the function's versions and aliases (function ARN + ':*'), that function only.",
                    "appliesTo": [{"regex": "/^Resource::<.*Function.*\\.Arn>:\\*$/g"}],
                },
            ],
            apply_to_children=True,
        )

    def _every(self, stage: Stage, construct_id: str, function: WeltFunction, rate: cdk.Duration) -> scheduler.Schedule:
        event = {**SCHEDULED_EVENT, "account": self.account, "region": self.region}
        dead_letters = sqs.Queue(
            self,
            f"{construct_id}DeadLetters",
            queue_name=f"{stage.prefix}{function.access.name}-schedule-dead-letters",
            retention_period=cdk.Duration.days(14),
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
        )
        NagSuppressions.add_resource_suppressions(
            dead_letters, [{"id": "AwsSolutions-SQS3", "reason": "This is the schedule's dead-letter queue itself."}]
        )
        self.schedule_dead_letters[function.access.name] = dead_letters
        schedule = scheduler.Schedule(
            self,
            construct_id,
            schedule_name=f"{stage.prefix}{function.access.name}",
            schedule=scheduler.ScheduleExpression.rate(rate),
            target=targets.LambdaInvoke(
                function.function,
                input=scheduler.ScheduleTargetInput.from_object(event),
                # Scheduler retries a run Lambda refused (throttled, or the service failing) until the next run is
                # due; a run it still could not deliver goes to the dead-letter queue, which has an alarm. A run that
                # started and failed is the function's own error (its Errors alarm); the next run does its work.
                retry_attempts=3,
                max_event_age=rate,
                dead_letter_queue=dead_letters,
            ),
            description=f"Runs {function.access.handler} of the {function.access.app} package",
        )
        return schedule
