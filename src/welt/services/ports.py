"""The small interfaces the services need; adapters implement them, fakes stand in for tests.

Reads go through repositories. Every business change is one `Transaction`: the services collect its
writes, each with the state it expects, and the store applies all of them or none.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Generic, Protocol, TypeVar

from welt.domain.errors import MalformedRequestError, ServiceUnavailableError
from welt.domain.model import Brand, Order, OrderStatus, OrderType, ProductionStage, StampStatus, TimelineEvent
from welt.domain.payment import Payment
from welt.domain.shipping_group import GroupStatus, ShippingGroup
from welt.domain.team import TeamMember
from welt.domain.vat import VatIdCheck
from welt.domain.verifactu import RegistrationRecord, SendingTurn


class ConcurrentUpdateError(Exception):
    """A conditional write lost to another writer; the caller decides whether to retry."""


# ---------------------------------------------------------------- the write model


@dataclass(frozen=True)
class OrderWrite:
    """The order as changed (with its new timeline events); `expected` is the version it was read at (None: new)."""

    order: Order
    expected_version: int | None
    expected_status: OrderStatus | None = None


@dataclass(frozen=True)
class BrandWrite:
    """The brand as changed, at the version it was read at; None registers a new brand under a free code."""

    brand: Brand
    expected_version: int | None


@dataclass(frozen=True)
class BrandCheck:
    """The brand's stamps must still be at this status when the transaction applies (nothing is written)."""

    code: str
    stamps_status: StampStatus


@dataclass(frozen=True)
class GroupWrite:
    group: ShippingGroup
    expected_version: int | None


@dataclass(frozen=True)
class PaymentWrite:
    payment: Payment
    expected_version: int | None


@dataclass(frozen=True)
class InvoiceNumberWrite:
    """The year's invoice counter moves from `seq - 1` to `seq`, and the invoice row is written."""

    year: int
    seq: int
    number: str
    payment_id: str
    brand: str
    at: datetime
    # "" for full invoices (F1); RECTIFYING_SERIES for rectifying invoices, gapless on their own.
    series: str = ""


@dataclass(frozen=True)
class RegistrationRecordWrite:
    """A VERI*FACTU record, written once, and the chain's head moved onto it from the record before it.

    The head moves only from `record.previous_fingerprint` (or from nothing for the first record), so two
    invoices settling at once cannot both chain to the same record: one commits, the other reads again.
    `then` is a record chained right after it in the same transaction (a refund that overtook the success is
    rectified as the invoice is issued): the head moves once, onto the last of the two.
    """

    record: RegistrationRecord
    then: RegistrationRecord | None = None


@dataclass(frozen=True)
class SubmissionWrite:
    """AEAT's answer on a record: its submission state moves from PENDING, the record's fields untouched."""

    record: RegistrationRecord


@dataclass(frozen=True)
class SendingTurnWrite:
    """The queue's turn to send to AEAT moves from `expected_version` (None: it is created): one run at a time."""

    turn: SendingTurn
    expected_version: int | None


@dataclass(frozen=True)
class CheckoutKeyWrite:
    """Which checkout (brand and hashed Idempotency-Key) placed which order, written once."""

    brand: str
    key_hash: str
    fingerprint: str
    order_number: str
    at: datetime


@dataclass(frozen=True)
class MessageWrite:
    """An email to send exactly once: written once, with the change that calls for it."""

    message: OutboxMessage


@dataclass(frozen=True)
class CappedUse:
    """One more use of something a brand may do at most `cap` times in the clock hour starting at `hour`.

    Refused (the transaction with it) once the hour's uses reach the cap; the count is kept a while past the hour.
    """

    what: str
    brand: str
    hour: datetime
    cap: int

    @classmethod
    def now(cls, what: str, brand: str, cap: int, at: datetime) -> CappedUse:
        return cls(what, brand, at.replace(minute=0, second=0, microsecond=0), cap)

    def seconds_left(self, at: datetime) -> int:
        """Until the next hour, when the count starts again (at least one)."""
        return max(1, math.ceil((self.hour + timedelta(hours=1) - at).total_seconds()))


Write = (
    OrderWrite
    | BrandWrite
    | BrandCheck
    | GroupWrite
    | PaymentWrite
    | InvoiceNumberWrite
    | RegistrationRecordWrite
    | SubmissionWrite
    | SendingTurnWrite
    | CheckoutKeyWrite
    | MessageWrite
    | CappedUse
)


@dataclass
class Transaction:
    """The writes of one business change, applied together or not at all (at most 100 items)."""

    writes: list[Write] = field(default_factory=list)

    def add(self, *writes: Write) -> Transaction:
        self.writes.extend(writes)
        return self

    def order(self, changed: Order, was: Order | None) -> Transaction:
        """Write `changed`, which must still be at `was`'s version and status (a new order when `was` is None)."""
        if was is not None and changed is was:
            return self
        return self.add(OrderWrite(changed, was.version if was else None, was.status if was else None))

    def brand(self, changed: Brand, was: Brand | None) -> Transaction:
        """Write `changed` at `was`'s version (a new brand, whose code must be free, when `was` is None)."""
        if was is not None and changed is was:
            return self
        return self.add(BrandWrite(changed, was.version if was else None))

    def group(self, changed: ShippingGroup, was: ShippingGroup | None) -> Transaction:
        if was is not None and changed is was:
            return self
        return self.add(GroupWrite(changed, was.version if was else None))

    def payment(self, changed: Payment, was: Payment | None) -> Transaction:
        if was is not None and changed is was:
            return self
        return self.add(PaymentWrite(changed, was.version if was else None))

    def send(self, message: OutboxMessage) -> Transaction:
        return self.add(MessageWrite(message))


class TransactionConflictError(ConcurrentUpdateError):
    """A transaction was refused because the state one of its writes expected has changed: none applied."""

    def __init__(self, failed: Sequence[Write]) -> None:
        super().__init__(", ".join(type(write).__name__ for write in failed))
        self.failed = list(failed)

    def failed_on(self, kind: type[Any]) -> bool:
        return any(isinstance(write, kind) for write in self.failed)


class Store(Protocol):
    def commit(self, transaction: Transaction) -> None:
        """Apply every write of the transaction, or none (TransactionConflictError names the writes refused)."""
        ...


# ---------------------------------------------------------------- reads


@dataclass(frozen=True)
class OrderFilter:
    """What an order pool listing keeps: all given conditions must hold."""

    status: OrderStatus | None = None
    type: OrderType | None = None
    text: str | None = None  # lower-case; matched against order number, model and design reference
    brand: str | None = None
    stage: ProductionStage | None = None

    def matches(self, order: Order) -> bool:
        if self.status is not None and order.status is not self.status:
            return False
        if self.type is not None and order.type is not self.type:
            return False
        if self.brand is not None and order.brand != self.brand:
            return False
        if self.stage is not None and (order.production_stage is not self.stage or order.status is not OrderStatus.WORK_IN_PROCESS):
            return False
        return self.text is None or self.text in search_text(order)


def search_text(order: Order) -> str:
    """What `q` searches, lower-cased: order number, model id and the designer's reference."""
    return "|".join([order.order_number, order.design.model, order.design.design_ref or ""]).lower()


GROUPABLE_LIMIT = 1000  # group suggestions read at most this many candidate orders
SEARCH_BUDGET = 500  # a text search looks at most at this many orders per call, then answers a cursor to go on
T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    last_key: dict[str, Any] | None  # where the next page starts, None at the end


class OrderRepository(Protocol):
    def get(self, brand: str, seq: int) -> Order | None: ...

    def get_many(self, keys: Sequence[tuple[str, int]]) -> list[Order]:
        """The orders that exist among `keys`, in the order asked, in one read."""
        ...

    def checkout(self, brand: str, key_hash: str) -> CheckoutKeyWrite | None:
        """What an earlier checkout with this (hashed) Idempotency-Key placed, if any."""
        ...

    def page(self, where: OrderFilter, after: dict[str, Any] | None, limit: int) -> Page[Order]:
        """Orders matching `where` (one brand's when `where.brand` is set), newest first, in one read.

        With a text filter the read looks at a bounded number of orders: a page may come back short with
        a `last_key` to search further.
        """
        ...

    def timeline(self, brand: str, seq: int, after: dict[str, Any] | None, limit: int) -> Page[TimelineEvent]: ...

    def groupable_orders(self, brand: str) -> list[Order]:
        """The brand's MTO orders that are PENDING_PAYMENT, UNPAID and in no group (the candidates of group
        suggestions), newest first, at most GROUPABLE_LIMIT, in one read of a sparse index."""
        ...


class BrandRepository(Protocol):
    def get(self, code: str) -> Brand | None: ...

    def get_many(self, codes: Sequence[str]) -> dict[str, Brand]: ...

    def add(self, brand: Brand) -> None:
        """Register a brand that does not exist yet (seeding); an existing one is left alone."""
        ...

    def page(self, after: dict[str, Any] | None, limit: int) -> Page[Brand]:
        """Brands by code, a page at a time, in one Query of the registry's index."""
        ...


class ShippingGroupRepository(Protocol):
    def get(self, brand: str, seq: int) -> ShippingGroup | None: ...

    def page(
        self, brand: str | None, status: GroupStatus | None, after: dict[str, Any] | None, limit: int, order_budget: int
    ) -> Page[ShippingGroup]:
        """Groups not dissolved, newest first: one brand's, or every brand's (optionally of one status).

        A page ends early rather than hold more than `order_budget` orders, so one read can fetch them all.
        """
        ...


class PaymentRepository(Protocol):
    def get(self, payment_id: str) -> Payment | None: ...

    def by_intent(self, intent_id: str) -> Payment | None: ...

    def in_flight_since(self, before: datetime, limit: int) -> list[Payment]:
        """Payments still processing or awaiting 3-D Secure, last touched before `before`, oldest first."""
        ...

    def needing_review(self, limit: int) -> list[Payment]:
        """Payments Stripe charged otherwise than priced (NEEDS_REVIEW), oldest first."""
        ...


class InvoiceRegister(Protocol):
    def last_number(self, year: int, series: str = "") -> int:
        """The last invoice sequence number taken in `year` in `series` (0 before the first)."""
        ...

    def chain_head(self) -> RegistrationRecord | None:
        """The last VERI*FACTU record written (None before the first)."""
        ...

    def records(self, after_position: int, limit: int) -> list[RegistrationRecord]:
        """The records after `after_position`, oldest first."""
        ...

    def sending_turn(self) -> SendingTurn | None:
        """The queue's turn to send records to AEAT (None before the first submission)."""
        ...


class EventLog(Protocol):
    def seen(self, event_id: str) -> bool: ...

    def remember(self, event_id: str, event_type: str, at: datetime) -> None:
        """Note a handled event; kept longer than Stripe retries (3 days)."""
        ...


# ---------------------------------------------------------------- emails


class OutboxState(StrEnum):
    PENDING = "PENDING"
    SENDING = "SENDING"
    SENT = "SENT"
    DEAD = "DEAD"  # given up: SES refused the address, or it failed too often; listed for staff, never retried


@dataclass
class OutboxMessage:
    """An email that must go out exactly once, kept until SES has taken it."""

    message_id: str
    to: str
    subject: str
    body: str
    state: OutboxState = OutboxState.PENDING
    attempts: int = 0
    next_attempt_at: datetime | None = None
    lease_until: datetime | None = None
    last_error: str | None = None
    sent_at: datetime | None = None
    context: dict[str, str] = field(default_factory=dict)
    # The body holds a secret (a temporary password): once SES has it, the stored copy is erased.
    confidential: bool = False


class Outbox(Protocol):
    def get(self, message_id: str) -> OutboxMessage | None: ...

    def due(self, now: datetime, limit: int) -> list[OutboxMessage]:
        """Pending messages whose next attempt is due, and sends whose lease has run out."""
        ...

    def claim(self, message_id: str, now: datetime, lease_until: datetime) -> bool:
        """Take the message for sending unless it is sent or another sender holds it."""
        ...

    def mark_sent(self, message_id: str, at: datetime) -> None: ...

    def release(self, message_id: str, error: str, retry_at: datetime) -> None: ...

    def erase_body(self, message_id: str) -> None:
        """Forget a sent confidential message's body; who it went to and when stay."""
        ...

    def hold(self, message_id: str, until: datetime) -> None:
        """Put a claimed message back, unsent and without counting a failed attempt, until `until`."""
        ...

    def give_up(self, message_id: str, error: str, at: datetime) -> None:
        """A claimed message is dead: never retried again, kept for staff to see."""
        ...

    def count_send(self, brand: str, at: datetime, cap: int) -> bool:
        """Count one of the brand's sends in the clock hour of `at`; False (nothing counted) once `cap` are counted."""
        ...

    def dead(self, limit: int) -> list[OutboxMessage]:
        """Messages given up on, the most recent first."""
        ...


class UndeliverableAddressError(Exception):
    """The mail service refused the address for good (rejected, not a passing fault): retrying cannot help."""


class Mailer(Protocol):
    def send(self, to: str, subject: str, body: str) -> None:
        """Hand the message to the mail service; UndeliverableAddressError if it refuses the address for good."""
        ...


class SessionRegistry(Protocol):
    """When each user's sign-ins stop being honoured: their tokens issued before that instant are refused."""

    def valid_after(self, subject: str) -> datetime | None: ...

    def revoke(self, subject: str, at: datetime) -> None:
        """Tokens of `subject` issued before `at` are no longer honoured; an earlier `at` than the one held changes nothing."""
        ...


class Idempotency(Protocol):
    def run(self, scope: str, key: str, payload: dict[str, Any], work: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        """Run `work` once per (scope, key); a repeat returns the first result, another payload is refused."""
        ...


class Clock(Protocol):
    def __call__(self) -> datetime: ...


# ---------------------------------------------------------------- Stripe


class IntentStatus(StrEnum):
    """Where a PaymentIntent stands, in Welt's words (the Stripe adapter translates Stripe's)."""

    CHARGED = "charged"  # the money is taken
    CHARGING = "charging"  # under way at Stripe: its word follows
    NEEDS_BANK_STEP = "needs_bank_step"  # 3-D Secure: the buyer must confirm with the bank
    NEEDS_CARD = "needs_card"  # refused, or never given a usable card: nothing charged
    UNCONFIRMED = "unconfirmed"  # created with its card, not yet confirmed
    CANCELED = "canceled"  # it can never charge


@dataclass(frozen=True)
class IntentView:
    """What Welt needs to know of a Stripe PaymentIntent."""

    id: str
    status: IntentStatus
    amount: int
    client_secret: str | None = None
    error_message: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    currency: str = ""  # lower case, as Stripe writes it


class EventKind(StrEnum):
    """What a Stripe event tells Welt; every other type is acknowledged and ignored."""

    CHARGED = "charged"
    DECLINED = "declined"
    CANCELED = "canceled"
    REFUNDED = "refunded"
    IGNORED = "ignored"


@dataclass(frozen=True)
class StripeEvent:
    """A verified Stripe event, read into Welt's terms: its intent (CHARGED, DECLINED, CANCELED) or its refund."""

    id: str
    kind: EventKind
    type_name: str  # Stripe's own name, for the logs
    intent: IntentView | None = None
    refunded_intent_id: str | None = None
    amount_refunded: int = 0


class CardDeclinedError(Exception):
    """Stripe refused the card; the message is Stripe's, fit to show the buyer."""

    def __init__(self, message: str, intent_id: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.intent_id = intent_id


class PaymentOutcomeUnknownError(Exception):
    """Stripe may have carried out the call (a charge, a refund, a cancel) but its answer never arrived.

    Nothing may be given up on this: ask Stripe (retrieve the intent, or repeat the call with the same
    idempotency key) or wait for its webhook.
    """

    def __init__(self, message: str, operation: str, intent_id: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.operation = operation
        self.intent_id = intent_id


class PaymentProviderUnavailableError(ServiceUnavailableError):
    """Stripe did not carry out the call: nothing was charged, refunded or cancelled; the buyer may try again later."""


@dataclass(frozen=True)
class RefundView:
    """What Welt needs to know of a Stripe Refund."""

    id: str
    intent_id: str
    amount: int
    status: str  # Stripe's own word, kept for the logs


class InvalidSignatureError(MalformedRequestError):
    """A webhook whose Stripe-Signature does not prove it came from Stripe now, or whose signed body is not an event."""


class PaymentGateway(Protocol):
    publishable_key: str
    js_url: str

    def takes_payment_method(self, payment_method: str) -> bool:
        """Whether a confirmation may use this id: PaymentMethods only, never a legacy card or source id."""
        ...

    def create_intent(self, amount: int, currency: str, payment_method: str, metadata: dict[str, str], idempotency_key: str) -> IntentView:
        """Create a PaymentIntent with the card, not yet confirmed, so its id is known before any charge."""
        ...

    def confirm(self, intent_id: str, idempotency_key: str) -> IntentView:
        """Confirm an intent on the server: charged, declined (CardDeclinedError), or waiting for 3-D Secure."""
        ...

    def retrieve(self, intent_id: str) -> IntentView: ...

    def cancel(self, intent_id: str, idempotency_key: str) -> IntentView:
        """Cancel an intent; one that can no longer be cancelled comes back as it is (read its status)."""
        ...

    def refund(self, intent_id: str, idempotency_key: str, amount: int | None = None) -> RefundView:
        """Refund a charged intent in full (or `amount` cents); the same key never refunds twice."""
        ...

    def verify_event(self, payload: bytes, signature: str | None) -> StripeEvent:
        """The event, if the signature over the raw body is Stripe's and fresh and the body an event; else InvalidSignatureError."""
        ...


# ---------------------------------------------------------------- the user pool


class UserExistsError(Exception):
    """The user pool already has a user with this email."""


class UserDirectory(Protocol):
    """The user pool, Welt's only store of users: brand users carry their brand, staff are in the staff group."""

    def create(self, email: str, name: str, brand: str | None, temporary_password: str) -> TeamMember:
        """A new user who must set their own password at first sign-in (UserExistsError if the email is taken)."""
        ...

    def find(self, email: str) -> TeamMember | None: ...

    def members(self, brand: str | None) -> list[TeamMember]:
        """A brand's users (None: the factory's staff), by email."""
        ...

    def reset_temporary_password(self, email: str, temporary_password: str) -> None:
        """The user must sign in with this new temporary password and set their own again."""
        ...

    def disable(self, email: str) -> None:
        """No more sign-ins, and every refresh token the user holds is revoked."""
        ...

    def enable(self, email: str) -> None: ...


@dataclass(frozen=True)
class AeatAnswer:
    """AEAT's answer to one submission: EstadoEnvio, the wait before the next (TiempoEsperaEnvio), each record's state."""

    state: str
    wait_seconds: int
    records: dict[str, str]
    # AEAT's error on a record it refused or accepted with errors: "CodigoErrorRegistro: DescripcionErrorRegistro".
    errors: dict[str, str] = field(default_factory=dict)


class AeatUnavailableError(Exception):
    """AEAT did not answer the submission (connection, timeout, a server error or a SOAP fault): nothing of it
    counts as received, so the same records go again."""


class AeatSubmitter(Protocol):
    """AEAT's VERI*FACTU web service (RegFactuSistemaFacturacion): takes one submission of up to 1000 records."""

    def submit(self, document: bytes) -> AeatAnswer: ...


class VatRegistry(Protocol):
    """The EU's VIES: whether a well-formed VAT ID is registered for intra-community trade right now.

    Answers VatIdCheck.UNCONFIRMED when VIES cannot answer (a member state's service down, a timeout): the
    sale is then priced with IVA, since the art. 25 exemption needs a buyer identified for VAT.
    """

    def check(self, vat_id: str) -> VatIdCheck: ...
