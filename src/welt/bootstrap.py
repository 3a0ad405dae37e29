"""Builds the live service objects from settings, once per Lambda container."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import boto3

from welt.adapters.cognito import CognitoTokenVerifier
from welt.adapters.dynamodb import (
    DynamoBrandRepository,
    DynamoOrderRepository,
    DynamoOutbox,
    DynamoShippingGroupRepository,
)
from welt.adapters.idempotency import PowertoolsIdempotency
from welt.adapters.ses import SesMailer
from welt.adapters.tables import BRANDS, IDEMPOTENCY, ORDERS, OUTBOX, SHIPPING_GROUPS
from welt.config import cursor_secret, settings
from welt.domain.catalog import load_catalog
from welt.services.orders import OrderDesk
from welt.services.pagination import CursorSigner


def utc_now() -> datetime:
    return datetime.now(UTC)


@lru_cache(maxsize=1)
def order_desk(lambda_context: Callable[[], Any] | None = None) -> OrderDesk:
    """`lambda_context` returns the current invocation's context (Chalice's `app.lambda_context`)."""
    config = settings()
    dynamodb = boto3.resource("dynamodb", region_name=config.region)
    return OrderDesk(
        orders=DynamoOrderRepository(dynamodb.Table(config.table_name(ORDERS))),
        brands=DynamoBrandRepository(dynamodb.Table(config.table_name(BRANDS))),
        groups=DynamoShippingGroupRepository(dynamodb.Table(config.table_name(SHIPPING_GROUPS))),
        outbox=DynamoOutbox(dynamodb.Table(config.table_name(OUTBOX))),
        mailer=SesMailer(boto3.client("ses", region_name=config.region), config.mail_from),
        idempotency=PowertoolsIdempotency(
            config.table_name(IDEMPOTENCY), boto3.client("dynamodb", region_name=config.region), lambda_context
        ),
        catalog=load_catalog(),
        cursors=CursorSigner(cursor_secret()),
        clock=utc_now,
    )


@lru_cache(maxsize=1)
def token_verifier() -> CognitoTokenVerifier:
    config = settings()
    return CognitoTokenVerifier.from_url(config.jwks_url, config.token_issuer, config.app_client_id)
