"""docs/api/openapi.yaml, the API reference of the help center, against the running APIs.

Schemathesis sends valid and invalid requests to the read routes and invalid ones to the write routes (valid writes
would change the shared stack); a whole order's journey then checks the successful answers of the write routes.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
import yaml

from tests.e2e.conftest import Api, RunningStack, order_form
from welt_stack import seed

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
DOCUMENT = REPO / "docs" / "api" / "openapi.yaml"
SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"
RUN_WITHIN = 240
SEED = 20261127

# Writes that would change the shared stack if they succeeded: only invalid requests are sent to them.
BRAND_WRITES = [
    "checkout",
    "editOrder",
    "cancelOrder",
    "createShippingGroup",
    "dissolveShippingGroup",
    "addOrderToShippingGroup",
    "removeOrderFromShippingGroup",
]
STAFF_READS = [
    "listAllOrders",
    "getOrderForStaff",
    "listBrands",
    "listAllShippingGroups",
    "getBrandForStaff",
    "listBrandUsers",
    "listStaffUsers",
]
STAFF_WRITES = [
    "moveProductionStage",
    "shipOrder",
    "deliverOrder",
    "shipShippingGroup",
    "markStampsReady",
    "registerBrand",
    "editBrand",
    "inviteBrandUser",
    "resendBrandInvitation",
    "disableBrandUser",
    "enableBrandUser",
    "inviteStaffUser",
    "resendStaffInvitation",
    "disableStaffUser",
    "enableStaffUser",
]
PAYMENT_WRITES = ["startPayment", "confirmPayment", "stripeWebhook"]
PAYMENTS_TAGS = ("Payments", "Webhooks")
# Checks these runs leave out: ones that need a second user's objects, and (with no links followed in these phases)
# the ones about created resources, which the stateful run below makes.
SKIPPED_CHECKS = "use_after_free,ensure_resource_availability,object_level_authorization,positive_data_acceptance"


def document() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(DOCUMENT.read_text(encoding="utf-8"))
    return loaded


def operations_on(api: str) -> list[str]:
    """operationIds one run covers: "payments" (tags Payments, Webhooks; health too), "orders-writes", "orders-reads"."""
    writes = set(BRAND_WRITES + STAFF_WRITES)
    ids = []
    for item in document()["paths"].values():
        for method, operation in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            tag, operation_id = operation["tags"][0], operation["operationId"]
            served_by_payments = any("payments API" in server.get("description", "") for server in item.get("servers", []))
            if tag in PAYMENTS_TAGS or served_by_payments:
                run = "payments"
            elif tag == "Health":
                run = api if api != "orders-writes" else ""
            else:
                run = "orders-writes" if operation_id in writes else "orders-reads"
            if run == api:
                ids.append(operation_id)
    return ids


@pytest.fixture(scope="module")
def tokens(stack: RunningStack) -> dict[str, str]:
    """Fresh ID tokens (the session's may be close to expiry by the time this module runs)."""
    aws = seed.Aws(stack.region, stack.aws_endpoint)
    fresh = {}
    for user in stack.users:
        fresh[user.get("brand") or user["role"]] = seed.sign_in(
            aws, stack.client_id, user["email"], user["password"], user.get("totp_secret")
        )
    return fresh


@pytest.fixture(scope="module")
def dmo(stack: RunningStack, tokens: dict[str, str]) -> Api:
    return Api(stack.orders_api, tokens["DMO"])


@pytest.fixture(scope="module")
def dmo_payments(stack: RunningStack, tokens: dict[str, str]) -> Api:
    return Api(stack.payments_api, tokens["DMO"])


@pytest.fixture(scope="module")
def staff(stack: RunningStack, tokens: dict[str, str]) -> Api:
    return Api(stack.orders_api, tokens["staff"])


@pytest.fixture(scope="module")
def spec() -> Any:
    return schemathesis.openapi.from_path(DOCUMENT)


def conforms(spec: Any, operation_id: str, response: requests.Response) -> requests.Response:
    """The answer is documented for the operation: status, media type, body, and the headers it promises."""
    operation = spec.find_operation_by_id(operation_id)
    responses = operation.definition.raw["responses"]
    status = str(response.status_code)
    assert status in responses, f"{operation.label} answered an undocumented {status}: {response.text[:500]}"
    declared = responses[status]
    if "$ref" in declared:
        declared = document()["components"]["responses"][declared["$ref"].rsplit("/", 1)[-1]]
    media = (response.headers.get("Content-Type") or "").split(";")[0].strip()
    assert media in declared.get("content", {}), f"{operation.label} {status} answered {media}"
    for name, header in declared.get("headers", {}).items():
        if "$ref" in header:
            header = document()["components"]["headers"][header["$ref"].rsplit("/", 1)[-1]]
        if header.get("required"):
            assert name in response.headers, f"{operation.label} {status} lacks its {name} header"
    if "ETag" in declared.get("headers", {}):
        assert response.headers["ETag"] == f'"{response.json()["version"]}"', f"{operation.label}: ETag is not the version"
    if media != "application/pdf":
        operation.validate_response(response)
    return response


def pay(dmo_payments: Api, body: dict[str, Any], spec: Any) -> dict[str, Any]:
    created = conforms(spec, "startPayment", dmo_payments.post("/payments", json=body, headers={"Idempotency-Key": f"docs-{uuid.uuid4()}"}))
    assert created.status_code == 201, created.text
    payment_id = created.json()["payment_id"]
    confirmed = conforms(
        spec, "confirmPayment", dmo_payments.post(f"/payments/{payment_id}/confirm", json={"payment_method": "pm_card_visa"})
    )
    assert confirmed.json()["status"] == "SUCCEEDED", confirmed.text
    deadline = time.monotonic() + 30
    while True:  # the webhook settles it
        payment = conforms(spec, "getPayment", dmo_payments.get(f"/payments/{payment_id}")).json()
        if payment["invoice_number"] or time.monotonic() > deadline:
            assert payment["invoice_number"], payment
            return dict(payment)
        time.sleep(0.3)


@pytest.fixture(scope="module")
def known(dmo: Api, dmo_payments: Api, spec: Any) -> dict[str, str]:
    """Real objects for the read routes to find: an open order, an open group, a settled payment."""
    tag = f"docs-openapi-{uuid.uuid4().hex[:8]}"
    numbers = [dmo.place(order_form(tag))["order_number"] for _ in range(3)]
    group = dmo.post("/shipping-groups", json={"order_numbers": numbers[1:]})
    assert group.status_code == 201, group.text
    paid = dmo.place(order_form(tag))["order_number"]
    payment = pay(dmo_payments, {"order_numbers": [paid]}, spec)
    return {"order_number": numbers[0], "group_id": group.json()["shipping_group_id"], "payment_id": payment["payment_id"]}


def config(tokens: dict[str, str], known: dict[str, str]) -> str:
    def ids(names: list[str]) -> str:
        return "[" + ", ".join(f'"{name}"' for name in names) + "]"

    staff = f'{{ Authorization = "Bearer {tokens["staff"]}" }}'
    brk = f'{{ Authorization = "Bearer {tokens["BRK"]}" }}'
    return f"""
color = false

[checks.missing_required_header]
# SPEC: a missing Idempotency-Key or If-Match is 428 Precondition Required.
expected-statuses = [400, 401, 403, 406, 415, 422, 428]

[phases.coverage]
# TRACE and QUERY are answered by `chalice local`'s HTTP server before the app (501), OPTIONS by CORS.
unexpected-methods = ["GET", "PUT", "POST", "DELETE", "PATCH"]
# Never reuse identifiers seen in answers: an invalid request must not be aimed at a real object.
extra-data-sources = {{ responses = false }}

[phases.fuzzing]
extra-data-sources = {{ responses = false }}

[generation]
max-examples = 5

[[operations]]
include-operation-id = ["getOrder", "getOrderTimeline"]
parameters = {{ "order_number" = "{known["order_number"]}" }}

[[operations]]
include-operation-id = ["getShippingGroup"]
parameters = {{ "group_id" = "{known["group_id"]}" }}

[[operations]]
include-operation-id = ["getPayment", "getInvoice"]
parameters = {{ "payment_id" = "{known["payment_id"]}" }}

[[operations]]
# Brand writes as BRK: every example and identifier in the document is DMO's, so nothing real is in reach.
include-operation-id = {ids(BRAND_WRITES + PAYMENT_WRITES)}
headers = {brk}
generation = {{ mode = "negative" }}
phases = {{ examples = {{ enabled = false }} }}

[[operations]]
include-operation-id = {ids(STAFF_READS)}
headers = {staff}

[[operations]]
include-operation-id = {ids(STAFF_WRITES)}
headers = {staff}
generation = {{ mode = "negative" }}
phases = {{ examples = {{ enabled = false }} }}
"""


def test_the_apis_answer_as_the_document_says(stack: RunningStack, tokens: dict[str, str], known: dict[str, str], tmp_path: Path) -> None:
    settings = tmp_path / "schemathesis.toml"
    settings.write_text(config(tokens, known))
    runs = {}
    # Three runs at once, each sequential: they share nothing but the stack.
    for api, url in (("orders-reads", stack.orders_api), ("orders-writes", stack.orders_api), ("payments", stack.payments_api)):
        command = [
            str(SCHEMATHESIS),
            "--config-file",
            str(settings),
            "run",
            str(DOCUMENT),
            "--url",
            url,
            "--header",
            f"Authorization: Bearer {tokens['DMO']}",
            "--checks",
            "all",
            "--exclude-checks",
            SKIPPED_CHECKS,
            "--phases",
            "examples,coverage,fuzzing",
            "--workers",
            "1",
            "--seed",
            str(SEED),
            "--request-timeout",
            "30",
            "--request-retries",
            "2",
        ]
        for operation_id in operations_on(api):
            command += ["--include-operation-id", operation_id]
        log = (tmp_path / f"{api}.log").open("w")
        runs[api] = (subprocess.Popen(command, cwd=REPO, stdout=log, stderr=subprocess.STDOUT), log)

    failed = {}
    for api, (process, log) in runs.items():
        try:
            process.wait(timeout=RUN_WITHIN)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
        output = (tmp_path / f"{api}.log").read_text()
        tested = f"Tested: {len(operations_on(api))}"
        if process.returncode != 0 or tested not in output:
            failed[api] = output

    assert not failed, "\n\n".join(f"===== {api} =====\n{output}" for api, output in failed.items())


def test_a_whole_order_journey_answers_as_the_document_says(
    stack: RunningStack, dmo: Api, dmo_payments: Api, staff: Api, spec: Any
) -> None:
    tag = f"docs-journey-{uuid.uuid4().hex[:8]}"
    anonymous = Api(stack.orders_api)
    conforms(spec, "health", anonymous.get("/health"))
    conforms(spec, "health", Api(stack.payments_api).get("/health"))
    conforms(spec, "getCatalog", dmo.get("/catalog"))
    conforms(spec, "getBrand", dmo.get("/brand"))
    conforms(spec, "getBrand", anonymous.get("/brand"))  # 401
    form = order_form(tag)
    quote = {"type": "MTO", "design": form["design"], "sizes": form["sizes"], "labeling": "UNLABELED", "country": "DE"}
    conforms(spec, "quote", dmo.post("/quotes", json={"order": quote}))
    conforms(spec, "quote", dmo.post("/quotes", json={"order": {**quote, "country": None}}))  # no address yet

    conforms(spec, "checkCheckout", dmo.post("/orders/check", json=order_form(tag)))
    conforms(spec, "checkCheckout", dmo.post("/orders/check", json={**order_form(tag), "sizes": []}))  # 422

    # Checkout, the pool, one order, its timeline, an edit.
    placed = [conforms(spec, "checkout", dmo.checkout(order_form(tag))).json() for _ in range(4)]
    a, b, c, d = (order["order_number"] for order in placed)
    conforms(spec, "listOrders", dmo.get("/orders", params={"q": tag, "status": "PENDING_PAYMENT", "limit": 2}))
    first = conforms(spec, "getOrder", dmo.get(f"/orders/{a}"))
    conforms(
        spec,
        "editOrder",
        dmo.patch(f"/orders/{a}", json={"sizes": [{"size": "EU43", "pairs": 1}]}, headers={"If-Match": first.headers["ETag"]}),
    )
    conforms(
        spec,
        "editOrder",
        dmo.patch(f"/orders/{a}", json={"sizes": [{"size": "EU44", "pairs": 1}]}, headers={"If-Match": first.headers["ETag"]}),
    )  # 412
    conforms(spec, "getOrderTimeline", dmo.get(f"/orders/{a}/events"))
    conforms(spec, "quote", dmo.post("/quotes", json={"order_numbers": [a, b, c]}))

    # A shipping group that gains, loses and keeps orders; an order cancelled once out of it.
    group = conforms(spec, "createShippingGroup", dmo.post("/shipping-groups", json={"order_numbers": [a, b]})).json()
    group_id = group["shipping_group_id"]
    conforms(spec, "addOrderToShippingGroup", dmo.post(f"/shipping-groups/{group_id}/orders", json={"order_number": c}))
    conforms(spec, "cancelOrder", dmo.post(f"/orders/{c}/cancel"))  # 409: it is in the group
    conforms(spec, "removeOrderFromShippingGroup", dmo.request("DELETE", f"/shipping-groups/{group_id}/orders/{c}"))
    conforms(spec, "cancelOrder", dmo.post(f"/orders/{c}/cancel"))
    conforms(spec, "getShippingGroup", dmo.get(f"/shipping-groups/{group_id}"))
    conforms(spec, "listShippingGroups", dmo.get("/shipping-groups"))

    # Pay the group and one order alone; invoices.
    group_payment = pay(dmo_payments, {"shipping_group_id": group_id}, spec)
    single_payment = pay(dmo_payments, {"order_numbers": [d]}, spec)
    conforms(spec, "getInvoice", dmo_payments.get(f"/payments/{group_payment['payment_id']}/invoice"))
    conforms(
        spec,
        "startPayment",
        dmo_payments.post("/payments", json={"order_numbers": [d]}, headers={"Idempotency-Key": f"docs-{uuid.uuid4()}"}),
    )  # 409
    conforms(spec, "dissolveShippingGroup", dmo.request("DELETE", f"/shipping-groups/{group_id}"))  # 409: paid

    # Staff: the listing, production, shipping (a group, an order), delivery; brand users kept out.
    conforms(spec, "listAllOrders", staff.get("/admin/orders", params={"brand": "DMO", "limit": 3}))
    conforms(spec, "listAllOrders", dmo.get("/admin/orders"))  # 403
    conforms(spec, "getOrderForStaff", staff.get(f"/admin/orders/{a}"))
    conforms(spec, "listBrands", staff.get("/admin/brands"))
    conforms(spec, "listAllShippingGroups", staff.get("/admin/shipping-groups", params={"status": "PAID"}))
    for number in (a, b, d):
        conforms(spec, "moveProductionStage", staff.post(f"/admin/orders/{number}/production", json={"stage": "STITCHING"}))
        conforms(spec, "moveProductionStage", staff.post(f"/admin/orders/{number}/production", json={"stage": "READY_TO_SHIP"}))
    conforms(spec, "moveProductionStage", staff.post(f"/admin/orders/{a}/production", json={"stage": "CUTTING"}))  # 409
    shipment = {
        "carrier": "DHL Express",
        "tracking_number": f"JD{uuid.uuid4().int % 10**18:018d}",
        "tracking_url": "https://www.dhl.com/track",
    }
    conforms(spec, "shipOrder", staff.post(f"/admin/orders/{a}/ship", json=shipment))  # 409: ship the group
    conforms(spec, "shipShippingGroup", staff.post(f"/admin/shipping-groups/{group_id}/ship", json=shipment))
    conforms(spec, "shipOrder", staff.post(f"/admin/orders/{d}/ship", json={**shipment, "tracking_url": None}))
    conforms(spec, "deliverOrder", staff.post(f"/admin/orders/{a}/deliver"))
    conforms(spec, "markStampsReady", staff.post("/admin/brands/ZZZ/stamps", json={"status": "READY"}))  # 404
    conforms(spec, "markStampsReady", dmo.post("/admin/brands/DMO/stamps", json={"status": "READY"}))  # 403

    # What the brand sees at the end.
    delivered = conforms(spec, "getOrder", dmo.get(f"/orders/{a}")).json()
    assert delivered["status"] == "DELIVERED" and delivered["tracking"]["tracking_number"] == shipment["tracking_number"]
    assert conforms(spec, "getOrder", dmo.get(f"/orders/{d}")).json()["status"] == "SHIPPED"
    conforms(spec, "getOrderTimeline", dmo.get(f"/orders/{a}/events"))
    conforms(spec, "getPayment", dmo_payments.get(f"/payments/{single_payment['payment_id']}"))
    conforms(
        spec,
        "stripeWebhook",
        requests.post(
            f"{stack.payments_api}/webhooks/stripe", data=b'{"id": "evt_x"}', headers={"Content-Type": "application/json"}, timeout=30
        ),
    )  # 400


# The stateful phase: operations joined by the document's links (from a created order or group to the operations on
# it). As BRK, so the orders and groups it makes never mix with DMO's, which the other tests count.
LINKED = [
    "checkout",
    "getOrder",
    "editOrder",
    "cancelOrder",
    "getOrderTimeline",
    "createShippingGroup",
    "getShippingGroup",
    "addOrderToShippingGroup",
    "dissolveShippingGroup",
]
STATEFUL_BUDGET = 30  # seconds schemathesis spends building scenarios; well under a minute on two cores
# A dissolved group stays readable (as DISSOLVED), so "gone after DELETE" does not hold; the rest of SKIPPED_CHECKS does
# not apply to one user's own objects. A created order or group must be readable at once (ensure_resource_availability).
STATEFUL_SKIPPED = "use_after_free,object_level_authorization,positive_data_acceptance"


def test_following_the_links_answers_as_the_document_says(stack: RunningStack, tokens: dict[str, str], tmp_path: Path) -> None:
    document_links = {
        link["operationId"]
        for item in document()["paths"].values()
        for operation in item.values()
        if isinstance(operation, dict) and "responses" in operation
        for answer in operation["responses"].values()
        for link in answer.get("links", {}).values()
    }
    assert set(LINKED) - {"checkout", "createShippingGroup"} <= document_links, "the stateful run follows the document's links"
    command = [
        str(SCHEMATHESIS),
        "run",
        str(DOCUMENT),
        "--url",
        stack.orders_api,
        "--header",
        f"Authorization: Bearer {tokens['BRK']}",
        "--checks",
        "all",
        "--exclude-checks",
        STATEFUL_SKIPPED,
        "--phases",
        "stateful",
        "--mode",
        "positive",
        "--max-time",
        str(STATEFUL_BUDGET),
        "--workers",
        "1",
        "--seed",
        str(SEED),
        "--request-timeout",
        "30",
    ]
    for operation_id in LINKED:
        command += ["--include-operation-id", operation_id]
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=RUN_WITHIN, check=False)

    assert result.returncode == 0 and "Stateful" in result.stdout, result.stdout + result.stderr
    followed = re.search(r"API Links:\s+(\d+) covered", result.stdout)
    assert followed and int(followed.group(1)) > 0, "no link was followed from a created order or group:\n" + result.stdout
