"""Contracts of the payment-side repositories, run against their fakes and DynamoDB on the moto server."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta

import pytest

from tests.backends import Backend, dynamo_backend, fake_backend
from tests.integration.conftest import Tables
from welt.adapters.dynamodb.payments import index_paid_payments, payment_item
from welt.adapters.tables import PAYMENTS
from welt.domain.invoice import MADRID
from welt.domain.payment import CostSummary, Payment, invoice_number
from welt.domain.verifactu import (
    InvoiceType,
    RegistrationFields,
    RegistrationRecord,
    SendingTurn,
    SubmissionState,
    chain_breaks,
    register_invoice,
)
from welt.services.changes import until_applied
from welt.services.ports import (
    CappedUse,
    InvoiceNumberWrite,
    RegistrationRecordWrite,
    SendingTurnWrite,
    SubmissionWrite,
    Transaction,
    TransactionConflictError,
)

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def new_payment(payment_id: str = "pay_1", at: datetime = T0) -> Payment:
    return Payment(
        payment_id=payment_id,
        brand="DMO",
        amount=19800,
        order_numbers=["00001-DMO"],
        summary=CostSummary(
            manufacturing=18000, shipping=1800, customization=0, net=19800, vat_rate_percent=0, vat=0, vat_note=None, total=19800
        ),
        created_at=at,
        updated_at=at,
    )


@pytest.fixture(params=["fake", "dynamodb"])
def backend(request: pytest.FixtureRequest) -> Backend:
    if request.param == "fake":
        return fake_backend()
    return dynamo_backend(request.getfixturevalue("tables"))


def write(backend: Backend, changed: Payment, was: Payment | None) -> Payment:
    backend.store.commit(Transaction().payment(changed, was))
    return changed


class TestPaymentRepositoryContract:
    def test_a_payment_reads_back_as_stored(self, backend: Backend) -> None:
        write(backend, new_payment(), None)
        assert backend.payments.get("pay_1") == new_payment()
        assert backend.payments.get("pay_2") is None
        with pytest.raises(TransactionConflictError):  # its id must be new
            write(backend, new_payment(), None)

    def test_a_write_wins_only_at_the_expected_version(self, backend: Backend) -> None:
        created = write(backend, new_payment(), None)
        started = write(backend, created.start_attempt(T0), created)
        with pytest.raises(TransactionConflictError):
            write(backend, created.start_attempt(T0), created)
        assert backend.payments.get("pay_1") == started

    def test_a_payment_is_found_by_its_intent(self, backend: Backend) -> None:
        created = write(backend, new_payment(), None)
        write(backend, created.start_attempt(T0).processing("pi_123", T0), created)
        assert backend.payments.by_intent("pi_123").payment_id == "pay_1"
        assert backend.payments.by_intent("pi_999") is None

    def test_in_flight_lists_only_payments_stuck_since_before(self, backend: Backend) -> None:
        for index, minutes in enumerate([0, 10, 20]):
            payment = write(backend, new_payment(f"pay_{index}", T0), None)
            write(backend, payment.start_attempt(T0 + timedelta(minutes=minutes)), payment)
        done = backend.payments.get("pay_0")
        write(backend, done.succeeded("pi_0", "INV-2026-000001", T0), done)
        stuck = backend.payments.in_flight_since(T0 + timedelta(minutes=15), 10)
        assert [p.payment_id for p in stuck] == ["pay_1"]

    def test_payments_needing_review_are_listed_oldest_first_and_leave_the_in_flight_list(self, backend: Backend) -> None:
        for index, minutes in enumerate([20, 10, 0]):
            payment = write(backend, new_payment(f"pay_{index}", T0), None)
            started = write(backend, payment.start_attempt(T0), payment)
            if index < 2:
                write(backend, started.needs_review("charged 100 EUR", T0 + timedelta(minutes=minutes)), started)
        assert [p.payment_id for p in backend.payments.needing_review(10)] == ["pay_1", "pay_0"]
        assert [p.payment_id for p in backend.payments.in_flight_since(T0 + timedelta(hours=1), 10)] == ["pay_2"]

    def test_a_brands_paid_payments_are_listed_newest_first_a_page_at_a_time_and_since_a_moment(self, backend: Backend) -> None:
        for index in range(5):
            at = T0 + timedelta(days=index)
            payment = write(backend, new_payment(f"pay_{index}", at), None)
            started = write(backend, payment.start_attempt(at), payment)
            if index != 3:  # pay_3 is still in flight: not invoiced, not listed
                write(backend, started.succeeded(f"pi_{index}", invoice_number(2026, index + 1), at), started)
        other = new_payment("pay_brk", T0).model_copy(update={"brand": "BRK"})
        write(backend, other.start_attempt(T0).succeeded("pi_brk", invoice_number(2026, 9), T0), None)
        first = backend.payments.paid("DMO", None, None, 2)
        assert [p.payment_id for p in first.payments] == ["pay_4", "pay_2"] and first.after is not None
        rest = backend.payments.paid("DMO", None, first.after, 2)
        assert [p.payment_id for p in rest.payments] == ["pay_1", "pay_0"] and rest.after is None
        since = backend.payments.paid("DMO", T0 + timedelta(days=1), None, 100)
        assert [p.payment_id for p in since.payments] == ["pay_4", "pay_2", "pay_1"] and since.after is None
        assert [p.payment_id for p in backend.payments.paid("BRK", None, None, 10).payments] == ["pay_brk"]


def take_number(backend: Backend, year: int, payment_id: str) -> str:
    """The year's next invoice number, taken as a payment's success takes it: counter and row in one transaction."""

    def attempt() -> str:
        seq = backend.invoices.last_number(year) + 1
        number = invoice_number(year, seq)
        backend.store.commit(Transaction().add(InvoiceNumberWrite(year, seq, number, payment_id, "DMO", T0)))
        return number

    return until_applied(attempt, "The invoice register")


class TestInvoiceRegisterContract:
    def test_numbers_follow_on_per_year(self, backend: Backend) -> None:
        assert backend.invoices.last_number(2026) == 0
        assert take_number(backend, 2026, "pay_a") == "INV-2026-000001"
        assert take_number(backend, 2026, "pay_b") == "INV-2026-000002"
        assert take_number(backend, 2027, "pay_c") == "INV-2027-000001"
        assert backend.invoices.last_number(2026) == 2

    def test_a_number_is_taken_once(self, backend: Backend) -> None:
        take_number(backend, 2026, "pay_a")
        with pytest.raises(TransactionConflictError):
            backend.store.commit(Transaction().add(InvoiceNumberWrite(2026, 1, "INV-2026-000001", "pay_b", "DMO", T0)))
        with pytest.raises(TransactionConflictError):  # nor skipped
            backend.store.commit(Transaction().add(InvoiceNumberWrite(2026, 3, "INV-2026-000003", "pay_b", "DMO", T0)))

    def test_concurrent_payments_get_consecutive_numbers(self, backend: Backend) -> None:
        start = threading.Barrier(6)

        def issue(index: int) -> str:
            if index < 6:
                start.wait()
            return take_number(backend, 2026, f"pay_{index}")

        with ThreadPoolExecutor(6) as pool:
            numbers = sorted(pool.map(issue, range(24)))
        assert numbers == [f"INV-2026-{n:06d}" for n in range(1, 25)]


class TestEventLogContract:
    def test_an_event_is_seen_once_remembered(self, backend: Backend) -> None:
        assert backend.events.seen("evt_1") is False
        backend.events.remember("evt_1", "payment_intent.succeeded", T0)
        assert backend.events.seen("evt_1") is True
        assert backend.events.seen("evt_2") is False


class TestCappedUseContract:
    """A brand's capped uses in one clock hour: counted in the transaction that uses one, refused past the cap."""

    def use(self, brand: str = "DMO", at: datetime = T0, cap: int = 3) -> CappedUse:
        return CappedUse.now("card-confirmations", brand, cap, at)

    def test_uses_count_up_to_the_cap_and_the_next_is_refused_with_its_transaction(self, backend: Backend) -> None:
        for minute in range(3):
            backend.store.commit(Transaction().add(self.use(at=T0 + timedelta(minutes=minute))))
        created = new_payment()

        with pytest.raises(TransactionConflictError) as refused:
            backend.store.commit(Transaction().payment(created, None).add(self.use(at=T0 + timedelta(minutes=59))))

        assert refused.value.failed_on(CappedUse)
        assert backend.payments.get(created.payment_id) is None  # nothing of the refused transaction applied

    def test_each_brand_and_each_hour_counts_on_its_own(self, backend: Backend) -> None:
        for _ in range(3):
            backend.store.commit(Transaction().add(self.use()))
        backend.store.commit(Transaction().add(self.use(brand="BRK")))
        backend.store.commit(Transaction().add(self.use(at=T0 + timedelta(hours=1))))
        with pytest.raises(TransactionConflictError):
            backend.store.commit(Transaction().add(self.use()))

    def test_concurrent_uses_never_pass_the_cap(self, backend: Backend) -> None:
        def try_one(_: int) -> bool:
            try:
                backend.store.commit(Transaction().add(self.use(cap=5)))
                return True
            except TransactionConflictError:
                return False

        with ThreadPoolExecutor(max_workers=8) as pool:
            granted = list(pool.map(try_one, range(12)))

        later = [try_one(0) for _ in range(6)]  # what a lost race left over is still there to use, up to the cap

        assert granted.count(True) <= 5
        assert granted.count(True) + later.count(True) == 5


def registered(number: str, head: RegistrationRecord | None) -> RegistrationRecord:
    fields = RegistrationFields("B03999992", number, date(2026, 11, 2), InvoiceType.F1, 0, 19800, T0.astimezone(MADRID))
    return register_invoice(fields, head, f"pay_{number}")


class TestVerifactuChainContract:
    def test_records_chain_in_order_and_read_back_oldest_first(self, backend: Backend) -> None:
        head = None
        for seq in range(1, 4):
            record = registered(invoice_number(2026, seq), head)
            backend.store.commit(Transaction().add(RegistrationRecordWrite(record)))
            head = record
        assert backend.invoices.chain_head() == head
        records = backend.invoices.records(0, 10)
        assert [r.position for r in records] == [1, 2, 3] and chain_breaks(records) == []
        assert backend.invoices.records(1, 1) == records[1:2]

    def test_two_records_chained_to_the_same_head_never_fork_the_chain(self, backend: Backend) -> None:
        first = registered("INV-2026-000001", None)
        backend.store.commit(Transaction().add(RegistrationRecordWrite(first)))
        backend.store.commit(Transaction().add(RegistrationRecordWrite(registered("INV-2026-000002", first))))
        with pytest.raises(TransactionConflictError):
            backend.store.commit(Transaction().add(RegistrationRecordWrite(registered("INV-2026-000003", first))))
        with pytest.raises(TransactionConflictError):
            backend.store.commit(Transaction().add(RegistrationRecordWrite(registered("INV-2026-000004", None))))
        assert [r.invoice_number for r in backend.invoices.records(0, 10)] == ["INV-2026-000001", "INV-2026-000002"]

    def test_two_records_in_one_transaction_move_the_head_once_onto_the_second(self, backend: Backend) -> None:
        first = registered("INV-2026-000001", None)
        backend.store.commit(Transaction().add(RegistrationRecordWrite(first)))
        invoice = registered("INV-2026-000002", first)
        rectifying = registered("RECT-2026-000001", invoice)
        stale = registered("INV-2026-000003", first)
        with pytest.raises(TransactionConflictError):  # chained to a head that has moved on: neither is written
            backend.store.commit(Transaction().add(RegistrationRecordWrite(registered("INV-2026-000002", None), then=stale)))
        backend.store.commit(Transaction().add(RegistrationRecordWrite(invoice, then=rectifying)))
        assert backend.invoices.chain_head() == rectifying
        records = backend.invoices.records(0, 10)
        assert [r.invoice_number for r in records] == ["INV-2026-000001", "INV-2026-000002", "RECT-2026-000001"]
        assert chain_breaks(records) == []

    def test_aeats_answer_is_recorded_once_and_leaves_the_record_otherwise_untouched(self, backend: Backend) -> None:
        record = registered("INV-2026-000001", None)
        backend.store.commit(Transaction().add(RegistrationRecordWrite(record)))
        answered = record.model_copy(update={"submission": SubmissionState.CORRECT})
        backend.store.commit(Transaction().add(SubmissionWrite(answered)))
        with pytest.raises(TransactionConflictError):
            backend.store.commit(Transaction().add(SubmissionWrite(record.model_copy(update={"submission": SubmissionState.INCORRECT}))))
        assert backend.invoices.records(0, 10) == [answered]


class TestSendingTurnContract:
    def test_the_turn_to_send_is_taken_once_from_the_version_read(self, backend: Backend) -> None:
        assert backend.invoices.sending_turn() is None
        first = SendingTurn().taken(T0)
        backend.store.commit(Transaction().add(SendingTurnWrite(first, None)))
        with pytest.raises(TransactionConflictError):  # a second run that also read "no turn yet"
            backend.store.commit(Transaction().add(SendingTurnWrite(SendingTurn().taken(T0), None)))
        released = first.answered(T0, 60, answered_through=3)
        backend.store.commit(Transaction().add(SendingTurnWrite(released, first.version)))
        with pytest.raises(TransactionConflictError):  # a run that read the turn before it moved
            backend.store.commit(Transaction().add(SendingTurnWrite(first.taken(T0), first.version)))
        assert backend.invoices.sending_turn() == released
        assert released.not_before == T0 + timedelta(seconds=60) and released.held_until is None and released.answered_through == 3


def test_payments_invoiced_before_the_paid_index_are_given_its_keys_once(tables: Tables) -> None:
    backend = dynamo_backend(tables)
    table = tables.table(PAYMENTS)
    paid = new_payment("pay_old").start_attempt(T0).succeeded("pi_old", invoice_number(2026, 1), T0)
    unpaid = new_payment("pay_open")
    for payment in (paid, unpaid):  # as written before the index: without its keys
        table.put_item(Item={k: v for k, v in payment_item(payment).items() if k not in ("paid_brand", "paid_key")})
    assert backend.payments.paid("DMO", None, None, 10).payments == []
    assert index_paid_payments(table) == 1
    assert [p.payment_id for p in backend.payments.paid("DMO", None, None, 10).payments] == ["pay_old"]
    assert index_paid_payments(table) == 0
