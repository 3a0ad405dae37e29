"""SES: the sending domain and a configuration set that records bounces and complaints."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_ses as ses
from aws_cdk import aws_sns as sns
from constructs import Construct

from infra.stage import Stage


class MailStack(cdk.Stack):
    def __init__(self, scope: Construct, construct_id: str, *, stage: Stage, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.configuration_set = ses.ConfigurationSet(
            self,
            "ConfigurationSet",
            configuration_set_name=f"{stage.prefix}mail",
            # A hard bounce or complaint puts the address on the suppression list: SES accepts later sends to it and
            # drops them, so the outbox counts them as sent and no retry loop hammers a dead address.
            suppression_reasons=ses.SuppressionReasons.BOUNCES_AND_COMPLAINTS,
            reputation_metrics=True,
        )
        # Bounces and complaints are published here so someone can fix a brand's billing email.
        self.feedback_topic = sns.Topic(self, "MailFeedback", topic_name=f"{stage.prefix}mail-feedback", enforce_ssl=True, master_key=None)
        self.configuration_set.add_event_destination(
            "BouncesAndComplaints",
            destination=ses.EventDestination.sns_topic(self.feedback_topic),
            events=[ses.EmailSendingEvent.BOUNCE, ses.EmailSendingEvent.COMPLAINT, ses.EmailSendingEvent.REJECT],
        )
        self.identity = ses.EmailIdentity(
            self,
            "Domain",
            identity=ses.Identity.domain(stage.mail_domain),
            # Every message from the domain goes through the set, without the code naming it.
            configuration_set=self.configuration_set,
        )
        self.identity_arn = self.format_arn(service="ses", resource="identity", resource_name=stage.mail_domain)
        self.configuration_set_arn = self.format_arn(
            service="ses", resource="configuration-set", resource_name=self.configuration_set.configuration_set_name
        )
