"""CognitoTokenVerifier: which `Authorization` headers prove a caller, and which are refused with a 401."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from datetime import UTC, datetime
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from tests import tokens
from welt.adapters.cognito import CognitoTokenVerifier
from welt.domain.errors import AuthenticationError, ForbiddenError
from welt.services.orders import Caller


@pytest.fixture
def verifier():
    return tokens.verifier()


def _claims(token: str) -> dict[str, Any]:
    return jwt.decode(token, options={"verify_signature": False})


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _public_key_pem() -> bytes:
    """The PEM text of the key the verifier trusts, as an attacker could download it from the JWKS."""
    key = tokens.StaticJwks().get_signing_key_from_jwt(tokens.id_token()).key
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def _hs256_signed_with_public_key() -> str:
    # PyJWT refuses to HMAC with PEM text, so the forgery is built by hand, as in PyJWT's own key-confusion tests.
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": tokens.KID}).encode())
    payload = _b64(json.dumps(_claims(tokens.id_token())).encode())
    signature = hmac.new(_public_key_pem(), f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64(signature)}"


def _unsigned() -> str:
    return jwt.encode(_claims(tokens.id_token()), "", algorithm="none", headers={"kid": tokens.KID})


def _signed_with_unknown_kid() -> str:
    # The trusted key itself, but announced under a kid the JWKS does not list (a rotated-away key).
    return jwt.encode(_claims(tokens.id_token()), tokens._KEY, algorithm="RS256", headers={"kid": "rotated-away"})


def _tampered_payload() -> str:
    header, _, signature = tokens.id_token(brand="DMO").split(".")
    payload = _b64(json.dumps({**_claims(tokens.id_token(brand="DMO")), "custom:brand": "BRK"}).encode())
    return f"{header}.{payload}.{signature}"


def test_a_brand_token_proves_a_brand_user(verifier):
    caller = verifier.caller(f"Bearer {tokens.id_token(brand='DMO', iat=1_790_000_000)}")

    assert caller == Caller(
        subject="user-DMO", brand="DMO", staff=False, email="buyer@dmo.example", issued_at=datetime.fromtimestamp(1_790_000_000, UTC)
    )


def test_a_staff_token_proves_staff_without_a_brand(verifier):
    token = tokens.id_token(brand=None, staff=True)
    assert _claims(token)["cognito:groups"] == ["staff"]

    caller = verifier.caller(f"Bearer {token}")

    assert caller.staff is True
    assert caller.brand is None


def test_a_staff_member_who_also_has_a_brand_claim_acts_as_staff(verifier):
    caller = verifier.caller(f"Bearer {tokens.id_token(brand='DMO', staff=True)}")

    assert (caller.staff, caller.brand) == (True, None)


def test_the_scheme_is_case_insensitive_and_surrounding_space_is_ignored(verifier):
    caller = verifier.caller(f"bearer   {tokens.id_token(brand='BRK')}  ")

    assert caller.brand == "BRK"


def test_a_token_expired_only_within_the_leeway_is_still_accepted(verifier):
    now = int(time.time())

    caller = verifier.caller(f"Bearer {tokens.id_token(iat=now - 3600, exp=now - 5)}")

    assert caller.brand == "DMO"


@pytest.mark.parametrize(
    "header",
    [
        pytest.param(None, id="missing header"),
        pytest.param("", id="empty header"),
        pytest.param("Bearer", id="scheme without token"),
        pytest.param("Bearer    ", id="scheme with blank token"),
        pytest.param(f"Basic {base64.b64encode(b'mara:secret').decode()}", id="basic scheme"),
        pytest.param(f"Token {tokens.id_token()}", id="other scheme with a good token"),
        pytest.param(tokens.id_token(), id="token without scheme"),
        pytest.param(f"Bearer\t{tokens.id_token()}", id="tab instead of space"),
    ],
)
def test_a_header_that_is_not_bearer_and_a_token_is_refused(verifier, header):
    with pytest.raises(AuthenticationError):
        verifier.caller(header)


@pytest.mark.parametrize(
    "token",
    [
        pytest.param("garbage", id="garbage"),
        pytest.param("a.b.c", id="three garbage segments"),
        pytest.param("e30.e30.", id="empty header and payload"),
        pytest.param("\x00\xff\u2603.\u00e9.\ud7ff", id="non-ascii bytes"),
        pytest.param(tokens.id_token() + "x", id="signature with an extra character"),
        pytest.param(".".join(tokens.id_token().split(".")[:2]) + ".", id="signature stripped"),
    ],
)
def test_a_garbage_token_is_refused(verifier, token):
    with pytest.raises(AuthenticationError):
        verifier.caller(f"Bearer {token}")


def test_a_token_signed_with_another_key_is_refused(verifier):
    with pytest.raises(AuthenticationError, match="signature does not verify"):
        verifier.caller(f"Bearer {tokens.id_token(wrong_key=True)}")


def test_a_token_whose_claims_were_changed_after_signing_is_refused(verifier):
    with pytest.raises(AuthenticationError):
        verifier.caller(f"Bearer {_tampered_payload()}")


def test_a_token_issued_beyond_the_leeway_in_the_future_is_refused(verifier):
    now = int(time.time())

    with pytest.raises(AuthenticationError, match="issued in the future"):
        verifier.caller(f"Bearer {tokens.id_token(iat=now + 120, exp=now + 3600)}")


def test_a_token_expired_beyond_the_leeway_is_refused(verifier):
    now = int(time.time())

    with pytest.raises(AuthenticationError, match="expired"):
        verifier.caller(f"Bearer {tokens.id_token(iat=now - 7200, exp=now - 120)}")


def test_a_token_for_another_app_client_is_refused(verifier):
    with pytest.raises(AuthenticationError, match="another app client"):
        verifier.caller(f"Bearer {tokens.id_token(aud='some-other-client')}")


def test_a_token_from_another_user_pool_is_refused(verifier):
    other_pool = tokens.ISSUER.replace("eu-west-1_test", "eu-west-1_other")

    with pytest.raises(AuthenticationError, match="another user pool"):
        verifier.caller(f"Bearer {tokens.id_token(iss=other_pool)}")


def test_an_access_token_is_refused(verifier):
    with pytest.raises(AuthenticationError, match="ID token"):
        verifier.caller(f"Bearer {tokens.id_token(token_use='access')}")


@pytest.mark.parametrize("claim", ["exp", "iat", "iss", "aud", "sub", "token_use"])
def test_a_token_missing_a_required_claim_is_refused(verifier, claim):
    token = tokens.id_token(**{claim: None})  # type: ignore[arg-type]  # a claim set to None is left out
    assert claim not in _claims(token)

    with pytest.raises(AuthenticationError, match=f"no `{claim}` claim"):
        verifier.caller(f"Bearer {token}")


def test_a_token_with_an_unknown_key_id_is_refused(verifier):
    with pytest.raises(AuthenticationError, match="one of the user pool's keys"):
        verifier.caller(f"Bearer {_signed_with_unknown_kid()}")


def test_an_unsigned_token_is_refused(verifier):
    token = _unsigned()
    assert jwt.get_unverified_header(token)["alg"] == "none"

    with pytest.raises(AuthenticationError):
        verifier.caller(f"Bearer {token}")


def test_an_hs256_token_signed_with_the_public_key_text_is_refused(verifier):
    with pytest.raises(AuthenticationError):
        verifier.caller(f"Bearer {_hs256_signed_with_public_key()}")


@pytest.mark.parametrize(
    "brand",
    [
        pytest.param("dmo", id="lower case"),
        pytest.param("DM", id="two letters"),
        pytest.param("DMOX", id="four letters"),
        pytest.param("D1O", id="a digit"),
        pytest.param("", id="empty"),
        pytest.param(" DMO", id="leading space"),
        pytest.param("DMO\n", id="trailing newline"),
        pytest.param("ÄÖÜ", id="non-ascii capitals"),
        pytest.param(123, id="a number"),
        pytest.param(["DMO"], id="a list"),
    ],
)
def test_a_brand_claim_that_is_not_three_capital_letters_is_refused(verifier, brand):
    token = tokens.id_token(**{"custom:brand": brand})
    assert _claims(token)["custom:brand"] == brand

    with pytest.raises(AuthenticationError):
        verifier.caller(f"Bearer {token}")


@pytest.mark.parametrize(
    "groups",
    [
        pytest.param(None, id="no groups"),
        pytest.param([], id="empty groups"),
        pytest.param(["buyers"], id="another group"),
        pytest.param("staff", id="staff as a string, not a group list"),
    ],
)
def test_a_token_with_neither_a_brand_nor_the_staff_group_is_refused(verifier, groups):
    claims = {} if groups is None else {"cognito:groups": groups}

    with pytest.raises(AuthenticationError):
        verifier.caller(f"Bearer {tokens.id_token(brand=None, **claims)}")


def test_staff_without_an_authenticator_app_are_refused_and_brands_are_not_asked() -> None:
    asked: list[str] = []

    def enrolled(username: str) -> bool:
        asked.append(username)
        return username == "lea"

    verifier = CognitoTokenVerifier(tokens.StaticJwks(), tokens.ISSUER, tokens.AUDIENCE, staff_authenticator=enrolled)

    def staff_token(username: str) -> str:
        claims: dict[str, Any] = {"cognito:username": username}
        return f"Bearer {tokens.id_token(None, True, **claims)}"

    lea = verifier.caller(staff_token("lea"))
    assert lea.staff
    with pytest.raises(ForbiddenError, match="authenticator app"):
        verifier.caller(staff_token("ops"))
    assert verifier.caller(f"Bearer {tokens.id_token(brand='DMO')}").brand == "DMO"
    assert asked == ["lea", "ops"]
