"""Verifies Cognito ID tokens ourselves: signature against the JWKS, issuer, audience, expiry, use.

The pool's keys are fetched again every hour; while the JWKS cannot be fetched the last good set keeps serving.

Staff must sign in with an authenticator app as second factor. A user pool cannot require that of one group only,
and an ID token does not say how its holder signed in, so Welt asks the pool (AdminGetUser) whether a staff
caller has one, and refuses them until they do.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import jwt
from aws_lambda_powertools import Logger
from botocore.exceptions import BotoCoreError, ClientError

from welt.domain.errors import AuthenticationError, ForbiddenError, ServiceUnavailableError
from welt.domain.model import BRAND_CODE
from welt.services.orders import Caller

STAFF_GROUP = "staff"
# A key Cognito removes from the JWKS must stop verifying within the hour.
KEYS_LIFESPAN_SECONDS = 3600
# While the JWKS endpoint is down, each container tries it again this often, not on every request.
OUTAGE_RETRY_SECONDS = 30
FETCH_TIMEOUT_SECONDS = 5
# How long a staff user's authenticator, once seen, is taken as still there: one AdminGetUser per staff user and
# container every five minutes; removing it is honoured within that time. A user without one is asked every time,
# so enrolling counts from the next request.
SECOND_FACTOR_LIFESPAN_SECONDS = 300

logger = Logger(child=True)


class UserPoolKeys(jwt.PyJWKClient):
    """PyJWKClient that rides out a JWKS outage on the last key set it fetched.

    PyJWKClient's own set cache does the hourly refresh; it keeps the last good set when a fetch fails
    but stops serving it once expired, which would turn a short outage into everyone signed out.
    """

    def __init__(
        self,
        uri: str,
        lifespan: float = KEYS_LIFESPAN_SECONDS,
        timeout: float = FETCH_TIMEOUT_SECONDS,
        retry_after: float = OUTAGE_RETRY_SECONDS,
    ) -> None:
        # No per-kid cache (cache_keys): it never expires, so a removed key would stay trusted.
        super().__init__(uri, cache_keys=False, cache_jwk_set=True, lifespan=lifespan, timeout=timeout)
        self._retry_after = retry_after
        self._outage_until: float | None = None

    def fetch_data(self) -> Any:
        # An endpoint answering something that is not a key set is as down as one that does not answer.
        try:
            return super().fetch_data()
        except jwt.PyJWKClientConnectionError:
            raise
        except (jwt.PyJWKClientError, jwt.PyJWKSetError, ValueError) as error:
            raise jwt.PyJWKClientConnectionError(f"The JWKS endpoint answered no key set: {error}") from error

    def get_signing_key(self, kid: str) -> jwt.PyJWK:
        if self._outage_until is not None and time.monotonic() < self._outage_until:
            return self._last_good_key(kid)
        try:
            key = super().get_signing_key(kid)
        except jwt.PyJWKClientConnectionError as error:
            self._outage_until = time.monotonic() + self._retry_after
            logger.warning("jwks unreachable, serving the last good keys", extra={"error": str(error)})
            return self._last_good_key(kid)
        self._outage_until = None
        return key

    def _last_good_key(self, kid: str) -> jwt.PyJWK:
        cached = self.jwk_set_cache.jwk_set_with_timestamp if self.jwk_set_cache else None
        if cached is None:
            raise jwt.PyJWKClientConnectionError("The JWKS endpoint is down and no key set was fetched before it.")
        for key in cached.get_jwk_set().keys:
            if key.key_id == kid:
                return key
        # A kid the last good set does not know may be a new key: it cannot be checked until the endpoint is back.
        raise jwt.PyJWKClientConnectionError("The JWKS endpoint is down and the last good key set lacks this key.")


class StaffAuthenticators:
    """Whether a user of the pool has an authenticator app as second factor (AdminGetUser's UserMFASettingList)."""

    def __init__(
        self, client: Any, user_pool_id: str, lifespan: float = SECOND_FACTOR_LIFESPAN_SECONDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._client = client
        self._pool = user_pool_id
        self._lifespan = lifespan
        self._clock = clock
        self._seen: dict[str, float] = {}

    def __call__(self, username: str) -> bool:
        seen = self._seen.get(username)
        if seen is not None and self._clock() - seen < self._lifespan:
            return True
        try:
            user = self._client.admin_get_user(UserPoolId=self._pool, Username=username)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "UserNotFoundException":
                raise AuthenticationError("The token's user no longer exists; sign in again.") from None
            raise ServiceUnavailableError("Sign-in cannot be checked right now; try again in a minute.") from None
        except BotoCoreError:
            raise ServiceUnavailableError("Sign-in cannot be checked right now; try again in a minute.") from None
        if "SOFTWARE_TOKEN_MFA" not in (user.get("UserMFASettingList") or []):
            self._seen.pop(username, None)
            return False
        self._seen[username] = self._clock()
        return True


class CognitoTokenVerifier:
    def __init__(
        self,
        jwks: jwt.PyJWKClient | Any,
        issuer: str,
        audience: str,
        leeway_seconds: int = 30,
        staff_authenticator: Callable[[str], bool] | None = None,
    ) -> None:
        self._jwks = jwks
        self._issuer = issuer
        self._audience = audience
        self._leeway = leeway_seconds
        # None only where no user pool is asked (unit tests of token checks); every deployed API passes one.
        self._staff_authenticator = staff_authenticator

    @classmethod
    def from_url(
        cls, jwks_url: str, issuer: str, audience: str, staff_authenticator: Callable[[str], bool] | None = None
    ) -> CognitoTokenVerifier:
        # The key set lives across invocations of a warm Lambda; an unknown kid refetches it (at most every 30 s).
        return cls(UserPoolKeys(jwks_url), issuer, audience, staff_authenticator=staff_authenticator)

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
        if staff and self._staff_authenticator is not None:
            username = claims.get("cognito:username") or claims["sub"]
            if not self._staff_authenticator(str(username)):
                raise ForbiddenError(
                    "Factory staff sign in with a code from an authenticator app: set up two-step sign-in "
                    "(in the app: Two-step sign-in), then sign in again."
                )
        issued_at = datetime.fromtimestamp(int(claims["iat"]), UTC)
        return Caller(
            subject=str(claims["sub"]), brand=None if staff else brand, staff=staff, email=claims.get("email"), issued_at=issued_at
        )

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
        except jwt.PyJWKClientConnectionError:
            # The token may well be good: refusing it would sign the caller out for our outage.
            raise ServiceUnavailableError("Sign-in cannot be checked right now; try again in a minute.") from None
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
