"""Builds the payments function's live objects; the only module that reads the Stripe keys."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from welt.adapters.tables import BRANDS, INVOICES, ORDERS, OUTBOX, PAYMENTS, SHIPPING_GROUPS, STRIPE_EVENTS
from welt.bootstrap import idempotency, mailer, store, table, utc_now
from welt.config import aeat_qr_service, caps, stripe_settings
from welt.domain.catalog import load_catalog
from welt.services.payments import PaymentDesk


def new_payment_id() -> str:
    return f"pay_{secrets.token_hex(12)}"


@lru_cache(maxsize=1)
def payment_desk(lambda_context: Callable[[], Any] | None = None) -> PaymentDesk:
    # Loaded with the first request, not at import: stripe-python is most of the function's cold start.
    from welt.adapters.dynamodb import (
        DynamoBrandRepository,
        DynamoEventLog,
        DynamoInvoiceRegister,
        DynamoOrderRepository,
        DynamoOutbox,
        DynamoPaymentRepository,
        DynamoSessionRegistry,
        DynamoShippingGroupRepository,
    )
    from welt.adapters.stripe_gateway import StripeGateway

    keys = stripe_settings()
    return PaymentDesk(
        store=store(),
        orders=DynamoOrderRepository(table(ORDERS)),
        brands=DynamoBrandRepository(table(BRANDS)),
        groups=DynamoShippingGroupRepository(table(SHIPPING_GROUPS)),
        payments=DynamoPaymentRepository(table(PAYMENTS)),
        invoices=DynamoInvoiceRegister(table(INVOICES)),
        events=DynamoEventLog(table(STRIPE_EVENTS)),
        gateway=StripeGateway(
            keys.secret_key, keys.webhook_secret, keys.publishable_key, keys.js_url, keys.api_base, timeout_seconds=keys.timeout_seconds
        ),
        outbox=DynamoOutbox(table(OUTBOX)),
        mailer=mailer(),
        idempotency=idempotency(lambda_context),
        catalog=load_catalog(),
        clock=utc_now,
        new_payment_id=new_payment_id,
        aeat_qr_service=aeat_qr_service(),
        sessions=DynamoSessionRegistry(table(ORDERS)),
        confirmations_per_hour=caps().card_confirmations_per_brand_hour,
    )
