"""Sign-in when the user pool's JWKS endpoint fails: the last good keys keep serving, a cold start answers 503,
and a key removed from the JWKS stops verifying once the hourly refresh has seen it go.

The JWKS is served over loopback HTTP by a server each test controls; time moves by shifting the clock, never by sleeping.
"""

from __future__ import annotations

import http.server
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests import tokens
from welt.adapters.cognito import KEYS_LIFESPAN_SECONDS, OUTAGE_RETRY_SECONDS, CognitoTokenVerifier
from welt.bootstrap import wiring
from welt.domain.errors import AuthenticationError, ServiceUnavailableError

PROBLEM_JSON = "application/problem+json"


@dataclass
class JwksEndpoint:
    """What the pool's JWKS endpoint answers: its key set, or a failure, and how often it was asked."""

    keys: list[dict[str, Any]] = field(default_factory=lambda: [tokens.public_jwk()])
    failure: str | None = None  # None, "500", "not json", "reset"
    fetches: int = 0
    url: str = ""


@pytest.fixture
def jwks() -> Iterator[JwksEndpoint]:
    endpoint = JwksEndpoint()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            endpoint.fetches += 1
            if endpoint.failure == "reset":
                self.close_connection = True
                self.connection.shutdown(2)
                return
            status, body = 200, json.dumps({"keys": endpoint.keys}).encode()
            if endpoint.failure == "500":
                status, body = 500, b"upstream trouble"
            elif endpoint.failure == "not json":
                body = b"<html>maintenance</html>"
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    endpoint.url = f"http://127.0.0.1:{server.server_address[1]}/eu-west-1_test/.well-known/jwks.json"
    yield endpoint
    server.shutdown()
    server.server_close()


class MonotonicClock:
    """time.monotonic moved forward on demand: PyJWKClient's cache and the outage pause both read it."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self._offset = 0.0
        real = time.monotonic
        monkeypatch.setattr(time, "monotonic", lambda: real() + self._offset)

    def advance(self, seconds: float) -> None:
        self._offset += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> MonotonicClock:
    return MonotonicClock(monkeypatch)


def verifier_for(jwks: JwksEndpoint) -> CognitoTokenVerifier:
    return CognitoTokenVerifier.from_url(jwks.url, tokens.ISSUER, tokens.AUDIENCE)


def bearer(**kwargs: Any) -> str:
    return f"Bearer {tokens.id_token(**kwargs)}"


@pytest.mark.parametrize("failure", ["500", "not json", "reset"])
def test_with_keys_fetched_before_an_outage_sign_in_keeps_working_after_they_expire(jwks, clock, failure):
    verifier = verifier_for(jwks)
    assert verifier.caller(bearer()).brand == "DMO"
    jwks.failure = failure
    clock.advance(KEYS_LIFESPAN_SECONDS + 1)

    assert verifier.caller(bearer(brand="BRK")).brand == "BRK"
    assert verifier.caller(bearer()).brand == "DMO"
    assert jwks.fetches == 2, "during the outage pause the endpoint is not asked again on every request"


def test_during_an_outage_the_endpoint_is_tried_again_after_the_pause_and_its_new_keys_are_used(jwks, clock):
    verifier = verifier_for(jwks)
    verifier.caller(bearer())
    jwks.failure = "500"
    clock.advance(KEYS_LIFESPAN_SECONDS + 1)
    verifier.caller(bearer())
    jwks.failure = None
    jwks.keys = [tokens.public_jwk(tokens.NEXT_KEY, tokens.NEXT_KID)]

    clock.advance(OUTAGE_RETRY_SECONDS + 1)

    with pytest.raises(AuthenticationError):
        verifier.caller(bearer())
    assert verifier.caller(bearer(signed_by=(tokens.NEXT_KEY, tokens.NEXT_KID))).brand == "DMO"
    assert jwks.fetches == 3


@pytest.mark.parametrize("failure", ["500", "not json", "reset"])
def test_with_no_keys_fetched_yet_an_outage_is_service_unavailable_not_signed_out(jwks, failure):
    jwks.failure = failure
    verifier = verifier_for(jwks)

    with pytest.raises(ServiceUnavailableError):
        verifier.caller(bearer())


def test_during_an_outage_a_key_the_last_good_set_does_not_know_is_unavailable_not_refused(jwks, clock):
    verifier = verifier_for(jwks)
    verifier.caller(bearer())
    jwks.failure = "500"
    clock.advance(KEYS_LIFESPAN_SECONDS + 1)

    with pytest.raises(ServiceUnavailableError):
        verifier.caller(bearer(signed_by=(tokens.NEXT_KEY, tokens.NEXT_KID)))


def test_a_key_removed_from_the_jwks_stops_verifying_once_the_hourly_refresh_is_due(jwks, clock):
    verifier = verifier_for(jwks)
    assert verifier.caller(bearer()).brand == "DMO"
    jwks.keys = [tokens.public_jwk(tokens.NEXT_KEY, tokens.NEXT_KID)]

    clock.advance(KEYS_LIFESPAN_SECONDS - 60)
    assert verifier.caller(bearer()).brand == "DMO", "within the hour the cached set still holds the key"
    clock.advance(61)

    with pytest.raises(AuthenticationError):
        verifier.caller(bearer())
    assert jwks.fetches == 2


def test_a_key_added_to_the_jwks_is_fetched_when_a_token_names_it(jwks, clock):
    verifier = verifier_for(jwks)
    verifier.caller(bearer())
    jwks.keys = [tokens.public_jwk(), tokens.public_jwk(tokens.NEXT_KEY, tokens.NEXT_KID)]
    clock.advance(31)  # PyJWKClient refetches for an unknown kid at most every 30 s

    assert verifier.caller(bearer(signed_by=(tokens.NEXT_KEY, tokens.NEXT_KID))).brand == "DMO"


@pytest.mark.parametrize("app_name", ["orders", "payments"])
def test_a_jwks_outage_on_a_cold_start_answers_503_problem_json(app_name, jwks, request):
    client = request.getfixturevalue(f"{app_name}_client")
    jwks.failure = "500"
    path = "/brand" if app_name == "orders" else "/payments/pay_000001"

    with wiring.use(token_verifier=verifier_for(jwks)):
        response = client.http.get(path, headers={"Authorization": bearer()})

    assert response.status_code == 503, response.body
    assert {k.lower(): v for k, v in response.headers.items()}["content-type"] == PROBLEM_JSON
    body = json.loads(response.body)
    assert body["type"] == "/problems/service-unavailable"
    assert body["status"] == 503
    assert "try again" in body["detail"]
