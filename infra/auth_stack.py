"""The Cognito user pool: users are created by the factory only, and a user's brand is fixed at creation."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_cognito as cognito
from cdk_nag import NagSuppressions
from constructs import Construct

from infra.stage import Stage

STAFF_GROUP = "staff"
BRAND_ATTRIBUTE = "brand"  # custom:brand in the ID token
ID_TOKEN_VALIDITY = cdk.Duration.hours(1)
ACCESS_TOKEN_VALIDITY = cdk.Duration.hours(1)
REFRESH_TOKEN_VALIDITY = cdk.Duration.days(30)


class AuthStack(cdk.Stack):
    def __init__(self, scope: Construct, construct_id: str, *, stage: Stage, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.user_pool = cognito.UserPool(
            self,
            "UserPool",
            user_pool_name=f"{stage.prefix}users",
            # Brand users are invited by the factory: an open sign-up could claim any brand's code.
            self_sign_up_enabled=False,
            sign_in_aliases=cognito.SignInAliases(email=True),
            auto_verify=cognito.AutoVerifiedAttrs(email=True),
            standard_attributes=cognito.StandardAttributes(email=cognito.StandardAttribute(required=True, mutable=True)),
            custom_attributes={BRAND_ATTRIBUTE: cognito.StringAttribute(min_len=3, max_len=3, mutable=False)},
            password_policy=cognito.PasswordPolicy(
                min_length=12,
                require_lowercase=True,
                require_uppercase=True,
                require_digits=True,
                require_symbols=True,
                # The invitation email says so (welt.domain.team.TEMPORARY_PASSWORD_DAYS).
                temp_password_validity=cdk.Duration.days(7),
            ),
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            # Recovery is by email only: a changed address takes effect once its code is confirmed, and until then
            # the user signs in, and recovers, with the address they had (no takeover by typing a new one).
            keep_original=cognito.KeepOriginalAttrs(email=True),
            mfa=cognito.Mfa.OPTIONAL,
            mfa_second_factor=cognito.MfaSecondFactor(sms=False, otp=True),
            feature_plan=cognito.FeaturePlan.PLUS,
            standard_threat_protection_mode=cognito.StandardThreatProtectionMode.FULL_FUNCTION,
            deletion_protection=True,
            # Kept when the stack is removed or the pool replaced; a first create that rolls back leaves nothing.
            removal_policy=cdk.RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
        )
        writable = cognito.ClientAttributes().with_standard_attributes(email=True, fullname=True)
        readable = writable.with_custom_attributes(BRAND_ATTRIBUTE).with_standard_attributes(email_verified=True)
        self.app_client = self.user_pool.add_client(
            "BrowserApp",
            user_pool_client_name=f"{stage.prefix}browser-app",
            # A browser cannot keep a secret.
            generate_secret=False,
            auth_flows=cognito.AuthFlow(user_srp=True, user_password=True),
            # The app signs in with the user pool's API (SRP or password), never through a hosted page: no OAuth flows,
            # no callback URLs (CDK's default would allow the code and implicit flows back to example.com).
            disable_o_auth=True,
            id_token_validity=ID_TOKEN_VALIDITY,
            access_token_validity=ACCESS_TOKEN_VALIDITY,
            refresh_token_validity=REFRESH_TOKEN_VALIDITY,
            enable_token_revocation=True,
            prevent_user_existence_errors=True,
            read_attributes=readable,
            # custom:brand is not here: a user can never move themselves to another brand.
            write_attributes=writable,
        )
        # `python -m welt.admin --stage NAME` finds the pool by this output.
        cdk.CfnOutput(self, "UserPoolId", value=self.user_pool.user_pool_id)
        cognito.CfnUserPoolGroup(
            self,
            "StaffGroup",
            user_pool_id=self.user_pool.user_pool_id,
            group_name=STAFF_GROUP,
            description="Factory staff: every brand's data and the /admin routes",
        )
        NagSuppressions.add_resource_suppressions(
            self.user_pool,
            [
                {
                    "id": "AwsSolutions-COG2",
                    "reason": "MFA is offered (authenticator apps) and left to each user: brand "
                    "users are invited by the factory and a lost second factor would "
                    "stop their orders.",
                },
            ],
        )
