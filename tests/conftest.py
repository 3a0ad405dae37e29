"""Fixtures every tier shares."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
from chalice.test import Client

from tests import tokens
from tests.apps import load_app
from tests.fakes import Clock, FakeMailer, FakeStripe, FakeUserDirectory, fake_desk, fake_onboarding, fake_payment_desk
from welt.bootstrap import wiring
from welt.services.orders import OrderDesk
from welt.services.payments import PaymentDesk

if TYPE_CHECKING:
    from playwright.sync_api import Browser


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def mailer() -> FakeMailer:
    return FakeMailer()


@pytest.fixture
def desk(mailer: FakeMailer, clock: Clock) -> OrderDesk:
    return fake_desk(mailer, clock)


@pytest.fixture
def users() -> FakeUserDirectory:
    return FakeUserDirectory()


@pytest.fixture
def orders_client(desk: OrderDesk, users: FakeUserDirectory) -> Iterator[Client]:
    """The real orders app over Chalice's test client, on fakes and test-signed tokens."""
    module = load_app("orders")
    with (
        wiring.use(order_desk=desk, onboarding=fake_onboarding(desk, users), token_verifier=tokens.verifier()),
        Client(module.app) as client,
    ):
        yield client


@pytest.fixture
def stripe() -> FakeStripe:
    return FakeStripe()


@pytest.fixture
def payment_desk(desk: OrderDesk, stripe: FakeStripe) -> PaymentDesk:
    return fake_payment_desk(desk, stripe)


@pytest.fixture
def payments_client(payment_desk: PaymentDesk) -> Iterator[Client]:
    """The real payments app on the same fakes as `orders_client`, with a fake Stripe."""
    module = load_app("payments")
    with wiring.use(payment_desk=payment_desk, token_verifier=tokens.verifier()), Client(module.app) as client:
        yield client


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One Chromium per test process: Playwright's sync API runs one instance per process, and the browser and the
    deployed tiers may share a worker."""
    from playwright.sync_api import sync_playwright

    from tests.browser.backoffice import launch_chromium

    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()
