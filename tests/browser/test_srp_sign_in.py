"""The browser app's SRP sign-in proof, checked by an emulator that verifies it: ministack's Cognito recomputes
PASSWORD_CLAIM_SIGNATURE from the password it keeps (moto accepts any proof; the local stack's emulator checks it
with welt_stack.cognito_srp, written apart from web/js/srp.js, and this test holds both to a third implementation).

The browser app's own auth module runs in Chromium, served as the local stack serves it, against ministack alone.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from playwright.sync_api import Page

from tests.browser.backoffice import serving_web_app
from welt_stack import seed
from welt_stack.ports import reserved_ports

# One group: the ministack below is started once, on one worker.
pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("srp-sign-in")]

REGION = "eu-west-1"
PASSWORD = "Correct-Horse-42!"
EMAIL = "buyer@srp.example"
MFA_EMAIL = "staff@srp.example"


@pytest.fixture(scope="module")
def ministack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    state = tmp_path_factory.mktemp("ministack")
    with reserved_ports(1) as (port,):
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(state),
            "TMPDIR": str(state),
            "GATEWAY_PORT": str(port),
            "BIND_HOST": "127.0.0.1",
            "MINISTACK_REGION": REGION,
            "IOT_MTLS_ENABLED": "0",
            "SFTP_ENABLED": "0",
            "LOG_LEVEL": "WARNING",
        }
        log = (state / "ministack.log").open("wb")
        process = subprocess.Popen([str(Path(sys.executable).parent / "ministack")], env=env, stdout=log, stderr=subprocess.STDOUT)
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while not _answers(f"{endpoint}/_ministack/health"):
            assert process.poll() is None and time.monotonic() < deadline, (state / "ministack.log").read_text()
            time.sleep(0.2)
        yield endpoint
    finally:
        process.terminate()
        process.wait(timeout=10)


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=1).ok
    except requests.RequestException:
        return False


@pytest.fixture(scope="module")
def pool(ministack: str) -> dict[str, Any]:
    keys = {"aws_access_key_id": "test", "aws_secret_access_key": "test"}
    cognito = boto3.client("cognito-idp", region_name=REGION, endpoint_url=ministack, **keys)
    pool_id = cognito.create_user_pool(PoolName="welt-users")["UserPool"]["Id"]
    client_id = cognito.create_user_pool_client(
        UserPoolId=pool_id, ClientName="welt-web", ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
    )["UserPoolClient"]["ClientId"]
    cognito.set_user_pool_mfa_config(UserPoolId=pool_id, SoftwareTokenMfaConfiguration={"Enabled": True}, MfaConfiguration="OPTIONAL")
    for email in (EMAIL, MFA_EMAIL):
        cognito.admin_create_user(UserPoolId=pool_id, Username=email, MessageAction="SUPPRESS")
        cognito.admin_set_user_password(UserPoolId=pool_id, Username=email, Password=PASSWORD, Permanent=True)
    return {"user_pool_id": pool_id, "client_id": client_id, "endpoint": ministack, "cognito": cognito}


@pytest.fixture(scope="module")
def web_origin(pool: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    config = tmp_path_factory.mktemp("web") / "config.json"
    config.write_text(json.dumps({"region": REGION, "cognito": {k: pool[k] for k in ("user_pool_id", "client_id", "endpoint")}}))
    with serving_web_app(config) as origin:
        yield origin


SIGN_IN = """async ([email, password]) => {
  const auth = await import('/js/auth.js');
  try {
    const result = await auth.signIn(email, password);
    return result.step;
  } catch (error) {
    return `refused: ${error.message}`;
  }
}"""


def sign_in(page: Page, origin: str, email: str, password: str) -> str:
    page.goto(f"{origin}/config.json")
    return str(page.evaluate(SIGN_IN, [email, password]))


def test_the_right_password_signs_in_through_a_verified_password_claim(page: Page, web_origin: str) -> None:
    assert sign_in(page, web_origin, EMAIL, PASSWORD) == "SIGNED_IN"


def test_a_wrong_password_is_refused_by_the_verifier(page: Page, web_origin: str) -> None:
    assert sign_in(page, web_origin, EMAIL, PASSWORD + "x") == "refused: Incorrect email address or password."


def test_after_the_password_claim_a_user_with_an_authenticator_is_asked_for_its_code(
    page: Page, web_origin: str, pool: dict[str, Any]
) -> None:
    cognito = pool["cognito"]
    signed_in = cognito.admin_initiate_auth(
        UserPoolId=pool["user_pool_id"], ClientId=pool["client_id"], AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": MFA_EMAIL, "PASSWORD": PASSWORD},
    )  # fmt: skip
    access = signed_in["AuthenticationResult"]["AccessToken"]
    secret = cognito.associate_software_token(AccessToken=access)["SecretCode"]
    cognito.verify_software_token(AccessToken=access, UserCode=seed.authenticator_code(secret))
    cognito.set_user_mfa_preference(AccessToken=access, SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True})

    assert sign_in(page, web_origin, MFA_EMAIL, PASSWORD) == "SOFTWARE_TOKEN_MFA"
