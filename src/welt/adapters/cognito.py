"""Verifies Cognito ID tokens ourselves: signature against the JWKS, issuer, audience, expiry, use."""

from __future__ import annotations

from typing import Any

import jwt

from welt.domain.errors import AuthenticationError
from welt.domain.model import BRAND_CODE
from welt.services.orders import Caller

STAFF_GROUP = "staff"


class CognitoTokenVerifier:
    def __init__(self, jwks: jwt.PyJWKClient | Any, issuer: str, audience: str, leeway_seconds: int = 30) -> None:
        self._jwks = jwks
        self._issuer = issuer
        self._audience = audience
        self._leeway = leeway_seconds

    @classmethod
    def from_url(cls, jwks_url: str, issuer: str, audience: str) -> CognitoTokenVerifier:
        # The client caches keys across invocations of a warm Lambda and refetches on an unknown kid.
        return cls(jwt.PyJWKClient(jwks_url, cache_keys=True, lifespan=3600, timeout=5), issuer, audience)

    def caller(self, authorization: str | None) -> Caller:
        """The caller a `Bearer <ID token>` header proves, or AuthenticationError."""
        if not authorization:
            raise AuthenticationError("Sign in: this route needs an `Authorization: Bearer <ID token>` header.")
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthenticationError("The Authorization header must be `Bearer <ID token>`.")
        claims = self._verified_claims(token.strip())
        groups = claims.get("cognito:groups") or []
        staff = isinstance(groups, list) and STAFF_GROUP in groups
        brand = claims.get("custom:brand")
        if brand is not None and not (isinstance(brand, str) and BRAND_CODE.fullmatch(brand)):
            raise AuthenticationError("The token's brand claim is not a brand code.")
        if not staff and brand is None:
            raise AuthenticationError("The token names no brand and no staff group.")
        return Caller(subject=str(claims["sub"]), brand=None if staff else brand, staff=staff, email=claims.get("email"))

    def _verified_claims(self, token: str) -> dict[str, Any]:
        try:
            key = self._jwks.get_signing_key_from_jwt(token)
            claims: dict[str, Any] = jwt.decode(
                token,
                key.key,
                algorithms=["RS256"],
                audience=self._audience,
                issuer=self._issuer,
                leeway=self._leeway,
                options={"require": ["exp", "iat", "iss", "aud", "sub", "token_use"]},
            )
        except jwt.ExpiredSignatureError:
            raise AuthenticationError("The token has expired; sign in again.") from None
        except jwt.PyJWKClientConnectionError as error:
            raise AuthenticationError(f"The signing keys could not be fetched: {type(error).__name__}.") from None
        except (jwt.InvalidTokenError, jwt.PyJWKClientError, ValueError) as error:
            raise AuthenticationError(f"The token is not a valid ID token for Welt: {_reason(error)}") from None
        if claims.get("token_use") != "id":
            raise AuthenticationError("Use the ID token, not the access token.")
        return claims


def _reason(error: Exception) -> str:
    """Why a token was refused, in words that help its holder and reveal nothing about the keys."""
    if isinstance(error, jwt.MissingRequiredClaimError):
        return f"it has no `{error.claim}` claim."
    reasons: list[tuple[type[Exception], str]] = [
        (jwt.InvalidAudienceError, "it was issued to another app client."),
        (jwt.InvalidIssuerError, "it was issued by another user pool."),
        (jwt.ImmatureSignatureError, "it was issued in the future; check the clock."),
        (jwt.InvalidSignatureError, "its signature does not verify."),
        (jwt.InvalidAlgorithmError, "it is not signed with RS256."),
        (jwt.PyJWKClientError, "it is not signed with one of the user pool's keys."),
        (jwt.DecodeError, "it is not a well-formed JWT."),
    ]
    return next((text for kind, text in reasons if isinstance(error, kind)), "its claims do not check out.")
