"""The browser journey through the deployed shape: a buyer signs in with the emulator's Cognito, orders, pays
by card at localstripe and sees the order in production, every API call through the emulated API Gateway."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import pytest
import requests
from playwright.sync_api import Browser, Page, ViewportSize, expect

from tests.browser.backoffice import Backoffice
from tests.deployed.conftest import id_token
from welt_stack.deployed_stack import DeployedStack


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=ViewportSize(width=1280, height=900), locale="en-GB")
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    yield tab
    context.close()
    assert errors == [], f"the page threw: {errors}"


def test_a_buyer_signs_in_orders_pays_and_sees_work_in_process(deployed: DeployedStack, page: Page) -> None:
    # A function's first signed-in request imports its package and reads its secrets for seconds (a cold start);
    # the page waits less than that, so the buyer's first look is not the function's first request.
    token = id_token(deployed, "DMO")
    warm = requests.get(f"{deployed.description['orders_api']}/orders", headers={"Authorization": f"Bearer {token}"}, timeout=60)
    assert warm.status_code == 200, warm.text
    expect.set_options(timeout=20_000)
    app = Backoffice(page, deployed.description["web"])
    buyer = next(user for user in deployed.description["users"] if user.get("brand") == "DMO")
    tag = f"deployed-{uuid.uuid4().hex[:12]}"
    app.sign_in(buyer)
    app.design_order(tag)
    app.confirm_materials()
    app.fill_address()
    app.to_confirmation()

    number = app.place_order()

    assert re.fullmatch(r"\d{5}-DMO", number)
    app.open(f"/pay?order={number}", f"Pay order {number}")
    app.pay()
    app.expect_paid()
    paid = page.get_by_role("region", name="Payment received")
    expect(paid.get_by_text("In production", exact=True)).to_be_visible(timeout=60_000)
