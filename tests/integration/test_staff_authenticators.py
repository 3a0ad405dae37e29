"""Staff need an authenticator app: StaffAuthenticators asks Cognito (on the moto server, the pool the local stack
creates) whether a user has one, once per user and five minutes when they do, and the emulator's own gaps."""

from __future__ import annotations

import uuid
from collections import Counter
from typing import Any

import botocore.exceptions
import pytest

from welt.adapters.cognito import StaffAuthenticators
from welt.domain.errors import AuthenticationError
from welt_stack import seed

PASSWORD = "Staff-own-2026!"


@pytest.fixture
def pool(aws_endpoint: str) -> tuple[seed.Aws, dict[str, Any]]:
    aws = seed.Aws("eu-west-1", aws_endpoint)
    return aws, seed.create_user_pool(aws)


def staff_user(aws: seed.Aws, pool: dict[str, Any]) -> str:
    email = f"lea-{uuid.uuid4().hex[:6]}@welt.example"
    cognito = aws.client("cognito-idp")
    cognito.admin_create_user(UserPoolId=pool["user_pool_id"], Username=email, MessageAction="SUPPRESS")
    cognito.admin_set_user_password(UserPoolId=pool["user_pool_id"], Username=email, Password=PASSWORD, Permanent=True)
    cognito.admin_add_user_to_group(UserPoolId=pool["user_pool_id"], Username=email, GroupName="staff")
    return email


class CountedClient:
    """The real Cognito client, its calls counted by operation."""

    def __init__(self, client: Any) -> None:
        self.calls: Counter[str] = Counter()
        client.meta.events.register("before-call.cognito-idp", self._count)
        self._client = client

    def _count(self, model: Any, **_: Any) -> None:
        self.calls[model.name] += 1

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


def test_a_staff_user_counts_as_enrolled_from_the_request_after_enrolling_and_is_then_asked_for_every_five_minutes(
    pool: tuple[seed.Aws, dict[str, Any]],
) -> None:
    aws, described = pool
    email = staff_user(aws, described)
    now = [1000.0]
    client = CountedClient(aws.client("cognito-idp"))
    authenticators = StaffAuthenticators(client, described["user_pool_id"], lifespan=300, clock=lambda: now[0])

    assert authenticators(email) is False
    assert authenticators(email) is False
    assert client.calls["AdminGetUser"] == 2  # no enrolment yet is never remembered: enrolling counts at once

    seed.enrol_authenticator(aws, described["client_id"], email, PASSWORD)
    assert authenticators(email) is True
    now[0] += 299
    assert authenticators(email) is True
    assert client.calls["AdminGetUser"] == 3
    now[0] += 2
    assert authenticators(email) is True
    assert client.calls["AdminGetUser"] == 4


def test_a_user_the_pool_no_longer_has_must_sign_in_again(pool: tuple[seed.Aws, dict[str, Any]]) -> None:
    aws, described = pool
    authenticators = StaffAuthenticators(aws.client("cognito-idp"), described["user_pool_id"])

    with pytest.raises(AuthenticationError):
        authenticators("gone@welt.example")


def test_the_emulator_asks_for_a_code_once_enrolled_and_checks_it_only_when_told_to_against_one_fixed_secret(
    pool: tuple[seed.Aws, dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """moto's gaps, named so a change in them shows here: every user gets the same secret, and codes are checked only
    with MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP=true (the local stack sets it). With it, wrong codes are refused."""
    aws, described = pool
    cognito = aws.client("cognito-idp")
    monkeypatch.setenv("MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP", "true")
    first, second = staff_user(aws, described), staff_user(aws, described)
    secret = seed.enrol_authenticator(aws, described["client_id"], first, PASSWORD)
    assert seed.enrol_authenticator(aws, described["client_id"], second, PASSWORD) == secret

    def challenge() -> dict[str, Any]:
        answer = cognito.initiate_auth(
            ClientId=described["client_id"], AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": first, "PASSWORD": PASSWORD}
        )
        assert answer.get("ChallengeName") == "SOFTWARE_TOKEN_MFA" and "AuthenticationResult" not in answer
        return answer

    wrong = str((int(seed.authenticator_code(secret)) + 1) % 1_000_000).zfill(6)
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        cognito.respond_to_auth_challenge(
            ClientId=described["client_id"],
            ChallengeName="SOFTWARE_TOKEN_MFA",
            Session=challenge()["Session"],
            ChallengeResponses={"USERNAME": first, "SOFTWARE_TOKEN_MFA_CODE": wrong},
        )
    assert refused.value.response["Error"]["Code"] == "CodeMismatchException"
    assert seed.sign_in(aws, described["client_id"], first, PASSWORD, secret)

    monkeypatch.setenv("MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP", "false")
    signed_in = cognito.respond_to_auth_challenge(
        ClientId=described["client_id"],
        ChallengeName="SOFTWARE_TOKEN_MFA",
        Session=challenge()["Session"],
        ChallengeResponses={"USERNAME": first, "SOFTWARE_TOKEN_MFA_CODE": wrong},
    )
    assert "IdToken" in signed_in["AuthenticationResult"]
