"""Takes the help center's pictures of the brand backoffice from the real app on its own local stack.

Usage: .venv/bin/python scripts/screenshots.py [--out docs/assets/screenshots]
Starts the stack on free ports (so it can run beside `make dev`), drives Chromium like a buyer and a factory
operator would, and saves one PNG per screen. Prints what it saved.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import Page, ViewportSize, expect, sync_playwright

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.browser.backoffice import Arrange, Backoffice, launch_chromium, running_stack, user  # noqa: E402
from tests.browser.test_first_sign_in import temporary_password  # noqa: E402
from tests.examples import SHIPPING_ADDRESS  # noqa: E402

from welt_stack.stack import LocalStack  # noqa: E402

DESKTOP = ViewportSize(width=1280, height=800)
PHONE = ViewportSize(width=390, height=844)
TAG = "3D-2231"
# A second address of the brand (its shop), so the pool suggests a group of its own for the orders sent there.
SHOP_ADDRESS = {**SHIPPING_ADDRESS, "name": "Demo Atelier Store", "line1": "Kastanienallee 7", "postal_code": "10435"}
# A stockist's shop, saved for the Addresses screen's picture.
HAMBURG_ADDRESS = {
    **SHIPPING_ADDRESS,
    "name": "Jonas Berg",
    "company": "Berg Schuhe",
    "line1": "Hafenstrasse 7",
    "postal_code": "20359",
    "city": "Hamburg",
}


class Camera:
    def __init__(self, page: Page, out: Path) -> None:
        self.page = page
        self.out = out
        self.saved: list[Path] = []
        # What each picture shows people, for the check that none shows an internal code (tests/browser).
        self.words: dict[str, str] = {}

    def shoot(self, name: str, full_page: bool = False) -> None:
        # No caret blinking or focus ring left over from the last click in the picture.
        self.page.evaluate("(el => el && el.matches('input, select, button') && el.blur())(document.activeElement)")
        self.page.mouse.move(2, self.page.viewport_size["height"] - 2 if self.page.viewport_size else 2)
        path = self.out / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=full_page, animations="disabled", caret="hide")
        self.saved.append(path)
        self.words[name] = self.page.inner_text("body")
        print(path.relative_to(REPO) if path.is_relative_to(REPO) else path)


def arrange_pool(dmo: Arrange) -> dict[str, str]:
    """A pool that looks lived in: other models and types, two MTO orders to group, one to pay and ship."""
    mini = dmo.place(
        f"{TAG}-L",
        type="MINI_BULK",
        design={"model": "loafer", "materials": {"upper": "calf-black", "lining": "leather-natural", "sole": "leather-sole"}},
        sizes=[{"size": "EU40", "pairs": 4}, {"size": "EU41", "pairs": 6}, {"size": "EU42.5", "pairs": 8}],
    )
    sneaker = dmo.place(
        f"{TAG}-S",
        design={"model": "court-sneaker", "materials": {"upper": "canvas-natural", "lining": "textile-mesh", "sole": "rubber-cupsole"}},
        sizes=[{"size": "EU39", "pairs": 1}],
    )
    boot = dmo.place(
        f"{TAG}-D",
        design={"model": "desert-boot", "materials": {"upper": "suede-sand", "lining": "unlined", "sole": "crepe"}},
        sizes=[{"size": "EU43", "pairs": 1}],
    )
    shipped = dmo.place(f"{TAG}-C", sizes=[{"size": "EU44", "pairs": 1}])
    dmo.pay(shipped["order_number"])
    return {
        "mini": mini["order_number"],
        "sneaker": sneaker["order_number"],
        "boot": boot["order_number"],
        "shipped": shipped["order_number"],
    }


def take(stack: LocalStack, page: Page, out: Path) -> Camera:
    camera = Camera(page, out)
    app = Backoffice(page, stack.description["web"])
    dmo = Arrange(stack, "DMO")
    buyer, staff = user(stack, "DMO"), user(stack, "staff")

    page.goto(f"{app.web}/#/signin")
    expect(app.heading("Sign in")).to_be_visible()
    page.get_by_label("Email address").fill(buyer["email"])
    page.get_by_label("Password").fill(buyer["password"])
    camera.shoot("01-sign-in")
    page.get_by_role("button", name="Sign in").click()
    expect(app.heading("Home")).to_be_visible()

    app.design_order(TAG, reviewed=False)
    page.get_by_role("radio", name="Custom stamps").check()
    page.get_by_role("radio", name="Unlabeled").check()
    page.get_by_role("button", name="Review raw materials").click()
    expect(app.heading("Confirm the raw materials", level=2)).to_be_visible()
    camera.shoot("02-new-order", full_page=True)
    page.get_by_label("I confirm these raw materials for production").check()
    page.get_by_role("heading", name="Confirm the raw materials").scroll_into_view_if_needed()
    camera.shoot("03-raw-materials-confirmation")
    dmo.call(  # a saved address to choose at checkout (the Addresses screen's picture is taken below)
        "POST",
        f"{dmo.orders_api}/brand/addresses",
        201,
        json={"label": "Berlin shop", "address": SHOP_ADDRESS},
        headers={"Idempotency-Key": "screenshots-berlin-shop"},
    )
    page.get_by_role("button", name="Continue to checkout").click()
    expect(app.heading("Checkout")).to_be_visible()
    app.fill_address()
    page.get_by_label("Recipient name").scroll_into_view_if_needed()
    camera.shoot("04-checkout-address", full_page=True)
    app.to_confirmation()
    camera.shoot("05-checkout-confirmation")
    number = app.place_order()
    camera.shoot("06-order-placed")

    orders = arrange_pool(dmo)
    app.open("/orders", "Order pool")
    camera.shoot("07-order-pool-pending-payment", full_page=True)

    app.pool_row(number).get_by_role("link", name=f"Pay order {number}").click()
    expect(app.heading(f"Pay order {number}")).to_be_visible()
    app.enter_card("4242424242424242")
    camera.shoot("08-pay-cost-summary")
    page.get_by_role("button", name="Pay €").click()
    app.expect_paid()
    camera.shoot("09-payment-work-in-process")

    app.open("/orders?status=PENDING_PAYMENT&type=MTO", "Order pool")
    for grouped in (orders["sneaker"], orders["boot"]):
        page.get_by_label(f"Select {grouped}").check()
    page.get_by_role("button", name="Group selected orders for shipping").click()
    expect(page.get_by_role("heading", name="Ship 2 orders together")).to_be_visible()
    camera.shoot("10-group-shipping-savings", full_page=True)
    page.get_by_role("button", name="Create shipping group of 2 orders").click()
    expect(app.heading("Shipping group G", level=1)).to_be_visible()
    group_id = page.get_by_role("heading", level=1).inner_text().removeprefix("Shipping group ")
    camera.shoot("11-shipping-group", full_page=True)
    app.open("/orders?status=PENDING_PAYMENT&type=MTO", "Order pool")
    expect(app.pool_row(orders["boot"]).locator(".group-share")).to_be_visible()
    camera.shoot("30-order-pool-group-shares", full_page=True)
    app.open("/groups", "Shipping groups")
    camera.shoot("31-shipping-groups-ship-to")
    app.open(f"/orders/{orders['boot']}", f"Order {orders['boot']}")
    page.get_by_role("table", name=f"Share of group {group_id}").scroll_into_view_if_needed()
    camera.shoot("32-order-group-share")

    shop_orders = [dmo.place(f"{TAG}-P", shipping_address=SHOP_ADDRESS)["order_number"] for _ in range(3)]
    app.open("/orders", "Order pool")
    suggestions = page.get_by_role("region", name="Suggested shipping groups")
    expect(suggestions.get_by_role("heading", name=f"3 orders to {SHOP_ADDRESS['name']}")).to_be_visible()
    suggestions.scroll_into_view_if_needed()
    camera.shoot("17-suggested-groups")

    app.open(f"/orders/{orders['boot']}", f"Order {orders['boot']}")
    page.get_by_role("button", name="Order again").click()
    expect(page.get_by_text(f"Ordering again from order {orders['boot']}")).to_be_visible()
    camera.shoot("18-order-again", full_page=True)

    app.open("/orders?status=WORK_IN_PROCESS", "Order pool")
    camera.shoot("19-order-pool-download-csv", full_page=True)

    app.open("/orders?status=PENDING_PAYMENT&sort=-total", "Order pool")
    for chosen in (orders["mini"], shop_orders[0]):
        page.get_by_label(f"Select {chosen}").check()
    expect(page.get_by_role("button", name="Pay selected")).to_be_enabled()
    camera.shoot("33-order-pool-selection", full_page=True)

    app.open(f"/orders/{number}", f"Order {number}")
    expect(page.get_by_text("Expected to ship")).to_be_visible()
    camera.shoot("20-expected-ship-date")

    app.sign_out()
    app.sign_in(staff, lands_on="Production")
    camera.shoot("12-staff-production")
    app.open(f"/staff/orders/{orders['shipped']}", f"Order {orders['shipped']}")
    page.get_by_label("Move to stage").select_option("READY_TO_SHIP")
    page.get_by_role("button", name="Move stage").click()
    page.get_by_role("dialog").get_by_role("button", name="Move to Ready to ship").click()  # a jump asks first
    expect(page.get_by_role("status")).to_contain_text("Ready to ship")
    page.get_by_label("Carrier").fill("DHL Express")
    page.get_by_label("Tracking number").fill("JD014600006281")
    page.get_by_label("Tracking URL").fill("https://www.dhl.com/track?AWB=JD014600006281")
    camera.shoot("13-staff-ship-order")
    page.get_by_role("button", name="Ship order").click()
    expect(page.get_by_role("status")).to_contain_text("Shipped with DHL Express")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Brands").click()
    expect(app.heading("Brands")).to_be_visible()
    camera.shoot("21-staff-brands", full_page=True)
    newcomer = "lena@dmo.example"
    Arrange(stack, "staff").call(
        "POST", f"{stack.description['orders_api']}/admin/brands/DMO/users", 201, json={"email": newcomer, "name": "Lena Vogel"}
    )
    app.open("/staff/brands/DMO", "Demo Atelier (DMO)")
    camera.shoot("22-staff-brand-users", full_page=True)
    app.sign_out()
    page.get_by_label("Email address").fill(newcomer)
    page.get_by_label("Password").fill(temporary_password(stack, newcomer))
    page.get_by_role("button", name="Sign in").click()
    expect(app.heading("Choose your password")).to_be_visible()
    page.get_by_label("New password", exact=True).fill("Lena-own-2026!")
    page.get_by_label("New password again").fill("Lena-own-2026!")
    camera.shoot("23-choose-password")

    page.reload()  # leave the half-set password: back to the first step of signing in
    app.sign_in(buyer)
    app.open(f"/orders/{orders['shipped']}", f"Order {orders['shipped']}")
    camera.shoot("14-order-detail-timeline-tracking", full_page=True)

    app.design_order(f"{TAG}-X")
    app.confirm_materials()
    app.fill_address()
    page.get_by_label("Postal code").first.fill("ABCDEFGHIJK")
    page.get_by_label("Email", exact=True).fill("x@")
    page.get_by_role("button", name="Continue to confirmation").click()  # checked at the address step
    expect(page.get_by_label("Email", exact=True)).to_have_attribute("aria-invalid", "true")
    page.set_viewport_size(ViewportSize(width=DESKTOP["width"], height=1500))
    page.get_by_role("alert").scroll_into_view_if_needed()
    camera.shoot("15-field-problem-from-the-api")

    page.set_viewport_size(DESKTOP)
    dmo.call(
        "POST",
        f"{dmo.orders_api}/brand/addresses",
        201,
        json={"label": "Hamburg store", "address": HAMBURG_ADDRESS},
        headers={"Idempotency-Key": "screenshots-hamburg-store"},
    )
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Addresses").click()
    expect(app.heading("Saved addresses")).to_be_visible()
    camera.shoot("41-saved-addresses", full_page=True)

    app.open("/home", "Home")
    camera.shoot("24-home-page", full_page=True)
    app.open("/invoices", "Invoices")
    camera.shoot("25-invoices", full_page=True)
    take_stamps(stack, app, camera)

    page.set_viewport_size(PHONE)
    app.open("/orders", "Order pool")
    camera.shoot("16-phone-order-pool")
    return camera


# The start of a PNG: enough for the factory's check of what was uploaded.
LOGO_PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(4096)


def take_stamps(stack: LocalStack, app: Backoffice, camera: Camera) -> None:
    """The custom stamps' steps, from the signed-in brand's upload to the proof it approves."""
    page = app.page
    buyer, staff = user(stack, "DMO"), user(stack, "staff")
    with tempfile.TemporaryDirectory(prefix="welt-logo-") as folder:
        logo = Path(folder) / "demo-atelier-logo.png"
        logo.write_bytes(LOGO_PNG)
        app.open("/profile", "Brand profile")
        page.get_by_label("Logo artwork").set_input_files(str(logo))
        camera.shoot("34-stamps-brand-profile-upload", full_page=True)
        page.get_by_role("button", name="Upload artwork").click()
        expect(page.get_by_role("status")).to_contain_text("Your artwork is uploaded.")
    app.sign_out()
    app.sign_in(staff, lands_on="Production")
    app.open("/staff/stamps", "Custom stamps")
    camera.shoot("35-stamps-staff-list")
    app.open("/staff/stamps/DMO", "Stamps of Demo Atelier (DMO)")
    page.get_by_label("Stamps expected ready on").fill("2026-12-18")
    page.get_by_role("button", name="Set date").click()
    expect(page.get_by_role("status")).to_contain_text("The stamps are expected on")
    page.get_by_label("How the stamp will be made").fill("30 x 12 mm, blind embossed on the heel of the insole, as drawn.")
    camera.shoot("36-stamps-staff-send-proof", full_page=True)
    page.get_by_role("button", name="Send proof").click()
    expect(page.get_by_role("status")).to_contain_text("The proof is sent")
    app.sign_out()
    app.sign_in(buyer)
    app.open("/profile", "Brand profile")
    camera.shoot("37-stamps-brand-approve-proof", full_page=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "assets" / "screenshots")
    args = parser.parse_args()
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory(prefix="welt-screenshots-") as state,
        running_stack(Path(state)) as stack,
        sync_playwright() as playwright,
    ):
        browser = launch_chromium(playwright)
        context = browser.new_context(viewport=DESKTOP, locale="en-GB", device_scale_factor=1)
        try:
            saved = take(stack, context.new_page(), out).saved
        finally:
            browser.close()
    print(f"{len(saved)} screenshots in {out}")


if __name__ == "__main__":
    main()
