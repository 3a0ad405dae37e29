"""Powertools idempotency on DynamoDB (moto server): what the idempotency table holds for a key."""

from __future__ import annotations

import hashlib
import json

from welt.adapters.idempotency import PowertoolsIdempotency
from welt.adapters.tables import IDEMPOTENCY


def test_keys_and_payloads_are_stored_as_sha256_hashes(tables):
    idempotency = PowertoolsIdempotency(tables.name(IDEMPOTENCY), tables.client)

    idempotency.run("payments:DMO", "key-1", {"order_numbers": ["00001-DMO"]}, lambda: {"payment_id": "pay_1"})

    items = tables.table(IDEMPOTENCY).scan()["Items"]
    key_hash = hashlib.sha256(json.dumps(["payments:DMO", "key-1"], sort_keys=True).encode()).hexdigest()
    payload_hash = hashlib.sha256(json.dumps({"order_numbers": ["00001-DMO"]}, sort_keys=True).encode()).hexdigest()
    assert [item["id"] for item in items] == [f"welt#{key_hash}"]
    assert items[0]["validation"] == payload_hash
