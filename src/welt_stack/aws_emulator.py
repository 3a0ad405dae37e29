"""The AWS emulator of the local stack and the tests: moto's server, with DynamoDB served one request at a time.

moto applies a TransactWriteItems by restoring copies of the tables it touched when the transaction fails,
and checks conditions apart from writing. Served side by side, a failing transaction would undo other
requests' writes and two conditional writes could both pass. DynamoDB applies each request atomically;
serving DynamoDB requests one at a time gives the emulator the same guarantee.

Usage: python -m welt_stack.aws_emulator -H 127.0.0.1 -p 5055
"""

from __future__ import annotations

import argparse
import threading
from collections.abc import Callable, Iterable
from typing import Any

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import BaseWSGIServer, make_server

DYNAMODB_TARGETS = ("DynamoDB_", "DynamoDBStreams_")


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


def emulator_app() -> OneDynamoDBRequestAtATime:
    return OneDynamoDBRequestAtATime(DomainDispatcherApplication(create_backend_app))


class AwsEmulator:
    """The emulator on a thread of this process (integration tests), on its own server socket."""

    def __init__(self, host: str, port: int) -> None:
        self._server: BaseWSGIServer = make_server(host, port, emulator_app(), threaded=True,
                                                   request_handler=MotoRequestHandler)
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
