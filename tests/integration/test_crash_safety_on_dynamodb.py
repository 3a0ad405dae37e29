"""Every business change on DynamoDB (moto server), its writes failed before and after each one applies."""

from __future__ import annotations

import uuid

import pytest

from tests.backends import Backend, dynamo_backend
from tests.crash import SCENARIOS, Scenario, run_crashes
from tests.fakes import Crashes
from tests.integration.conftest import Tables

WRITES = ("TransactWriteItems", "PutItem", "UpdateItem", "DeleteItem")


def crashing_dynamodb() -> tuple[Backend, Crashes]:
    tables = Tables(f"c{uuid.uuid4().hex[:8]}-")
    backend = dynamo_backend(tables)
    crashes = Crashes()
    for client in (tables.client, tables.resource.meta.client):
        for operation in WRITES:
            client.meta.events.register(f"before-call.dynamodb.{operation}", lambda **_: crashes.before())
            client.meta.events.register(f"after-call.dynamodb.{operation}", lambda **_: crashes.after())
    return backend, crashes


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_a_change_whose_write_fails_anywhere_is_before_or_after_and_a_retry_completes_it(scenario: Scenario, aws_endpoint: str) -> None:
    assert run_crashes(scenario, crashing_dynamodb) >= 1
