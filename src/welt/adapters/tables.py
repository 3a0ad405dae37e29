"""The one definition of every DynamoDB table: keys, indexes and TTL.

Tests, the local stack and the infrastructure template all build their tables from here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class TableDefinition:
    """A table as CreateTable wants it, without its name (names carry a per-stage prefix)."""

    logical_name: str
    key: list[tuple[str, str, str]]  # (attribute, HASH|RANGE, S|N)
    indexes: dict[str, list[tuple[str, str, str]]] = field(default_factory=dict)
    ttl_attribute: str | None = None
    # DynamoDB stream view type for a table whose changes a function consumes (NEW_IMAGE, ...).
    stream: str | None = None

    def create_table_arguments(self, table_name: str) -> dict[str, Any]:
        attributes: dict[str, str] = {}
        for name, _, kind in self.key + [k for keys in self.indexes.values() for k in keys]:
            attributes[name] = kind
        arguments: dict[str, Any] = {
            "TableName": table_name,
            "BillingMode": "PAY_PER_REQUEST",
            "KeySchema": [{"AttributeName": name, "KeyType": role} for name, role, _ in self.key],
            "AttributeDefinitions": [{"AttributeName": n, "AttributeType": t} for n, t in sorted(attributes.items())],
        }
        if self.indexes:
            arguments["GlobalSecondaryIndexes"] = [
                {
                    "IndexName": index,
                    "KeySchema": [{"AttributeName": name, "KeyType": role} for name, role, _ in keys],
                    "Projection": {"ProjectionType": "ALL"},
                }
                for index, keys in self.indexes.items()
            ]
        return arguments


ORDERS = TableDefinition(
    logical_name="orders",
    # An order's number is its brand's sequence; numeric sort keeps the pool newest-first past 99999.
    key=[("brand", "HASH", "S"), ("seq", "RANGE", "N")],
    # Staff see every brand, newest first; `kind` is constant so one index partition orders them all.
    indexes={
        "by_created": [("kind", "HASH", "S"), ("created_key", "RANGE", "S")],
        # Sparse: "<brand>#<hash of the Idempotency-Key>" of the checkout that placed the order.
        "by_checkout": [("checkout", "HASH", "S")],
    },
)

BRANDS = TableDefinition(logical_name="brands", key=[("code", "HASH", "S")])

OUTBOX = TableDefinition(
    logical_name="outbox",
    key=[("message_id", "HASH", "S")],
    # Sparse: only unsent messages carry `waiting`, so the retry run reads just those.
    indexes={"waiting": [("waiting", "HASH", "S"), ("next_attempt_at", "RANGE", "S")]},
    ttl_attribute="expires_at",
    # Each new message reaches the sending function through the stream.
    stream="NEW_IMAGE",
)

IDEMPOTENCY = TableDefinition(
    logical_name="idempotency",
    key=[("id", "HASH", "S")],
    ttl_attribute="expiration",
)

PAYMENTS = TableDefinition(
    logical_name="payments",
    key=[("payment_id", "HASH", "S")],
    indexes={
        # Webhooks for refunds name the intent, not the payment.
        "by_intent": [("intent_id", "HASH", "S")],
        # Sparse: only payments in flight carry `in_flight`, so reconciliation reads just those.
        "in_flight": [("in_flight", "HASH", "S"), ("updated_at", "RANGE", "S")],
    },
)

INVOICES = TableDefinition(
    logical_name="invoices",
    # Invoice rows: pk = year, sk = sequence. Which payment has which number: pk = "payment#<id>", sk = 0.
    key=[("pk", "HASH", "S"), ("seq", "RANGE", "N")],
    # Only invoice rows carry `payment_id`: a writer taking over a dead claim finds a number already taken.
    indexes={"by_payment": [("payment_id", "HASH", "S")]},
)

STRIPE_EVENTS = TableDefinition(
    logical_name="stripe_events",
    key=[("event_id", "HASH", "S")],
    # Kept well past Stripe's 3-day retry window.
    ttl_attribute="expires_at",
)

SHIPPING_GROUPS = TableDefinition(
    logical_name="shipping_groups",
    # Group ids are the brand's own sequence, like order numbers: G0007-DMO.
    key=[("brand", "HASH", "S"), ("seq", "RANGE", "N")],
)

ALL_TABLES = (ORDERS, BRANDS, OUTBOX, IDEMPOTENCY, PAYMENTS, INVOICES, STRIPE_EVENTS, SHIPPING_GROUPS)
