"""`make dev`'s runner (`python -m welt_stack`) as a developer uses it: up, described, Ctrl-C, up again.

Every run gets free ports and a state directory of its own, so a developer's `make dev` is never disturbed.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import psutil
import pytest
import requests

from tests.e2e.conftest import HTTP_TIMEOUT, nothing_listens_on
from welt_stack.stack import Ports, reserved_stack_ports

# One group: the runner below is started once, on one worker.
pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("stack-runner")]

REPO = Path(__file__).resolve().parents[2]
START_WITHIN = 90
STOP_WITHIN = 30


def _descendants(pid: int) -> list[psutil.Process]:
    """The runner's children (each in a session of its own) and everything they started."""
    return psutil.Process(pid).children(recursive=True)


def _alive(process: psutil.Process) -> bool:
    # is_running() also tells a reused pid from the process it was: a stranger is never ours to wait for or kill.
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


class DevRunner:
    """One `python -m welt_stack` process, started and stopped the way a developer's terminal does."""

    def __init__(self, ports: Ports, state_dir: Path, output: Path) -> None:
        self.ports = ports
        self.state_dir = state_dir
        self.output = output
        self.process: subprocess.Popen[bytes] | None = None
        self.descendants: list[psutil.Process] = []
        self.description: dict[str, Any] = {}

    @property
    def description_file(self) -> Path:
        return self.state_dir / "dev-stack.json"

    @property
    def all_ports(self) -> list[int]:
        return [int(port) for port in dataclasses.astuple(self.ports)]

    def launch(self) -> None:
        command = [sys.executable, "-m", "welt_stack", "--state-dir", str(self.state_dir)]
        for part in dataclasses.fields(self.ports):
            command += [f"--{part.name}-port", str(getattr(self.ports, part.name))]
        with self.output.open("ab") as log:
            self.process = subprocess.Popen(
                command,
                cwd=REPO,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                # A terminal's Ctrl-C works because SIGINT is not ignored; make sure of that whatever runs pytest.
                preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
            )

    def start(self) -> dict[str, Any]:
        self.launch()
        return self.wait_for_description()

    def ensure_running(self) -> dict[str, Any]:
        """The running stack's description, starting the runner first if it is not running."""
        if self.process is None or self.process.poll() is not None:
            return self.start()
        return self.description

    def wait_for_description(self) -> dict[str, Any]:
        assert self.process is not None
        deadline = time.monotonic() + START_WITHIN
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"the runner exited with {self.process.returncode}:\n{self.output.read_text()}")
            try:
                description: dict[str, Any] = json.loads(self.description_file.read_text())
            except (OSError, ValueError):
                description = {}
            if description.get("orders_api", "").endswith(f":{self.ports.orders}"):  # ours, not a stale one
                self.descendants = _descendants(self.process.pid)
                self.description = description
                return description
            time.sleep(0.2)
        pytest.fail(f"no {self.description_file} within {START_WITHIN}s:\n{self.output.read_text()}")

    def exit_status(self) -> int:
        """For a runner expected to give up by itself."""
        assert self.process is not None
        try:
            return self.process.wait(timeout=START_WITHIN)
        except subprocess.TimeoutExpired:
            pytest.fail(f"the runner is still running:\n{self.output.read_text()}")

    def stop(self, signum: signal.Signals = signal.SIGINT) -> int:
        """Ctrl-C (or a process manager's SIGTERM): the exit status once the runner has stopped."""
        assert self.process is not None
        self.process.send_signal(signum)
        try:
            return self.process.wait(timeout=STOP_WITHIN)
        except subprocess.TimeoutExpired:
            pytest.fail(f"the runner did not stop within {STOP_WITHIN}s of {signum.name}:\n{self.output.read_text()}")

    def clean_up(self) -> None:
        """After a failure too: nothing this test started may outlive it."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=STOP_WITHIN)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        for process in self.descendants:
            if _alive(process):
                with contextlib.suppress(psutil.NoSuchProcess):
                    process.kill()


def assert_describes_a_working_stack(description: dict[str, Any], runner: DevRunner) -> None:
    assert description["orders_api"] == f"http://127.0.0.1:{runner.ports.orders}"
    assert description["payments_api"] == f"http://127.0.0.1:{runner.ports.payments}"
    assert description["aws_endpoint"] == f"http://127.0.0.1:{runner.ports.moto}"
    assert description["region"] == "eu-west-1"
    assert description["cognito"]["user_pool_id"] and description["cognito"]["client_id"]
    stripe = description["stripe"]
    assert stripe["api_base"] == f"http://127.0.0.1:{runner.ports.stripe}"
    assert stripe["publishable_key"].startswith("pk_test_")
    assert stripe["secret_key"].startswith("sk_test_")
    assert stripe["webhook_secret"].startswith("whsec_")
    users = description["users"]
    assert sorted(u.get("brand") for u in users if u["role"] == "brand") == ["BRK", "DMO"]
    assert len([u for u in users if u["role"] == "staff"]) == 1
    assert len(users) == 3
    assert all(u["email"] and u["password"] for u in users)
    for api in (description["orders_api"], description["payments_api"]):
        assert requests.get(f"{api}/health", timeout=HTTP_TIMEOUT).json() == {"status": "ok"}
    # What the file says is enough to sign in and call the API.
    dmo = next(u for u in users if u.get("brand") == "DMO")
    cognito = boto3.client(
        "cognito-idp",
        region_name=description["region"],
        endpoint_url=description["aws_endpoint"],
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    signed_in = cognito.initiate_auth(
        ClientId=description["cognito"]["client_id"],
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": dmo["email"], "PASSWORD": dmo["password"]},
    )
    token = signed_in["AuthenticationResult"]["IdToken"]
    brand = requests.get(f"{description['orders_api']}/brand", headers={"Authorization": f"Bearer {token}"}, timeout=HTTP_TIMEOUT)
    assert brand.status_code == 200, brand.text
    assert brand.json()["code"] == "DMO"
    # Nothing was ordered yet: what SES sent is at most the demo users' invitations (the seed invites them through the
    # onboarding service), each to a demo user.
    emails = requests.get(description["emails_url"], timeout=HTTP_TIMEOUT)
    assert emails.status_code == 200, emails.text
    demo_users = {user["email"] for user in description["users"]}
    for email in emails.json():
        assert str(email["subject"]).startswith("Your Welt account"), email["subject"]
        assert set(email["destination"]) <= demo_users, email["destination"]


def assert_stopped_cleanly(runner: DevRunner, status: int) -> None:
    assert status == 0, runner.output.read_text()
    assert not runner.description_file.exists()
    for port in runner.all_ports:
        assert nothing_listens_on(port), f"port {port} still answers"
    assert len(runner.descendants) > 1, "the runner started no processes?"
    deadline = time.monotonic() + 5
    while any(_alive(process) for process in runner.descendants) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [process.pid for process in runner.descendants if _alive(process)], "processes outlived the runner"


@pytest.fixture(scope="module")
def runner(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevRunner]:
    """One runner for the tests below, on free ports and a state directory of its own (starting one is slow)."""
    home = tmp_path_factory.mktemp("dev-runner")
    with reserved_stack_ports() as ports:  # held while the runner stops and starts again on them
        runner = DevRunner(ports, home / "state", home / "runner.log")
        yield runner
        runner.clean_up()


def test_a_second_runner_on_busy_ports_gives_up_and_leaves_the_first_ones_description(runner: DevRunner, tmp_path: Path) -> None:
    """`make dev` typed twice: the second must fail without breaking the first (same ports, same .welt)."""
    description = runner.ensure_running()
    second = DevRunner(runner.ports, runner.state_dir, tmp_path / "second.log")
    try:
        second.launch()

        assert second.exit_status() == 1
        assert "in use" in second.output.read_text()
        assert_describes_a_working_stack(description, runner)  # the first stack is unharmed...
        assert runner.description_file.exists(), "the second runner deleted the running stack's dev-stack.json"
        assert json.loads(runner.description_file.read_text()) == description
    finally:
        second.clean_up()


def test_dev_runner_stops_on_ctrl_c_and_starts_again_on_the_same_ports(runner: DevRunner) -> None:
    assert_describes_a_working_stack(runner.ensure_running(), runner)

    assert_stopped_cleanly(runner, runner.stop(signal.SIGINT))

    assert_describes_a_working_stack(runner.start(), runner)  # same ports, straight away
    assert_stopped_cleanly(runner, runner.stop(signal.SIGTERM))  # what a process manager sends
