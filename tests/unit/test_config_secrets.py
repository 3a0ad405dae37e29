"""Secrets come from the environment locally and from Secrets Manager when deployed, read once and cached."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities import parameters
from moto import mock_aws

from welt import config

REGION = "eu-west-1"


@pytest.fixture
def secrets_manager(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, list[str]]]:
    for name in ("STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "WELT_CURSOR_SECRET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    parameters.clear_caches()
    with mock_aws():
        session = boto3.session.Session(region_name=REGION)
        calls: list[str] = []
        session.events.register(
            "provide-client-params.secrets-manager.GetSecretValue", lambda params, **_: calls.append(params["SecretId"])
        )
        # Powertools' own provider, on a client whose calls we count.
        monkeypatch.setitem(
            parameters.secrets.DEFAULT_PROVIDERS, "secrets", parameters.SecretsProvider(boto3_client=session.client("secretsmanager"))
        )
        yield session.client("secretsmanager"), calls
    parameters.clear_caches()


def test_the_value_in_the_environment_is_used_as_it_is(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WELT_CURSOR_SECRET", "local-cursor-key")
    monkeypatch.delenv("WELT_CURSOR_SECRET_SECRET_ID", raising=False)

    assert config.cursor_secret() == b"local-cursor-key"


def test_a_deployed_secret_is_never_overridden_by_a_plaintext_variable(
    secrets_manager: tuple[Any, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    client, _ = secrets_manager
    arn = client.create_secret(Name="welt-test-cursor-secret", SecretString="deployed-cursor-key")["ARN"]
    monkeypatch.setenv("WELT_CURSOR_SECRET_SECRET_ID", arn)
    monkeypatch.setenv("WELT_CURSOR_SECRET", "set-by-hand-on-the-function")

    assert config.cursor_secret() == b"deployed-cursor-key"


def test_a_function_not_given_the_webhook_secret_still_has_stripes_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STRIPE_SECRET_KEY", "sk_test_reconcile")
    monkeypatch.setenv("STRIPE_PUBLISHABLE_KEY", "pk_test_reconcile")
    monkeypatch.delenv("STRIPE_WEBHOOK_SECRET", raising=False)
    monkeypatch.delenv("STRIPE_WEBHOOK_SECRET_SECRET_ID", raising=False)

    settings = config.stripe_settings()

    assert settings.secret_key == "sk_test_reconcile"
    assert settings.webhook_secret is None


def test_a_deployed_function_reads_the_secret_its_environment_names_once(
    secrets_manager: tuple[Any, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    client, calls = secrets_manager
    arn = client.create_secret(Name="welt-test-cursor-secret", SecretString="deployed-cursor-key")["ARN"]
    monkeypatch.setenv("WELT_CURSOR_SECRET_SECRET_ID", arn)

    assert config.cursor_secret() == b"deployed-cursor-key"
    assert config.cursor_secret() == b"deployed-cursor-key"
    assert calls == [arn]  # cached for SECRET_MAX_AGE_SECONDS


def test_a_function_given_neither_the_value_nor_a_secret_id_refuses_to_start(secrets_manager: tuple[Any, list[str]]) -> None:
    with pytest.raises(RuntimeError, match="WELT_CURSOR_SECRET or WELT_CURSOR_SECRET_SECRET_ID"):
        config.cursor_secret()
