"""Who gets in, over HTTP with the emulator's real Cognito tokens: ID tokens only, signed by the pool, unaltered."""

from __future__ import annotations

import base64
import json

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.e2e.conftest import Api, RunningStack, assert_problem, order_form

pytestmark = pytest.mark.e2e

PROTECTED = [
    ("GET", "/orders"),
    ("GET", "/catalog"),
    ("GET", "/brand"),
    ("GET", "/orders/00001-DMO"),
    ("GET", "/admin/orders"),
    ("POST", "/quotes"),
]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _claims(token: str) -> dict[str, object]:
    payload = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))


def with_signature_tampered(token: str) -> str:
    header, payload, signature = token.split(".")
    # A character in the middle: the last one may only carry padding bits and decode to the same signature.
    middle = len(signature) // 2
    swapped = "A" if signature[middle] != "A" else "B"
    return ".".join([header, payload, signature[:middle] + swapped + signature[middle + 1 :]])


def with_claims_changed(token: str, **changes: object) -> str:
    header, _, signature = token.split(".")
    payload = _b64(json.dumps({**_claims(token), **changes}, separators=(",", ":")).encode())
    return ".".join([header, payload, signature])


def forged_with_another_key(token: str) -> str:
    """The same header (kid included) and claims, signed by a key the pool never had."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return jwt.encode(_claims(token), key, algorithm="RS256", headers=jwt.get_unverified_header(token))


@pytest.fixture(scope="module")
def bad_authorizations(stack: RunningStack) -> dict[str, str | None]:
    real = stack.id_tokens["DMO"]
    return {
        "none": None,
        "empty": "",
        "not-bearer": f"Basic {real}",
        "bearer-only": "Bearer ",
        "malformed": "Bearer not.a.jwt",
        "garbage": "Bearer abc",
        "signature-tampered": f"Bearer {with_signature_tampered(real)}",
        "brand-claim-changed": f"Bearer {with_claims_changed(real, **{'custom:brand': 'BRK'})}",
        "staff-group-added": f"Bearer {with_claims_changed(real, **{'cognito:groups': ['staff']})}",
        "access-token": f"Bearer {stack.access_token}",
        "forged": f"Bearer {forged_with_another_key(real)}",
    }


CASES = [
    "none",
    "empty",
    "not-bearer",
    "bearer-only",
    "malformed",
    "garbage",
    "signature-tampered",
    "brand-claim-changed",
    "staff-group-added",
    "access-token",
    "forged",
]


@pytest.mark.parametrize("case", CASES)
def test_a_missing_or_untrustworthy_token_is_401_on_every_protected_route(
    stack: RunningStack, bad_authorizations: dict[str, str | None], case: str
) -> None:
    authorization = bad_authorizations[case]
    api = Api(stack.orders_api)
    headers = {} if authorization is None else {"Authorization": authorization}

    for method, path in PROTECTED:
        body = {"order_numbers": ["00001-DMO"]} if method == "POST" else None
        assert_problem(api.request(method, path, headers=headers, json=body), 401)


def test_a_checkout_with_an_untrustworthy_token_places_nothing(
    stack: RunningStack, bad_authorizations: dict[str, str | None], dmo: Api, tag: str
) -> None:
    highest = dmo.highest_seq()
    for case in CASES:
        authorization = bad_authorizations[case]
        api = Api(stack.orders_api)
        headers = {"Idempotency-Key": f"{tag}-{case}"}
        if authorization is not None:
            headers["Authorization"] = authorization
        assert_problem(api.post("/orders", json=order_form(tag), headers=headers), 401)

    assert dmo.highest_seq() == highest


def test_the_tokens_used_above_are_real_id_tokens_that_work(stack: RunningStack) -> None:
    """Control for the 401 cases: the untampered tokens they start from are accepted."""
    claims = _claims(stack.id_tokens["DMO"])
    assert claims["token_use"] == "id"
    assert claims["custom:brand"] == "DMO"
    assert _claims(stack.access_token)["token_use"] == "access"
    assert Api(stack.orders_api, stack.id_tokens["DMO"]).get("/brand").json()["code"] == "DMO"
