"""Builds the payments function's live objects; the only module that reads the Stripe keys."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from welt.adapters.tables import BRANDS, INVOICES, ORDERS, OUTBOX, PAYMENTS, SHIPPING_GROUPS, STRIPE_EVENTS
from welt.bootstrap import idempotency, mailer, store, table, utc_now
from welt.config import aeat_certificate, aeat_qr_service, aeat_service_url, caps, stripe_settings
from welt.domain.catalog import load_catalog
from welt.services.payments import PaymentDesk
from welt.services.payments.submitting import SubmissionQueue


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


@lru_cache(maxsize=1)
def submission_queue() -> SubmissionQueue:
    """The queue that sends VERI*FACTU records to AEAT (the scheduled submit_records function)."""
    from welt.adapters.aeat import AeatSoapSubmitter, certificate_context
    from welt.adapters.dynamodb import DynamoInvoiceRegister
    from welt.adapters.verifactu_xml import submission_xml
    from welt.domain.invoice import factory_seller

    url = aeat_service_url()
    # Only AEAT (https) is given the factory's certificate; the local stack's stand-in listens on the loopback.
    tls = (lambda: certificate_context(*aeat_certificate())) if url.startswith("https://") else None
    seller = factory_seller().name
    return SubmissionQueue(
        invoices=DynamoInvoiceRegister(table(INVOICES)),
        store=store(),
        submitter=AeatSoapSubmitter(url, tls),
        render=lambda records, before: submission_xml(records, before, seller),
        clock=utc_now,
    )
