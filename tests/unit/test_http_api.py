"""The two Chalice apps over Chalice's test client, on fakes: statuses, problem+json, tenancy, prices, listings, logs."""

from __future__ import annotations

import json
import sys
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from chalice.test import Client

from tests import examples, tokens
from tests.apps import load_app
from tests.fakes import Clock
from welt.domain.model import OrderStatus, PaymentStatus, ProductionStage
from welt.services.orders import OrderDesk
from welt.services.ports import Transaction
from welt.services.sessions import revoke_sessions

PROBLEM_JSON = "application/problem+json"
APPS = {name: load_app(name).app for name in ("orders", "payments")}
SAMPLE_PARAMS = {
    "order_number": "00001-DMO",
    "payment_id": "pay_000001",
    "code": "DMO",
    "group_id": "G0001-DMO",
    "email": "buyer%40dmo.example",
}
# Routes that take no token (SPEC section 1): the health checks, and Stripe's webhook, which is signed instead.
PUBLIC_PATHS = {"/health", "/webhooks/stripe"}


def _fill(path: str, **params: str) -> str:
    for name, value in {**SAMPLE_PARAMS, **params}.items():
        path = path.replace("{" + name + "}", value)
    return path


GUARDED_ROUTES = [
    pytest.param(app_name, method, path, id=f"{app_name} {method} {path}")
    for app_name, app in APPS.items()
    for path, views in app.routes.items()
    for method in views
    if path not in PUBLIC_PATHS
]
STAFF_ROUTES = [param for param in GUARDED_ROUTES if str(param.values[2]).startswith("/admin/")]


# -- helpers -----------------------------------------------------------------------------------------------------


def headers_of(response: Any) -> dict[str, str]:
    return {name.lower(): value for name, value in response.headers.items()}


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    """The response is `status` as application/problem+json with the shape SPEC section 6 names."""
    assert response.status_code == status, response.body
    assert headers_of(response)["content-type"] == PROBLEM_JSON
    body = json.loads(response.body)
    assert set(body) == {"type", "title", "status", "detail", "errors"}
    assert body["status"] == status
    assert isinstance(body["type"], str) and body["type"]
    assert isinstance(body["title"], str) and body["title"]
    assert isinstance(body["detail"], str) and body["detail"]
    assert isinstance(body["errors"], list)
    for error in body["errors"]:
        assert set(error) == {"loc", "msg"}
        assert isinstance(error["loc"], list) and error["loc"]
        assert isinstance(error["msg"], str) and error["msg"]
    return body


def locs(problem: dict[str, Any]) -> list[list[Any]]:
    return [error["loc"] for error in problem["errors"]]


def as_brand(brand: str = "DMO", **extra: str) -> dict[str, str]:
    return {**tokens.bearer(brand=brand), "Content-Type": "application/json", **extra}


def as_staff(**extra: str) -> dict[str, str]:
    return {**tokens.bearer(brand=None, staff=True), "Content-Type": "application/json", **extra}


def post_checkout(client: Client, body: Any, brand: str = "DMO", key: str | None = None, **extra: str) -> Any:
    headers = as_brand(brand, **{"Idempotency-Key": key or uuid.uuid4().hex}, **extra)
    return client.http.post("/orders", headers=headers, body=json.dumps(body))


def place(client: Client, brand: str = "DMO", **changes: Any) -> dict[str, Any]:
    response = post_checkout(client, examples.checkout(**changes), brand=brand)
    assert response.status_code == 201, response.body
    return json.loads(response.body)


def get_json(client: Client, path: str, headers: dict[str, str]) -> dict[str, Any]:
    response = client.http.get(path, headers=headers)
    assert response.status_code == 200, response.body
    return json.loads(response.body)


def patch(client: Client, number: str, body: Any, if_match: str | None, brand: str = "DMO") -> Any:
    extra = {} if if_match is None else {"If-Match": if_match}
    return client.http.request("PATCH", f"/orders/{number}", headers=as_brand(brand, **extra), body=json.dumps(body).encode())


def quote(client: Client, body: Any, brand: str = "DMO") -> Any:
    return client.http.post("/quotes", headers=as_brand(brand), body=json.dumps(body))


def would_be_order(**changes: Any) -> dict[str, Any]:
    body = examples.checkout(**changes)
    address = body.pop("shipping_address")
    billing = body.pop("billing")
    return {**body, "country": address["country"], "postal_code": address["postal_code"], "vat_id": billing.get("vat_id")}


def address_in(country: str) -> dict[str, Any]:
    return {**examples.SHIPPING_ADDRESS, "country": country}


# -- who may call what -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("app_name", APPS)
def test_health_answers_ok_without_a_token(request, app_name):
    client = request.getfixturevalue(f"{app_name}_client")

    response = client.http.get("/health")

    assert response.status_code == 200
    assert json.loads(response.body) == {"status": "ok"}


@pytest.mark.parametrize("app_name", APPS)
def test_health_does_not_look_at_a_broken_token(request, app_name):
    client = request.getfixturevalue(f"{app_name}_client")

    response = client.http.get("/health", headers={"Authorization": "Bearer not-a-token"})

    assert response.status_code == 200


@pytest.mark.parametrize(("app_name", "method", "path"), GUARDED_ROUTES)
def test_every_route_but_the_public_ones_answers_401_problem_without_a_token(request, app_name, method, path):
    client = request.getfixturevalue(f"{app_name}_client")

    response = client.http.request(method, _fill(path), headers={"Content-Type": "application/json"}, body=b"{}")

    assert_problem(response, 401)


@pytest.mark.parametrize(("app_name", "method", "path"), GUARDED_ROUTES)
@pytest.mark.parametrize(
    "authorization",
    [
        pytest.param(lambda: f"Bearer {tokens.id_token(wrong_key=True)}", id="wrong key"),
        pytest.param(lambda: f"Bearer {tokens.id_token(exp=1_000_000_000, iat=999_999_000)}", id="expired"),
        pytest.param(lambda: "Bearer a.b.c", id="garbage"),
        pytest.param(lambda: f"Basic {tokens.id_token()}", id="not bearer"),
    ],
)
def test_every_route_but_the_public_ones_answers_401_problem_for_a_token_that_proves_nothing(
    request, app_name, method, path, authorization
):
    client = request.getfixturevalue(f"{app_name}_client")
    headers = {"Content-Type": "application/json", "Authorization": authorization()}

    response = client.http.request(method, _fill(path), headers=headers, body=b"{}")

    assert_problem(response, 401)


@pytest.mark.parametrize(("app_name", "method", "path"), STAFF_ROUTES)
def test_a_brand_user_on_a_staff_route_gets_403(request, app_name, method, path):
    client = request.getfixturevalue(f"{app_name}_client")

    response = client.http.request(method, _fill(path), headers=as_brand(), body=b"{}")

    assert_problem(response, 403)


def test_route_introspection_finds_the_guarded_and_the_staff_routes():
    assert {param.values[2] for param in GUARDED_ROUTES} >= {"/orders", "/orders/{order_number}", "/admin/orders"}
    assert "/admin/orders" in {param.values[2] for param in STAFF_ROUTES}


def test_another_brands_order_answers_404_like_a_missing_one(orders_client):
    order = place(orders_client, brand="DMO", labeling="UNLABELED")
    theirs, missing = order["order_number"], "00099-BRK"
    version = str(order["version"])

    attempts = {
        "read": lambda number: orders_client.http.get(f"/orders/{number}", headers=as_brand("BRK")),
        "timeline": lambda number: orders_client.http.get(f"/orders/{number}/events", headers=as_brand("BRK")),
        "edit": lambda number: patch(orders_client, number, {"labeling": "CUSTOM_STAMPS"}, version, brand="BRK"),
        "cancel": lambda number: orders_client.http.post(f"/orders/{number}/cancel", headers=as_brand("BRK"), body=b"{}"),
        "quote": lambda number: quote(orders_client, {"order_numbers": [number]}, brand="BRK"),
    }
    for action, attempt in attempts.items():
        foreign = assert_problem(attempt(theirs), 404)
        absent = assert_problem(attempt(missing), 404)
        assert (foreign["type"], foreign["title"]) == (absent["type"], absent["title"]), action
        assert "Mara" not in json.dumps(foreign), action

    unchanged = get_json(orders_client, f"/orders/{theirs}", as_brand("DMO"))
    assert (unchanged["status"], unchanged["labeling"], unchanged["version"]) == ("PENDING_PAYMENT", "UNLABELED", 1)


@pytest.mark.parametrize(
    "number",
    [
        pytest.param("42", id="bare number"),
        pytest.param("00001-dmo", id="lower-case brand"),
        pytest.param("00001DMO", id="no dash"),
        pytest.param("0001-DMO", id="four digits"),
        pytest.param("DMO-00001", id="reversed"),
        pytest.param("00001-DMOX", id="four-letter brand"),
        pytest.param("'; DROP TABLE orders; --", id="injection text"),
        pytest.param("9" * 5000 + "-DMO", id="five thousand digits"),
        pytest.param("\u0660\u0660\u0660\u0660\u0661-DMO", id="arabic-indic digits"),
        pytest.param("000001-DMO", id="six digits for a five-digit number"),
    ],
)
def test_a_malformed_order_number_answers_404(orders_client, number):
    place(orders_client)  # 00001-DMO exists, so a lenient parser would find it

    for path in (f"/orders/{number}", f"/orders/{number}/events"):
        assert_problem(orders_client.http.get(path, headers=as_brand()), 404)


# -- malformed requests ------------------------------------------------------------------------------------------


def test_checkout_without_an_idempotency_key_is_428(orders_client):
    response = orders_client.http.post("/orders", headers=as_brand(), body=json.dumps(examples.checkout()))

    problem = assert_problem(response, 428)
    assert locs(problem) == [["header", "Idempotency-Key"]]
    assert get_json(orders_client, "/orders", as_brand())["orders"] == []


@pytest.mark.parametrize("key", ["x" * 256, "key\x00with-nul", "tab\tinside"])
def test_checkout_with_an_unusable_idempotency_key_is_400(orders_client, key):
    response = post_checkout(orders_client, examples.checkout(), key=key)

    assert locs(assert_problem(response, 400)) == [["header", "Idempotency-Key"]]


def test_second_checkout_with_the_same_key_returns_the_first_order(orders_client):
    first = post_checkout(orders_client, examples.checkout(), key="retry-me")
    second = post_checkout(orders_client, examples.checkout(), key="retry-me")

    assert second.status_code == first.status_code == 201
    assert json.loads(second.body)["order_number"] == json.loads(first.body)["order_number"]
    assert len(get_json(orders_client, "/orders", as_brand())["orders"]) == 1


def test_reusing_an_idempotency_key_for_another_body_is_422(orders_client):
    post_checkout(orders_client, examples.checkout(), key="once")

    response = post_checkout(orders_client, examples.mini_bulk(), key="once")

    assert_problem(response, 422)


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", "/orders"), ("PATCH", "/orders/00001-DMO"), ("POST", "/quotes")],
)
@pytest.mark.parametrize("body", [b"{", b"{'type': 'MTO'}", b"\xff\xfe\x00", b'{"type": "MTO",}', b"1" * 5000])
def test_a_body_that_is_not_json_is_400(orders_client, method, path, body):
    place(orders_client)
    headers = as_brand(**{"Idempotency-Key": "k", "If-Match": "1"})

    response = orders_client.http.request(method, path, headers=headers, body=body)

    assert locs(assert_problem(response, 400)) == [["body"]]


@pytest.mark.parametrize(
    ("app_name", "method", "path"),
    [
        ("orders", "POST", "/orders"),
        ("orders", "PATCH", "/orders/00001-DMO"),
        ("orders", "POST", "/quotes"),
        ("payments", "POST", "/payments"),
    ],
)
@pytest.mark.parametrize("nesting", ["[" * 100_000 + "]" * 100_000, '{"a":' * 5000 + "1" + "}" * 5000], ids=["lists", "objects"])
def test_json_nested_deeper_than_the_parser_can_follow_is_400_not_500(request, app_name, method, path, nesting):
    client = request.getfixturevalue(f"{app_name}_client")
    place(request.getfixturevalue("orders_client"))
    headers = as_brand(**{"Idempotency-Key": "k", "If-Match": "1"})

    response = client.http.request(method, path, headers=headers, body=nesting.encode())

    assert locs(assert_problem(response, 400)) == [["body"]]


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/xml", None],
)
def test_checkout_in_another_media_type_is_415(orders_client, content_type):
    headers = {**tokens.bearer(), "Idempotency-Key": "k"}
    if content_type is not None:
        headers["Content-Type"] = content_type

    response = orders_client.http.post("/orders", headers=headers, body=json.dumps(examples.checkout()))

    assert_problem(response, 415)


def test_checkout_accepts_json_with_a_charset_parameter(orders_client):
    response = post_checkout(orders_client, examples.checkout(), **{"Content-Type": "application/json; charset=utf-8"})

    assert response.status_code == 201, response.body


@pytest.mark.parametrize("body", [[], "checkout", 42, None])
def test_a_json_body_that_is_not_an_object_is_422(orders_client, body):
    response = post_checkout(orders_client, body)

    assert locs(assert_problem(response, 422)) == [["body"]]


def test_checkout_validation_problems_are_listed_field_by_field(orders_client):
    body = examples.checkout(
        type="HUGE",
        sizes=[{"size": "EU99", "pairs": 0}],
        shipping_address={**examples.SHIPPING_ADDRESS, "country": "Germany", "phone": "call me"},
        billing={**examples.BILLING, "email": "not-an-email"},
    )
    del body["design"]["materials"]["sole"]

    problem = assert_problem(post_checkout(orders_client, body), 422)

    assert sorted(map(tuple, locs(problem)), key=str) == sorted(
        [
            ("body", "type"),
            ("body", "design", "materials", "sole"),
            ("body", "sizes", 0, "size"),
            ("body", "sizes", 0, "pairs"),
            ("body", "shipping_address", "country"),
            ("body", "shipping_address", "phone"),
            ("body", "billing", "email"),
        ],
        key=str,
    )
    assert get_json(orders_client, "/orders", as_brand())["orders"] == []


@pytest.mark.parametrize(
    ("route", "body", "field"),
    [
        pytest.param(
            "checkout",
            examples.checkout(design={**examples.CHECKOUT["design"], "model": "clog"}),
            ["body", "design", "model"],
            id="checkout unknown model",
        ),
        pytest.param(
            "checkout",
            examples.checkout(
                design={
                    **examples.CHECKOUT["design"],
                    "materials": {"upper": "canvas-natural", "lining": "leather-natural", "sole": "leather-sole"},
                }
            ),
            ["body", "design", "materials", "upper"],
            id="checkout material not offered for the model",
        ),
        pytest.param(
            "checkout",
            examples.checkout(sizes=[{"size": "EU42", "pairs": 2}]),
            ["body", "sizes"],
            id="checkout pair count wrong for the type",
        ),
        pytest.param(
            "checkout",
            {k: v for k, v in examples.checkout().items() if k != "labeling"},
            ["body", "labeling"],
            id="checkout first order without labeling",
        ),
        pytest.param(
            "quote",
            {"order": would_be_order(design={**examples.CHECKOUT["design"], "model": "clog"})},
            ["body", "order", "design", "model"],
            id="quote unknown model",
        ),
        pytest.param(
            "quote",
            {"order": would_be_order(sizes=[{"size": "EU42", "pairs": 3}])},
            ["body", "order", "sizes"],
            id="quote pair count wrong for the type",
        ),
    ],
)
def test_catalog_rule_problems_are_located_in_the_body_like_schema_problems(orders_client, route, body, field):
    response = post_checkout(orders_client, body) if route == "checkout" else quote(orders_client, body)

    assert locs(assert_problem(response, 422)) == [field]


def test_edit_without_if_match_is_428(orders_client):
    number = place(orders_client)["order_number"]

    problem = assert_problem(patch(orders_client, number, {"labeling": "CUSTOM_STAMPS"}, None), 428)

    assert locs(problem) == [["header", "If-Match"]]


@pytest.mark.parametrize("if_match", ["1", '"1"', 'W/"1"'])
def test_edit_with_the_current_version_applies_and_bumps_the_version(orders_client, if_match):
    number = place(orders_client)["order_number"]

    response = patch(orders_client, number, {"labeling": "CUSTOM_STAMPS"}, if_match)

    assert response.status_code == 200, response.body
    edited = json.loads(response.body)
    assert (edited["labeling"], edited["version"]) == ("CUSTOM_STAMPS", 2)


def test_edit_with_a_stale_if_match_is_412_and_changes_nothing(orders_client):
    number = place(orders_client)["order_number"]
    assert patch(orders_client, number, {"labeling": "CUSTOM_STAMPS"}, "1").status_code == 200

    response = patch(orders_client, number, {"labeling": "UNLABELED"}, "1")

    assert_problem(response, 412)
    current = get_json(orders_client, f"/orders/{number}", as_brand())
    assert (current["labeling"], current["version"]) == ("CUSTOM_STAMPS", 2)


@pytest.mark.parametrize("action", ["edit", "cancel"])
@pytest.mark.parametrize("if_match", ["abc", "-1", "1.5", "W/", "1234567890", "\u00b2", "1\u00b9", "\u2460"])
def test_an_if_match_that_is_not_a_version_is_400(orders_client, action, if_match):
    number = place(orders_client)["order_number"]

    if action == "edit":
        response = patch(orders_client, number, {"labeling": "CUSTOM_STAMPS"}, if_match)
    else:
        response = orders_client.http.post(f"/orders/{number}/cancel", headers=as_brand(**{"If-Match": if_match}))

    assert locs(assert_problem(response, 400)) == [["header", "If-Match"]]


@pytest.mark.parametrize(
    ("app_name", "method", "path"),
    [
        ("orders", "PUT", "/orders"),
        ("orders", "DELETE", "/orders/{order_number}"),
        ("orders", "GET", "/quotes"),
        ("orders", "POST", "/admin/orders"),
        ("orders", "PATCH", "/orders/{order_number}/cancel"),
        ("orders", "TRACE", "/catalog"),
        ("orders", "POST", "/health"),
        ("payments", "DELETE", "/health"),
    ],
)
def test_an_unsupported_method_on_a_known_path_is_405_problem_with_allow(request, app_name, method, path):
    client = request.getfixturevalue(f"{app_name}_client")

    response = client.http.request(method, _fill(path), headers=as_brand(), body=b"{}")

    assert_problem(response, 405)
    allowed = {m.strip() for m in headers_of(response)["allow"].split(",")}
    assert allowed == set(APPS[app_name].routes[path])


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"limit": "0"}, "limit"),
        ({"limit": "101"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"status": "LOST"}, "status"),
        ({"type": "SANDAL"}, "type"),
        ({"q": "x" * 101}, "q"),
        ({"created_from": "2026-02-30"}, "created_from"),
        ({"created_to": "yesterday"}, "created_to"),
        ({"created_to": "0"}, "created_to"),
        ({"created_from": "2026-1-5"}, "created_from"),
        ({"created_from": "2026-11-03", "created_to": "2026-11-02"}, "created_to"),
    ],
)
def test_junk_query_parameters_of_the_order_pool_are_422_by_parameter(orders_client, query, field):
    response = orders_client.http.get(f"/orders?{urlencode(query)}", headers=as_brand())

    assert locs(assert_problem(response, 422)) == [["query", field]]


@pytest.mark.parametrize(
    ("query", "field"),
    [({"brand": "dmo"}, "brand"), ({"brand": "DMOX"}, "brand"), ({"stage": "GLUING"}, "stage"), ({"limit": "-5"}, "limit")],
)
def test_junk_query_parameters_of_the_staff_listing_are_422_by_parameter(orders_client, query, field):
    response = orders_client.http.get(f"/admin/orders?{urlencode(query)}", headers=as_staff())

    assert locs(assert_problem(response, 422)) == [["query", field]]


# -- prices, labeling, quotes ------------------------------------------------------------------------------------


def test_a_price_sent_by_the_client_is_ignored(orders_client):
    forged = {"manufacturing": 1, "shipping": 0, "customization": 0, "total": 1, "currency": "EUR"}
    fair = json.loads(quote(orders_client, {"order": would_be_order()}).body)["costs"]

    order = place(orders_client, costs=forged, total=1, price=1)

    assert order["costs"] == fair
    assert order["costs"]["total"] > 1
    assert order["costs"]["net"] == sum(order["costs"][part] for part in ("manufacturing", "shipping", "customization"))
    assert order["costs"]["total"] == order["costs"]["net"] + order["costs"]["vat"]


def test_a_brands_first_order_without_labeling_is_refused_on_labeling(orders_client):
    body = examples.checkout()
    del body["labeling"]

    problem = assert_problem(post_checkout(orders_client, body), 422)

    assert [loc[-1] for loc in locs(problem)] == ["labeling"]
    assert get_json(orders_client, "/orders", as_brand())["orders"] == []


def test_later_orders_default_to_the_brands_last_labeling(orders_client):
    place(orders_client, labeling="CUSTOM_STAMPS")
    assert place(orders_client, labeling=None)["labeling"] == "CUSTOM_STAMPS"

    place(orders_client, labeling="UNLABELED")

    assert place(orders_client, labeling=None)["labeling"] == "UNLABELED"
    assert get_json(orders_client, "/brand", as_brand())["labeling_default"] == "UNLABELED"


def test_a_labeling_choice_of_one_brand_is_not_another_brands_default(orders_client):
    place(orders_client, brand="DMO", labeling="CUSTOM_STAMPS")
    body = examples.checkout()
    del body["labeling"]

    assert_problem(post_checkout(orders_client, body, brand="BRK"), 422)


def test_a_first_custom_stamps_order_shows_the_stamp_fee_as_customization(orders_client):
    stamp_fee = get_json(orders_client, "/catalog", as_brand())["stamp_fee"]

    stamped = place(orders_client, labeling="CUSTOM_STAMPS")["costs"]
    unlabeled = place(orders_client, labeling="UNLABELED")["costs"]

    assert stamp_fee > 0
    assert stamped["customization"] == stamp_fee
    assert unlabeled["customization"] == 0
    assert stamped["total"] == unlabeled["total"] + stamp_fee


def test_a_quote_for_a_would_be_order_prices_it_without_placing_it(orders_client):
    response = quote(orders_client, {"order": would_be_order(labeling="CUSTOM_STAMPS")})

    assert response.status_code == 200, response.body
    quoted = json.loads(response.body)
    assert quoted["pairs"] == 1
    assert quoted["costs"]["currency"] == "EUR"
    assert get_json(orders_client, "/orders", as_brand())["orders"] == []
    assert place(orders_client, labeling="CUSTOM_STAMPS")["costs"] == quoted["costs"]


def test_a_quote_for_two_mto_orders_to_one_country_shows_shipping_savings(orders_client):
    first = place(orders_client, labeling="UNLABELED")
    second = place(orders_client, labeling="UNLABELED")
    numbers = [first["order_number"], second["order_number"]]

    response = quote(orders_client, {"order_numbers": numbers})

    assert response.status_code == 200, response.body
    quoted = json.loads(response.body)
    separately = first["costs"]["shipping"] + second["costs"]["shipping"]
    assert quoted["shipping_savings"] > 0
    assert quoted["costs"]["shipping"] == separately - quoted["shipping_savings"]
    assert quoted["costs"]["manufacturing"] == first["costs"]["manufacturing"] + second["costs"]["manufacturing"]
    assert quoted["pairs"] == 2
    assert quoted["order_numbers"] == numbers


def test_a_quote_for_orders_shipping_to_different_countries_is_422(orders_client):
    berlin = place(orders_client, labeling="UNLABELED")["order_number"]
    paris = place(orders_client, shipping_address=address_in("FR"))["order_number"]

    assert_problem(quote(orders_client, {"order_numbers": [berlin, paris]}), 422)


@pytest.mark.parametrize(
    "body",
    [{}, {"order": would_be_order(), "order_numbers": ["00001-DMO"]}, {"order_numbers": []}],
    ids=["neither", "both", "no numbers"],
)
def test_a_quote_needs_exactly_one_of_a_would_be_order_or_order_numbers(orders_client, body):
    place(orders_client)

    assert_problem(quote(orders_client, body), 422)


# -- listings ----------------------------------------------------------------------------------------------------


def _place_across_brands(client: Client, clock: Clock) -> list[str]:
    """Five orders, one minute apart: DMO, BRK, DMO, BRK, DMO. Returns their numbers in placing order."""
    numbers = []
    for brand in ("DMO", "BRK", "DMO", "BRK", "DMO"):
        numbers.append(place(client, brand=brand, labeling="UNLABELED")["order_number"])
        clock.advance(minutes=1)
    return numbers


def test_staff_list_every_brands_orders_newest_first(orders_client, clock):
    numbers = _place_across_brands(orders_client, clock)

    listing = get_json(orders_client, "/admin/orders", as_staff())

    assert [o["order_number"] for o in listing["orders"]] == list(reversed(numbers))
    assert listing["next_cursor"] is None


def test_staff_filter_the_listing_by_brand_status_and_stage(orders_client, clock, desk: OrderDesk):
    numbers = _place_across_brands(orders_client, clock)
    cancelled = numbers[2]
    assert orders_client.http.post(f"/orders/{cancelled}/cancel", headers=as_brand("DMO")).status_code == 200
    in_work = desk.orders.get("BRK", 2)
    assert in_work is not None
    desk.store.commit(
        Transaction().order(
            in_work.model_copy(
                update={
                    "status": OrderStatus.WORK_IN_PROCESS,
                    "payment_status": PaymentStatus.PAID,
                    "production_stage": ProductionStage.CUTTING,
                    "version": in_work.version + 1,
                }
            ),
            in_work,
        )
    )

    def listed(**query: str) -> list[str]:
        return [o["order_number"] for o in get_json(orders_client, f"/admin/orders?{urlencode(query)}", as_staff())["orders"]]

    assert listed(brand="BRK") == ["00002-BRK", "00001-BRK"]
    assert listed(status="CANCELLED") == [cancelled]
    assert listed(brand="DMO", status="PENDING_PAYMENT") == ["00003-DMO", "00001-DMO"]
    assert listed(stage="CUTTING") == ["00002-BRK"]
    assert listed(brand="XYZ") == []


def test_staff_page_through_every_order_with_next_cursor(orders_client, clock):
    numbers = _place_across_brands(orders_client, clock)
    seen, pages, cursor = [], 0, None

    while True:
        query = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        page = get_json(orders_client, f"/admin/orders?{urlencode(query)}", as_staff())
        pages += 1
        assert len(page["orders"]) <= 2
        seen += [o["order_number"] for o in page["orders"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
        assert pages < 10

    assert pages == 3
    assert seen == list(reversed(numbers))


def test_a_brand_pages_through_its_own_pool_with_next_cursor(orders_client, clock):
    numbers = _place_across_brands(orders_client, clock)

    first = get_json(orders_client, "/orders?limit=2", as_brand("DMO"))
    second = get_json(orders_client, f"/orders?{urlencode({'limit': 2, 'cursor': first['next_cursor']})}", as_brand("DMO"))

    dmo = [n for n in reversed(numbers) if n.endswith("-DMO")]
    assert [o["order_number"] for o in first["orders"] + second["orders"]] == dmo
    assert second["next_cursor"] is None


def test_a_cursor_issued_to_one_brand_is_refused_for_another(orders_client, clock):
    _place_across_brands(orders_client, clock)
    cursor = get_json(orders_client, "/orders?limit=1", as_brand("DMO"))["next_cursor"]
    assert cursor

    response = orders_client.http.get(f"/orders?{urlencode({'limit': 1, 'cursor': cursor})}", headers=as_brand("BRK"))

    assert locs(assert_problem(response, 400)) == [["query", "cursor"]]


def test_a_cursor_from_the_brand_pool_is_refused_by_the_staff_listing(orders_client, clock):
    _place_across_brands(orders_client, clock)
    cursor = get_json(orders_client, "/orders?limit=1", as_brand("DMO"))["next_cursor"]

    response = orders_client.http.get(f"/admin/orders?{urlencode({'limit': 1, 'cursor': cursor})}", headers=as_staff())

    assert_problem(response, 400)


# -- logs --------------------------------------------------------------------------------------------------------


class _CurrentStdout:
    """Writes to whatever sys.stdout is at the moment a line is logged, as a Lambda's stdout always is.

    Powertools binds its handler to the sys.stdout of the moment the app module was imported, and pytest swaps
    sys.stdout between test phases, so without this capsys would not see the app's log lines.
    """

    def write(self, text: str) -> int:
        return sys.stdout.write(text)

    def flush(self) -> None:
        sys.stdout.flush()


@pytest.fixture
def log_lines(orders_client, capsys, monkeypatch):
    """Reads the orders app's log lines printed since the last read."""
    monkeypatch.setattr(load_app("orders").logger.registered_handler, "stream", _CurrentStdout())

    def read() -> list[str]:
        return [line for line in capsys.readouterr().out.splitlines() if line.strip()]

    return read


def test_each_request_logs_json_lines_with_its_request_id_and_order_number(orders_client, log_lines):
    order = place(orders_client)
    checkout_lines = log_lines()
    number = order["order_number"]
    get_json(orders_client, f"/orders/{number}", as_brand())
    read_lines = log_lines()
    get_json(orders_client, "/orders", as_brand())
    pool_lines = log_lines()

    checkout, read, pool = ([json.loads(line) for line in lines] for lines in (checkout_lines, read_lines, pool_lines))
    assert checkout and read and pool
    request_ids = []
    for records in (checkout, read, pool):
        ids = {record.get("request_id") for record in records}
        assert len(ids) == 1 and None not in ids and "" not in ids  # every line of one request names that request
        request_ids.append(ids.pop())
    assert len(set(request_ids)) == 3
    assert any(record.get("order_number") == number and record.get("status") == 201 for record in checkout)
    assert all(record.get("order_number") == number for record in read)
    assert all("order_number" not in record for record in pool)  # not carried over from the previous request


def test_no_log_line_carries_the_token_the_street_or_the_phone_number(orders_client, log_lines):
    authorization = tokens.bearer()["Authorization"]
    headers = {"Authorization": authorization, "Content-Type": "application/json"}
    body = json.dumps(examples.checkout())
    invalid = json.dumps(examples.checkout(sizes=[{"size": "EU99", "pairs": 1}]))

    for payload in (body, body, invalid, "{not json"):
        orders_client.http.post("/orders", headers={**headers, "Idempotency-Key": "same-key"}, body=payload)
    orders_client.http.get("/orders/00001-DMO", headers=headers)
    orders_client.http.get("/orders/00001-DMO", headers={"Authorization": authorization + "tampered"})
    lines = log_lines()

    assert len(lines) >= 6  # at least one line per request
    token = authorization.removeprefix("Bearer ")
    secrets = [token, *token.split("."), examples.SHIPPING_ADDRESS["line1"], examples.SHIPPING_ADDRESS["phone"]]
    for line in lines:
        record = json.loads(line)
        assert record["request_id"]
        for secret in secrets:
            assert secret not in line


def test_a_lone_surrogate_escape_in_the_body_is_400_and_places_nothing(orders_client):
    body = examples.checkout(shipping_address={**examples.SHIPPING_ADDRESS, "name": "\ud800"})

    assert_problem(post_checkout(orders_client, body), 400)
    assert get_json(orders_client, "/orders", as_brand())["orders"] == []


def test_an_empty_if_match_is_400_and_cancels_nothing(orders_client):
    number = place(orders_client)["order_number"]

    response = orders_client.http.post(f"/orders/{number}/cancel", headers=as_brand(**{"If-Match": ""}))

    assert_problem(response, 400)
    assert get_json(orders_client, f"/orders/{number}", as_brand())["status"] == "PENDING_PAYMENT"


def test_suggestions_route_is_not_taken_for_a_group_id(orders_client):
    first, second = place(orders_client, labeling="UNLABELED"), place(orders_client)
    body = get_json(orders_client, "/shipping-groups/suggestions", as_brand())
    assert [s["order_numbers"] for s in body["suggestions"]] == [[second["order_number"], first["order_number"]]]
    assert get_json(orders_client, "/shipping-groups/suggestions", as_brand("BRK")) == {"suggestions": []}
    assert_problem(orders_client.http.get("/shipping-groups/suggestions"), 401)
    assert_problem(orders_client.http.get("/shipping-groups/suggestions", headers=as_staff()), 403)


# -- answers are never cached ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("app_name", APPS)
@pytest.mark.parametrize(
    ("method", "path", "headers"),
    [
        pytest.param("GET", "/health", {}, id="public"),
        pytest.param("GET", "/admin/{app_name}", {}, id="401"),
        pytest.param("DELETE", "/health", {}, id="405"),
    ],
)
def test_every_answer_says_cache_control_no_store(request, app_name, method, path, headers):
    client = request.getfixturevalue(f"{app_name}_client")

    response = client.http.request(method, path.format(app_name=app_name), headers=headers)

    assert response.status_code in (200, 401, 405)
    assert headers_of(response)["cache-control"] == "no-store"


def test_a_brands_own_order_is_answered_with_cache_control_no_store(orders_client):
    order = place(orders_client)

    response = orders_client.http.get(f"/orders/{order['order_number']}", headers=as_brand())

    assert response.status_code == 200
    assert headers_of(response)["cache-control"] == "no-store"


# -- emails the factory sends go to one plain address ----------------------------------------------------------------

NOT_PLAIN_ADDRESSES = [
    '"X" <victim@evil.example>',
    '"X"<victim@evil.example>',
    "Accounts <accounts@dmo.example>",
    "<victim@evil.example>",
    "accounts@dmo.example, victim@evil.example",
    "accounts@dmo.example;victim@evil.example",
    "accounts@dmo.example,victim@evil.example",
    "accounts@dmo.example\r\nBcc: victim@evil.example",
    "accounts@dmo.example\n",
    "accounts@dmo.example>",
    '"victim@evil.example"@dmo.example',
    "accounts@[127.0.0.1]",
    "accounts@dmo",
]


@pytest.mark.parametrize("field", ["billing", "shipping_address"])
@pytest.mark.parametrize("address", NOT_PLAIN_ADDRESSES)
def test_an_email_that_is_not_one_plain_address_is_422_and_places_nothing(orders_client, field, address):
    section = examples.BILLING if field == "billing" else examples.SHIPPING_ADDRESS
    body = examples.checkout(**{field: {**section, "email": address}})

    problem = assert_problem(post_checkout(orders_client, body), 422)

    assert locs(problem) == [["body", field, "email"]]
    assert problem["errors"][0]["msg"] == "must be one plain email address such as name@example.com"
    assert get_json(orders_client, "/orders", as_brand())["orders"] == []


def test_an_email_is_stored_as_the_plain_address(orders_client):
    order = place(orders_client, billing={**examples.BILLING, "email": " Accounts@DMO.Example "})

    assert order["billing"]["email"] == "Accounts@dmo.example"


# -- signing staff out on the server ---------------------------------------------------------------------------------


def staff_token_issued(at: datetime) -> dict[str, str]:
    return {**tokens.bearer(brand=None, staff=True, iat=int(at.timestamp())), "Content-Type": "application/json"}


@pytest.mark.parametrize(("app_name", "method", "path"), STAFF_ROUTES)
def test_a_staff_token_issued_before_the_user_was_revoked_is_401_on_every_staff_route(request, app_name, method, path, desk):
    client = request.getfixturevalue(f"{app_name}_client")
    revoked_at = revoke_sessions(desk.sessions, "user-staff", lambda: datetime.now(UTC))

    response = client.http.request(method, _fill(path), headers=staff_token_issued(revoked_at - timedelta(minutes=5)), body=b"{}")

    problem = assert_problem(response, 401)
    assert "sign in again" in problem["detail"]


def test_a_staff_user_signed_in_again_after_the_revocation_is_served(orders_client, desk):
    revoked_at = revoke_sessions(desk.sessions, "user-staff", lambda: datetime.now(UTC) - timedelta(minutes=1))

    before = orders_client.http.get("/admin/orders", headers=staff_token_issued(revoked_at - timedelta(seconds=1)))
    after = orders_client.http.get("/admin/orders", headers=staff_token_issued(revoked_at + timedelta(seconds=1)))

    assert_problem(before, 401)
    assert after.status_code == 200, after.body


def test_revoking_one_staff_user_leaves_the_others_signed_in(orders_client, desk):
    revoke_sessions(desk.sessions, "user-staff", lambda: datetime.now(UTC) + timedelta(minutes=1))

    other = {**tokens.bearer(brand=None, staff=True, sub="another-staff-user"), "Content-Type": "application/json"}

    assert orders_client.http.get("/admin/orders", headers=other).status_code == 200
