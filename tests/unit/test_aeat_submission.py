"""Sending records to AEAT through its port: batches in chain order, AEAT's wait, retries, answers recorded once."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pytest

from tests.backends import Backend, fake_backend
from welt.adapters.aeat import LocalAeat, Refusal
from welt.adapters.verifactu_xml import submission_xml
from welt.domain.invoice import MADRID
from welt.domain.verifactu import InvoiceType, RegistrationFields, RegistrationRecord, SaleDetails, register_invoice
from welt.services.payments.submitting import SubmissionQueue
from welt.services.ports import AeatAnswer, AeatUnavailableError, RegistrationRecordWrite, Transaction

SELLER = "Welt Footwear Manufacturing S.L."
AT = datetime(2027, 1, 4, 10, 15, tzinfo=MADRID)


class Clock:
    def __init__(self) -> None:
        self.now = AT

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def render(records: list[RegistrationRecord], before: dict[int, RegistrationRecord]) -> bytes:
    return submission_xml(records, before, SELLER)


def write_records(backend: Backend, count: int, vat_id: str | None = "DE123456788", buyer: str = "Demo Atelier") -> None:
    head = backend.invoices.chain_head()
    for _ in range(count):
        position = (head.position if head else 0) + 1
        sale = SaleDetails(
            seller_name=SELLER,
            description="Made-to-order footwear",
            net_cents=19800,
            vat_rate_percent=0,
            vat_treatment="INTRA_COMMUNITY",
            buyer_name=buyer,
            buyer_vat_id=vat_id,
            buyer_country="DE",
        )
        fields = RegistrationFields("B03999992", f"INV-2027-{position:06d}", date(2027, 1, 4), InvoiceType.F1, 0, 19800, AT)
        head = register_invoice(fields, head, "pay_1", sale)
        backend.store.commit(Transaction().add(RegistrationRecordWrite(head)))


def states(backend: Backend) -> list[str]:
    return [r.submission.value for r in backend.invoices.records(0, 5000)]


def queue_for(backend: Backend, submitter: object, clock: Clock) -> SubmissionQueue:
    return SubmissionQueue(backend.invoices, backend.store, submitter, render, clock)  # type: ignore[arg-type]


def test_records_go_in_chain_order_and_aeats_answers_are_recorded() -> None:
    backend, aeat, clock = fake_backend(), LocalAeat(), Clock()
    write_records(backend, 3)
    write_records(backend, 1, vat_id=None)
    queue = queue_for(backend, aeat, clock)
    assert queue.run_once() == 4
    assert states(backend) == ["Correcto", "Correcto", "Correcto", "AceptadoConErrores"]
    clock.advance(300)
    assert queue.run_once() == 0 and len(aeat.received) == 1  # nothing left to send


def counted(capsys: pytest.CaptureFixture[str], name: str) -> list[float]:
    """Each value of the CloudWatch metric `name` written to stdout so far (embedded metric format)."""
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{") and '"CloudWatchMetrics"' in line]
    return [value for metric in lines if name in metric for value in metric[name]]


def test_a_record_aeat_refuses_is_recorded_incorrecto_and_not_sent_again(capsys: pytest.CaptureFixture[str]) -> None:
    backend, clock = fake_backend(), Clock()
    aeat = LocalAeat(refused_buyers={"Unknown Buyer S.L.": Refusal("1100", "Valor o tipo incorrecto del campo.")})
    write_records(backend, 1)
    write_records(backend, 1, vat_id="ESB12345674", buyer="Unknown Buyer S.L.")
    queue = queue_for(backend, aeat, clock)
    assert queue.run_once() == 2
    assert states(backend) == ["Correcto", "Incorrecto"]
    assert counted(capsys, "AeatRecordsRejected") == [1.0]  # staff are alarmed: the record needs correcting
    clock.advance(120)
    assert queue.run_once() == 0 and len(aeat.received) == 1


def test_the_next_submission_waits_for_aeats_time_unless_a_full_batch_waits() -> None:
    backend, aeat, clock = fake_backend(), LocalAeat(wait_seconds=60), Clock()
    queue = queue_for(backend, aeat, clock)
    write_records(backend, 1)
    queue.run_once()
    write_records(backend, 2)
    clock.advance(59)
    assert queue.run_once() == 0
    clock.advance(1)
    assert queue.run_once() == 2
    write_records(backend, 1001)
    clock.advance(1)
    assert queue.run_once() == 1000  # a full batch does not wait
    assert queue.run_once() == 0  # the one left over does
    assert states(backend).count("PENDING") == 1


def test_aeats_own_wait_is_the_one_kept() -> None:
    backend, aeat, clock = fake_backend(), LocalAeat(wait_seconds=180), Clock()
    queue = queue_for(backend, aeat, clock)
    write_records(backend, 1)
    queue.run_once()
    write_records(backend, 1)
    clock.advance(179)
    assert queue.run_once() == 0
    clock.advance(1)
    assert queue.run_once() == 1


def test_a_scheduled_run_sends_full_batches_back_to_back_then_stops() -> None:
    backend, aeat, clock = fake_backend(), LocalAeat(), Clock()
    write_records(backend, 2100)
    queue = queue_for(backend, aeat, clock)
    assert queue.run() == {"sent": 2000}  # the 100 left over wait AEAT's time
    assert len(aeat.received) == 2 and states(backend).count("PENDING") == 100
    clock.advance(60)
    assert queue.run() == {"sent": 100}


class Unreachable:
    def __init__(self) -> None:
        self.calls = 0

    def submit(self, document: bytes) -> AeatAnswer:
        self.calls += 1
        raise AeatUnavailableError("ConnectionResetError: AEAT closed the connection")


def test_a_submission_aeat_did_not_answer_goes_again_with_the_same_records_after_a_growing_backoff(
    capsys: pytest.CaptureFixture[str],
) -> None:
    backend, clock = fake_backend(), Clock()
    write_records(backend, 2)
    unreachable = Unreachable()
    queue = queue_for(backend, unreachable, clock)
    assert queue.run_once() == 0 and states(backend) == ["PENDING", "PENDING"]
    clock.advance(59)
    assert queue.run_once() == 0 and unreachable.calls == 1  # backing off for a minute
    clock.advance(1)
    queue.run_once()
    assert unreachable.calls == 2
    clock.advance(119)
    queue.run_once()
    assert unreachable.calls == 2  # then two minutes
    assert counted(capsys, "AeatUnanswered") == [1.0, 1.0]
    aeat = LocalAeat()
    queue.submitter = aeat
    clock.advance(1)
    assert queue.run_once() == 2
    assert states(backend) == ["Correcto", "Correcto"]
    assert backend.invoices.sending_turn().failures == 0  # type: ignore[union-attr]


class AnswerLost:
    """AEAT takes the submission, and its answer is lost on the way back."""

    def __init__(self, aeat: LocalAeat) -> None:
        self.aeat = aeat

    def submit(self, document: bytes) -> AeatAnswer:
        self.aeat.submit(document)
        raise AeatUnavailableError("TimeoutError: the answer never came")


def test_records_aeat_took_but_whose_answer_was_lost_keep_the_state_aeat_gave_them_when_sent_again() -> None:
    backend, aeat, clock = fake_backend(), LocalAeat(), Clock()
    write_records(backend, 1)
    write_records(backend, 1, vat_id=None)
    queue = queue_for(backend, AnswerLost(aeat), clock)
    queue.run_once()
    queue.submitter = aeat
    clock.advance(60)
    assert queue.run_once() == 2
    # AEAT answers the second sending as duplicates, naming the state each record has with it.
    assert b"RegistroDuplicado" in aeat.respond(render(backend.invoices.records(0, 2), {}))
    assert states(backend) == ["Correcto", "AceptadoConErrores"]


class Overlapping:
    """While this run sends, the next scheduled run starts (a slow AEAT, or Scheduler delivering a run twice)."""

    def __init__(self, aeat: LocalAeat) -> None:
        self.aeat = aeat
        self.second_run: SubmissionQueue | None = None
        self.second_sent: int | None = None

    def submit(self, document: bytes) -> AeatAnswer:
        if self.second_run is not None and self.second_sent is None:
            self.second_sent = self.second_run.run_once()
        return self.aeat.submit(document)


def test_two_runs_at_once_send_the_records_once() -> None:
    backend, aeat, clock = fake_backend(), LocalAeat(), Clock()
    write_records(backend, 3)
    overlapping = Overlapping(aeat)
    first = queue_for(backend, overlapping, clock)
    overlapping.second_run = queue_for(backend, aeat, clock)
    assert first.run_once() == 3
    assert overlapping.second_sent == 0 and len(aeat.received) == 1
    assert states(backend) == ["Correcto"] * 3


def test_a_run_that_died_holding_the_turn_leaves_it_to_a_later_run() -> None:
    backend, aeat, clock = fake_backend(), LocalAeat(), Clock()
    write_records(backend, 1)

    class Dies:
        def submit(self, document: bytes) -> AeatAnswer:
            raise SystemExit("the function timed out")

    try:
        queue_for(backend, Dies(), clock).run_once()
    except SystemExit:
        pass
    queue = queue_for(backend, aeat, clock)
    clock.advance(60)
    assert queue.run_once() == 0  # still held
    clock.advance(240)
    assert queue.run_once() == 1 and states(backend) == ["Correcto"]


def test_a_document_aeats_schema_rejects_is_refused_whole_and_kept_to_send_again() -> None:
    aeat = LocalAeat()
    try:
        aeat.submit(b"<RegFactuSistemaFacturacion/>")
    except AeatUnavailableError as refused:
        assert "4102" in str(refused)
    else:
        raise AssertionError("a document AEAT's schema rejects must be refused")


class CountingReads:
    """The invoice register, counting the records each run reads."""

    def __init__(self, backend: Backend) -> None:
        self.register = backend.invoices
        self.read = 0

    def records(self, after_position: int, limit: int) -> list[RegistrationRecord]:
        found = self.register.records(after_position, limit)
        self.read += len(found)
        return found

    def sending_turn(self) -> object:
        return self.register.sending_turn()


def test_a_run_reads_the_chain_from_the_first_record_without_an_answer_and_chains_it_to_the_one_before() -> None:
    backend, aeat, clock = fake_backend(), LocalAeat(refused_buyers={"Unknown Buyer S.L.": Refusal("1100", "Rechazado.")}), Clock()
    write_records(backend, 5)
    reads = CountingReads(backend)
    queue = SubmissionQueue(reads, backend.store, aeat, render, clock)  # type: ignore[arg-type]
    assert queue.run_once() == 5
    assert backend.invoices.sending_turn().answered_through == 5  # type: ignore[union-attr]
    write_records(backend, 2, buyer="Unknown Buyer S.L.")
    write_records(backend, 1)
    reads.read = 0
    clock.advance(60)
    assert queue.run_once() == 3
    assert reads.read == 4  # the record before the first waiting one (for its chain), and the three waiting
    assert b"<sf:NumSerieFactura>INV-2027-000005</sf:NumSerieFactura>" in aeat.received[-1]  # named as the record before
    assert states(backend)[5:] == ["Incorrecto", "Incorrecto", "Correcto"]
    assert backend.invoices.sending_turn().answered_through == 8  # type: ignore[union-attr]
