"""Welt as deployed: the CDK app synthesized once per session for the emulator stage, every stack deployed by
CloudFormation into ministack (welt_stack.deployed_stack), and every request through its API Gateway.

The packages are `make package`'s (build/<app>/package/deployment.zip); the tier shares one xdist worker, as the
emulator, its Lambda processes and the synthesis are one per session.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.e2e.conftest import HTTP_TIMEOUT, Api, PaymentsApi
from welt_stack import seed
from welt_stack.deployed_stack import DeployedStack, deployed_on_free_ports
from welt_stack.stack import REPO, StackError

VENV_NODE = REPO / ".venv" / "bin" / "node"


# First, before pytest-xdist reads each test's group into its id.
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.deployed)
            item.add_marker(pytest.mark.xdist_group("deployed"))


@pytest.fixture(scope="session")
def cdk_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`make synth STAGE=local CONTEXT=emulator=true`, into this session's folder (in a process of its own: jsii)."""
    missing = [app for app in ("orders", "payments") if not (REPO / "build" / app / "package" / "deployment.zip").is_file()]
    if missing:
        pytest.fail(f"no Lambda package for {missing}: run `make package` first (make deployed and make test do)")
    out = tmp_path_factory.mktemp("deployed") / "cdk.out"
    command = [sys.executable, "-m", "infra.app", "--out", str(out), "-c", "stage=local", "-c", "emulator=true"]
    env = {**os.environ, "JSII_NODE": os.environ.get("JSII_NODE", str(VENV_NODE))}
    result = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return out


@pytest.fixture(scope="session")
def deployed(cdk_out: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DeployedStack]:
    try:
        with deployed_on_free_ports(cdk_out, tmp_path_factory.mktemp("deployed-stack")) as running:
            yield running
    except StackError as error:
        pytest.fail(f"the deployed shape did not start: {error}")


def id_token(deployed: DeployedStack, who: str) -> str:
    account = next(user for user in deployed.description["users"] if who in (user.get("brand"), user["role"]))
    client_id = deployed.description["cognito"]["client_id"]
    return seed.sign_in(deployed.aws, client_id, account["email"], account["password"], account.get("totp_secret"))


@pytest.fixture(scope="session")
def dmo(deployed: DeployedStack) -> Api:
    return Api(deployed.description["orders_api"], id_token(deployed, "DMO"))


@pytest.fixture(scope="session")
def brk(deployed: DeployedStack) -> Api:
    return Api(deployed.description["orders_api"], id_token(deployed, "BRK"))


@pytest.fixture
def staff(deployed: DeployedStack) -> Api:
    """Signed in for each test: the deployed functions honour a staff token for 15 minutes only."""
    return Api(deployed.description["orders_api"], id_token(deployed, "staff"))


@pytest.fixture(scope="session")
def anonymous(deployed: DeployedStack) -> Api:
    return Api(deployed.description["orders_api"])


@pytest.fixture(scope="session")
def dmo_pay(deployed: DeployedStack, dmo: Api) -> PaymentsApi:
    return PaymentsApi(deployed.description["payments_api"], dmo.token)


class Outbox:
    """The emails the emulator's SES sent, as `emails_url` answers them."""

    def __init__(self, url: str) -> None:
        self._url = url

    def sent_to(self, address: str) -> list[dict[str, Any]]:
        response = requests.get(self._url, timeout=HTTP_TIMEOUT)
        assert response.status_code == 200, response.text
        return [email for email in response.json() if address in email["destination"]]

    def wait_for(self, address: str, count: int, within: float = 30) -> list[dict[str, Any]]:
        deadline = time.monotonic() + within
        while True:
            sent = self.sent_to(address)
            if len(sent) >= count or time.monotonic() > deadline:
                return sent
            time.sleep(0.3)


@pytest.fixture(scope="session")
def outbox(deployed: DeployedStack) -> Outbox:
    return Outbox(deployed.description["emails_url"])
