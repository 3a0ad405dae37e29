"""Staff ID tokens are short, with real Cognito tokens (moto) against the running APIs: a staff token older than the
staff lifespan is refused on staff routes, a brand token of the same age is served, and the refresh token renews it.

The stack of this module gives staff tokens a few seconds (WELT_STAFF_TOKEN_SECONDS) instead of 15 minutes, so the
tokens age within the test; the rest of the suite keeps a staff sign-in for the whole run on its own stack.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import requests

from tests.e2e.conftest import HTTP_TIMEOUT, SHORT_STAFF_TOKEN_SECONDS, short_staff_token_stack
from welt_stack import seed
from welt_stack.stack import LocalStack

pytestmark = pytest.mark.e2e

LIFESPAN_SECONDS = SHORT_STAFF_TOKEN_SECONDS


@pytest.fixture(scope="module")
def short_lived(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    with short_staff_token_stack(tmp_path_factory) as local:
        yield local


def tokens_of(local: LocalStack, who: str) -> dict[str, str]:
    account = next(user for user in local.description["users"] if who in (user.get("brand"), user["role"]))
    client_id = local.description["cognito"]["client_id"]
    return seed.signed_in(local.aws, client_id, account["email"], account["password"], account.get("totp_secret"))


def get(local: LocalStack, path: str, id_token: str) -> requests.Response:
    return requests.get(f"{local.description['orders_api']}{path}", headers={"Authorization": f"Bearer {id_token}"}, timeout=HTTP_TIMEOUT)


def test_an_aged_staff_token_is_refused_on_a_staff_route_a_brand_token_as_old_is_served_and_a_renewed_one_is_served(
    short_lived: LocalStack,
) -> None:
    staff = tokens_of(short_lived, "staff")
    brand = tokens_of(short_lived, "DMO")
    assert get(short_lived, "/admin/orders", staff["IdToken"]).status_code == 200

    time.sleep(LIFESPAN_SECONDS + 1.5)  # `iat` is in whole seconds
    aged = get(short_lived, "/admin/orders", staff["IdToken"])
    brand_as_old = get(short_lived, "/orders", brand["IdToken"])
    renewed = short_lived.aws.client("cognito-idp").initiate_auth(
        ClientId=short_lived.description["cognito"]["client_id"],
        AuthFlow="REFRESH_TOKEN_AUTH",
        AuthParameters={"REFRESH_TOKEN": staff["RefreshToken"]},
    )["AuthenticationResult"]

    assert aged.status_code == 401, aged.text
    assert aged.headers["Content-Type"] == "application/problem+json"
    assert aged.json()["type"] == "/problems/unauthenticated"
    assert f"renewed every {LIFESPAN_SECONDS} seconds" in aged.json()["detail"]
    assert brand_as_old.status_code == 200, brand_as_old.text
    assert get(short_lived, "/admin/orders", renewed["IdToken"]).status_code == 200
