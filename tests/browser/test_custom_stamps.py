"""Custom stamps in the browser, from the brand's artwork to the made stamps: the brand uploads a PNG on its profile
page (straight to the emulated S3), staff send a proof and a date, the brand approves, staff mark the stamps ready,
and the brand's order waiting for them moves on to cutting. Every screen passes axe at desktop and at 320 px."""

from __future__ import annotations

import random
import string
import uuid
from pathlib import Path
from typing import Any

import pytest
import requests
from playwright.sync_api import ViewportSize, expect

from tests.browser.accessibility import REFLOW_WIDTH, assert_accessible, assert_reflows
from tests.browser.backoffice import Arrange, Backoffice
from tests.browser.keyboard import KeyboardOnly
from tests.browser.test_first_sign_in import OWN_PASSWORD, temporary_password
from tests.internal_codes import internal_codes
from welt_stack.stack import LocalStack

pytestmark = pytest.mark.e2e

PHONE = ViewportSize(width=REFLOW_WIDTH, height=640)
DESKTOP = ViewportSize(width=1366, height=900)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(300)


def new_brand(stack: LocalStack, staff_api: Arrange) -> tuple[dict[str, Any], dict[str, Any]]:
    """A brand registered for this test, and its first user, signed in once to choose a password: (brand, account)."""
    orders_api = stack.description["orders_api"]
    for _ in range(50):
        code = "".join(random.choices(string.ascii_uppercase, k=3))
        body: dict[str, Any] = {
            "code": code,
            "name": f"Atelier {code.title()}",
            "legal_name": f"Atelier {code.title()} S.L.",
            "contact_email": f"stamps-{uuid.uuid4().hex[:8]}@atelier.example",
            "billing_address": {"line1": "Calle Mayor 5", "city": "Elche", "postal_code": "03201", "country": "ES"},
        }
        response = staff_api.session.post(f"{orders_api}/admin/brands", json=body, timeout=30)
        if response.status_code == 201:
            break
        assert response.status_code == 409, response.text
    email = f"buyer-{uuid.uuid4().hex[:8]}@atelier.example"
    staff_api.call("POST", f"{orders_api}/admin/brands/{code}/users", 201, json={"email": email, "name": "Buyer"})
    cognito = stack.aws.client("cognito-idp")
    client_id = stack.description["cognito"]["client_id"]
    challenge = cognito.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": temporary_password(stack, email)},
    )
    cognito.respond_to_auth_challenge(
        ClientId=client_id,
        ChallengeName="NEW_PASSWORD_REQUIRED",
        Session=challenge["Session"],
        ChallengeResponses={"USERNAME": email, "NEW_PASSWORD": OWN_PASSWORD},
    )
    return body, {"email": email, "password": OWN_PASSWORD}


def check_screen(app: Backoffice, screen: str) -> None:
    """axe at desktop and at 320 px, and no code where a person reads."""
    page = app.page
    assert internal_codes(page.inner_text("main")) == [], screen
    assert_accessible(page, screen)
    page.set_viewport_size(PHONE)
    assert_reflows(page, f"{screen} on a phone")
    assert_accessible(page, f"{screen} on a phone")
    page.set_viewport_size(DESKTOP)


def test_a_brand_s_stamps_from_its_uploaded_logo_to_the_order_moving_on_to_cutting(
    app: Backoffice, stack: LocalStack, staff_user: dict[str, Any], staff_api: Arrange, tag: str, tmp_path: Path
) -> None:
    brand, account = new_brand(stack, staff_api)
    code = brand["code"]
    buyer = Arrange(stack, account)
    number = buyer.place(tag, labeling="CUSTOM_STAMPS")["order_number"]
    assert buyer.pay(number)["production_stage"] == "AWAITING_STAMPS"
    logo = tmp_path / "logo.png"
    logo.write_bytes(PNG)
    page = app.page
    page.set_viewport_size(DESKTOP)

    app.sign_in(account)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Brand profile").click()
    expect(app.heading("Brand profile")).to_be_visible()
    expect(page.get_by_test_id("stamp-step")).to_have_text("Waiting for artwork")
    check_screen(app, "brand profile, waiting for artwork")
    page.get_by_role("button", name="Upload artwork").click()
    expect(page.get_by_role("alert")).to_contain_text("Choose your artwork file")
    page.get_by_label("Logo artwork").set_input_files(str(logo))
    page.get_by_role("button", name="Upload artwork").click()
    expect(page.get_by_role("status")).to_contain_text("Your artwork is uploaded.")
    expect(page.get_by_test_id("stamp-step")).to_have_text("Artwork received · proof in preparation")
    expect(page.get_by_text("logo.png (PNG, 1 KB)")).to_be_visible()
    app.sign_out()

    app.sign_in(staff_user, lands_on="Production")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Stamps").click()
    expect(app.heading("Custom stamps")).to_be_visible()
    check_screen(app, "staff stamps list")
    page.get_by_role("link", name=f"Stamps of {code}", exact=True).click()
    expect(app.heading(f"Stamps of {brand['name']} ({code})")).to_be_visible()
    check_screen(app, "staff stamps of one brand")
    page.get_by_label("How the stamp will be made").fill("30 x 12 mm, blind embossed on the heel of the insole, as drawn.")
    page.get_by_role("button", name="Send proof").click()
    expect(page.get_by_role("status")).to_contain_text("The proof is sent")
    page.get_by_label("Stamps expected ready on").fill("2099-01-15")
    page.get_by_role("button", name="Set date").click()
    expect(page.get_by_role("status")).to_contain_text("The stamps are expected on 15 Jan 2099")
    app.sign_out()

    app.sign_in(account)
    app.open("/profile", "Brand profile")
    expect(page.get_by_test_id("stamp-date")).to_have_text("15 Jan 2099")
    expect(page.get_by_role("paragraph").filter(has_text="30 x 12 mm, blind embossed")).to_be_visible()
    check_screen(app, "brand profile, a proof to approve")
    page.get_by_role("button", name="Approve proof").click()
    expect(page.get_by_role("status")).to_contain_text("You approved the proof.")
    expect(page.get_by_test_id("stamp-step")).to_have_text("Proof approved · stamps being made")
    app.sign_out()

    app.sign_in(staff_user, lands_on="Production")
    app.open(f"/staff/stamps/{code}", f"Stamps of {brand['name']} ({code})")
    page.get_by_role("button", name="Mark stamps ready").click()
    page.get_by_role("dialog", name="Mark the stamps ready?").get_by_role("button", name="Mark stamps ready").click()
    expect(page.get_by_role("status")).to_contain_text("The stamps are ready; 1 order moved on to cutting.")
    check_screen(app, "staff stamps of one brand, made")
    assert buyer.order(number)["production_stage"] == "CUTTING"


def test_a_brand_asks_for_changes_to_its_proof_and_staff_send_a_new_one_keyboard_only(
    app: Backoffice, stack: LocalStack, staff_api: Arrange, tmp_path: Path
) -> None:
    brand, account = new_brand(stack, staff_api)
    code, orders_api = brand["code"], stack.description["orders_api"]
    buyer = Arrange(stack, account)
    form = buyer.call("POST", f"{orders_api}/brand/stamps/upload-form", json={"content_type": "image/png"})
    stored = requests.post(form["url"], data=form["fields"], files={"file": ("logo.png", PNG, "image/png")}, timeout=30)
    assert stored.status_code == 204, stored.text
    buyer.call("POST", f"{orders_api}/brand/stamps/artwork", json={"key": form["key"], "file_name": "logo.png", "revision": 0})
    staff_api.call("POST", f"{orders_api}/admin/brands/{code}/stamps/proof", json={"revision": 1, "note": "40 mm, on the tongue."})
    page = app.page
    keyboard = KeyboardOnly(page)
    app.sign_in(account, lands_on="Home")

    keyboard.press(page.get_by_role("navigation", name="Main").get_by_role("link", name="Brand profile"), backwards=True)
    expect(app.heading("Brand profile")).to_be_focused()
    keyboard.press(page.get_by_role("button", name="Ask for changes"))
    expect(page.get_by_role("alert")).to_contain_text("Say what should change")
    keyboard.fill(page.get_by_role("textbox", name="What should change"), "Smaller, please:\n30 mm at most.")
    keyboard.press(page.get_by_role("button", name="Ask for changes"))
    expect(page.get_by_role("status")).to_contain_text("Your changes are sent.")
    expect(page.get_by_test_id("stamp-step")).to_have_text("Changes asked · new proof in preparation")
    assert_accessible(page, "brand profile, changes asked")

    stamps = buyer.call("GET", f"{orders_api}/brand/stamps")
    assert (stamps["changes_asked"], stamps["revision"]) == ("Smaller, please: 30 mm at most.", 3)
    assert [event["type"] for event in stamps["events"]] == ["ARTWORK_RECEIVED", "PROOF_SENT", "CHANGES_ASKED"]
    again = staff_api.call("POST", f"{orders_api}/admin/brands/{code}/stamps/proof", json={"revision": 3, "note": "30 mm, on the tongue."})
    assert (again["step"], again["changes_asked"]) == ("PROOF_SENT", None)
