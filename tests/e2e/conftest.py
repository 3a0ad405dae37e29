"""The real local stack (`welt_stack.LocalStack`: emulators and both `chalice local` apps) on free ports, once per session.

Tests talk to it only over HTTP, as the browser and `make dev` users do, with ID tokens from the emulated Cognito;
payment tests also talk to the Stripe emulator, as Stripe.js and Stripe's webhooks do.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import hmac
import http.server
import json
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any, TypeVar

import pytest
import requests

from tests.examples import checkout
from welt.adapters.vies import LocalVies
from welt.domain.vat import EU_MEMBER_STATES, vat_rule
from welt_stack import seed
from welt_stack.stack import LocalStack, StackError, register_webhook, stack_on_free_ports

PROBLEM_JSON = "application/problem+json"
HTTP_TIMEOUT = 30
# The Stripe emulator sends its webhooks about a second after an intent settles; this leaves room for a busy machine.
SETTLE_WITHIN = 20
Seen = TypeVar("Seen")


def nothing_listens_on(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", port)) != 0


class Api:
    """One caller of one of the stack's APIs: a base URL and, for signed-in users, an ID token."""

    def __init__(self, base_url: str, token: str | None = None) -> None:
        self.base_url = base_url
        self.token = token
        self._session = requests.Session()

    def request(self, method: str, path: str, *, headers: dict[str, str] | None = None, **kwargs: Any) -> requests.Response:
        sent = dict(headers or {})
        if self.token is not None and "Authorization" not in sent:
            sent["Authorization"] = f"Bearer {self.token}"
        return self._session.request(method, self.base_url + path, headers=sent, timeout=HTTP_TIMEOUT, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("PATCH", path, **kwargs)

    def checkout(self, body: dict[str, Any], key: str | None = None) -> requests.Response:
        return self.post("/orders", json=body, headers={"Idempotency-Key": key or f"e2e-{uuid.uuid4()}"})

    def checkout_as_a_client_would(self, body: dict[str, Any], key: str, within: float = 30) -> requests.Response:
        """Check out, retrying with the same key when the connection drops or the answer is late, as a careful client does.

        `chalice local` listens with a backlog of 5, so a burst of connections may be reset before the app
        sees them, and a hundred checkouts queued at an emulator that serves one request at a time may outlast a
        client's timeout; the Idempotency-Key is what makes sending the same checkout again safe.
        """
        deadline = time.monotonic() + within
        while True:
            try:
                return self.checkout(body, key=key)
            except (requests.ConnectionError, requests.Timeout):
                if time.monotonic() > deadline:
                    raise
            time.sleep(0.05)

    def place(self, body: dict[str, Any]) -> dict[str, Any]:
        """Check out and insist it worked: the new order."""
        response = self.checkout(body)
        assert response.status_code == 201, response.text
        order: dict[str, Any] = response.json()
        return order

    def order(self, number: str) -> dict[str, Any]:
        """GET /orders/{number}, insisting it is there."""
        response = self.get(f"/orders/{number}")
        assert response.status_code == 200, response.text
        order: dict[str, Any] = response.json()
        return order

    def pages(self, path: str = "/orders", limit: int = 25, **filters: str) -> list[dict[str, Any]]:
        """Every page of a listing, following next_cursor to the end."""
        pages: list[dict[str, Any]] = []
        params: dict[str, Any] = {"limit": limit, **filters}
        while True:
            response = self.get(path, params=params)
            assert response.status_code == 200, response.text
            page = response.json()
            pages.append(page)
            if page["next_cursor"] is None:
                return pages
            assert len(pages) < 1000, "the listing never ends"
            params["cursor"] = page["next_cursor"]

    def all_orders(self, path: str = "/orders", limit: int = 25, **filters: str) -> list[dict[str, Any]]:
        return [order for page in self.pages(path, limit, **filters) for order in page["orders"]]

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("DELETE", path, **kwargs)

    def highest_seq(self) -> int:
        """The caller's newest order number as an integer, 0 before the first order."""
        response = self.get("/orders", params={"limit": 1})
        assert response.status_code == 200, response.text
        orders = response.json()["orders"]
        return int(orders[0]["order_number"].split("-")[0]) if orders else 0


class Mailbox:
    """The emails SES accepted, as the moto server records them."""

    def __init__(self, aws_endpoint: str) -> None:
        self._url = f"{aws_endpoint}/moto-api/data.json"

    def sent_to(self, address: str) -> list[dict[str, Any]]:
        response = requests.get(self._url, timeout=HTTP_TIMEOUT)
        response.raise_for_status()
        messages = response.json().get("ses", {}).get("Message", [])
        return [m for m in messages if address in (m.get("destinations") or {}).get("ToAddresses", [])]

    def wait_for(self, address: str, count: int = 1, within: float = 10) -> list[dict[str, Any]]:
        """The messages to `address` once at least `count` are there, or whatever arrived by the deadline."""
        deadline = time.monotonic() + within
        while True:
            found = self.sent_to(address)
            if len(found) >= count or time.monotonic() > deadline:
                return found
            time.sleep(0.1)

    def about(self, address: str, subject_starts: str, count: int = 1, within: float = 10) -> list[dict[str, Any]]:
        """The messages to `address` whose subject starts so, once at least `count` are there (or by the deadline)."""
        deadline = time.monotonic() + within
        while True:
            found = [m for m in self.sent_to(address) if str(m.get("subject", "")).startswith(subject_starts)]
            if len(found) >= count or time.monotonic() > deadline:
                return found
            time.sleep(0.1)


def checkouts_at_once(
    stack: RunningStack, brand: str, forms: list[dict[str, Any]], tag: str, within: float = 30
) -> list[requests.Response]:
    """Every form checked out at the same time, each by its own client with its own key, as careful clients do:
    a dropped connection is sent again, and while a first attempt is still running (409) its answer is asked for."""

    def place(index: int) -> requests.Response:
        # A client per thread: requests.Session is not meant to be shared between threads.
        client, key = Api(stack.orders_api, stack.id_tokens[brand]), f"{tag}-{index}"
        deadline = time.monotonic() + within
        while True:
            response = client.checkout_as_a_client_would(forms[index], key, within)
            if response.status_code != 409 or time.monotonic() > deadline:
                return response
            time.sleep(0.1)

    with ThreadPoolExecutor(max_workers=len(forms)) as pool:
        return list(pool.map(place, range(len(forms))))


def eventually(probe: Callable[[], Seen], done: Callable[[Seen], bool], within: float = SETTLE_WITHIN, what: str = "the change") -> Seen:
    """Poll `probe` until `done` holds for what it returns; fail with the last thing seen at the deadline."""
    deadline = time.monotonic() + within
    while True:
        seen = probe()
        if done(seen):
            return seen
        assert time.monotonic() < deadline, f"{what} did not happen within {within}s; last seen: {seen}"
        time.sleep(0.1)


class PaymentsApi(Api):
    """One caller of the payments API: cost summaries, server-side confirmation, invoices."""

    def start(
        self, order_number: str | None = None, *, group: str | None = None, key: str | None = None, body: dict[str, Any] | None = None
    ) -> requests.Response:
        """POST /payments for one order or one shipping group, with a fresh Idempotency-Key unless given one."""
        sent = body if body is not None else ({"shipping_group_id": group} if group is not None else {"order_numbers": [order_number]})
        return self.post("/payments", json=sent, headers={"Idempotency-Key": key or f"e2e-{uuid.uuid4()}"})

    def create(self, order_number: str | None = None, *, group: str | None = None) -> dict[str, Any]:
        """Start a payment and insist it was created: the payment."""
        response = self.start(order_number, group=group)
        assert response.status_code == 201, response.text
        payment: dict[str, Any] = response.json()
        return payment

    def confirm(self, payment_id: str, payment_method: str = "pm_card_visa") -> requests.Response:
        return self.post(f"/payments/{payment_id}/confirm", json={"payment_method": payment_method})

    def payment(self, payment_id: str) -> dict[str, Any]:
        """GET /payments/{id}, insisting it is there."""
        response = self.get(f"/payments/{payment_id}")
        assert response.status_code == 200, response.text
        payment: dict[str, Any] = response.json()
        return payment

    def settled(self, payment_id: str, within: float = SETTLE_WITHIN) -> dict[str, Any]:
        """The payment once Stripe's word has landed: SUCCEEDED with its invoice number."""
        return eventually(
            lambda: self.payment(payment_id),
            lambda p: p["status"] == "SUCCEEDED" and p["invoice_number"] is not None,
            within,
            f"settling payment {payment_id}",
        )


def launched(orders: Api, numbers: list[str], within: float = SETTLE_WITHIN) -> list[dict[str, Any]]:
    """The orders once every one of them is in production (the webhook's last step)."""
    return eventually(
        lambda: [orders.order(number) for number in numbers],
        lambda seen: all(o["status"] == "WORK_IN_PROCESS" for o in seen),
        within,
        f"launching {numbers} to production",
    )


def pay_by_card(pay: PaymentsApi, orders: Api, order_number: str | None = None, *, group: str | None = None) -> dict[str, Any]:
    """Pay one order or one group with a good card, as the browser does, and wait until production has it."""
    payment = pay.create(order_number, group=group)
    confirmed = pay.confirm(payment["payment_id"])
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["status"] == "SUCCEEDED", confirmed.text
    settled = pay.settled(payment["payment_id"])
    launched(orders, settled["order_numbers"])
    return settled


@dataclass(frozen=True)
class CapturedDelivery:
    """One webhook exactly as the Stripe emulator sent it: raw body and Stripe-Signature header."""

    body: bytes
    signature: str

    @property
    def event(self) -> dict[str, Any]:
        event: dict[str, Any] = json.loads(self.body)
        return event


class WithheldWebhooks:
    """A stand-in endpoint that takes the Stripe emulator's webhooks instead of the payments API."""

    def __init__(self) -> None:
        self.deliveries: list[CapturedDelivery] = []
        received = self.deliveries

        class Endpoint(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                received.append(CapturedDelivery(body, self.headers.get("Stripe-Signature", "")))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Endpoint)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/webhooks/stripe"

    def wait_for(self, event_type: str, payment_id: str, within: float = SETTLE_WITHIN) -> CapturedDelivery:
        """The withheld delivery of `event_type` about the payment's intent."""

        def matching() -> list[CapturedDelivery]:
            return [
                d
                for d in self.deliveries
                if d.event["type"] == event_type and d.event["data"]["object"].get("metadata", {}).get("payment_id") == payment_id
            ]

        return eventually(matching, bool, within, f"the emulator sending {event_type} for {payment_id}")[0]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class StripeEmulator:
    """The stack's Stripe emulator (localstripe), spoken to with the keys the stack describes."""

    def __init__(self, keys: dict[str, str], webhook_url: str) -> None:
        self.api_base = keys["api_base"]
        self.secret_key = keys["secret_key"]
        self.publishable_key = keys["publishable_key"]
        self.webhook_secret = keys["webhook_secret"]
        self._keys = keys
        self._webhook_url = webhook_url
        self._session = requests.Session()

    def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        response = self._session.request(
            method, self.api_base + path, timeout=HTTP_TIMEOUT, headers={"Authorization": f"Bearer {self.secret_key}"}, **kwargs
        )
        assert response.status_code == 200, f"{method} {path}: {response.status_code} {response.text}"
        body: dict[str, Any] = response.json()
        return body

    def card(self, number: str) -> str:
        """A PaymentMethod for a test card number, as Stripe.js would create it: its id."""
        method = self._call(
            "POST",
            "/v1/payment_methods",
            data={"type": "card", "card[number]": number, "card[exp_month]": "12", "card[exp_year]": "2030", "card[cvc]": "123"},
        )
        return str(method["id"])

    def three_d_secure_card(self) -> str:
        return self.card("4000002500003155")

    def authenticate(self, intent_id: str, client_secret: str, success: bool = True) -> dict[str, Any]:
        """Complete (or fail) 3-D Secure as the cardholder does in Stripe.js: with the publishable key only."""
        response = self._session.post(
            f"{self.api_base}/v1/payment_intents/{intent_id}/_authenticate",
            timeout=HTTP_TIMEOUT,
            data={"client_secret": client_secret, "success": "true" if success else "false", "key": self.publishable_key},
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def intent(self, intent_id: str) -> dict[str, Any]:
        return self._call("GET", f"/v1/payment_intents/{intent_id}")

    def intents_for(self, *payment_ids: str) -> list[dict[str, Any]]:
        """Every PaymentIntent Welt created for these payments (their metadata names the payment)."""
        intents = self._call("GET", "/v1/payment_intents", params={"limit": 100000})["data"]
        return [i for i in intents if (i.get("metadata") or {}).get("payment_id") in payment_ids]

    def charges_for(self, intent_ids: list[str]) -> list[dict[str, Any]]:
        charges = self._call("GET", "/v1/charges", params={"limit": 100000})["data"]
        return [c for c in charges if c.get("payment_intent") in intent_ids]

    def charge(self, charge_id: str) -> dict[str, Any]:
        return self._call("GET", f"/v1/charges/{charge_id}")

    def refund(self, charge_id: str, amount: int) -> dict[str, Any]:
        return self._call("POST", "/v1/refunds", data={"charge": charge_id, "amount": str(amount)})

    @contextmanager
    def webhooks_withheld(self) -> Iterator[WithheldWebhooks]:
        """While inside, the emulator's webhooks go to a stand-in instead of the payments API (never lost to it
        for good: the test holds every delivery and may hand it over later)."""
        withheld = WithheldWebhooks()
        register_webhook(self._keys, withheld.url)
        try:
            yield withheld
        finally:
            register_webhook(self._keys, self._webhook_url)
            withheld.close()


class StripeWebhooks:
    """Stripe's side of POST /webhooks/stripe: events signed as Stripe signs them."""

    def __init__(self, payments_api: str, secret: str) -> None:
        self.url = f"{payments_api}/webhooks/stripe"
        self.secret = secret
        self._session = requests.Session()

    def sign(self, body: bytes, secret: str | None = None, at: int | None = None) -> str:
        """`Stripe-Signature`: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>" keyed with the endpoint secret>."""
        timestamp = int(time.time()) if at is None else at
        key = (secret or self.secret).encode()
        digest = hmac.new(key, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
        return f"t={timestamp},v1={digest}"

    @staticmethod
    def event(event_type: str, obj: dict[str, Any], event_id: str | None = None) -> bytes:
        """A Stripe event about `obj`, as the raw body Stripe would post."""
        event = {
            "id": event_id or f"evt_e2e{uuid.uuid4().hex[:20]}",
            "object": "event",
            "type": event_type,
            "api_version": "2024-06-20",
            "created": int(time.time()),
            "livemode": False,
            "data": {"object": obj},
        }
        return json.dumps(event).encode()

    def post(self, body: bytes, signature: str | None) -> requests.Response:
        headers = {"Content-Type": "application/json; charset=utf-8"}
        if signature is not None:
            headers["Stripe-Signature"] = signature
        return self._session.post(self.url, data=body, headers=headers, timeout=HTTP_TIMEOUT)

    def send(self, body: bytes) -> requests.Response:
        """Deliver an event correctly signed, now."""
        return self.post(body, self.sign(body))

    def hand_over(self, delivery: CapturedDelivery) -> requests.Response:
        """Deliver a withheld webhook exactly as the emulator had sent it."""
        return self.post(delivery.body, delivery.signature)


@dataclass(frozen=True)
class RunningStack:
    orders_api: str
    payments_api: str
    aws_endpoint: str
    region: str
    client_id: str
    users: list[dict[str, Any]]
    id_tokens: dict[str, str]  # by brand code, and "staff"
    access_token: str  # DMO's, for proving it is refused
    stripe: dict[str, str] = dataclasses.field(default_factory=dict)  # api_base, publishable_key, secret_key, webhook_secret
    description_file: Path | None = None  # dev-stack.json, as `make dev` writes it
    process_ids: dict[str, int] = dataclasses.field(default_factory=dict)  # by LocalStack.processes name
    web: str = ""


# As long as a Cognito ID token lives: the suite's one staff sign-in serves the whole run.
STAFF_SIGN_IN_SECONDS = 3600
# The staff ID token's lifespan in the stacks that test its renewal: seconds, so a test can outlive it.
SHORT_STAFF_TOKEN_SECONDS = 5


@contextmanager
def short_staff_token_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    """A stack of its own whose staff tokens are too old after SHORT_STAFF_TOKEN_SECONDS."""
    try:
        with stack_on_free_ports(
            tmp_path_factory.mktemp("short-staff-tokens"), help_center=False, staff_token_seconds=SHORT_STAFF_TOKEN_SECONDS
        ) as local:
            yield local
    except StackError as error:
        pytest.fail(f"the local stack did not start: {error}")


def _sign_in_everyone(stack: LocalStack) -> tuple[dict[str, str], str]:
    description = stack.description
    client_id = description["cognito"]["client_id"]
    id_tokens = {}
    for user in description["users"]:
        id_tokens[user.get("brand") or user["role"]] = seed.sign_in(
            stack.aws, client_id, user["email"], user["password"], user.get("totp_secret")
        )
    dmo = next(user for user in description["users"] if user.get("brand") == "DMO")
    cognito = stack.aws.client("cognito-idp")
    result = cognito.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": dmo["email"], "PASSWORD": dmo["password"]},
    )
    return id_tokens, result["AuthenticationResult"]["AccessToken"]


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    state_dir = tmp_path_factory.mktemp("local-stack")
    with ExitStack() as running:
        try:
            # The stand-in AEAT asks for 2 s between submissions (AEAT: 60), so records settle within a test. The suite
            # signs staff in once for the whole run, so staff tokens live Cognito's hour here; the 15 minutes are
            # proven on a stack of their own (test_staff_token_age.py). No test here reads the help center: it is not built.
            local = running.enter_context(
                stack_on_free_ports(state_dir, aeat_wait_seconds=2, staff_token_seconds=STAFF_SIGN_IN_SECONDS, help_center=False)
            )
        except StackError as error:
            pytest.fail(f"the local stack did not start: {error}")
        id_tokens, access_token = _sign_in_everyone(local)
        yield _described(local, id_tokens, access_token)


def _described(local: LocalStack, id_tokens: dict[str, str], access_token: str) -> RunningStack:
    description = local.description
    return RunningStack(
        orders_api=description["orders_api"],
        payments_api=description["payments_api"],
        aws_endpoint=description["aws_endpoint"],
        region=description["region"],
        client_id=description["cognito"]["client_id"],
        users=description["users"],
        id_tokens=id_tokens,
        access_token=access_token,
        stripe=dict(description["stripe"]),
        description_file=local.description_file,
        process_ids={name: process.pid for name, process in local.processes.items()},
        web=description["web"],
    )


@pytest.fixture(scope="session")
def dmo(stack: RunningStack) -> Api:
    return Api(stack.orders_api, stack.id_tokens["DMO"])


@pytest.fixture(scope="session")
def brk(stack: RunningStack) -> Api:
    return Api(stack.orders_api, stack.id_tokens["BRK"])


@pytest.fixture(scope="session")
def staff(stack: RunningStack) -> Api:
    return Api(stack.orders_api, stack.id_tokens["staff"])


@pytest.fixture(scope="session")
def anonymous(stack: RunningStack) -> Api:
    return Api(stack.orders_api)


@pytest.fixture(scope="session")
def mailbox(stack: RunningStack) -> Mailbox:
    return Mailbox(stack.aws_endpoint)


@pytest.fixture(scope="session")
def dmo_pay(stack: RunningStack) -> PaymentsApi:
    return PaymentsApi(stack.payments_api, stack.id_tokens["DMO"])


@pytest.fixture(scope="session")
def brk_pay(stack: RunningStack) -> PaymentsApi:
    return PaymentsApi(stack.payments_api, stack.id_tokens["BRK"])


@pytest.fixture(scope="session")
def staff_pay(stack: RunningStack) -> PaymentsApi:
    return PaymentsApi(stack.payments_api, stack.id_tokens["staff"])


@pytest.fixture(scope="session")
def stripe_emulator(stack: RunningStack) -> StripeEmulator:
    return StripeEmulator(stack.stripe, f"{stack.payments_api}/webhooks/stripe")


@pytest.fixture(scope="session")
def webhooks(stack: RunningStack) -> StripeWebhooks:
    return StripeWebhooks(stack.payments_api, stack.stripe["webhook_secret"])


@pytest.fixture(scope="session")
def catalog(dmo: Api) -> dict[str, Any]:
    response = dmo.get("/catalog")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.fixture
def tag() -> str:
    """A mark no other test uses: the design reference of this test's orders, so `q` finds exactly them."""
    return f"e2e-{uuid.uuid4().hex[:12]}"


def order_form(tag: str, **changes: Any) -> dict[str, Any]:
    """A valid checkout tagged by design reference, billed to an address only this tag uses."""
    body = checkout(**changes)
    body["design"] = {**copy.deepcopy(body["design"]), "design_ref": tag}
    body["billing"] = {**copy.deepcopy(body["billing"]), "email": f"accounts+{tag}@dmo.example"}
    return body


def assert_problem(response: requests.Response, status: int) -> dict[str, Any]:
    """The response is `status` as application/problem+json with every member SPEC section 6 names."""
    assert response.status_code == status, f"expected {status}, got {response.status_code}: {response.text}"
    assert response.headers["Content-Type"].split(";")[0].strip() == PROBLEM_JSON, response.headers
    body: dict[str, Any] = response.json()
    assert set(body) >= {"type", "title", "status", "detail", "errors"}, body
    assert body["status"] == status
    assert isinstance(body["type"], str) and body["type"]
    assert isinstance(body["title"], str) and body["title"]
    assert isinstance(body["detail"], str) and body["detail"]
    assert isinstance(body["errors"], list)
    for error in body["errors"]:
        assert set(error) == {"loc", "msg"}, error
    assert "Traceback" not in response.text
    return body


def seq_of(order_number: str) -> int:
    return int(order_number.split("-")[0])


def expected_costs(catalog: dict[str, Any], form: dict[str, Any]) -> dict[str, Any]:
    """SPEC 2's price, worked out from GET /catalog alone (no stamp fee: the demo brands have no stamps)."""
    model = next(m for m in catalog["models"] if m["id"] == form["design"]["model"])
    surcharges = {m["id"]: m["surcharge"] for m in catalog["materials"]}
    factor = Decimal(catalog["order_types"][form["type"]]["factor"])
    pairs = sum(line["pairs"] for line in form["sizes"])
    list_price = model["base_price"] + sum(surcharges[m] for m in form["design"]["materials"].values())
    per_pair = int((list_price * factor).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    zone = next(z for z in catalog["shipping_zones"] if form["shipping_address"]["country"] in z["countries"])
    manufacturing = per_pair * pairs
    shipping = zone["base"] + zone["per_pair"] * pairs
    customization = catalog["stamp_fee"] if form["labeling"] == "CUSTOM_STAMPS" else 0
    net = manufacturing + shipping + customization
    # IVA by the domain's one rule, with the local stack's VIES register answering for the buyer's VAT ID.
    address, vat_id = form["shipping_address"], form["billing"].get("vat_id")
    asks_vies = vat_id is not None and address["country"] != "ES" and address["country"] in EU_MEMBER_STATES
    rule = vat_rule(address["country"], address["postal_code"], vat_id, LocalVies().check(vat_id) if asks_vies else None)
    vat = int((Decimal(net) * rule.rate_percent / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return {
        "manufacturing": manufacturing,
        "shipping": shipping,
        "customization": customization,
        "net": net,
        "vat_rate_percent": int(rule.rate_percent),
        "vat": vat,
        "vat_note": rule.note,
        "total": net + vat,
        "currency": "EUR",
        "vat_treatment": rule.treatment.value,
    }
