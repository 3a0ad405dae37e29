"""Builds the payments function's live objects; the only module that reads the Stripe keys."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import boto3

from welt.adapters.dynamodb import (
    DynamoBrandRepository,
    DynamoEventLog,
    DynamoInvoiceRegister,
    DynamoOrderRepository,
    DynamoOutbox,
    DynamoPaymentRepository,
    DynamoShippingGroupRepository,
)
from welt.adapters.idempotency import PowertoolsIdempotency
from welt.adapters.ses import SesMailer
from welt.adapters.stripe_gateway import StripeGateway
from welt.adapters.tables import BRANDS, IDEMPOTENCY, INVOICES, ORDERS, OUTBOX, PAYMENTS, SHIPPING_GROUPS, STRIPE_EVENTS
from welt.bootstrap import utc_now
from welt.config import settings, stripe_settings
from welt.domain.catalog import load_catalog
from welt.services.payments import PaymentDesk


def new_payment_id() -> str:
    return f"pay_{secrets.token_hex(12)}"


@lru_cache(maxsize=1)
def payment_desk(lambda_context: Callable[[], Any] | None = None) -> PaymentDesk:
    config = settings()
    keys = stripe_settings()
    dynamodb = boto3.resource("dynamodb", region_name=config.region)
    return PaymentDesk(
        orders=DynamoOrderRepository(dynamodb.Table(config.table_name(ORDERS))),
        brands=DynamoBrandRepository(dynamodb.Table(config.table_name(BRANDS))),
        groups=DynamoShippingGroupRepository(dynamodb.Table(config.table_name(SHIPPING_GROUPS))),
        payments=DynamoPaymentRepository(dynamodb.Table(config.table_name(PAYMENTS))),
        invoices=DynamoInvoiceRegister(dynamodb.Table(config.table_name(INVOICES))),
        events=DynamoEventLog(dynamodb.Table(config.table_name(STRIPE_EVENTS))),
        gateway=StripeGateway(keys.secret_key, keys.webhook_secret, keys.publishable_key, keys.js_url, keys.api_base),
        outbox=DynamoOutbox(dynamodb.Table(config.table_name(OUTBOX))),
        mailer=SesMailer(boto3.client("ses", region_name=config.region), config.mail_from),
        idempotency=PowertoolsIdempotency(
            config.table_name(IDEMPOTENCY), boto3.client("dynamodb", region_name=config.region), lambda_context
        ),
        catalog=load_catalog(),
        clock=utc_now,
        new_payment_id=new_payment_id,
    )
