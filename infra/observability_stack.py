"""Alarms for what needs a person: API errors, undeliverable emails, stuck payments, money to check by hand."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from cdk_nag import NagSuppressions
from constructs import Construct

from infra.access import SUBMIT_RECORDS
from infra.functions import METRICS_NAMESPACE
from infra.stage import Stage

# Emitted by the payment service (welt.services.payments.alarms), with the emitting function as `service`.
STUCK_PAYMENTS = "StuckPayments"
PAYMENT_NEEDS_REVIEW = "PaymentNeedsReview"
LATE_SUCCESS_REFUNDED = "LateSuccessRefunded"
# The outbox stream's lag (milliseconds) past which emails count as late.
OUTBOX_LAG_MS = 5 * 60 * 1000
# What each metric that means money needs a person asks of the person.
MONEY_METRICS = {
    PAYMENT_NEEDS_REVIEW: "Stripe charged another amount or currency than the payment's: it waits as NEEDS_REVIEW in "
    "the staff screen with its orders locked. Compare it with Stripe's dashboard and settle it.",
    LATE_SUCCESS_REFUNDED: "A success arrived for an attempt Welt no longer held, and Welt refunded it: check the "
    "refund in Stripe's dashboard (the payment id is in the payments logs).",
}


# Emitted by the sending of VERI*FACTU records (welt.services.payments.submitting), service submit-records.
AEAT_RECORDS_REJECTED = "AeatRecordsRejected"
AEAT_UNANSWERED = "AeatUnanswered"
AEAT_METRICS = {
    AEAT_RECORDS_REJECTED: "AEAT refused VERI*FACTU records (Incorrecto): read AEAT's error in the submit-records logs; "
    "the records stay in the chain and must be corrected with new records (docs/developers/invoicing.md).",
    AEAT_UNANSWERED: "AEAT did not answer a submission of VERI*FACTU records (or refused it whole); the queue sends it "
    "again with backoff. Read the submit-records logs: AEAT's service, the certificate, or a document AEAT rejects.",
}


class ObservabilityStack(cdk.Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        stage: Stage,
        apis: dict[str, apigw.RestApi],
        dead_letters: sqs.IQueue,
        payment_services: dict[str, str],
        functions: dict[str, lambda_.IFunction],
        stream_reader: lambda_.IFunction,
        schedule_dead_letters: dict[str, sqs.IQueue],
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.topic = sns.Topic(self, "Alarms", topic_name=f"{stage.prefix}alarms", enforce_ssl=True)
        NagSuppressions.add_resource_suppressions(
            self.topic,
            [
                {
                    "id": "AwsSolutions-SNS2",
                    "reason": "Alarm notices carry alarm names and figures only; CloudWatch can "
                    "publish to an encrypted topic only with a customer managed key.",
                },
            ],
        )
        # enforce_ssl only denies; CloudWatch may publish this account's alarms here, and nothing else may.
        self.topic.add_to_resource_policy(
            iam.PolicyStatement(
                sid="CloudWatchAlarmsPublish",
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["sns:Publish"],
                resources=[self.topic.topic_arn],
                conditions={
                    "StringEquals": {"aws:SourceAccount": self.account},
                    "ArnLike": {"aws:SourceArn": f"arn:{self.partition}:cloudwatch:{self.region}:{self.account}:alarm:*"},
                },
            )
        )
        if stage.alarm_email:
            self.topic.add_subscription(subscriptions.EmailSubscription(stage.alarm_email))
        notify = actions.SnsAction(self.topic)
        self.alarms: dict[str, cloudwatch.Alarm] = {}

        for name, api in apis.items():
            self._alarm(
                stage,
                f"{name.title()}Api5xx",
                notify,
                api.metric_server_error(period=cdk.Duration.minutes(5), statistic="Sum"),
                f"The {name} API answered 5xx: a function failed or timed out. Read its logs.",
            )
        self._alarm(
            stage,
            "OutboxDeadLetters",
            notify,
            dead_letters.metric_approximate_number_of_messages_visible(period=cdk.Duration.minutes(5), statistic="Maximum"),
            "Outbox stream records the sender could not process: the emails are still in the outbox and the "
            "retry run sends them; find why the sender failed, then purge the queue.",
        )
        self._alarm(
            stage,
            "StuckPayments",
            notify,
            cloudwatch.Metric(
                namespace=METRICS_NAMESPACE,
                metric_name=STUCK_PAYMENTS,
                dimensions_map={"service": payment_services["Reconcile"]},
                period=cdk.Duration.minutes(15),
                statistic="Sum",
            ),
            "Reconciliation found payments whose Stripe webhook never came: check the webhook endpoint in Stripe's dashboard.",
        )
        for metric_name, description in AEAT_METRICS.items():
            self._alarm(
                stage,
                metric_name,
                notify,
                cloudwatch.Metric(
                    namespace=METRICS_NAMESPACE,
                    metric_name=metric_name,
                    dimensions_map={"service": f"{stage.prefix}{SUBMIT_RECORDS.name}"},
                    period=cdk.Duration.minutes(15),
                    statistic="Sum",
                ),
                description,
            )
        for metric_name, description in MONEY_METRICS.items():
            for where, service in payment_services.items():  # webhooks (the payments API) and reconciliation
                self._alarm(
                    stage,
                    f"{metric_name}{where}",
                    notify,
                    cloudwatch.Metric(
                        namespace=METRICS_NAMESPACE,
                        metric_name=metric_name,
                        dimensions_map={"service": service},
                        period=cdk.Duration.minutes(5),
                        statistic="Sum",
                    ),
                    description,
                )

        five_minutes = cdk.Duration.minutes(5)
        for name, function in functions.items():
            title = name.title().replace("-", "")
            self._alarm(
                stage,
                f"{title}Errors",
                notify,
                function.metric_errors(period=five_minutes, statistic="Sum"),
                f"{stage.prefix}{name} failed (an unhandled error, a timeout or running out of memory): read its logs.",
            )
            self._alarm(
                stage,
                f"{title}Throttles",
                notify,
                function.metric_throttles(period=five_minutes, statistic="Sum"),
                f"Lambda refused to run {stage.prefix}{name}: the account's concurrency is used up. Raise the quota or "
                "find what is using it.",
            )
        self._alarm(
            stage,
            "OutboxStreamIteratorAge",
            notify,
            stream_reader.metric("IteratorAge", period=five_minutes, statistic="Maximum"),
            "The email sender is more than 5 minutes behind the outbox stream (failing or throttled): emails go "
            "out late. Read the send-emails logs; records older than 6 hours go to the dead-letter queue.",
            threshold=OUTBOX_LAG_MS,
        )
        for name, queue in schedule_dead_letters.items():
            self._alarm(
                stage,
                f"{name.title().replace('-', '')}ScheduleDeadLetters",
                notify,
                queue.metric_approximate_number_of_messages_visible(period=five_minutes, statistic="Maximum"),
                f"EventBridge Scheduler could not start {stage.prefix}{name} after its retries: read the message's "
                "error attributes (permissions, throttling), fix it, then purge the queue. The next run does the work.",
            )

    def _alarm(
        self,
        stage: Stage,
        construct_id: str,
        notify: actions.SnsAction,
        metric: cloudwatch.Metric,
        description: str,
        threshold: float = 1,
    ) -> None:
        alarm = metric.create_alarm(
            self,
            construct_id,
            alarm_name=f"{stage.prefix}{construct_id}",
            alarm_description=description,
            threshold=threshold,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        alarm.add_alarm_action(notify)
        self.alarms[construct_id] = alarm
