"""Every route at DynamoDB's floor: requests per call, counted by botocore, for a brand holding 1,000 orders.

Counts are deterministic, so each route's budget is a plain assertion (times are for `make bench`).
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from chalice.test import Client

from tests import tokens
from tests.apps import load_app
from tests.backends import desks, dynamo_backend
from tests.examples import checkout
from tests.fakes import FakeMailer
from tests.grown import grow
from tests.integration.conftest import Tables
from welt.adapters.tables import BRANDS, ORDERS
from welt.bootstrap import wiring

ORDERS_HELD = 1000


class DynamoRequests:
    """DynamoDB requests made by every client of the default session, by operation."""

    def __init__(self) -> None:
        self.seen: Counter[str] = Counter()
        boto3.setup_default_session(region_name="eu-west-1")
        boto3.DEFAULT_SESSION.events.register("before-call.dynamodb", self._count)  # type: ignore[union-attr]

    def _count(self, model: Any, **_: Any) -> None:
        self.seen[model.name] += 1

    def during(self, call: Any) -> tuple[Any, int]:
        self.seen.clear()
        answer = call()
        return answer, sum(self.seen.values())


@pytest.fixture(scope="module")
def shop(aws_endpoint: str) -> Iterator[tuple[Client, DynamoRequests, Any]]:
    requests = DynamoRequests()
    tables = Tables(f"b{uuid.uuid4().hex[:8]}-")
    backend = dynamo_backend(tables)
    grow(tables.table(ORDERS), tables.table(BRANDS), backend.brands.get("DMO"), ORDERS_HELD)
    desk, payment_desk = desks(backend, FakeMailer(), stream=False)
    module = load_app("orders")
    with wiring.use(order_desk=desk, payment_desk=payment_desk, token_verifier=tokens.verifier()), Client(module.app) as client:
        yield client, requests, desk


def brand_headers(**extra: str) -> dict[str, str]:
    return {**tokens.bearer(brand="DMO"), "Content-Type": "application/json", **extra}


def staff_headers() -> dict[str, str]:
    return {**tokens.bearer(brand=None, staff=True), "Content-Type": "application/json"}


def counted(
    shop: tuple[Client, DynamoRequests, Any], method: str, path: str, headers: dict[str, str], body: Any = None
) -> tuple[dict[str, Any], int]:
    client, requests, _ = shop
    call = getattr(client.http, method)
    response, count = requests.during(lambda: call(path, headers=headers, **({"body": json.dumps(body)} if body else {})))
    assert response.status_code < 300, response.body
    return json.loads(response.body), count


def pool_budget(page: dict[str, Any]) -> int:
    """A pool page reads the brand and one index; grouped orders on it add one read of their groups and one of
    their groups' other orders (their shares of the groups' prices)."""
    return 2 + (2 if any(order["shipping_group_id"] for order in page["orders"]) else 0)


@pytest.mark.parametrize(
    "query",
    [
        "limit=50",
        "status=WORK_IN_PROCESS&limit=50",
        "type=MTO&limit=50",
        "status=PENDING_PAYMENT&type=MTO&limit=100",
        "status=SHIPPED&limit=10",
        "q=nomatch&limit=1",
        "q=3D-00123&limit=50",
        "created_to=2026-01-05&limit=50",
        "created_from=2026-01-06&status=PENDING_PAYMENT&q=3d&limit=50",
    ],
)
def test_a_pool_page_reads_the_brand_once_and_one_index_whatever_the_filter(shop: Any, query: str) -> None:
    page, count = counted(shop, "get", f"/orders?{query}", brand_headers())
    assert count <= pool_budget(page), (query, shop[1].seen)
    if query.startswith("status=WORK"):
        assert len(page["orders"]) == 50 and {o["status"] for o in page["orders"]} == {"WORK_IN_PROCESS"}
    if query.startswith("created_to"):  # the grown orders of 6 January (Madrid) are skipped within the one read
        assert len(page["orders"]) == 50 and max(o["created_at"] for o in page["orders"]) < "2026-01-05T23:00"


def test_a_search_answers_within_its_budget_and_can_go_on(shop: Any) -> None:
    page, count = counted(shop, "get", "/orders?q=nomatch&limit=1", brand_headers())
    assert count <= 2 and page["orders"] == [] and page["next_cursor"] is not None
    found, seen = [], 0
    cursor = None
    while True:
        path = "/orders?q=3d-00&limit=100" + (f"&cursor={cursor}" if cursor else "")
        page, count = counted(shop, "get", path, brand_headers())
        assert count <= pool_budget(page)
        found += [o["order_number"] for o in page["orders"]]
        seen += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(found) == 99 + 900 and seen > 1  # 3D-00001 .. 3D-00999: every one found by searching further


@pytest.mark.parametrize(
    "query",
    [
        "limit=50",
        "brand=DMO&limit=50",
        "stage=STITCHING&limit=50",
        "status=PENDING_PAYMENT&brand=DMO&limit=50",
        "stage=STITCHING&type=MTO&brand=DMO",
        "created_from=2026-01-05&created_to=2026-01-05&limit=50",
    ],
)
def test_a_staff_page_is_a_read_of_the_sign_in_one_index_read_and_one_read_of_the_brands_shown(shop: Any, query: str) -> None:
    page, count = counted(shop, "get", f"/admin/orders?{query}", staff_headers())
    # Staff routes read the staff user's "tokens valid after" instant (revocation) before anything else.
    assert count <= 3 and shop[1].seen["GetItem"] == 1, (query, shop[1].seen)
    assert page["orders"]


def test_one_order_and_its_timeline_are_read_in_at_most_two_requests(shop: Any) -> None:
    _, count = counted(shop, "get", "/orders/00500-DMO", brand_headers())
    assert count <= 2
    events, count = counted(shop, "get", "/orders/00500-DMO/events", brand_headers())
    assert count == 1 and [e["type"] for e in events["events"]] == ["CREATED"]


def test_a_checkout_check_only_reads_takes_no_number_and_keeps_no_key(shop: Any) -> None:
    _, requests, desk = shop
    brand = desk.brands.get("DMO")
    body = checkout(shipping_address={**checkout()["shipping_address"], "postal_code": "10115"})
    quote, count = counted(shop, "post", "/orders/check", brand_headers(**{"Idempotency-Key": uuid.uuid4().hex}), body)
    assert requests.seen == {"GetItem": 1} and count == 1, requests.seen  # the brand read; no Put, Update or TransactWrite
    assert quote["shipping_included"] and quote["costs"]["total"] > 0
    assert desk.brands.get("DMO") == brand  # the brand's next order number and version untouched


def test_checkout_takes_two_requests_and_sends_no_email_on_the_request_path(shop: Any) -> None:
    _, requests, desk = shop
    order, count = counted(shop, "post", "/orders", brand_headers(**{"Idempotency-Key": uuid.uuid4().hex}), checkout())
    assert count <= 4 and requests.seen["TransactWriteItems"] == 1
    # The order desk has no mailer: the outbox stream's consumer sends the email, not the request.
    waiting = desk.outbox.get(f"order-confirmation/{order['order_number']}")
    assert waiting is not None and waiting.state.value == "PENDING"
    assert order["order_number"] == f"{ORDERS_HELD + 1:05d}-DMO"


def test_an_edit_is_three_requests(shop: Any) -> None:
    _, count = counted(shop, "patch", "/orders/00998-DMO", brand_headers(**{"If-Match": "1"}), {"sizes": [{"size": "EU41", "pairs": 1}]})
    assert count <= 3


def test_group_pages_take_at_most_three_requests_and_one_batch_read_of_their_orders(shop: Any) -> None:
    _, requests, _ = shop
    numbers = [f"{n:05d}-DMO" for n in (1, 2, 3, 4, 6, 7, 8, 9)]
    for pair in (numbers[0:2], numbers[2:4], numbers[4:6], numbers[6:8]):
        counted(shop, "post", "/shipping-groups", brand_headers(), {"order_numbers": pair})
    page, count = counted(shop, "get", "/shipping-groups?limit=3", brand_headers())
    assert count <= 3 and requests.seen["BatchGetItem"] == 1 and len(page["shipping_groups"]) == 3
    rest, count = counted(shop, "get", f"/shipping-groups?limit=3&cursor={page['next_cursor']}", brand_headers())
    assert count <= 3 and len(rest["shipping_groups"]) == 1 and rest["next_cursor"] is None
    staff, count = counted(shop, "get", "/admin/shipping-groups?status=OPEN&limit=10", staff_headers())
    assert count <= 4 and len(staff["shipping_groups"]) == 4  # one more than a brand's: the staff sign-in is checked
    one, count = counted(shop, "get", "/shipping-groups/G0001-DMO", brand_headers())
    assert count <= 3 and one["order_numbers"] == numbers[0:2]
    # A grouped order, alone or in the pool, reads its group and the group's other orders for its share.
    member, count = counted(shop, "get", "/orders/00001-DMO", brand_headers())
    assert count <= 4 and member["group_share"]["order_number"] == "00001-DMO", requests.seen
    shares: list[int] = []
    cursor = ""
    while len(shares) < 2:  # the search goes on until it reaches the group's orders
        pool, count = counted(shop, "get", f"/orders?q=3D-0000&limit=10{cursor}", brand_headers())
        assert count <= pool_budget(pool) <= 4, requests.seen
        shares += [o["group_share"]["total"] for o in pool["orders"] if o["shipping_group_id"] == one["shipping_group_id"]]
        cursor = f"&cursor={pool['next_cursor']}" if pool["next_cursor"] else ""
        assert cursor or len(shares) == 2
    assert sum(shares) == one["costs"]["total"]


def test_the_home_page_reads_each_figure_through_the_pools_index_within_its_budget(shop: Any) -> None:
    _, requests, _ = shop
    with Client(load_app("payments").app) as payments:
        response, count = requests.during(lambda: payments.http.get("/brand/summary", headers=brand_headers()))
        assert response.status_code == 200, response.body
        home = json.loads(response.body)
        # The brand; five pages of 100 unpaid orders (the budget: there are more), two of the 200 in production,
        # one of the shipped (none) and one of the year's payments.
        assert count == 10 and requests.seen["Query"] == 9, requests.seen
        assert home["awaiting_payment"]["count"] == 500 and home["awaiting_payment"]["complete"] is False
        assert home["in_production"]["count"] == 200 and home["in_production"]["complete"] is True
        invoices, count = requests.during(lambda: payments.http.get("/invoices?limit=20", headers=brand_headers()))
        assert invoices.status_code == 200 and count == 2, requests.seen
