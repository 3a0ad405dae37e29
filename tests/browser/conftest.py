"""The brand backoffice in Chromium against the real local stack (moto, chalice local, localstripe), once per session.

Tests arrange data over the APIs only where the browser path is covered elsewhere, and assert what users see.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect

from tests.browser.backoffice import Arrange, Backoffice, running_stack, user
from welt_stack.stack import LocalStack, StackError, log_tails

VIEWPORT = ViewportSize(width=1280, height=900)
expect.set_options(timeout=10_000)


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    try:
        with running_stack(tmp_path_factory.mktemp("browser-stack")) as local:
            yield local
    except StackError as error:
        pytest.fail(f"the local stack did not start: {error}")


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh browser profile per test (nothing in sessionStorage); a script error fails the test."""
    context = browser.new_context(viewport=VIEWPORT, locale="en-GB", accept_downloads=True)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    yield tab
    context.close()
    assert errors == [], f"the page threw: {errors}"


@pytest.fixture
def app(page: Page, stack: LocalStack) -> Iterator[Backoffice]:
    yield Backoffice(page, stack.description["web"])
    dead = stack.dead()
    assert not dead, f"{dead} stopped during the test:\n{log_tails(stack.state_dir / 'logs')}"


@pytest.fixture
def dmo(stack: LocalStack) -> dict[str, Any]:
    return user(stack, "DMO")


@pytest.fixture
def staff_user(stack: LocalStack) -> dict[str, Any]:
    return user(stack, "staff")


@pytest.fixture(scope="session")
def dmo_api(stack: LocalStack) -> Arrange:
    return Arrange(stack, "DMO")


@pytest.fixture(scope="session")
def staff_api(stack: LocalStack) -> Arrange:
    return Arrange(stack, "staff")


@pytest.fixture
def tag() -> str:
    """This test's design reference: the order pool's search finds exactly this test's orders."""
    return f"web-{uuid.uuid4().hex[:10]}"
