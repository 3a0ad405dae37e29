"""A fault-injecting HTTP proxy for the local stack: placed in front of the Stripe or the AWS emulator, it answers
some requests with 500s, holds or resets others, or forwards them and loses the answer, as a plan says.

Randomness is seeded, so a run can be repeated; `GET /_faults` (or `FaultProxy.stats()`) reports what it did.
Request bodies must come with a Content-Length, as boto3's and stripe-python's do.
"""

from __future__ import annotations

import http.client
import http.server
import json
import random
import re
import socket
import struct
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

CONTROL_PATH = "/_faults"
# Not passed on: they describe one hop, not the request (RFC 9110 section 7.6.1).
HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "host",
    "content-length",
}


class FaultKind(StrEnum):
    ERROR = "error"  # answer `status` without forwarding
    TIMEOUT = "timeout"  # hold the connection without answering for `hold_seconds`, then close it
    RESET = "reset"  # reset the connection without forwarding
    LOST_ANSWER = "lost_answer"  # forward, let upstream act, then reset instead of answering


@dataclass(frozen=True)
class Fault:
    """One rule of a plan: which requests it matches, how often it strikes, and what it does."""

    kind: FaultKind
    method: str | None = None  # e.g. "POST"; None matches any
    path: str | None = None  # a regex searched in the path (query string excluded)
    target: str | None = None  # a regex matched in full against X-Amz-Target or the form's Action (AWS APIs)
    probability: float = 1.0
    every: int | None = None  # strike on every n-th matching request instead of by probability
    after: float = 0.0  # seconds after the plan started
    until: float | None = None  # seconds after the plan started; None: for as long as the plan runs
    times: int | None = None  # strike at most this often
    status: int = 500
    hold_seconds: float = 30.0

    def matches(self, method: str, path: str, target: str | None) -> bool:
        if self.method is not None and self.method.upper() != method.upper():
            return False
        if self.path is not None and not re.search(self.path, path):
            return False
        return self.target is None or (target is not None and re.fullmatch(self.target, target) is not None)


def ses_failing(share: float = 0.5, for_seconds: float = 60.0) -> Fault:
    """SES refusing to send `share` of the emails for a while (a 500, as SES answers a throttled or broken send)."""
    return Fault(
        FaultKind.ERROR, method="POST", target="SendEmail|SendRawEmail|SendTemplatedEmail", probability=share, until=for_seconds, status=500
    )


@dataclass
class FaultStats:
    """Requests seen and passed on, faults injected by kind and by rule of the current plan."""

    requests: int = 0
    forwarded: int = 0
    faults: dict[str, int] = field(default_factory=dict)
    by_rule: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "forwarded": self.forwarded,
            "faults": dict(self.faults),
            "faults_injected": sum(self.faults.values()),
            "by_rule": list(self.by_rule),
        }


class FaultProxy:
    """The proxy: `url` is where clients go instead of `upstream`."""

    def __init__(
        self,
        upstream: str,
        plan: list[Fault] | None = None,
        seed: int = 0,
        host: str = "127.0.0.1",
        port: int = 0,
        clock: Callable[[], float] = time.monotonic,
        upstream_timeout: float = 60.0,
    ) -> None:
        parsed = urllib.parse.urlsplit(upstream)
        self._upstream_host = parsed.hostname or "127.0.0.1"
        self._upstream_port = parsed.port or 80
        self._upstream_timeout = upstream_timeout
        self._clock = clock
        self._random = random.Random(seed)  # noqa: S311 - a repeatable run needs a seeded generator, not secrecy
        self._lock = threading.Lock()
        self._released = threading.Event()  # ends every held connection at shutdown
        self._stats = FaultStats()
        self._plan: list[Fault] = []
        self._matched: list[int] = []
        self._started = clock()
        self.set_plan(plan or [])
        self._server = http.server.ThreadingHTTPServer((host, port), self._handler())
        self._server.daemon_threads = True
        self.url = f"http://{host}:{self._server.server_address[1]}"
        # A short poll interval: stop() waits for it, and tests start and stop many proxies.
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="fault-proxy", daemon=True)

    def start(self) -> FaultProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._released.set()
        self._server.shutdown()
        self._server.server_close()

    def set_plan(self, plan: list[Fault]) -> None:
        """Replace the plan; its time windows count from now. Counts so far are kept."""
        with self._lock:
            self._plan = list(plan)
            self._matched = [0] * len(plan)
            self._started = self._clock()
            self._stats.by_rule = [0] * len(plan)

    def stats(self) -> dict[str, Any]:
        with self._lock:
            return self._stats.as_dict()

    def _decide(self, method: str, path: str, target: str | None) -> Fault | None:
        with self._lock:
            self._stats.requests += 1
            elapsed = self._clock() - self._started
            for index, fault in enumerate(self._plan):
                if not fault.matches(method, path, target):
                    continue
                if elapsed < fault.after or (fault.until is not None and elapsed >= fault.until):
                    continue
                if fault.times is not None and self._stats.by_rule[index] >= fault.times:
                    continue
                self._matched[index] += 1
                strikes = self._matched[index] % fault.every == 0 if fault.every else self._random.random() < fault.probability
                if strikes:
                    self._stats.by_rule[index] += 1
                    self._stats.faults[fault.kind.value] = self._stats.faults.get(fault.kind.value, 0) + 1
                    return fault
            self._stats.forwarded += 1
            return None

    def _forward(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
        upstream = http.client.HTTPConnection(self._upstream_host, self._upstream_port, timeout=self._upstream_timeout)
        try:
            upstream.request(method, path, body=body or None, headers={**headers, "Host": f"{self._upstream_host}:{self._upstream_port}"})
            answer = upstream.getresponse()
            content = answer.read()
            kept = [(k, v) for k, v in answer.getheaders() if k.lower() not in HOP_BY_HOP]
            return answer.status, kept, content
        finally:
            upstream.close()

    def _handler(self) -> type[http.server.BaseHTTPRequestHandler]:
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _any(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                path = urllib.parse.urlsplit(self.path).path
                if path == CONTROL_PATH:
                    self._answer(200, [("Content-Type", "application/json")], json.dumps(proxy.stats()).encode())
                    return
                fault = proxy._decide(self.command, path, _target(self.headers, body))
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
                if fault is None:
                    self._relay(headers, body)
                elif fault.kind is FaultKind.ERROR:
                    message = {
                        "error": {"type": "api_error", "message": "Fault injected: the service failed."},
                        "message": "Fault injected: the service failed.",
                    }
                    self._answer(fault.status, [("Content-Type", "application/json")], json.dumps(message).encode())
                elif fault.kind is FaultKind.TIMEOUT:
                    proxy._released.wait(fault.hold_seconds)
                    self.close_connection = True
                elif fault.kind is FaultKind.RESET:
                    self._reset()
                else:
                    try:
                        proxy._forward(self.command, self.path, headers, body)
                    finally:
                        self._reset()

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _any

            def _relay(self, headers: dict[str, str], body: bytes) -> None:
                try:
                    status, kept, content = proxy._forward(self.command, self.path, headers, body)
                except OSError:
                    self._answer(502, [("Content-Type", "text/plain")], b"upstream unreachable")
                    return
                self._answer(status, kept, content)

            def _answer(self, status: int, headers: list[tuple[str, str]], content: bytes) -> None:
                self.send_response(status)
                for name, value in headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(content)

            def _reset(self) -> None:
                # SO_LINGER with a zero timeout makes close() send RST: the client sees "connection reset by peer".
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.close_connection = True
                self.connection.close()

            def log_message(self, *args: Any) -> None:
                pass

        return Handler


def _target(headers: Any, body: bytes) -> str | None:
    """The AWS operation: X-Amz-Target's operation (JSON APIs) or the form's Action (query APIs such as SES)."""
    amz = headers.get("X-Amz-Target")
    if amz:
        return str(amz).rsplit(".", 1)[-1]
    if "x-www-form-urlencoded" in (headers.get("Content-Type") or ""):
        actions = urllib.parse.parse_qs(body.decode("utf-8", "replace")).get("Action")
        return actions[0] if actions else None
    return None


@contextmanager
def fault_proxy(upstream: str, plan: list[Fault] | None = None, seed: int = 0, **options: Any) -> Iterator[FaultProxy]:
    """A started proxy in front of `upstream`, stopped on exit."""
    proxy = FaultProxy(upstream, plan, seed, **options).start()
    try:
        yield proxy
    finally:
        proxy.stop()
