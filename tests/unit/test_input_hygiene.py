"""What the models refuse on the wire: numbers that are not numbers, text that hides or turns around, ids of no shape,
headers outside their rules. Each case was once accepted; each now answers a problem and stores nothing."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from chalice.test import Client

from tests import examples
from tests.unit.test_http_api import as_brand, assert_problem, place, post_checkout


def pool_size(client: Client) -> int:
    return len(json.loads(client.http.get("/orders?limit=100", headers=as_brand()).body)["orders"])


@pytest.mark.parametrize("pairs", [True, "1", 1.0, "one"], ids=["true", "the string 1", "the float 1.0", "a word"])
def test_pairs_must_be_a_whole_number_not_something_that_converts_to_one(orders_client: Client, pairs: Any) -> None:
    problem = assert_problem(post_checkout(orders_client, examples.checkout(sizes=[{"size": "EU42", "pairs": pairs}])), 422)
    assert ["body", "sizes", 0, "pairs"] in [error["loc"] for error in problem["errors"]]
    assert pool_size(orders_client) == 0


HOSTILE_NAMES = {
    "a NUL": "Mara\x00Jensen",
    "a line break": "Mara\r\nBcc: someone@example.com",
    "a C1 control": "Mara\x85Jensen",
    "a bidi override": "Mara \u202egnirts",
    "a bidi isolate": "Mara \u2066Jensen\u2069",
    "only zero-width spaces": "\u200b\u200b\u200b",
    "only a byte-order mark and spaces": "\ufeff  ",
}


@pytest.mark.parametrize("name", HOSTILE_NAMES.values(), ids=HOSTILE_NAMES.keys())
def test_a_name_with_control_or_direction_characters_or_nothing_visible_is_refused(orders_client: Client, name: str) -> None:
    body = examples.checkout()
    body["shipping_address"]["name"] = name
    problem = assert_problem(post_checkout(orders_client, body), 422)
    assert ["body", "shipping_address", "name"] in [error["loc"] for error in problem["errors"]]
    assert pool_size(orders_client) == 0


def test_text_is_stored_in_one_unicode_form(orders_client: Client) -> None:
    body = examples.checkout()
    body["shipping_address"]["city"] = "Ma\u0301laga"  # a + combining acute: the same word as "Málaga"
    placed = place(orders_client, shipping_address=body["shipping_address"])
    assert placed["shipping_address"]["city"] == "M\u00e1laga"


def test_a_non_ascii_idempotency_key_is_refused(orders_client: Client) -> None:
    problem = assert_problem(post_checkout(orders_client, examples.checkout(), key="clé-" + uuid.uuid4().hex), 400)
    assert problem["errors"][0]["loc"] == ["header", "Idempotency-Key"]
    assert pool_size(orders_client) == 0


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/shipping-groups", {"order_numbers": ["00001-DMO", "x" * 1_000_000]}),
        ("/quotes", {"order_numbers": ["00001-DMO; DROP TABLE"]}),
        ("/shipping-groups", {"order_numbers": ["00001-DMO", "00002-dmo"]}),
    ],
    ids=["a megabyte id", "an id with other text", "a lower-case brand"],
)
def test_an_order_number_in_a_body_has_its_shape_and_the_answer_does_not_echo_it(orders_client: Client, path: str, body: Any) -> None:
    response = orders_client.http.post(path, headers=as_brand(), body=json.dumps(body))
    problem = assert_problem(response, 422)
    assert problem["errors"][0]["msg"] == "must be an order number such as 00042-DMO"
    assert len(response.body) < 1000


def test_a_missing_order_named_in_the_path_is_echoed_only_in_part(orders_client: Client) -> None:
    response = orders_client.http.get("/orders/" + "9" * 5000 + "-DMO", headers=as_brand())
    problem = assert_problem(response, 404)
    assert len(problem["detail"]) < 100
