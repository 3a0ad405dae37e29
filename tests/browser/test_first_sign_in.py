"""An invited user signs in for the first time and chooses a password, keyboard only; a forgotten password is reset;
a disabled user is turned away. Against the local stack's emulated Cognito."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
import requests
from playwright.sync_api import Page, Response, expect

from tests.browser.accessibility import assert_accessible
from tests.browser.backoffice import Arrange, Backoffice
from tests.browser.keyboard import KeyboardOnly
from welt_stack.stack import LocalStack

pytestmark = pytest.mark.e2e

OWN_PASSWORD = "Brand-own-2026!"
BRAND = {
    "code": "NEW",
    "name": "Xyz Shoes",
    "legal_name": "Xyz Shoes S.L.",
    "vat_id": "ESB12345674",
    "contact_email": "accounts@xyz.example",
    "billing_address": {"line1": "Calle Mayor 5", "city": "Elche", "postal_code": "03201", "country": "ES"},
}


def temporary_password(stack: LocalStack, email: str, count: int = 1, within: float = 10) -> str:
    """The temporary password on its line of the newest invitation to `email`, as the emulator's SES holds it."""
    deadline = time.monotonic() + within
    while True:
        messages = requests.get(f"{stack.aws_endpoint}/moto-api/data.json", timeout=30).json().get("ses", {}).get("Message", [])
        mine = [m for m in messages if email in (m.get("destinations") or {}).get("ToAddresses", [])]
        if len(mine) >= count or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert len(mine) == count, mine
    found = re.search(r"^Temporary password: (\S+)$", str(mine[-1]["body"]), re.MULTILINE)
    assert found, mine[-1]["body"]
    return found.group(1)


def invited(staff_api: Arrange, stack: LocalStack, code: str, email: str) -> str:
    if staff_api.session.get(f"{staff_api.orders_api}/admin/brands/{code}", timeout=30).status_code == 404:
        staff_api.call("POST", f"{staff_api.orders_api}/admin/brands", 201, json={**BRAND, "code": code})
    staff_api.call("POST", f"{staff_api.orders_api}/admin/brands/{code}/users", 201, json={"email": email, "name": "Ana Ruiz"})
    return temporary_password(stack, email)


def test_an_invited_user_chooses_a_password_at_the_first_sign_in_with_the_keyboard_alone(
    app: Backoffice, stack: LocalStack, staff_api: Arrange, tag: str
) -> None:
    email = f"ana-{tag}@xyz.example"
    temporary = invited(staff_api, stack, "NEW", email)
    page = app.page
    keyboard = KeyboardOnly(page)
    page.goto(f"{app.web}/#/signin")
    expect(app.heading("Sign in")).to_be_focused()

    keyboard.sign_in(email, temporary)

    expect(app.heading("Choose your password")).to_be_focused()
    rules = page.get_by_text("Your password needs:").locator("..")
    expect(rules).to_contain_text("at least 12 characters")
    expect(rules).to_contain_text("a symbol")
    assert_accessible(page, "choose your password")
    keyboard.choose_password("short")
    expect(page.get_by_role("alert")).to_contain_text("does not meet the rules")
    keyboard.fill(page.get_by_label("New password", exact=True), OWN_PASSWORD)
    keyboard.fill(page.get_by_label("New password again"), OWN_PASSWORD)
    keyboard.press(page.get_by_role("button", name="Set password and sign in"))

    expect(app.heading("Home")).to_be_focused()
    token = page.evaluate("() => sessionStorage.getItem('welt.idToken')")
    brand = requests.get(f"{staff_api.orders_api}/brand", headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert brand.json()["code"] == "NEW"

    staff_api.call("POST", f"{staff_api.orders_api}/admin/brands/NEW/users/{email}/disable")
    keyboard.press(page.get_by_role("button", name="Sign out"), backwards=True)
    expect(app.heading("Sign in")).to_be_visible()
    expect(app.heading("Sign in")).to_be_visible()
    keyboard.sign_in(email, OWN_PASSWORD)
    expect(page.get_by_role("alert")).to_contain_text("Sign-in failed")
    expect(app.heading("Sign in")).to_be_visible()


def test_a_forgotten_password_is_reset_with_the_emailed_code(app: Backoffice, stack: LocalStack, staff_api: Arrange, tag: str) -> None:
    """moto does not email the code: it answers it in a header of ForgotPassword, which the test reads off the browser's
    own request and types in, as the user would copy it from the email."""
    email = f"bo-{tag}@xyz.example"
    temporary = invited(staff_api, stack, "NEW", email)
    page = app.page
    codes: list[str] = []

    def keep_code(response: Response) -> None:
        if response.request.headers.get("x-amz-target", "").endswith(".ForgotPassword"):
            codes.append(response.headers["x-moto-forgot-password-confirmation-code"])

    page.on("response", keep_code)
    page.goto(f"{app.web}/#/signin")
    expect(app.heading("Sign in")).to_be_focused()
    keyboard = KeyboardOnly(page)
    keyboard.sign_in(email, temporary)
    expect(app.heading("Choose your password")).to_be_focused()
    keyboard.choose_password(OWN_PASSWORD)
    expect(app.heading("Home")).to_be_focused()
    keyboard.press(page.get_by_role("button", name="Sign out"), backwards=True)
    expect(app.heading("Sign in")).to_be_visible()

    keyboard.press(page.get_by_role("button", name="Forgot password?"))
    expect(app.heading("Reset your password")).to_be_focused()
    keyboard.fill(page.get_by_label("Email address"), email)
    keyboard.keys.press("Enter")
    expect(app.heading("Choose a new password")).to_be_focused()
    assert_accessible(page, "reset password")
    assert len(codes) == 1, codes
    wrong = codes[0][:-1] + ("1" if codes[0][-1] != "1" else "2")
    keyboard.fill(page.get_by_label("Code from the email"), wrong)
    keyboard.choose_password("Brand-reset-2026!")
    # Cognito answers a wrong code with CodeMismatchException, moto with ExpiredCodeException: both read as not right.
    expect(page.get_by_role("alert")).to_contain_text("code is not right")
    keyboard.fill(page.get_by_label("Code from the email"), codes[0])
    keyboard.press(page.get_by_role("button", name="Set new password"))

    expect(app.heading("Sign in")).to_be_focused()
    expect(page.get_by_text("Your password is set")).to_be_visible()
    keyboard.sign_in(email, "Brand-reset-2026!")
    expect(app.heading("Home")).to_be_focused()


def test_the_sign_in_page_says_so_when_cognito_cannot_be_reached(app: Backoffice, page: Page, dmo: dict[str, Any]) -> None:
    page.route(re.compile(r".*"), lambda route: route.abort() if route.request.headers.get("x-amz-target") else route.continue_())
    page.goto(f"{app.web}/#/signin")
    expect(app.heading("Sign in")).to_be_visible()
    page.get_by_role("button", name="Forgot password?").click()
    page.get_by_label("Email address").fill(dmo["email"])
    page.get_by_role("button", name="Email me a code").click()

    expect(page.get_by_role("alert")).to_contain_text("could not be reached")
