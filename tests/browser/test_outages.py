"""What a signed-in buyer sees when an API answers 503: an outage notice with a way to try again, not the sign-in page."""

from __future__ import annotations

import json
from typing import Any

import pytest
from playwright.sync_api import Route, expect

from tests.browser.backoffice import Arrange, Backoffice

pytestmark = pytest.mark.e2e

UNAVAILABLE = {
    "type": "/problems/service-unavailable",
    "title": "Service unavailable",
    "status": 503,
    "detail": "Sign-in cannot be checked right now; try again in a minute.",
    "errors": [],
}


def test_a_503_shows_the_service_as_unavailable_and_keeps_the_buyer_signed_in(
    app: Backoffice, dmo: dict[str, Any], dmo_api: Arrange, tag: str
) -> None:
    number = dmo_api.place(tag)["order_number"]
    app.sign_in(dmo)
    page = app.page
    orders_api = dmo_api.orders_api
    answered: list[str] = []

    def unavailable(route: Route) -> None:
        answered.append(route.request.url)
        route.fulfill(
            status=503, content_type="application/problem+json", body=json.dumps(UNAVAILABLE), headers={"Access-Control-Allow-Origin": "*"}
        )

    page.route(f"{orders_api}/orders/**", unavailable)
    page.goto(f"{app.web}/#/orders/{number}")

    expect(app.heading("Service unavailable")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("The service is unavailable right now")
    expect(page.get_by_role("alert")).to_contain_text("try again")
    assert answered, "the order page never asked the orders API"
    assert "#/signin" not in page.url
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()

    page.unroute(f"{orders_api}/orders/**")
    page.get_by_role("button", name="Try again").click()

    expect(app.heading(f"Order {number}")).to_be_visible()
