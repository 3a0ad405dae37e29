"""The AWS emulator of the local stack and the tests: moto's server, with DynamoDB served one request at a time.

moto applies a TransactWriteItems by restoring copies of the tables it touched when the transaction fails,
and checks conditions apart from writing. Served side by side, a failing transaction would undo other
requests' writes and two conditional writes could both pass. DynamoDB applies each request atomically;
serving DynamoDB requests one at a time gives the emulator the same guarantee. With requests one at a time,
a transaction can check every condition before it writes anything, so the emulator does that instead of
copying whole tables on every transaction (which grew with the tables and held every other request up).

Usage: python -m welt_stack.aws_emulator -H 127.0.0.1 -p 5055
"""

from __future__ import annotations

import argparse
import threading
from collections.abc import Callable, Iterable
from typing import Any

from moto.dynamodb.comparisons import get_filter_expression
from moto.dynamodb.exceptions import (
    MultipleTransactionsException,
    TooManyTransactionsException,
    TransactionCanceledException,
    TransactWriteSingleOpException,
)
from moto.dynamodb.models import DynamoDBBackend
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import BaseWSGIServer, make_server

from welt_stack import cognito_srp

DYNAMODB_TARGETS = ("DynamoDB_", "DynamoDBStreams_")
MAX_TRANSACTION_ITEMS = 100


def transact_write_items(backend: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
    """TransactWriteItems as DynamoDB answers it: every condition checked first, then every write, or none.

    Only sound while DynamoDB requests are served one at a time (see OneDynamoDBRequestAtATime). A write that
    fails half-way (moto's own validation) puts back the items already written, not whole tables.
    """
    if len(transact_items) > MAX_TRANSACTION_ITEMS:
        raise TooManyTransactionsException()
    planned: list[tuple[str, str, dict[str, Any], dict[str, Any], Any]] = []
    reasons: list[tuple[str | None, str | None, None]] = []
    seen: set[tuple[str, str]] = set()
    for entry in transact_items:
        if len(entry) != 1:
            raise TransactWriteSingleOpException
        kind, operation = next(iter(entry.items()))
        table_name = operation["TableName"]
        table = backend.get_table(table_name)
        if kind == "Put":
            attributes = operation["Item"]
            key = {table.hash_key_attr: attributes[table.hash_key_attr]}
            if table.range_key_attr is not None:
                key[table.range_key_attr] = attributes[table.range_key_attr]
        else:
            key = operation["Key"]
        marker = (table_name, str(dict(sorted(key.items()))))
        if marker in seen:
            raise MultipleTransactionsException()
        seen.add(marker)
        current = backend.get_item(table_name, key)
        condition = operation.get("ConditionExpression")
        holds = condition is None or get_filter_expression(
            condition, operation.get("ExpressionAttributeNames"), operation.get("ExpressionAttributeValues")
        ).expr(current)
        reasons.append((None, None, None) if holds else ("ConditionalCheckFailed", "The conditional request failed", None))
        planned.append((kind, table_name, key, operation, current))
    if any(code is not None for code, _, _ in reasons):
        raise TransactionCanceledException(reasons)
    written: list[tuple[str, dict[str, Any], Any]] = []
    try:
        for kind, table_name, key, operation, before in planned:
            if kind == "Put":
                backend.put_item(table_name, operation["Item"])
            elif kind == "Delete":
                backend.delete_item(table_name, key)
            elif kind == "Update":
                backend.update_item(
                    table_name,
                    key,
                    update_expression=operation["UpdateExpression"],
                    expression_attribute_names=operation.get("ExpressionAttributeNames") or {},
                    expression_attribute_values=operation.get("ExpressionAttributeValues") or {},
                )
            written.append((table_name, key, before))
    except Exception:
        for table_name, key, before in reversed(written):
            if before is None:
                backend.delete_item(table_name, key)
            else:
                backend.put_item(table_name, before.to_json()["Attributes"])
        raise


DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign,assignment]
# Its Cognito checks SRP sign-in proofs, as Cognito does (moto accepts any).
cognito_srp.install()


COGNITO_TARGETS = "AWSCognitoIdentityProviderService."
# The region of the local stack and the tests (welt_stack.stack.REGION).
EMULATED_REGION = "eu-west-1"


class OneDynamoDBRequestAtATime:
    """WSGI middleware: DynamoDB requests pass one by one (their whole answer included); others as they come."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self._app = app
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if not str(environ.get("HTTP_X_AMZ_TARGET", "")).startswith(DYNAMODB_TARGETS):
            return self._app(environ, start_response)
        with self._lock:
            answer = self._app(environ, start_response)
            try:
                return [b"".join(answer)]
            finally:
                close = getattr(answer, "close", None)
                if close is not None:
                    close()


class RegionalCognito:
    """WSGI middleware: an unsigned Cognito request (the browser's own: sign-in, its tokens) is for `region`.

    At AWS the browser calls the regional endpoint (cognito-idp.<region>.amazonaws.com), which names the region.
    moto takes the region from the host or the signature and falls back to us-east-1, where the pool is not:
    GlobalSignOut, which moto looks up in one region only, would then refuse every token.
    """

    def __init__(self, app: Callable[..., Iterable[bytes]], region: str = EMULATED_REGION) -> None:
        self._app = app
        self._region = region

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        target = str(environ.get("HTTP_X_AMZ_TARGET", ""))
        if target.startswith(COGNITO_TARGETS) and "HTTP_AUTHORIZATION" not in environ:
            # moto reads a `region/<name>` in the User-Agent as the region, as the AWS SDKs send it.
            environ["HTTP_USER_AGENT"] = f"{environ.get('HTTP_USER_AGENT', '')} region/{self._region}".strip()
        return self._app(environ, start_response)


def emulator_app() -> OneDynamoDBRequestAtATime:
    return OneDynamoDBRequestAtATime(RegionalCognito(DomainDispatcherApplication(create_backend_app)))


class AwsEmulator:
    """The emulator on a thread of this process (integration tests), on its own server socket."""

    def __init__(self, host: str, port: int) -> None:
        self._server: BaseWSGIServer = make_server(host, port, emulator_app(), threaded=True, request_handler=MotoRequestHandler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, default=5055)
    args = parser.parse_args()
    server = make_server(args.host, args.port, emulator_app(), threaded=True, request_handler=MotoRequestHandler)
    server.serve_forever()


if __name__ == "__main__":
    main()
