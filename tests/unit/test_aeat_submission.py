"""Sending records to AEAT through its port: batches in chain order, AEAT's wait, retries, answers recorded."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from tests.backends import Backend, fake_backend
from welt.adapters.aeat import LocalAeat
from welt.adapters.verifactu_xml import submission_xml
from welt.domain.invoice import MADRID
from welt.domain.verifactu import InvoiceType, RegistrationFields, RegistrationRecord, SaleDetails, SubmissionState, register_invoice
from welt.services.payments.submitting import SubmissionQueue
from welt.services.ports import AeatAnswer, RegistrationRecordWrite, Transaction

SELLER = "Welt Footwear Manufacturing S.L."
AT = datetime(2027, 1, 4, 10, 15, tzinfo=MADRID)


def render(records: list[RegistrationRecord], before: dict[int, RegistrationRecord]) -> bytes:
    return submission_xml(records, before, SELLER)


def write_records(backend: Backend, count: int, vat_id: str | None = "DE123456788") -> None:
    head = backend.invoices.chain_head()
    for _ in range(count):
        position = (head.position if head else 0) + 1
        sale = SaleDetails(
            seller_name=SELLER,
            description="Made-to-order footwear",
            net_cents=19800,
            vat_rate_percent=0,
            vat_treatment="INTRA_COMMUNITY",
            buyer_name="Demo Atelier",
            buyer_vat_id=vat_id,
            buyer_country="DE",
        )
        fields = RegistrationFields("B03999992", f"INV-2027-{position:06d}", date(2027, 1, 4), InvoiceType.F1, 0, 19800, AT)
        head = register_invoice(fields, head, "pay_1", sale)
        backend.store.commit(Transaction().add(RegistrationRecordWrite(head)))


def states(backend: Backend) -> list[str]:
    return [r.submission.value for r in backend.invoices.records(0, 5000)]


def test_records_go_in_chain_order_and_aeats_answers_are_recorded() -> None:
    backend, aeat = fake_backend(), LocalAeat()
    write_records(backend, 3)
    write_records(backend, 1, vat_id=None)
    queue = SubmissionQueue(backend.invoices, backend.store, aeat, render)
    assert queue.run_once(AT) == 4
    assert states(backend) == ["Correcto", "Correcto", "Correcto", "AceptadoConErrores"]
    assert queue.run_once(AT + timedelta(minutes=5)) == 0 and len(aeat.received) == 1  # nothing left to send


def test_the_next_submission_waits_for_aeats_time_unless_a_full_batch_waits() -> None:
    backend, aeat = fake_backend(), LocalAeat()
    queue = SubmissionQueue(backend.invoices, backend.store, aeat, render)
    write_records(backend, 1)
    queue.run_once(AT)
    write_records(backend, 2)
    assert queue.run_once(AT + timedelta(seconds=59)) == 0
    assert queue.run_once(AT + timedelta(seconds=60)) == 2
    write_records(backend, 1001)
    assert queue.run_once(AT + timedelta(seconds=61)) == 1000  # a full batch does not wait
    assert states(backend).count("PENDING") == 1


class Unreachable:
    def __init__(self) -> None:
        self.calls = 0

    def submit(self, document: bytes) -> AeatAnswer:
        self.calls += 1
        raise ConnectionResetError("AEAT closed the connection")


def test_a_submission_lost_in_transit_is_sent_again_with_the_same_records() -> None:
    backend = fake_backend()
    write_records(backend, 2)
    unreachable = Unreachable()
    queue = SubmissionQueue(backend.invoices, backend.store, unreachable, render)
    assert queue.run_once(AT) == 0 and states(backend) == ["PENDING", "PENDING"]
    queue.submitter = LocalAeat()
    assert queue.run_once(AT + timedelta(seconds=60)) == 2
    assert states(backend) == [SubmissionState.CORRECT.value] * 2
