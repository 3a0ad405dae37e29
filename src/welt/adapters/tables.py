"""The one definition of every DynamoDB table: keys, indexes, TTL and streams.

Tests, the local stack and the infrastructure code all build their tables from here. Every list the
API offers is a Query on a key or an index named here (docs/developers/architecture.md has the map).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Key = tuple[str, str, str]  # (attribute, HASH|RANGE, S|N)


@dataclass(frozen=True)
class TableDefinition:
    """A table as CreateTable wants it, without its name (names carry a per-stage prefix)."""

    logical_name: str
    key: list[Key]
    indexes: dict[str, list[Key]] = field(default_factory=dict)
    ttl_attribute: str | None = None
    stream: str | None = None  # the stream view type, for tables a consumer reads

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
        if self.stream:
            arguments["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": self.stream}
        return arguments

    def index_keys(self, index: str | None) -> list[str]:
        """The attributes that locate an item in the table (index None) or in one of its indexes."""
        own = [name for name, _, _ in self.key]
        if index is None:
            return own
        return own + [name for name, _, _ in self.indexes[index] if name not in own]


def _brand_index(attribute: str) -> list[Key]:
    return [(attribute, "HASH", "S"), ("seq", "RANGE", "N")]


def _factory_index(attribute: str) -> list[Key]:
    return [(attribute, "HASH", "S"), ("created_key", "RANGE", "S")]


# The filters of the order pool (brand side: newest number first) and of the staff list (every brand:
# newest first). Each combination of filters has an index of its own, so a page is one Query whatever
# the filters; stage indexes hold only orders in production.
ORDER_FILTER_INDEXES: dict[str, list[Key]] = {
    "by_brand": _brand_index("brand"),
    "by_brand_status": _brand_index("brand_status"),
    "by_brand_type": _brand_index("brand_type"),
    "by_brand_status_type": _brand_index("brand_status_type"),
    "by_brand_stage": _brand_index("brand_stage"),
    "by_brand_stage_type": _brand_index("brand_stage_type"),
    "by_created": _factory_index("kind"),
    "by_status": _factory_index("order_status"),
    "by_type": _factory_index("order_type"),
    "by_status_type": _factory_index("status_type"),
    "by_stage": _factory_index("stage"),
    "by_stage_type": _factory_index("stage_type"),
}

ORDERS = TableDefinition(
    logical_name="orders",
    # One partition per order: the order item (sk "ORDER") and its timeline, one item per event, so the
    # order item stays small however long its history. Checkout keys live here too (pk "CHECKOUT#...").
    key=[("pk", "HASH", "S"), ("sk", "RANGE", "S")],
    indexes={
        **ORDER_FILTER_INDEXES,
        # Sparse: a brand's unpaid MTO orders in no group, by shipping address, for group suggestions.
        "groupable": [("groupable", "HASH", "S"), ("address_key", "RANGE", "S")],
    },
    ttl_attribute="expires_at",
)

BRANDS = TableDefinition(
    logical_name="brands",
    key=[("code", "HASH", "S")],
    # Every brand item carries `registry`, so staff's list of brands is a Query by code, never a Scan.
    indexes={"registry": [("registry", "HASH", "S"), ("code", "RANGE", "S")]},
)

OUTBOX = TableDefinition(
    logical_name="outbox",
    key=[("message_id", "HASH", "S")],
    # Sparse: only unsent messages carry `waiting`, so the retry run reads just those.
    indexes={"waiting": [("waiting", "HASH", "S"), ("next_attempt_at", "RANGE", "S")]},
    ttl_attribute="expires_at",
    # New messages are sent by the stream's consumer; the scheduled retry is the safety net.
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
        # Sparse: only payments Stripe charged otherwise than priced, for the staff screen.
        "needs_review": [("needs_review", "HASH", "S"), ("updated_at", "RANGE", "S")],
        # Sparse: only invoiced payments carry `paid_brand`, by when they were paid, for a brand's invoices and spend.
        "paid_by_brand": [("paid_brand", "HASH", "S"), ("paid_key", "RANGE", "S")],
    },
)

INVOICES = TableDefinition(
    logical_name="invoices",
    # Invoice rows: pk = year, seq = their number. The year's counter: pk = year, seq = 0.
    key=[("pk", "HASH", "S"), ("seq", "RANGE", "N")],
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
    indexes={
        # Sparse: groups not dissolved, per brand (newest first) and for staff (newest first, by status).
        "live_by_brand": _brand_index("live_brand"),
        "live": _factory_index("live"),
        "live_by_status": _factory_index("live_status"),
    },
)

ALL_TABLES = (ORDERS, BRANDS, OUTBOX, IDEMPOTENCY, PAYMENTS, INVOICES, STRIPE_EVENTS, SHIPPING_GROUPS)
