"""Least privilege in the running stack: only the payments side holds Stripe's secrets, as when deployed."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from infra import access
from tests.e2e.conftest import HTTP_TIMEOUT, RunningStack

pytestmark = pytest.mark.e2e

STRIPE_SECRETS = ("STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET")
# The payments API and its reconciliation run; every other process of the stack must do without the secrets.
PAYMENTS_SIDE = ("payments", "reconcile")


def environment_of(pid: int) -> dict[str, str]:
    """What the process was started with, from /proc/<pid>/environ."""
    raw = (Path("/proc") / str(pid) / "environ").read_bytes()
    pairs = [entry.decode(errors="replace").split("=", 1) for entry in raw.split(b"\0") if b"=" in entry]
    return {name: value for name, value in pairs}


def test_the_orders_function_is_not_given_stripes_secrets_and_the_payments_function_is(stack: RunningStack) -> None:
    orders = environment_of(stack.process_ids["orders"])
    payments = environment_of(stack.process_ids["payments"])

    for name in STRIPE_SECRETS:
        assert name not in orders, f"the orders function can read {name}"
    assert payments["STRIPE_SECRET_KEY"] == stack.stripe["secret_key"]
    assert payments["STRIPE_WEBHOOK_SECRET"] == stack.stripe["webhook_secret"]
    assert orders["WELT_TABLE_PREFIX"] == payments["WELT_TABLE_PREFIX"]  # the same stack, read the same way


def test_no_other_process_of_the_stack_holds_a_stripe_secret_under_any_name(stack: RunningStack) -> None:
    secrets = {stack.stripe["secret_key"], stack.stripe["webhook_secret"]}
    others = {name: pid for name, pid in stack.process_ids.items() if name not in PAYMENTS_SIDE}
    assert {"orders", "email-retry", "moto", "web"} <= set(others)

    for name, pid in others.items():
        environment = environment_of(pid)
        command_line = (Path("/proc") / str(pid) / "cmdline").read_bytes().decode(errors="replace")
        assert not set(STRIPE_SECRETS) & set(environment), name
        assert not secrets & set(environment.values()), f"{name} holds a Stripe secret"
        assert not any(secret in command_line for secret in secrets), f"{name} got a Stripe secret on its command line"


@pytest.mark.parametrize(
    ("process", "role"), [("payments", access.PAYMENTS_API), ("reconcile", access.RECONCILE_PAYMENTS)], ids=["payments", "reconcile"]
)
def test_the_payments_side_holds_exactly_the_stripe_secrets_its_deployed_role_may_read(
    stack: RunningStack, process: str, role: access.FunctionAccess
) -> None:
    environment = environment_of(stack.process_ids[process])
    may_read = {name.upper() for name in role.secrets if name in access.STRIPE_SECRETS}

    assert {name for name in STRIPE_SECRETS if name in environment} == may_read


def test_the_browser_app_is_given_the_publishable_key_only(stack: RunningStack) -> None:
    config = requests.get(f"{stack.web}/config.json", timeout=HTTP_TIMEOUT)

    assert config.status_code == 200, config.text
    assert config.json()["stripe"]["publishable_key"] == stack.stripe["publishable_key"]
    assert stack.stripe["secret_key"] not in config.text
    assert stack.stripe["webhook_secret"] not in config.text
