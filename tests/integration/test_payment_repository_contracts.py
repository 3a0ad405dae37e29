"""Contracts of the payment-side repositories, run against their fakes and DynamoDB on the moto server."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.fakes import FakeEventLog, FakeInvoiceRegister, FakePaymentRepository
from tests.integration.conftest import Tables
from welt.adapters.dynamodb import DynamoEventLog, DynamoInvoiceRegister, DynamoPaymentRepository
from welt.adapters.tables import INVOICES, PAYMENTS, STRIPE_EVENTS
from welt.domain.payment import CostSummary, Payment, PaymentState
from welt.services.ports import ConcurrentUpdateError

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def new_payment(payment_id: str = "pay_1", at: datetime = T0) -> Payment:
    return Payment(payment_id=payment_id, brand="DMO", amount=19800, order_numbers=["00001-DMO"],
                   summary=CostSummary(manufacturing=18000, shipping=1800, customization=0, total=19800),
                   created_at=at, updated_at=at)


@pytest.fixture(params=["fake", "dynamodb"])
def payments(request: pytest.FixtureRequest) -> Any:
    if request.param == "fake":
        return FakePaymentRepository()
    return DynamoPaymentRepository(request.getfixturevalue("tables").table(PAYMENTS))


@pytest.fixture(params=["fake", "dynamodb"])
def invoices(request: pytest.FixtureRequest) -> Any:
    if request.param == "fake":
        return FakeInvoiceRegister()
    tables: Tables = request.getfixturevalue("tables")
    return DynamoInvoiceRegister(tables.table(INVOICES))


@pytest.fixture(params=["fake", "dynamodb"])
def events(request: pytest.FixtureRequest) -> Any:
    if request.param == "fake":
        return FakeEventLog()
    return DynamoEventLog(request.getfixturevalue("tables").table(STRIPE_EVENTS))


class TestPaymentRepositoryContract:
    def test_a_payment_reads_back_as_stored(self, payments: Any) -> None:
        payments.add(new_payment())
        assert payments.get("pay_1") == new_payment()
        assert payments.get("pay_2") is None

    def test_save_wins_only_at_the_expected_version(self, payments: Any) -> None:
        payments.add(new_payment())
        started = new_payment().start_attempt(T0)
        payments.save(started, expected_version=1)
        with pytest.raises(ConcurrentUpdateError):
            payments.save(started, expected_version=1)
        assert payments.get("pay_1").status is PaymentState.PROCESSING

    def test_a_payment_is_found_by_its_intent(self, payments: Any) -> None:
        payments.add(new_payment())
        payments.save(new_payment().start_attempt(T0).processing("pi_123", T0), expected_version=1)
        assert payments.by_intent("pi_123").payment_id == "pay_1"
        assert payments.by_intent("pi_999") is None

    def test_in_flight_lists_only_payments_stuck_since_before(self, payments: Any) -> None:
        for index, minutes in enumerate([0, 10, 20]):
            payment = new_payment(f"pay_{index}", T0)
            payments.add(payment)
            payments.save(payment.start_attempt(T0 + timedelta(minutes=minutes)), expected_version=1)
        done = payments.get("pay_0")
        payments.save(done.succeeded("pi_0", T0), expected_version=done.version)
        stuck = payments.in_flight_since(T0 + timedelta(minutes=15), 10)
        assert [p.payment_id for p in stuck] == ["pay_1"]


class TestInvoiceRegisterContract:
    def test_numbers_follow_on_per_year_and_repeat_for_the_same_payment(self, invoices: Any) -> None:
        assert invoices.issue(2026, "pay_a", "DMO", T0) == "INV-2026-000001"
        assert invoices.issue(2026, "pay_b", "BRK", T0) == "INV-2026-000002"
        assert invoices.issue(2026, "pay_a", "DMO", T0) == "INV-2026-000001"
        assert invoices.issue(2027, "pay_c", "DMO", T0) == "INV-2027-000001"

    def test_concurrent_payments_get_consecutive_numbers(self, invoices: Any) -> None:
        start = threading.Barrier(6)

        def issue(index: int) -> str:
            start.wait()
            return str(invoices.issue(2026, f"pay_{index}", "DMO", T0))

        with ThreadPoolExecutor(6) as pool:
            numbers = sorted(pool.map(issue, range(24)))
        assert numbers == [f"INV-2026-{n:06d}" for n in range(1, 25)]


class TestEventLogContract:
    def test_an_event_is_seen_once_remembered(self, events: Any) -> None:
        assert events.seen("evt_1") is False
        events.remember("evt_1", "payment_intent.succeeded", T0)
        assert events.seen("evt_1") is True
        assert events.seen("evt_2") is False


def test_a_claim_left_by_a_writer_that_died_after_taking_a_number_keeps_that_number(tables: Tables) -> None:
    register = DynamoInvoiceRegister(tables.table(INVOICES))
    table = tables.table(INVOICES)
    # The dead writer: claimed, took INV-2026-000001, never noted it on the claim.
    table.put_item(Item={"pk": "payment#pay_dead", "seq": 0, "claimed_at": T0.isoformat()})
    table.put_item(Item={"pk": "2026", "seq": 1, "invoice_number": "INV-2026-000001", "payment_id": "pay_dead",
                         "brand": "DMO", "issued_at": T0.isoformat()})
    later = T0 + timedelta(minutes=5)
    assert register.issue(2026, "pay_dead", "DMO", later) == "INV-2026-000001"
    assert register.issue(2026, "pay_next", "DMO", later) == "INV-2026-000002"
