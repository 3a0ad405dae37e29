"""Which tables, indexes, secrets and services each function uses: the one place its IAM role is made from.

When the data layer changes, change this file; tests/infra checks every role against it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from welt.adapters.tables import (
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

# What the repositories call. A TransactWriteItems is authorized item by item with these same actions. Nothing of
# Welt's deletes an item (old items expire by TTL), so only the idempotency table is given DeleteItem.
READ = ("dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:ConditionCheckItem")
WRITE = ("dynamodb:PutItem", "dynamodb:UpdateItem")
# Powertools idempotency reads, claims, completes and on failure deletes its record, nothing else.
IDEMPOTENCY_ACTIONS = ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem")
# Sending an outbox message: read it, claim it, mark it sent or release it.
OUTBOX_SEND = ("dynamodb:GetItem", "dynamodb:UpdateItem")

# Onboarding in the orders API: invite, list, resend, disable (with sign-out) and enable users, in their groups.
USER_POOL_ADMIN = (
    "cognito-idp:AdminCreateUser",
    "cognito-idp:AdminGetUser",
    "cognito-idp:AdminSetUserPassword",
    "cognito-idp:AdminDisableUser",
    "cognito-idp:AdminEnableUser",
    "cognito-idp:AdminUserGlobalSignOut",
    "cognito-idp:AdminAddUserToGroup",
    "cognito-idp:CreateGroup",
    "cognito-idp:ListUsersInGroup",
)

# Every API asks whether a staff caller has an authenticator app (welt.adapters.cognito.StaffAuthenticators).
STAFF_SECOND_FACTOR = ("cognito-idp:AdminGetUser",)

# Stamps' artwork in its private bucket: the orders API signs the browser's upload form (a presigned POST is authorized
# as the signer's PutObject), reads what arrived and signs staff's download links, under this prefix only.
ARTWORK_PREFIX = "artwork/"
ARTWORK_ACTIONS = ("s3:PutObject", "s3:GetObject")

# Names of Secrets Manager entries (their values are set after deployment), not secrets themselves.
STRIPE_SECRET_KEY = "stripe_secret_key"  # noqa: S105
STRIPE_WEBHOOK_SECRET = "stripe_webhook_secret"  # noqa: S105
CURSOR_SECRET = "cursor_secret"  # noqa: S105
# The factory's certificate and private key (PEM) that AEAT's VERI*FACTU service identifies it by.
AEAT_CERTIFICATE = "aeat_certificate"
AEAT_KEY = "aeat_key"
SECRETS = (STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET, CURSOR_SECRET, AEAT_CERTIFICATE, AEAT_KEY)
STRIPE_SECRETS = (STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET)
AEAT_SECRETS = (AEAT_CERTIFICATE, AEAT_KEY)


@dataclass(frozen=True)
class TableAccess:
    table: TableDefinition
    actions: tuple[str, ...]
    # Indexes the function queries; None means every index the table has.
    indexes: tuple[str, ...] | None = None

    def index_names(self) -> tuple[str, ...]:
        if "dynamodb:Query" not in self.actions:
            return ()
        return tuple(self.table.indexes) if self.indexes is None else self.indexes


@dataclass(frozen=True)
class FunctionAccess:
    """One Lambda function: its code (which Chalice app's package), handler and what it may touch."""

    name: str
    app: str
    handler: str
    tables: tuple[TableAccess, ...]
    secrets: tuple[str, ...] = ()
    sends_mail: bool = False  # SES: only the two email workers send
    reads_outbox_stream: bool = False
    user_pool_actions: tuple[str, ...] = ()  # on the stage's user pool only
    artwork_actions: tuple[str, ...] = ()  # on the artwork bucket's ARTWORK_PREFIX only
    environment: dict[str, str] = field(default_factory=dict)

    def access_to(self, table: TableDefinition) -> TableAccess | None:
        return next((use for use in self.tables if use.table is table), None)


def _desk(*tables: TableDefinition) -> tuple[TableAccess, ...]:
    return tuple(TableAccess(t, IDEMPOTENCY_ACTIONS if t is IDEMPOTENCY else READ + WRITE) for t in tables)


# Only starting a payment runs through Powertools idempotency, so only the payments API is given its table.
ORDER_DESK_TABLES = (ORDERS, BRANDS, SHIPPING_GROUPS, OUTBOX)
PAYMENT_DESK_TABLES = (*ORDER_DESK_TABLES, PAYMENTS, INVOICES, STRIPE_EVENTS)

ORDERS_API = FunctionAccess(
    "orders-api",
    "orders",
    "app.handler",
    _desk(*ORDER_DESK_TABLES),
    secrets=(CURSOR_SECRET,),
    user_pool_actions=USER_POOL_ADMIN,
    artwork_actions=ARTWORK_ACTIONS,
)
PAYMENTS_API = FunctionAccess(
    "payments-api",
    "payments",
    "app.handler",
    _desk(*PAYMENT_DESK_TABLES, IDEMPOTENCY),
    secrets=STRIPE_SECRETS,
    user_pool_actions=STAFF_SECOND_FACTOR,
)
# Sends each new outbox message as its row reaches the table's stream.
SEND_EMAILS = FunctionAccess(
    "send-emails", "orders", "app.send_emails", (TableAccess(OUTBOX, OUTBOX_SEND),), reads_outbox_stream=True, sends_mail=True
)
# The safety net: every minute, the messages whose send failed and are due again.
RETRY_EMAILS = FunctionAccess(
    "retry-emails",
    "orders",
    "app.retry_emails",
    (TableAccess(OUTBOX, (*OUTBOX_SEND, "dynamodb:Query"), indexes=("waiting",)),),
    sends_mail=True,
)
# Asks Stripe about payments whose webhook never came; settles them like the webhook would.
RECONCILE_PAYMENTS = FunctionAccess(
    "reconcile-payments", "payments", "app.reconcile_payments", _desk(*PAYMENT_DESK_TABLES), secrets=(STRIPE_SECRET_KEY,)
)

# Sends the VERI*FACTU records AEAT has not answered: reads the chain, records AEAT's answers and the queue's turn.
SUBMIT_RECORDS = FunctionAccess(
    "submit-records", "payments", "app.submit_records", (TableAccess(INVOICES, READ + WRITE),), secrets=AEAT_SECRETS
)

FUNCTIONS = (ORDERS_API, PAYMENTS_API, SEND_EMAILS, RETRY_EMAILS, RECONCILE_PAYMENTS, SUBMIT_RECORDS)
API_FUNCTIONS = {"orders": ORDERS_API, "payments": PAYMENTS_API}
