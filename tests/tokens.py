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


class StaticJwks:
    """What PyJWKClient offers the verifier, without the network."""

    def get_signing_key_from_jwt(self, token: str) -> jwt.PyJWK:
        kid = jwt.get_unverified_header(token).get("kid")
        if kid != KID:
            raise jwt.PyJWKClientError(f"unknown kid {kid}")
        return jwt.PyJWK.from_dict({**jwt.algorithms.RSAAlgorithm.to_jwk(_KEY.public_key(), as_dict=True),
                                    "kid": KID, "alg": "RS256", "use": "sig"})


def verifier() -> CognitoTokenVerifier:
    return CognitoTokenVerifier(StaticJwks(), ISSUER, AUDIENCE)


def id_token(brand: str | None = "DMO", staff: bool = False, wrong_key: bool = False, **claims: Any) -> str:
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
    return jwt.encode(payload, _OTHER_KEY if wrong_key else _KEY, algorithm="RS256", headers={"kid": KID})


def bearer(**kwargs: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {id_token(**kwargs)}"}
