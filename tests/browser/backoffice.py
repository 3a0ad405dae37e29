"""What the browser tests and scripts/screenshots.py share: the local stack on free ports, Chromium, API
shortcuts to arrange data, and the brand backoffice driven the way a buyer or a factory operator uses it.
"""

from __future__ import annotations

import copy
import functools
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

import requests
from playwright.sync_api import Browser, Page, Playwright, expect

from tests.e2e.conftest import STAFF_SIGN_IN_SECONDS, StripeWebhooks
from tests.examples import checkout
from welt_stack import seed
from welt_stack.stack import LocalStack, stack_on_free_ports
from welt_stack.static import StaticHandler

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
HTTP_TIMEOUT = 30
# localstripe's cards (its resources.py): charged, declined when charged, and asking for 3-D Secure.
CARD_OK = "4242424242424242"
CARD_DECLINED = "4000000000000341"
CARD_3DS = "4000002500003155"


WEB = Path(__file__).resolve().parents[2] / "web"


@contextmanager
def serving_web_app(config: Path | None) -> Iterator[str]:
    """The browser app's own files, served as the local stack serves them, with `config` as its config.json (none:
    404), for tests that need the app's modules in Chromium and no stack."""
    handler = functools.partial(StaticHandler, directory=str(WEB), config=config)
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def running_stack(state_dir: Path) -> AbstractContextManager[LocalStack]:
    """The local stack (the browser app included) on free ports; the browser app never links into the
    help center, so its build is not these tests' concern. The API shortcuts sign staff in once per run, so staff
    tokens live Cognito's hour here (test_staff_token_refresh.py proves the app renews them on a stack of its own)."""
    return stack_on_free_ports(state_dir, help_center=False, staff_token_seconds=STAFF_SIGN_IN_SECONDS)


def launch_chromium(playwright: Playwright) -> Browser:
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)


def user(stack: LocalStack, who: str) -> dict[str, Any]:
    """A demo user by brand code ("DMO") or role ("staff")."""
    found: dict[str, Any] = next(u for u in stack.description["users"] if who in (u.get("brand"), u["role"]))
    return found


def order_form(tag: str, **changes: Any) -> dict[str, Any]:
    """A valid checkout (tests.examples), its design reference set to `tag` so `q` finds exactly these orders."""
    body = checkout(**changes)
    body["design"] = {**copy.deepcopy(body["design"]), "design_ref": tag}
    return body


class Arrange:
    """API shortcuts for what a test needs to exist before the browser looks at it."""

    def __init__(self, stack: LocalStack, who: str | dict[str, Any]) -> None:
        """`who`: a seeded user's brand code (or "staff"), or an account (email and password) made by the test."""
        description = stack.description
        account = user(stack, who) if isinstance(who, str) else who
        token = seed.sign_in(
            stack.aws, description["cognito"]["client_id"], account["email"], account["password"], account.get("totp_secret")
        )
        self.orders_api = description["orders_api"]
        self.payments_api = description["payments_api"]
        self.stripe = description["stripe"]
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"

    def call(self, method: str, url: str, expected: int = 200, **kwargs: Any) -> Any:
        response = self.session.request(method, url, timeout=HTTP_TIMEOUT, **kwargs)
        assert response.status_code == expected, f"{method} {url}: {response.status_code} {response.text}"
        return response.json()

    def place(self, tag: str, **changes: Any) -> dict[str, Any]:
        order: dict[str, Any] = self.call(
            "POST", f"{self.orders_api}/orders", 201, json=order_form(tag, **changes), headers={"Idempotency-Key": str(uuid.uuid4())}
        )
        return order

    def order(self, number: str) -> dict[str, Any]:
        found: dict[str, Any] = self.call("GET", f"{self.orders_api}/orders/{number}")
        return found

    def orders_tagged(self, tag: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self.call("GET", f"{self.orders_api}/orders", params={"q": tag, "limit": 100})["orders"]
        return found

    def group(self, numbers: list[str]) -> dict[str, Any]:
        made: dict[str, Any] = self.call("POST", f"{self.orders_api}/shipping-groups", 201, json={"order_numbers": numbers})
        return made

    def pay(self, number: str) -> dict[str, Any]:
        """Pay one order with the emulator's good card, as the browser would, and wait for production to start."""
        self._pay({"order_numbers": [number]})
        return self.wait_for(number, lambda order: order["status"] == "WORK_IN_PROCESS")

    def pay_group(self, group_id: str, numbers: list[str]) -> None:
        self._pay({"shipping_group_id": group_id})
        for number in numbers:
            assert self.wait_for(number, lambda order: order["status"] == "WORK_IN_PROCESS")["status"] == "WORK_IN_PROCESS"

    def _pay(self, what: dict[str, Any], number: str = CARD_OK) -> dict[str, Any]:
        # A card token's card is what the emulator takes as a payment method (its Stripe.js has no createPaymentMethod).
        card = requests.post(
            f"{self.stripe['api_base']}/v1/tokens",
            timeout=HTTP_TIMEOUT,
            data={
                "card[number]": number,
                "card[exp_month]": "12",
                "card[exp_year]": "2030",
                "card[cvc]": "123",
                "key": self.stripe["publishable_key"],
            },
        ).json()["card"]["id"]
        payment = self.call("POST", f"{self.payments_api}/payments", 201, json=what, headers={"Idempotency-Key": str(uuid.uuid4())})
        confirmed: dict[str, Any] = self.call(
            "POST", f"{self.payments_api}/payments/{payment['payment_id']}/confirm", json={"payment_method": card}
        )
        return confirmed

    def waiting_for_3d_secure(self, number: str) -> dict[str, Any]:
        """A payment of the order whose card asked for 3-D Secure, never answered: the payment."""
        waiting = self._pay({"order_numbers": [number]}, CARD_3DS)
        assert waiting["status"] == "REQUIRES_ACTION", waiting
        return waiting

    def charged_another_amount(self, number: str) -> dict[str, Any]:
        """A payment of the order, awaiting 3-D Secure, that Stripe then reports as charged for one euro: the payment."""
        waiting = self.waiting_for_3d_secure(number)
        intent = {
            "id": waiting["stripe"]["payment_intent_id"],
            "object": "payment_intent",
            "status": "succeeded",
            "amount": 100,
            "currency": "eur",
            "metadata": {"payment_id": waiting["payment_id"], "brand": "DMO", "attempt": str(waiting["attempt"])},
        }
        webhooks = StripeWebhooks(self.payments_api, self.stripe["webhook_secret"])
        delivered = webhooks.send(StripeWebhooks.event("payment_intent.succeeded", intent))
        assert delivered.status_code == 200, delivered.text
        held: dict[str, Any] = self.call("GET", f"{self.payments_api}/payments/{waiting['payment_id']}")
        return held

    def move_to_stage(self, number: str, stage: str) -> None:
        """Staff only."""
        self.call("POST", f"{self.orders_api}/admin/orders/{number}/production", json={"stage": stage})

    def wait_for(self, number: str, condition: Any, within: float = 20) -> dict[str, Any]:
        deadline = time.monotonic() + within
        while True:
            order = self.order(number)
            if condition(order) or time.monotonic() > deadline:
                return order
            time.sleep(0.2)


class Backoffice:
    """The browser app as its users drive it: by labels, roles and the text on the screen."""

    def __init__(self, page: Page, web: str) -> None:
        self.page = page
        self.web = web

    def heading(self, name: str, level: int = 1) -> Any:
        return self.page.get_by_role("heading", level=level, name=name)

    def open(self, route: str, heading: str) -> None:
        self.page.goto(f"{self.web}/#{route}")
        expect(self.heading(heading)).to_be_visible()

    def sign_in(self, account: dict[str, Any], lands_on: str = "Order pool") -> None:
        """Sign in and land on `lands_on`: staff land on Production, brands on their home page (then, for the
        order pool most tests start from, the pool is opened from the main menu)."""
        self.page.goto(f"{self.web}/#/signin")
        expect(self.heading("Sign in")).to_be_visible()
        self.page.get_by_label("Email address").fill(account["email"])
        self.page.get_by_label("Password").fill(account["password"])
        self.page.get_by_role("button", name="Sign in").click()
        if account.get("totp_secret"):
            expect(self.heading("Enter your code")).to_be_visible()
            self.page.get_by_label("Code from the app").fill(seed.authenticator_code(account["totp_secret"]))
            self.page.get_by_role("button", name="Sign in").click()
        if lands_on == "Order pool":
            expect(self.heading("Home")).to_be_visible()
            self.page.get_by_role("navigation", name="Main").get_by_role("link", name="Order pool").click()
        expect(self.heading(lands_on)).to_be_visible()

    def sign_out(self) -> None:
        self.page.get_by_role("button", name="Sign out").click()
        expect(self.heading("Sign in")).to_be_visible()

    def design_order(self, tag: str, size: str = "EU42", labeling: str | None = "Unlabeled", reviewed: bool = True) -> None:
        """New order: a Chelsea boot in tan calf on crepe, one MTO pair, then Review raw materials."""
        self.open("/orders/new?fresh=1", "New order")
        self.page.get_by_label("Model").select_option("chelsea-boot")
        self.page.get_by_label("Upper").select_option("calf-tan")
        self.page.get_by_label("Sole").select_option("crepe")
        self.page.get_by_label("Design reference").fill(tag)
        self.page.get_by_label("Size", exact=True).select_option(size)
        if labeling:
            self.page.get_by_role("radio", name=labeling).check()
        self.page.get_by_role("button", name="Review raw materials").click()
        if reviewed:
            expect(self.heading("Confirm the raw materials", level=2)).to_be_visible()

    def confirm_materials(self) -> None:
        self.page.get_by_label("I confirm these raw materials for production").check()
        self.page.get_by_role("button", name="Continue to checkout").click()
        expect(self.heading("Checkout")).to_be_visible()

    def fill_address(self, phone: str = "+49 30 1234567") -> None:
        page = self.page
        page.get_by_label("Recipient name").fill("Mara Jensen")
        page.get_by_label("Company").first.fill("Demo Atelier")
        page.get_by_label("Address line 1").first.fill("Torstrasse 101")
        page.get_by_label("Postal code").first.fill("10119")
        page.get_by_label("City").first.fill("Berlin")
        page.get_by_label("Country").first.select_option("DE")
        page.get_by_label("Phone").fill(phone)
        page.get_by_label("Email", exact=True).fill("mara@dmo.example")
        page.get_by_label("Name on the invoice").fill("Demo Atelier GmbH")
        page.get_by_label("VAT number").fill("DE123456788")
        page.get_by_label("Invoice email").fill("accounts@dmo.example")
        page.get_by_label("Bill to the shipping address").check()

    def to_confirmation(self) -> None:
        self.page.get_by_role("button", name="Continue to confirmation").click()
        expect(self.heading("Confirm specs and costs", level=2)).to_be_visible()

    def place_order(self) -> str:
        self.page.get_by_role("button", name="Place order").click()
        expect(self.heading("Order placed")).to_be_visible()
        return self.page.locator(".order-number").inner_text()

    def enter_card(self, number: str) -> None:
        page = self.page
        page.get_by_label("Card number").fill(number)
        page.get_by_label("Expiry month (MM)").fill("12")
        page.get_by_label("Expiry year (YY)").fill("30")
        page.get_by_label("Security code (CVC)").fill("123")
        page.get_by_label("Postal code").fill("10119")

    def pay(self, number: str = CARD_OK) -> None:
        self.enter_card(number)
        self.page.get_by_role("button", name="Pay €").click()

    def expect_paid(self) -> None:
        expect(self.heading("Payment received", level=2)).to_be_visible(timeout=30_000)

    def pool_row(self, order_number: str) -> Any:
        return self.page.get_by_role("row").filter(has=self.page.get_by_role("link", name=order_number, exact=True))

    def search_pool(self, text: str) -> None:
        self.open("/orders", "Order pool")
        filters = self.page.locator("details.filter-box")
        if filters.get_attribute("open") is None:  # folded away on a phone
            filters.get_by_text("Filter and search").click()
        self.page.get_by_label("Search").fill(text)
        self.page.get_by_role("button", name="Apply filters").click()
        expect(self.page.get_by_role("table").get_by_text("(filtered)")).to_be_visible()
