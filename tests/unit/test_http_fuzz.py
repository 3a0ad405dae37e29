"""Malformed input on every route of both apps: never a 5xx, and every error is problem+json naming its own status."""

from __future__ import annotations

import copy
import functools
import json
import string
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any
from urllib.parse import urlencode

import pytest
from chalice.test import Client
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st

from tests import examples, tokens
from tests.apps import load_app
from tests.fakes import FakeStripe, FakeUserDirectory, fake_desk, fake_onboarding, fake_payment_desk
from welt.bootstrap import wiring
from welt.services import orders
from welt.services.orders import Caller, OrderDesk

PROBLEM_JSON = "application/problem+json"
MODULES = {name: load_app(name) for name in ("orders", "payments")}
ROUTES = sorted((app_name, path, tuple(sorted(views))) for app_name, module in MODULES.items() for path, views in module.app.routes.items())
# The explain phase re-runs a failure many times over to annotate it; with requests this large it alone can take
# longer than the whole file should, and the shrunk request already says what went wrong.
_FAST: dict[str, Any] = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
    "phases": [phase for phase in Phase if phase is not Phase.explain],
}
FUZZ = settings(max_examples=300, **_FAST)
# Each route gets runs of its own, so every route is fuzzed however many an app has; fewer examples per run suffice.
ANY_REQUEST = settings(max_examples=50, **_FAST)
SIGNED_IN_REQUEST = settings(max_examples=100, **_FAST)

# OPTIONS is left out: Chalice answers it the way API Gateway's CORS preflight would, without running any view,
# and its test client cannot read that answer's empty body.
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "TRACE", "CONNECT", "PROPFIND", "get", "Post"]

_NOW = int(time.time())
AUTHORIZATIONS = {
    "DMO": tokens.bearer(brand="DMO")["Authorization"],
    "BRK": tokens.bearer(brand="BRK")["Authorization"],
    "staff": tokens.bearer(brand=None, staff=True)["Authorization"],
    "unregistered brand": tokens.bearer(brand="ZZZ")["Authorization"],
    "wrong key": tokens.bearer(wrong_key=True)["Authorization"],
    "expired": tokens.bearer(iat=_NOW - 7200, exp=_NOW - 3600)["Authorization"],
    "access token": tokens.bearer(token_use="access")["Authorization"],
}
SIGNED_IN = ["DMO", "BRK", "staff"]

# What every example starts with, so path parameters also name real orders of both brands, a payment and a group.
SEEDED = ["00001-DMO", "00002-DMO", "00003-DMO", "00004-DMO", "00001-BRK"]
SEEDED_PAYMENT = "pay_000001"  # for 00002-DMO
SEEDED_GROUP = "G0001-DMO"  # 00003-DMO and 00004-DMO
KNOWN_IDS = {
    "order_number": SEEDED,
    "payment_id": [SEEDED_PAYMENT, "pay_000002"],
    "group_id": [SEEDED_GROUP, "G0002-DMO", "G0001-BRK"],
    "code": ["DMO", "BRK", "ZZZ"],
}
MALFORMED_IDS = [
    "00099-DMO",
    "00001-dmo",
    "000001-DMO",
    "1-DMO",
    "",
    " ",
    "0" * 4 + "\u0661-DMO",
    "%30%30%30%30%31-DMO",
    "null",
    "\x00",
    "G0001-DMO",
    "pay_",
    "dmo",
]
# Ids far longer than any real one: parsers that turn them into numbers or keys must still answer 404.
OVERSIZED_IDS = ["9" * 5000 + "-DMO", "0" * 5000 + "1-DMO", "G" + "9" * 5000 + "-DMO", "pay_" + "0" * 3000, "D" * 5000]


ALL_IDS = [*SEEDED, *MALFORMED_IDS, *OVERSIZED_IDS]


# -- strategies --------------------------------------------------------------------------------------------------

junk_text = st.text(max_size=60)
# Chalice's local router splits paths with urllib, which cuts at "/", "?" and "#" and drops tabs and newlines.
path_text = st.text(alphabet=st.characters(blacklist_characters="/?#\t\r\n"), max_size=40)

methods = st.one_of(
    st.sampled_from(METHODS),
    st.text(alphabet=string.ascii_uppercase, min_size=1, max_size=8).filter(lambda m: m != "OPTIONS"),
)

content_types = st.one_of(
    st.sampled_from(
        [
            "application/json",
            "application/json; charset=utf-8",
            "APPLICATION/JSON",
            "application/json;charset=latin-1",
            "text/plain",
            "text/json",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
            "application/octet-stream",
            "application/problem+json",
            "*/*",
            "application/*",
            "application/json, text/plain",
            "",
            " ",
        ]
    ),
    junk_text,
)

authorizations = st.one_of(
    st.sampled_from(list(AUTHORIZATIONS.values())),
    st.sampled_from(["", "Bearer", "Bearer ", "Bearer a.b.c", "Basic dXNlcjpwdw==", "bearer  x", "Bearer e30.e30.e30"]),
    junk_text,
    junk_text.map(lambda text: f"Bearer {text}"),
    st.sampled_from(list(AUTHORIZATIONS.values())).map(lambda header: header + "x"),
)

if_matches = st.one_of(
    st.sampled_from(["1", '"1"', 'W/"1"', "0", "-1", "1.0", "\u00b2", "\u0661", "\u2460", "999999999", "9" * 40, "W/", '""']),
    junk_text,
)

idempotency_keys = st.one_of(
    st.uuids().map(str),
    st.sampled_from(["k", "same-key", "\x00", "\x07bell", "tab\tkey", "new\nline", " "]),
    st.text(min_size=200, max_size=400),
    st.text(alphabet=st.characters(max_codepoint=31), min_size=1, max_size=20),
    junk_text,
)

QUERY_NAMES = ["limit", "cursor", "status", "type", "q", "brand", "stage"]
query_values = st.one_of(
    st.sampled_from(
        [
            "0",
            "1",
            "100",
            "101",
            "-1",
            "1e3",
            "9" * 5000,
            "NaN",
            "PENDING_PAYMENT",
            "CANCELLED",
            "MTO",
            "CUTTING",
            "DMO",
            "dmo",
            "a.b",
            "..",
            "e30.e30",
            "\u00e9.\u00e9",
            "x" * 3000,
        ]
    ),
    junk_text,
)
query_strings = st.one_of(
    st.dictionaries(st.one_of(st.sampled_from(QUERY_NAMES), junk_text), query_values, max_size=5).map(urlencode),
    st.lists(st.tuples(st.sampled_from(QUERY_NAMES), query_values), max_size=4).map(urlencode),
    junk_text,
)


def deeply_nested(depth: int, kind: str) -> str:
    if kind == "list":
        return "[" * depth + "]" * depth
    return '{"a":' * depth + "1" + "}" * depth


# Depths around the interpreter's recursion limit matter most: parsed by one layer, too deep for the next.
nesting_depths = st.one_of(st.sampled_from([2, 100, 900, 980, 1000, 1500, 100_000]), st.integers(1, 100_000))

json_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=True, allow_infinity=True),
        st.text(max_size=30),
    ),
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(st.text(max_size=10), children, max_size=4)),
    max_leaves=12,
)

HUGE = "__huge_number__"
huge_numbers = st.sampled_from(["1" + "0" * 5000, "-" + "9" * 400, "1e999999", "-1e-999999", "123456789012345678901234567890"])
wrong_values = st.one_of(
    st.sampled_from([None, True, False, 0, -1, 1.5, 5001, 10**30, "", " ", "x" * 1000, [], {}, [None], {"": None}]),
    st.just(HUGE),
    json_values,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a JSON document: object keys and list indexes, depth first."""
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, child in value.items():
            found += _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _paths(child, (*prefix, index))
    return found


CHECKOUT_FIELDS = _paths(examples.CHECKOUT)


@st.composite
def mutated_checkouts(draw: st.DrawFn) -> dict[str, Any]:
    """The valid checkout with a few fields dropped or replaced by values of the wrong type or size."""
    body = copy.deepcopy(examples.CHECKOUT)
    for path in draw(st.permutations(CHECKOUT_FIELDS))[: draw(st.integers(min_value=1, max_value=3))]:
        *parents, leaf = path
        holder: Any = body
        for step in parents:
            if isinstance(holder, dict) and step in holder:
                holder = holder[step]
            elif isinstance(holder, list) and isinstance(step, int) and step < len(holder):
                holder = holder[step]
            else:
                holder = None
                break
        if (isinstance(holder, dict) and leaf in holder) or (isinstance(holder, list) and isinstance(leaf, int) and leaf < len(holder)):
            if draw(st.booleans()) and isinstance(holder, dict):
                del holder[leaf]
            else:
                holder[leaf] = draw(wrong_values)
    if draw(st.booleans()):
        body[draw(st.sampled_from(["costs", "total", "brand", "order_number", "status", "extra"]))] = draw(wrong_values)
    return body


def _encode(document: Any, huge: str) -> bytes:
    return json.dumps(document).replace(f'"{HUGE}"', huge).encode()


@st.composite
def json_documents(draw: st.DrawFn, documents: st.SearchStrategy[Any]) -> bytes:
    return _encode(draw(documents), draw(huge_numbers))


@st.composite
def with_deep_extra(draw: st.DrawFn) -> bytes:
    """A valid checkout carrying one deeply nested extra field, which checkout ignores but must still survive."""
    text = json.dumps(examples.checkout(labeling="UNLABELED"))
    nested = deeply_nested(draw(nesting_depths), draw(st.sampled_from(["list", "object"])))
    return (text[:-1] + f', "notes": {nested}' + "}").encode()


bodies = st.one_of(
    st.just(b""),
    st.binary(max_size=300),
    st.text(max_size=300).map(lambda text: text.encode("utf-8", "surrogatepass")),
    json_documents(json_values),
    st.builds(deeply_nested, nesting_depths, st.sampled_from(["list", "object"])).map(str.encode),
    huge_numbers.map(str.encode),
    huge_numbers.map(lambda number: f'{{"type": {number}}}'.encode()),
    json_documents(mutated_checkouts()),
    json_documents(mutated_checkouts().map(lambda body: {"order": body})),
    json_documents(st.fixed_dictionaries({"order_numbers": st.lists(st.one_of(st.sampled_from(ALL_IDS), junk_text))})),
    with_deep_extra(),
)


@st.composite
def filled_paths(draw: st.DrawFn, template: str) -> str:
    """The route's path with each `{param}` segment replaced by a known id, a malformed one or random text."""
    segments = template.split("/")
    for index, segment in enumerate(segments):
        if segment.startswith("{") and segment.endswith("}"):
            known = KNOWN_IDS.get(segment[1:-1], SEEDED)
            values = st.one_of(st.sampled_from(known), st.sampled_from(MALFORMED_IDS), st.sampled_from(OVERSIZED_IDS), path_text)
            segments[index] = draw(values, label=segment)
    return "/".join(segments)


# -- the harness -------------------------------------------------------------------------------------------------


class Apps:
    """Both apps, wired to fakes that each example resets to the same seeded state."""

    def __init__(self) -> None:
        self.verifier = tokens.verifier()
        self.clients = {name: Client(module.app) for name, module in MODULES.items()}
        self.wired = ExitStack()
        self._dirty = True

    def reset(self) -> None:
        self.desk: OrderDesk = fake_desk()
        self.users = FakeUserDirectory()
        self.payment_desk = fake_payment_desk(self.desk, FakeStripe())
        self.wired.close()
        self.wired.enter_context(
            wiring.use(
                order_desk=self.desk,
                onboarding=fake_onboarding(self.desk, self.users),
                payment_desk=self.payment_desk,
                token_verifier=self.verifier,
            )
        )
        seeds = [("DMO", "UNLABELED"), ("DMO", "CUSTOM_STAMPS"), ("DMO", "UNLABELED"), ("DMO", "UNLABELED"), ("BRK", "UNLABELED")]
        for brand, labeling in seeds:
            body = examples.checkout(labeling=labeling)
            caller = Caller(subject=f"seed-{brand}", brand=brand, staff=False)
            orders.checkout(self.desk, caller, orders.Checkout.model_validate(body), uuid.uuid4().hex, body)
        as_dmo = {"Authorization": AUTHORIZATIONS["DMO"], "Content-Type": "application/json"}
        paying = self.clients["payments"].http.post(
            "/payments", headers={**as_dmo, "Idempotency-Key": "seed"}, body=json.dumps({"order_numbers": ["00002-DMO"]}).encode()
        )
        assert paying.status_code == 201 and json.loads(paying.body)["payment_id"] == SEEDED_PAYMENT, paying.body
        grouping = self.clients["orders"].http.post(
            "/shipping-groups", headers=as_dmo, body=json.dumps({"order_numbers": ["00003-DMO", "00004-DMO"]}).encode()
        )
        assert grouping.status_code == 201 and json.loads(grouping.body)["shipping_group_id"] == SEEDED_GROUP, grouping.body

    def send(self, app_name: str, method: str, path: str, query: str, headers: dict[str, str], body: bytes) -> Any:
        if self._dirty:
            self.reset()
        url = f"{path}?{query}" if query else path
        response = self.clients[app_name].http.request(method, url, headers=headers, body=body)
        # A refused request changes nothing (SPEC section 2), and reads change nothing, so only the rest need a reset.
        refused = 400 <= response.status_code < 500
        self._dirty = not (refused or (method.upper() in {"GET", "HEAD"} and response.status_code < 500))
        return response


@pytest.fixture
def apps() -> Iterator[Apps]:
    running = Apps()
    with running.wired:
        yield running


def assert_answered_without_fault(response: Any, request: str) -> None:
    assert response.status_code < 500, f"{request} -> {response.status_code} {response.body[:300]!r}"
    if response.status_code < 400:
        return
    content_type = {name.lower(): value for name, value in response.headers.items()}.get("content-type")
    assert content_type == PROBLEM_JSON, f"{request} -> {response.status_code} as {content_type}"
    problem = json.loads(response.body)
    assert isinstance(problem, dict), request
    assert problem.get("status") == response.status_code, request
    assert {"type", "title", "detail", "errors"} <= set(problem), request
    assert isinstance(problem["errors"], list), request
    assert b"Traceback" not in response.body, request


def optional(strategy: st.SearchStrategy[str]) -> st.SearchStrategy[str | None]:
    return st.one_of(st.none(), strategy)


@st.composite
def header_sets(
    draw: st.DrawFn, authorization: st.SearchStrategy[str], content_type: st.SearchStrategy[str], always: frozenset[str] = frozenset()
) -> dict[str, str]:
    """Headers a client might send; those named in `always` are always there, the others only sometimes."""
    drawn = {
        "Authorization": authorization,
        "Content-Type": content_type,
        "If-Match": if_matches,
        "Idempotency-Key": idempotency_keys,
        "Accept": st.sampled_from(["application/json", "*/*", "application/pdf", "text/html"]),
    }
    headers = {}
    for name, values in drawn.items():
        value = draw(values if name in always else optional(values), label=name)
        if value is not None:
            headers[name] = value
    if draw(st.booleans()):  # the same headers in other spellings, as proxies send them
        headers = {draw(st.sampled_from([name.lower(), name.upper(), name])): value for name, value in headers.items()}
    return headers


def _describe(app_name: str, method: str, path: str, query: str, headers: dict[str, str], body: bytes) -> str:
    return f"{app_name} {method} {path[:80]!r}?{query[:80]!r} headers={ {k: v[:40] for k, v in headers.items()} } body={body[:80]!r}"


Request = tuple[str, str, str, dict[str, str], bytes]  # method, path, query, headers, body

ANYONE_HEADERS = header_sets(authorizations, content_types)
SIGNED_IN_HEADERS = header_sets(
    st.sampled_from([AUTHORIZATIONS[who] for who in SIGNED_IN]),
    st.sampled_from(["application/json", "application/json; charset=utf-8"]),
    always=frozenset({"Authorization", "Content-Type"}),
)


@functools.cache
def requests_to(route: tuple[str, str, tuple[str, ...]], signed_in: bool) -> st.SearchStrategy[Request]:
    """Requests to one route: its own methods or any (signed-in: only its own), junk everywhere else.

    Built once per route: hypothesis describes every new strategy object, which costs more than a request.
    """
    _, template, route_methods = route
    own_methods = st.sampled_from(route_methods)
    return st.tuples(
        own_methods if signed_in else st.one_of(own_methods, methods),
        filled_paths(template),
        query_strings,
        SIGNED_IN_HEADERS if signed_in else ANYONE_HEADERS,
        bodies,
    )


def _exercise(apps: Apps, data: st.DataObject, route: tuple[str, str, tuple[str, ...]], signed_in: bool) -> None:
    app_name = route[0]
    method, path, query, headers, body = data.draw(requests_to(route, signed_in), label="request")

    response = apps.send(app_name, method, path, query, headers, body)
    event(f"{method} -> {response.status_code}")

    assert_answered_without_fault(response, _describe(app_name, method, path, query, headers, body))


# -- the properties ----------------------------------------------------------------------------------------------


def test_the_fuzzed_routes_are_every_registered_route():
    registered = {(name, path) for name, module in MODULES.items() for path in module.app.routes}

    assert {(name, path) for name, path, _ in ROUTES} == registered
    assert ("orders", "/orders/{order_number}") in registered and ("payments", "/health") in registered
    assert {name for path in (p for _, p, _ in ROUTES) for name in KNOWN_IDS if "{" + name + "}" in path} == set(KNOWN_IDS)


ROUTE_PARAMS = [pytest.param(route, id=f"{route[0]} {route[1]}") for route in ROUTES]


@pytest.mark.parametrize("route", ROUTE_PARAMS)
@ANY_REQUEST
@given(data=st.data())
def test_any_request_to_any_route_gets_no_server_error_and_errors_as_problem_json(apps, route, data):
    _exercise(apps, data, route, signed_in=False)


@pytest.mark.parametrize("route", ROUTE_PARAMS)
@SIGNED_IN_REQUEST
@given(data=st.data())
def test_signed_in_json_requests_to_every_route_get_no_server_error(apps, route, data):
    """Past the token and media-type checks, so the junk reaches each view's own parsing and the services."""
    _exercise(apps, data, route, signed_in=True)


EDITABLE = {"design", "sizes", "labeling", "shipping_address", "billing"}
CHECKOUT_KEYS = st.one_of(st.uuids().map(str), idempotency_keys)
SEEDED_ORDERS = st.sampled_from(SEEDED)


@FUZZ
@given(
    target=st.sampled_from(["checkout", "quote", "edit"]),
    who=st.sampled_from(SIGNED_IN),
    document=mutated_checkouts(),
    huge=huge_numbers,
    if_match=st.sampled_from(["1", "2", "\u00b2"]),
    data=st.data(),
)
def test_checkouts_with_fields_of_the_wrong_type_get_no_server_error(apps, target, who, document, huge, if_match, data):
    headers = {"Authorization": AUTHORIZATIONS[who], "Content-Type": "application/json"}
    if target == "checkout":
        key = data.draw(CHECKOUT_KEYS, label="Idempotency-Key")
        method, path, request_headers, request_body = "POST", "/orders", {**headers, "Idempotency-Key": key}, _encode(document, huge)
    elif target == "quote":
        method, path, request_headers, request_body = "POST", "/quotes", headers, _encode({"order": document}, huge)
    else:
        edit = {name: value for name, value in document.items() if name in EDITABLE}
        number = data.draw(SEEDED_ORDERS, label="order")
        method, path, request_headers, request_body = "PATCH", f"/orders/{number}", {**headers, "If-Match": if_match}, _encode(edit, huge)

    response = apps.send("orders", method, path, "", request_headers, request_body)

    assert_answered_without_fault(response, _describe("orders", method, path, "", request_headers, request_body))


@FUZZ
@given(
    path=st.sampled_from(["/orders", "/admin/orders"]),
    who=st.sampled_from(SIGNED_IN),
    query=st.one_of(
        query_strings,
        st.fixed_dictionaries({}, optional={name: query_values for name in QUERY_NAMES}).map(urlencode),
    ),
)
def test_order_listings_with_junk_query_parameters_get_no_server_error(apps, path, who, query):
    headers = {"Authorization": AUTHORIZATIONS[who]}

    response = apps.send("orders", "GET", path, query, headers, b"")

    assert_answered_without_fault(response, _describe("orders", "GET", path, query, headers, b""))
