"""Builds the live service objects from settings, once per Lambda container."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import boto3

from welt.adapters.tables import ALL_TABLES, BRANDS, IDEMPOTENCY, ORDERS, OUTBOX, SHIPPING_GROUPS, TableDefinition
from welt.config import cursor_secret, settings, sign_in_url, vies_url

if TYPE_CHECKING:
    from welt.adapters.cognito import CognitoTokenVerifier
    from welt.adapters.dynamodb import DynamoOutbox, DynamoStore
    from welt.adapters.idempotency import PowertoolsIdempotency
    from welt.adapters.ses import SesMailer
    from welt.adapters.vies import LocalVies, ViesRegistry
    from welt.services.onboarding import Onboarding
    from welt.services.orders import OrderDesk

# The adapters, the services and PyJWT load when a function first needs them, not at import: a cold
# start pays for what its first request uses.


def utc_now() -> datetime:
    return datetime.now(UTC)


@lru_cache(maxsize=1)
def _dynamodb() -> Any:
    return boto3.resource("dynamodb", region_name=settings().region)


def table(definition: TableDefinition) -> Any:
    """The stage's DynamoDB table of that definition."""
    return _dynamodb().Table(settings().table_name(definition))


def store() -> DynamoStore:
    """Commits each business change as one transaction over the stage's tables."""
    from welt.adapters.dynamodb import DynamoStore

    client = boto3.client("dynamodb", region_name=settings().region)
    return DynamoStore(client, {t.logical_name: settings().table_name(t) for t in ALL_TABLES})


def outbox() -> DynamoOutbox:
    from welt.adapters.dynamodb import DynamoOutbox

    return DynamoOutbox(table(OUTBOX))


def mailer() -> SesMailer:
    from welt.adapters.ses import SesMailer

    config = settings()
    return SesMailer(boto3.client("ses", region_name=config.region), config.mail_from)


def idempotency(lambda_context: Callable[[], Any] | None) -> PowertoolsIdempotency:
    from welt.adapters.idempotency import PowertoolsIdempotency

    config = settings()
    return PowertoolsIdempotency(config.table_name(IDEMPOTENCY), boto3.client("dynamodb", region_name=config.region), lambda_context)


@lru_cache(maxsize=1)
def order_desk() -> OrderDesk:
    from welt.adapters.dynamodb import (
        DynamoBrandRepository,
        DynamoOrderRepository,
        DynamoSessionRegistry,
        DynamoShippingGroupRepository,
    )
    from welt.domain.catalog import load_catalog
    from welt.services.orders import OrderDesk
    from welt.services.pagination import CursorSigner

    return OrderDesk(
        store=store(),
        orders=DynamoOrderRepository(table(ORDERS)),
        brands=DynamoBrandRepository(table(BRANDS)),
        groups=DynamoShippingGroupRepository(table(SHIPPING_GROUPS)),
        outbox=outbox(),
        mailer=mailer(),
        catalog=load_catalog(),
        cursors=CursorSigner(cursor_secret()),
        clock=utc_now,
        sessions=DynamoSessionRegistry(table(ORDERS)),
        vat_registry=vat_registry(),
    )


def vat_registry() -> ViesRegistry | LocalVies:
    from welt.adapters.vies import LocalVies, ViesRegistry

    url = vies_url()
    return ViesRegistry(url) if url else LocalVies()


@lru_cache(maxsize=1)
def token_verifier() -> CognitoTokenVerifier:
    from welt.adapters.cognito import CognitoTokenVerifier, StaffAuthenticators

    config = settings()
    authenticators = StaffAuthenticators(boto3.client("cognito-idp", region_name=config.region), config.user_pool_id)
    return CognitoTokenVerifier.from_url(config.jwks_url, config.token_issuer, config.app_client_id, staff_authenticator=authenticators)


@lru_cache(maxsize=1)
def onboarding() -> Onboarding:
    """Registering brands and inviting users: the order desk and the stage's user pool."""
    from welt.adapters.user_pool import CognitoUserDirectory
    from welt.services.onboarding import Onboarding

    config = settings()
    directory = CognitoUserDirectory(boto3.client("cognito-idp", region_name=config.region), config.user_pool_id)
    return Onboarding(desk=order_desk(), users=directory, sign_in_url=sign_in_url())
