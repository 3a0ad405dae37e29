"""Integration tests talk to a real moto server over HTTP, with fresh tables for every test."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from welt.adapters.tables import ALL_TABLES, TableDefinition
from welt_stack.aws_emulator import AwsEmulator
from welt_stack.ports import reserved_ports

REGION = "eu-west-1"


@pytest.fixture(scope="session")
def aws_endpoint() -> Iterator[str]:
    with reserved_ports(1) as (port,):  # held until start() returns, which is once the server is bound
        server = AwsEmulator("127.0.0.1", port)
        server.start()
    endpoint = f"http://127.0.0.1:{port}"
    saved = {k: os.environ.get(k) for k in ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION")}
    os.environ.update(AWS_ENDPOINT_URL=endpoint, AWS_ACCESS_KEY_ID="local", AWS_SECRET_ACCESS_KEY="local", AWS_DEFAULT_REGION=REGION)
    yield endpoint
    server.stop()
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


class Tables:
    """A fresh set of Welt's tables under a prefix of their own."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.resource = boto3.resource("dynamodb", region_name=REGION)
        self.client = boto3.client("dynamodb", region_name=REGION)
        for table in ALL_TABLES:
            self.client.create_table(**table.create_table_arguments(self.name(table)))

    def name(self, table: TableDefinition) -> str:
        return f"{self.prefix}{table.logical_name}"

    def table(self, table: TableDefinition) -> Any:
        return self.resource.Table(self.name(table))


@pytest.fixture
def tables(aws_endpoint: str) -> Tables:
    return Tables(f"t{uuid.uuid4().hex[:8]}-")
