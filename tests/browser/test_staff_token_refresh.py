"""Staff keep working past the age Welt honours their ID token for: the browser app renews its tokens with Cognito's
REFRESH_TOKEN_AUTH and sends the refused request again, and the user never sees the sign-in page.

This module's stack honours a staff token for a few seconds (WELT_STAFF_TOKEN_SECONDS) instead of 15 minutes, so
the token ages within the test.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Request, expect

from tests.browser.backoffice import Backoffice, user
from tests.e2e.conftest import SHORT_STAFF_TOKEN_SECONDS, short_staff_token_stack
from welt_stack.stack import LocalStack

pytestmark = pytest.mark.e2e

LIFESPAN_SECONDS = SHORT_STAFF_TOKEN_SECONDS


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    with short_staff_token_stack(tmp_path_factory) as local:
        yield local


def renewals(requests: list[Request]) -> list[Request]:
    def renews(request: Request) -> bool:
        if request.headers.get("x-amz-target") != "AWSCognitoIdentityProviderService.InitiateAuth":
            return False
        return bool(json.loads(request.post_data or "{}").get("AuthFlow") == "REFRESH_TOKEN_AUTH")

    return [request for request in requests if renews(request)]


def test_a_staff_page_keeps_working_after_the_staff_token_is_too_old(app: Backoffice, stack: LocalStack) -> None:
    staff: dict[str, Any] = user(stack, "staff")
    sent: list[Request] = []
    app.page.on("request", lambda request: sent.append(request))
    app.sign_in(staff, lands_on="Production")
    refused: list[int] = []
    app.page.on("response", lambda response: refused.append(response.status) if response.status == 401 else None)

    for page, heading in (("Brands", "Brands"), ("Production", "Production")):
        time.sleep(LIFESPAN_SECONDS + 1.5)  # `iat` is in whole seconds
        app.page.get_by_role("link", name=page, exact=True).click()
        expect(app.heading(heading)).to_be_visible()
        expect(app.page.get_by_role("alert")).to_have_count(0)

    expect(app.page.get_by_role("button", name="Sign out")).to_be_visible()
    assert len(renewals(sent)) == 2
    assert refused, "the aged token was not refused: the stack does not shorten staff tokens"
