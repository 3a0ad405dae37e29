"""Alarms for what needs a person: API errors, undeliverable emails, stuck payments, money to check by hand."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from cdk_nag import NagSuppressions
from constructs import Construct

from infra.functions import METRICS_NAMESPACE
from infra.stage import Stage

# Emitted by the payment service (welt.services.payments.alarms), with the emitting function as `service`.
STUCK_PAYMENTS = "StuckPayments"
PAYMENT_NEEDS_REVIEW = "PaymentNeedsReview"
LATE_SUCCESS_REFUNDED = "LateSuccessRefunded"
# What each metric that means money needs a person asks of the person.
MONEY_METRICS = {
    PAYMENT_NEEDS_REVIEW: "Stripe charged another amount or currency than the payment's: it waits as NEEDS_REVIEW in "
    "the staff screen with its orders locked. Compare it with Stripe's dashboard and settle it.",
    LATE_SUCCESS_REFUNDED: "A success arrived for an attempt Welt no longer held, and Welt refunded it: check the "
    "refund in Stripe's dashboard (the payment id is in the payments logs).",
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

    def _alarm(self, stage: Stage, construct_id: str, notify: actions.SnsAction, metric: cloudwatch.Metric, description: str) -> None:
        alarm = metric.create_alarm(
            self,
            construct_id,
            alarm_name=f"{stage.prefix}{construct_id}",
            alarm_description=description,
            threshold=1,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        alarm.add_alarm_action(notify)
        self.alarms[construct_id] = alarm
