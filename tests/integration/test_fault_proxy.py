"""The fault proxy (welt_stack.faults) in front of a tiny local upstream: what each fault looks like to a client,
whether the upstream saw the request, the plan's matching and windows, seeded repeatability and the counts."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from welt_stack.faults import Fault, FaultKind, FaultProxy, fault_proxy, ses_failing


class Upstream:
    """Answers every request with what it received, and remembers each one."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str, bytes]] = []
        seen = self.seen

        class Echo(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _any(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                seen.append((self.command, self.path, body))
                answer = json.dumps(
                    {"method": self.command, "path": self.path, "body": body.decode(), "stripe_key": self.headers.get("Idempotency-Key")}
                ).encode()
                self.send_response(201 if self.command == "POST" else 200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Request-Id", "req_upstream")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            do_GET = do_POST = do_DELETE = _any

            def log_message(self, *args: Any) -> None:
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Echo)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def upstream() -> Iterator[Upstream]:
    server = Upstream()
    yield server
    server.close()


@pytest.fixture
def clock() -> Clock:
    return Clock()


def ses_send(proxy: FaultProxy, action: str = "SendEmail") -> requests.Response:
    return requests.post(f"{proxy.url}/", data={"Action": action, "Version": "2010-12-01", "Source": "desk@welt.example"}, timeout=5)


def test_without_a_plan_requests_and_answers_pass_through_unchanged(upstream):
    with fault_proxy(upstream.url) as proxy:
        response = requests.post(
            f"{proxy.url}/v1/payment_intents?expand=x",
            data={"amount": "4200"},
            headers={"Idempotency-Key": "welt-pay_1-create-1"},
            timeout=5,
        )

        assert response.status_code == 201
        assert response.headers["Request-Id"] == "req_upstream"
        assert response.json() == {
            "method": "POST",
            "path": "/v1/payment_intents?expand=x",
            "body": "amount=4200",
            "stripe_key": "welt-pay_1-create-1",
        }
        assert proxy.stats() == {"requests": 1, "forwarded": 1, "faults": {}, "faults_injected": 0, "by_rule": []}


def test_every_second_matching_request_gets_a_500_that_never_reaches_upstream(upstream):
    plan = [Fault(FaultKind.ERROR, method="POST", path=r"^/v1/payment_intents", every=2)]
    with fault_proxy(upstream.url, plan) as proxy:
        statuses = [requests.post(f"{proxy.url}/v1/payment_intents", data={"n": str(n)}, timeout=5).status_code for n in range(4)]
        read = requests.get(f"{proxy.url}/v1/payment_intents/pi_1", timeout=5)

        assert statuses == [201, 500, 201, 500]
        assert read.status_code == 200
        assert [body for method, _, body in upstream.seen if method == "POST"] == [b"n=0", b"n=2"]
        assert proxy.stats()["faults"] == {"error": 2}
        assert proxy.stats()["requests"] == 5


def test_a_timeout_holds_the_connection_past_the_clients_patience_without_reaching_upstream(upstream):
    with fault_proxy(upstream.url, [Fault(FaultKind.TIMEOUT, hold_seconds=2)]) as proxy:
        with pytest.raises(requests.ReadTimeout):
            requests.get(f"{proxy.url}/v1/charges", timeout=0.3)

        assert upstream.seen == []
        assert proxy.stats()["faults"] == {"timeout": 1}


def test_a_reset_drops_the_connection_before_upstream_sees_the_request(upstream):
    with fault_proxy(upstream.url, [Fault(FaultKind.RESET, times=1)]) as proxy:
        with pytest.raises(requests.ConnectionError):
            requests.post(f"{proxy.url}/v1/refunds", data={"payment_intent": "pi_1"}, timeout=5)
        after = requests.post(f"{proxy.url}/v1/refunds", data={"payment_intent": "pi_1"}, timeout=5)

        assert after.status_code == 201, "the rule strikes once"
        assert len(upstream.seen) == 1


def test_a_lost_answer_reaches_upstream_but_the_client_only_sees_its_connection_reset(upstream):
    plan = [Fault(FaultKind.LOST_ANSWER, method="POST", path=r"/confirm$")]
    with fault_proxy(upstream.url, plan) as proxy:
        with pytest.raises(requests.ConnectionError):
            requests.post(f"{proxy.url}/v1/payment_intents/pi_1/confirm", data={}, timeout=5)

        assert [(method, path) for method, path, _ in upstream.seen] == [("POST", "/v1/payment_intents/pi_1/confirm")]
        assert proxy.stats()["faults"] == {"lost_answer": 1}
        assert proxy.stats()["forwarded"] == 0


def test_ses_fails_about_half_the_sends_for_a_minute_and_leaves_other_aws_calls_alone(upstream, clock):
    with fault_proxy(upstream.url, [ses_failing()], seed=7, clock=clock) as proxy:
        sends = [ses_send(proxy).status_code for _ in range(40)]
        dynamodb = requests.post(
            proxy.url,
            data=b"{}",
            timeout=5,
            headers={"X-Amz-Target": "DynamoDB_20120810.PutItem", "Content-Type": "application/x-amz-json-1.0"},
        )
        verify = ses_send(proxy, "VerifyEmailIdentity")
        clock.now += 60
        after_the_minute = [ses_send(proxy).status_code for _ in range(10)]

        assert 10 <= sends.count(500) <= 30, sends
        assert set(sends) == {201, 500}
        assert (dynamodb.status_code, verify.status_code) == (201, 201)
        assert after_the_minute == [201] * 10
        assert proxy.stats()["faults"] == {"error": sends.count(500)}
        assert proxy.stats()["requests"] == 52


def test_the_same_seed_injects_the_same_faults_in_the_same_order(upstream):
    def run(seed: int) -> list[int]:
        with fault_proxy(upstream.url, [Fault(FaultKind.ERROR, probability=0.3, status=503)], seed=seed) as proxy:
            return [requests.get(f"{proxy.url}/x", timeout=5).status_code for _ in range(30)]

    first = run(11)

    assert run(11) == first
    assert run(12) != first
    assert 503 in first


def test_a_rule_applies_only_inside_its_window(upstream, clock):
    with fault_proxy(upstream.url, [Fault(FaultKind.ERROR, after=10, until=20)], clock=clock) as proxy:
        before = requests.get(f"{proxy.url}/x", timeout=5).status_code
        clock.now += 10
        inside = requests.get(f"{proxy.url}/x", timeout=5).status_code
        clock.now += 10
        after = requests.get(f"{proxy.url}/x", timeout=5).status_code

        assert (before, inside, after) == (200, 500, 200)


def test_the_control_endpoint_reports_requests_and_faults_without_counting_itself(upstream):
    plan = [Fault(FaultKind.ERROR, path="^/v1/charges"), Fault(FaultKind.RESET, path="^/v1/refunds")]
    with fault_proxy(upstream.url, plan) as proxy:
        requests.get(f"{proxy.url}/v1/charges", timeout=5)
        requests.get(f"{proxy.url}/v1/balance", timeout=5)
        with pytest.raises(requests.ConnectionError):
            requests.get(f"{proxy.url}/v1/refunds", timeout=5)

        report = requests.get(f"{proxy.url}/_faults", timeout=5).json()

        assert report == {"requests": 3, "forwarded": 1, "faults": {"error": 1, "reset": 1}, "faults_injected": 2, "by_rule": [1, 1]}


def test_a_new_plan_starts_its_windows_now_and_keeps_the_counts(upstream, clock):
    with fault_proxy(upstream.url, [Fault(FaultKind.ERROR, until=5)], clock=clock) as proxy:
        assert requests.get(f"{proxy.url}/x", timeout=5).status_code == 500
        clock.now += 100
        proxy.set_plan([Fault(FaultKind.ERROR, until=5, status=502)])

        assert requests.get(f"{proxy.url}/x", timeout=5).status_code == 502
        assert proxy.stats()["faults_injected"] == 2
