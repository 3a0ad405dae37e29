"""Cognito-shaped ID tokens signed with a key made for the test run, and the JWKS that knows it."""

from __future__ import annotations

import time
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

from welt.adapters.cognito import CognitoTokenVerifier

ISSUER = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_test"
AUDIENCE = "welt-test-client"
KID = "test-key"

_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
_OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
# The key a user pool rotates to: announced under its own kid.
NEXT_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
NEXT_KID = "next-key"


def public_jwk(key: rsa.RSAPrivateKey = _KEY, kid: str = KID) -> dict[str, Any]:
    """The JWKS entry for a signing key, as Cognito publishes it."""
    return {**jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key(), as_dict=True), "kid": kid, "alg": "RS256", "use": "sig"}


class StaticJwks:
    """What PyJWKClient offers the verifier, without the network."""

    def get_signing_key_from_jwt(self, token: str) -> jwt.PyJWK:
        kid = jwt.get_unverified_header(token).get("kid")
        if kid != KID:
            raise jwt.PyJWKClientError(f"unknown kid {kid}")
        return jwt.PyJWK.from_dict(public_jwk())


def verifier() -> CognitoTokenVerifier:
    return CognitoTokenVerifier(StaticJwks(), ISSUER, AUDIENCE)


def id_token(
    brand: str | None = "DMO",
    staff: bool = False,
    wrong_key: bool = False,
    signed_by: tuple[rsa.RSAPrivateKey, str] | None = None,
    **claims: Any,
) -> str:
    """A Cognito-shaped ID token; `signed_by` is a (key, kid) other than the test pool's usual one."""
    now = int(time.time())
    payload: dict[str, Any] = {
        "sub": f"user-{brand or 'staff'}",
        "iss": ISSUER,
        "aud": AUDIENCE,
        "token_use": "id",
        "iat": now,
        "auth_time": now,
        "exp": now + 3600,
        "email": f"buyer@{(brand or 'welt').lower()}.example",
    }
    if brand is not None:
        payload["custom:brand"] = brand
    if staff:
        payload["cognito:groups"] = ["staff"]
    payload.update(claims)
    payload = {k: v for k, v in payload.items() if v is not None}
    key, kid = signed_by or (_OTHER_KEY if wrong_key else _KEY, KID)
    return jwt.encode(payload, key, algorithm="RS256", headers={"kid": kid})


def bearer(**kwargs: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {id_token(**kwargs)}"}
