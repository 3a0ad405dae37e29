"""Secrets Manager entries for Stripe's keys, the cursor signing key and the factory's AEAT certificate and key;
functions read them at run time."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_secretsmanager as secretsmanager
from cdk_nag import NagSuppressions
from constructs import Construct

from infra.access import AEAT_CERTIFICATE, AEAT_KEY, CURSOR_SECRET, STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET
from infra.stage import Stage

DESCRIPTIONS = {
    STRIPE_SECRET_KEY: "Stripe secret API key (sk_...). Set with put-secret-value; rotated in Stripe's dashboard.",
    STRIPE_WEBHOOK_SECRET: "Stripe webhook signing secret (whsec_...) of the endpoint POST /webhooks/stripe.",
    CURSOR_SECRET: "Signs the order pool's page cursors; generated here, any new random value rotates it.",
    AEAT_CERTIFICATE: "The factory's certificate (PEM) for AEAT's VERI*FACTU service. Set with put-secret-value.",
    AEAT_KEY: "The private key (PEM) of the factory's AEAT certificate. Set with put-secret-value.",
}


class SecretsStack(cdk.Stack):
    def __init__(self, scope: Construct, construct_id: str, *, stage: Stage, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.secrets: dict[str, secretsmanager.ISecret] = {}
        for name, description in DESCRIPTIONS.items():
            # The Stripe values come from Stripe: the placeholder generated here is replaced after the first deploy.
            secret = secretsmanager.Secret(
                self,
                name.title().replace("_", ""),
                secret_name=f"{stage.prefix}{name.replace('_', '-')}",
                description=description,
                generate_secret_string=secretsmanager.SecretStringGenerator(password_length=64, exclude_punctuation=True),
                # Kept when the stack goes; removed when a first create rolls back, so the fixed name is free again.
                removal_policy=cdk.RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
            )
            self.secrets[name] = secret
            if stage.emulator:
                # The emulator answers a secret's Ref with its name where AWS gives its ARN, so roles and functions
                # would name it wrongly; its Id attribute is the ARN in both (infra/README.md).
                arn = cdk.Token.as_string(secret.node.default_child.get_att("Id"))  # type: ignore[union-attr]
                self.secrets[name] = secretsmanager.Secret.from_secret_complete_arn(self, f"{secret.node.id}Arn", arn)
            NagSuppressions.add_resource_suppressions(
                secret,
                [
                    {
                        "id": "AwsSolutions-SMG4",
                        "reason": "Stripe's keys are rolled in Stripe's dashboard and then put "
                        "here by hand (docs/developers/deploying.md); the cursor key "
                        "needs no schedule: a new value only voids open page cursors; the AEAT "
                        "certificate is renewed with its issuer and put here by hand before it expires.",
                    },
                ],
            )
