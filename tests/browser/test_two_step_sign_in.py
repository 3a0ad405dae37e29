"""Two-step sign-in in the browser, keyboard only, against the local stack's emulated Cognito (which checks codes):
a new staff user must enrol an authenticator app from a QR code before working, then signs in with its codes;
signing out revokes the session's tokens; a brand user turns two-step sign-in on from its page."""

from __future__ import annotations

import boto3
import botocore.exceptions
import pytest
from playwright.sync_api import Page, expect

from tests.browser.accessibility import assert_accessible
from tests.browser.backoffice import Arrange, Backoffice
from tests.browser.keyboard import KeyboardOnly
from tests.browser.test_first_sign_in import OWN_PASSWORD, invited, temporary_password
from welt_stack import seed
from welt_stack.stack import LocalStack

pytestmark = pytest.mark.e2e


def first_sign_in(app: Backoffice, keyboard: KeyboardOnly, email: str, temporary: str) -> None:
    page = app.page
    page.goto(f"{app.web}/#/signin")
    expect(app.heading("Sign in")).to_be_focused()
    keyboard.sign_in(email, temporary)
    expect(app.heading("Choose your password")).to_be_focused()
    keyboard.choose_password(OWN_PASSWORD)


def shown_secret(page: Page) -> str:
    """The key shown as text beside the QR code, as a user would type it into the app."""
    expect(page.get_by_role("img", name="QR code to add Welt")).to_be_visible()
    return page.locator("code.secret").inner_text().strip()


def wrong(code: str) -> str:
    return str((int(code) + 1) % 1_000_000).zfill(6)


def cognito(stack: LocalStack) -> object:
    return boto3.client(
        "cognito-idp",
        region_name=stack.aws.region,
        endpoint_url=stack.aws_endpoint,
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )


def test_a_new_staff_user_enrols_an_authenticator_app_then_signs_in_with_its_code_and_sign_out_revokes_the_session(
    app: Backoffice, stack: LocalStack, staff_api: Arrange, tag: str
) -> None:
    email = f"ops-{tag}@welt.example"
    staff_api.call("POST", f"{staff_api.orders_api}/admin/staff", 201, json={"email": email, "name": "Ops"})
    page = app.page
    keyboard = KeyboardOnly(page)

    first_sign_in(app, keyboard, email, temporary_password(stack, email))
    expect(app.heading("Set up two-step sign-in")).to_be_focused()
    secret = shown_secret(page)
    assert_accessible(page, "set up two-step sign-in")
    keyboard.enter_code(wrong(seed.authenticator_code(secret, good_for=0)))
    expect(page.get_by_role("alert")).to_contain_text("That code is not right")
    assert_accessible(page, "set up two-step sign-in, wrong code")
    keyboard.enter_code(seed.authenticator_code(secret, good_for=seed.TYPED_CODE_SECONDS))
    expect(app.heading("Production")).to_be_focused()

    access = page.evaluate("() => sessionStorage.getItem('welt.accessToken')")
    keyboard.press(page.get_by_role("button", name="Sign out"), backwards=True)
    expect(app.heading("Sign in")).to_be_visible()
    with pytest.raises(botocore.exceptions.ClientError) as revoked:
        cognito(stack).get_user(AccessToken=access)  # type: ignore[attr-defined]
    assert revoked.value.response["Error"]["Code"] == "NotAuthorizedException"

    keyboard.sign_in(email, OWN_PASSWORD)
    expect(app.heading("Enter your code")).to_be_focused()
    assert_accessible(page, "enter your code")
    keyboard.enter_code(wrong(seed.authenticator_code(secret, good_for=0)))
    expect(page.get_by_role("alert")).to_contain_text("That code is not right")
    keyboard.enter_code(seed.authenticator_code(secret, good_for=seed.TYPED_CODE_SECONDS))
    expect(app.heading("Production")).to_be_focused()


def test_a_brand_user_turns_on_two_step_sign_in_from_its_page(app: Backoffice, stack: LocalStack, staff_api: Arrange, tag: str) -> None:
    email = f"eva-{tag}@xyz.example"
    temporary = invited(staff_api, stack, "NEW", email)
    page = app.page
    keyboard = KeyboardOnly(page)
    first_sign_in(app, keyboard, email, temporary)
    expect(app.heading("Home")).to_be_focused()

    keyboard.press(page.get_by_role("navigation", name="Main").get_by_role("link", name="Two-step sign-in"), backwards=True)
    expect(app.heading("Two-step sign-in")).to_be_focused()
    secret = shown_secret(page)
    assert_accessible(page, "turn on two-step sign-in")
    keyboard.enter_code(seed.authenticator_code(secret, good_for=seed.TYPED_CODE_SECONDS))
    expect(page.get_by_text("Two-step sign-in is on", exact=False).first).to_be_visible()
    assert_accessible(page, "two-step sign-in is on")

    keyboard.press(page.get_by_role("button", name="Sign out"), backwards=True)
    expect(app.heading("Sign in")).to_be_visible()
    keyboard.sign_in(email, OWN_PASSWORD)
    expect(app.heading("Enter your code")).to_be_focused()
    keyboard.enter_code(seed.authenticator_code(secret, good_for=seed.TYPED_CODE_SECONDS))
    expect(app.heading("Home")).to_be_focused()
