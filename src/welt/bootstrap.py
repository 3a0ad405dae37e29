"""Welt's one composition root: the desks built from the adapters they are handed, and the live adapters built from
settings once per Lambda container. Both apps, the workers, the local stack, the operator's CLI and the tests wire
through here; `wiring` is what the entry points ask, and what tests hand their fakes to."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config

from welt.adapters.tables import (
    ALL_TABLES,
    BRANDS,
    IDEMPOTENCY,
    INVOICES,
    ORDERS,
    OUTBOX,
    PAYMENTS,
    SHIPPING_GROUPS,
    STRIPE_EVENTS,
    TableDefinition,
)
from welt.config import (
    aeat_certificate,
    aeat_qr_service,
    aeat_service_url,
    artwork_bucket,
    caps,
    cursor_secret,
    settings,
    sign_in_url,
    stripe_settings,
    vies_url,
)

# What the entry points ask for, handed out from here: `from welt.bootstrap import wiring`.
from welt.wiring import Wiring as Wiring
from welt.wiring import wiring as wiring

if TYPE_CHECKING:
    from welt.adapters.cognito import CognitoTokenVerifier
    from welt.domain.catalog import Catalog
    from welt.services.onboarding import Onboarding
    from welt.services.orders import OrderDesk
    from welt.services.pagination import CursorSigner
    from welt.services.payments import PaymentDesk
    from welt.services.payments.submitting import SubmissionQueue
    from welt.services.ports import (
        ArtworkFiles,
        BrandRepository,
        Clock,
        EventLog,
        Idempotency,
        InvoiceRegister,
        Mailer,
        OrderRepository,
        Outbox,
        PaymentGateway,
        PaymentRepository,
        SessionRegistry,
        ShippingGroupRepository,
        Store,
        UserDirectory,
        VatRegistry,
    )

# The adapters, the services, stripe-python and PyJWT load when a function first needs them, not at import: a cold
# start pays for what its first request uses.


def utc_now() -> datetime:
    return datetime.now(UTC)


# ---------------------------------------------------------------- the desks, from the adapters they are handed


@dataclass(frozen=True)
class Storage:
    """Every repository over one storage and the store that commits to it: DynamoDB when live, fakes in unit tests."""

    store: Store
    orders: OrderRepository
    brands: BrandRepository
    groups: ShippingGroupRepository
    payments: PaymentRepository
    invoices: InvoiceRegister
    events: EventLog
    outbox: Outbox
    sessions: SessionRegistry
    idempotency: Idempotency


def order_desk(
    storage: Storage,
    *,
    catalog: Catalog,
    cursors: CursorSigner,
    clock: Clock,
    vat_registry: VatRegistry,
    artwork: ArtworkFiles | None = None,
) -> OrderDesk:
    """The order desk: checkout, the pool, shipping groups, production, brands and their stamps' artwork."""
    from welt.services.orders import OrderDesk

    return OrderDesk(
        store=storage.store,
        orders=storage.orders,
        brands=storage.brands,
        groups=storage.groups,
        outbox=storage.outbox,
        catalog=catalog,
        cursors=cursors,
        clock=clock,
        sessions=storage.sessions,
        vat_registry=vat_registry,
        artwork=artwork,
    )


def payment_desk(
    storage: Storage,
    *,
    gateway: PaymentGateway,
    catalog: Catalog,
    clock: Clock,
    new_payment_id: Callable[[], str],
    aeat_qr_service: str,
    confirmations_per_hour: int,
) -> PaymentDesk:
    """The payment desk: payments, webhooks, invoices, reconciliation, on the same storage as the order desk."""
    from welt.services.payments import PaymentDesk

    return PaymentDesk(
        store=storage.store,
        orders=storage.orders,
        brands=storage.brands,
        groups=storage.groups,
        payments=storage.payments,
        invoices=storage.invoices,
        events=storage.events,
        gateway=gateway,
        outbox=storage.outbox,
        idempotency=storage.idempotency,
        catalog=catalog,
        clock=clock,
        new_payment_id=new_payment_id,
        sessions=storage.sessions,
        aeat_qr_service=aeat_qr_service,
        confirmations_per_hour=confirmations_per_hour,
    )


def onboarding(desk: OrderDesk, *, users: UserDirectory, sign_in_url: str) -> Onboarding:
    """Registering brands and inviting users: the order desk and a user pool."""
    from welt.services.onboarding import Onboarding

    return Onboarding(desk=desk, users=users, sign_in_url=sign_in_url)


def new_payment_id() -> str:
    return f"pay_{secrets.token_hex(12)}"


# ---------------------------------------------------------------- live adapters: DynamoDB, SES, Stripe, Cognito


def dynamo_storage(client: Any, table: Callable[[TableDefinition], Any], idempotency: Idempotency) -> Storage:
    """Every repository on DynamoDB: `client` commits transactions, `table` gives a definition's boto3 Table."""
    from welt.adapters.dynamodb import (
        DynamoBrandRepository,
        DynamoEventLog,
        DynamoInvoiceRegister,
        DynamoOrderRepository,
        DynamoOutbox,
        DynamoPaymentRepository,
        DynamoSessionRegistry,
        DynamoShippingGroupRepository,
        DynamoStore,
    )

    return Storage(
        store=DynamoStore(client, {t.logical_name: table(t).name for t in ALL_TABLES}),
        orders=DynamoOrderRepository(table(ORDERS)),
        brands=DynamoBrandRepository(table(BRANDS)),
        groups=DynamoShippingGroupRepository(table(SHIPPING_GROUPS)),
        payments=DynamoPaymentRepository(table(PAYMENTS)),
        invoices=DynamoInvoiceRegister(table(INVOICES)),
        events=DynamoEventLog(table(STRIPE_EVENTS)),
        outbox=DynamoOutbox(table(OUTBOX)),
        sessions=DynamoSessionRegistry(table(ORDERS)),
        idempotency=idempotency,
    )


@lru_cache(maxsize=1)
def _dynamodb() -> Any:
    return boto3.resource("dynamodb", region_name=settings().region)


def table(definition: TableDefinition) -> Any:
    """The stage's DynamoDB table of that definition."""
    return _dynamodb().Table(settings().table_name(definition))


def live_storage(lambda_context: Callable[[], Any] | None = None) -> Storage:
    """The stage's tables; `lambda_context` lets idempotent work stop before the function's time runs out."""
    from welt.adapters.idempotency import PowertoolsIdempotency

    config = settings()
    client = boto3.client("dynamodb", region_name=config.region)
    return dynamo_storage(client, table, PowertoolsIdempotency(config.table_name(IDEMPOTENCY), client, lambda_context))


def live_vat_registry() -> VatRegistry:
    from welt.adapters.vies import LocalVies, ViesRegistry

    url = vies_url()
    return ViesRegistry(url) if url else LocalVies()


def live_mailer() -> Mailer:
    from welt.adapters.ses import SesMailer

    config = settings()
    return SesMailer(boto3.client("ses", region_name=config.region), config.mail_from)


def live_outbox() -> Outbox:
    from welt.adapters.dynamodb import DynamoOutbox

    return DynamoOutbox(table(OUTBOX))


def live_order_desk() -> OrderDesk:
    from welt.domain.catalog import load_catalog
    from welt.services.pagination import CursorSigner

    return order_desk(
        live_storage(),
        catalog=load_catalog(),
        cursors=CursorSigner(cursor_secret()),
        clock=lambda: utc_now(),
        vat_registry=live_vat_registry(),
        artwork=live_artwork_files(),
    )


def live_artwork_files() -> ArtworkFiles | None:
    from welt.adapters.artwork_bucket import S3ArtworkBucket

    bucket = artwork_bucket()
    if bucket is None:
        return None
    # Signature V4, which presigned POST forms need for a bucket in any region opened after 2014.
    config = Config(signature_version="s3v4", s3={"addressing_style": "path" if bucket.path_style else "virtual"})
    return S3ArtworkBucket(boto3.client("s3", region_name=settings().region, config=config), bucket.name)


def live_payment_desk(lambda_context: Callable[[], Any] | None = None) -> PaymentDesk:
    """The only builder that reads the Stripe keys; only the payments function is given them."""
    from welt.adapters.stripe_gateway import StripeGateway
    from welt.domain.catalog import load_catalog

    keys = stripe_settings()
    gateway = StripeGateway(
        keys.secret_key, keys.webhook_secret, keys.publishable_key, keys.js_url, keys.api_base, timeout_seconds=keys.timeout_seconds
    )
    return payment_desk(
        live_storage(lambda_context),
        gateway=gateway,
        catalog=load_catalog(),
        clock=lambda: utc_now(),
        new_payment_id=new_payment_id,
        aeat_qr_service=aeat_qr_service(),
        confirmations_per_hour=caps().card_confirmations_per_brand_hour,
    )


def live_submission_queue() -> SubmissionQueue:
    """The queue that sends VERI*FACTU records to AEAT (the scheduled submit_records function)."""
    from welt.adapters.aeat import AeatSoapSubmitter, certificate_context
    from welt.adapters.verifactu_xml import submission_xml
    from welt.domain.invoice import factory_seller
    from welt.services.payments.submitting import SubmissionQueue

    url = aeat_service_url()
    # Only AEAT (https) is given the factory's certificate; the local stack's stand-in listens on the loopback.
    tls = (lambda: certificate_context(*aeat_certificate())) if url.startswith("https://") else None
    seller = factory_seller().name
    storage = live_storage()
    return SubmissionQueue(
        invoices=storage.invoices,
        store=storage.store,
        submitter=AeatSoapSubmitter(url, tls),
        render=lambda records, before: submission_xml(records, before, seller),
        clock=utc_now,
    )


def live_onboarding(desk: OrderDesk) -> Onboarding:
    from welt.adapters.user_pool import CognitoUserDirectory

    config = settings()
    directory = CognitoUserDirectory(boto3.client("cognito-idp", region_name=config.region), config.user_pool_id)
    return onboarding(desk, users=directory, sign_in_url=sign_in_url())


def live_token_verifier() -> CognitoTokenVerifier:
    from welt.adapters.cognito import CognitoTokenVerifier, StaffAuthenticators

    config = settings()
    authenticators = StaffAuthenticators(boto3.client("cognito-idp", region_name=config.region), config.user_pool_id)
    return CognitoTokenVerifier.from_url(config.jwks_url, config.token_issuer, config.app_client_id, staff_authenticator=authenticators)
