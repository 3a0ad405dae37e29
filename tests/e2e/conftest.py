"""The real local stack (`welt_stack.LocalStack`: emulators and both `chalice local` apps) on free ports, once per session.

Tests talk to it only over HTTP, as the browser and `make dev` users do, with ID tokens from the emulated Cognito.
"""

from __future__ import annotations

import copy
import dataclasses
import socket
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.examples import checkout
from welt_stack import seed
from welt_stack.stack import LocalStack, Ports, StackError

PROBLEM_JSON = "application/problem+json"
HTTP_TIMEOUT = 30
START_ATTEMPTS = 3


def free_ports(count: int) -> list[int]:
    """Ports the kernel hands out right now, all distinct: never make dev's, never another worker's."""
    sockets = []
    try:
        for _ in range(count):
            probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            probe.bind(("127.0.0.1", 0))
            sockets.append(probe)
        return [probe.getsockname()[1] for probe in sockets]
    finally:
        for probe in sockets:
            probe.close()


def free_stack_ports() -> Ports:
    """A free port for every part of the stack that listens, whatever parts Ports has today."""
    names = [part.name for part in dataclasses.fields(Ports)]
    return Ports(**dict(zip(names, free_ports(len(names)), strict=True)))


def nothing_listens_on(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", port)) != 0


def log_tails(logs: Path, lines: int = 30) -> str:
    tails = []
    for log in sorted(logs.glob("*.log")):
        text = log.read_text(errors="replace").splitlines()[-lines:]
        tails.append(f"--- {log.name} ---\n" + "\n".join(text))
    return "\n".join(tails)


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
        """Check out, retrying with the same key when the connection drops, as a careful client does.

        `chalice local` listens with a backlog of 5, so a burst of connections may be reset before the app
        sees them; the Idempotency-Key is what makes sending the same checkout again safe.
        """
        deadline = time.monotonic() + within
        while True:
            try:
                return self.checkout(body, key=key)
            except requests.ConnectionError:
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


def _sign_in_everyone(stack: LocalStack) -> tuple[dict[str, str], str]:
    description = stack.description
    client_id = description["cognito"]["client_id"]
    id_tokens = {}
    for user in description["users"]:
        id_tokens[user.get("brand") or user["role"]] = seed.sign_in(stack.aws, client_id, user["email"], user["password"])
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
    local: LocalStack | None = None
    try:
        for attempt in range(START_ATTEMPTS):
            local = LocalStack(free_stack_ports(), state_dir=state_dir)
            try:
                local.start()
                break
            except StackError as error:
                local.stop()
                if "in use" in str(error) and attempt + 1 < START_ATTEMPTS:
                    continue  # another process took a port between picking and binding
                pytest.fail(f"the local stack did not start: {error}\n{log_tails(state_dir / 'logs')}")
        assert local is not None
        id_tokens, access_token = _sign_in_everyone(local)
    except BaseException:
        if local is not None:
            local.stop()
        raise
    description = local.description
    try:
        yield RunningStack(
            orders_api=description["orders_api"],
            payments_api=description["payments_api"],
            aws_endpoint=description["aws_endpoint"],
            region=description["region"],
            client_id=description["cognito"]["client_id"],
            users=description["users"],
            id_tokens=id_tokens,
            access_token=access_token,
        )
    finally:
        local.stop()


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
    return {
        "manufacturing": manufacturing,
        "shipping": shipping,
        "customization": customization,
        "total": manufacturing + shipping + customization,
        "currency": "EUR",
    }
