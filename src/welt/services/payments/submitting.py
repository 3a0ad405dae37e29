"""Sending VERI*FACTU records to AEAT: a queue in chain order, batches of up to 1000, AEAT's wait between sends.

AEAT's rules: a submission holds 1 to 1000 records; after each answer the system waits TiempoEsperaEnvio
seconds (60 by default) before the next, unless 1000 records are already waiting. A record AEAT refused
(Incorrecto) stays in the chain (records are never changed) and is for staff to correct with a new record.
A submission that fails in transit is retried at the next round with the same records.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from aws_lambda_powertools import Logger

from welt.domain.verifactu import RegistrationRecord, SubmissionState
from welt.services.ports import AeatSubmitter, InvoiceRegister, Store, SubmissionWrite, Transaction, TransactionConflictError

logger = Logger(child=True)

BATCH = 1000
DEFAULT_WAIT = timedelta(seconds=60)
SCAN_PAGE = 1000


@dataclass
class SubmissionQueue:
    """Sends the records AEAT has not answered yet, oldest first, minding AEAT's wait between submissions."""

    invoices: InvoiceRegister
    store: Store
    submitter: AeatSubmitter
    render: object  # (records, previous by position) -> XML bytes
    not_before: datetime | None = None
    _scanned: int = field(default=0)

    def pending(self) -> tuple[list[RegistrationRecord], dict[int, RegistrationRecord]]:
        """Up to a batch of unanswered records in chain order, and the record before each (for Encadenamiento)."""
        waiting: list[RegistrationRecord] = []
        before: dict[int, RegistrationRecord] = {}
        after = 0
        while len(waiting) < BATCH:
            page = self.invoices.records(after, SCAN_PAGE)
            if not page:
                break
            for record in page:
                if record.submission is SubmissionState.PENDING and len(waiting) < BATCH:
                    waiting.append(record)
                before[record.position] = record
            after = page[-1].position
        return waiting, before

    def run_once(self, now: datetime) -> int:
        """One round: send one batch if AEAT's wait is over (or a full batch waits); the records answered."""
        waiting, before = self.pending()
        if not waiting:
            return 0
        if self.not_before is not None and now < self.not_before and len(waiting) < BATCH:
            return 0
        document = self.render(waiting, before)  # type: ignore[operator]
        try:
            answer = self.submitter.submit(document)
        except OSError as error:
            # Not answered: nothing changed at AEAT's end that we know of; the same records go again next round.
            logger.warning("AEAT did not answer", extra={"error": type(error).__name__, "records": len(waiting)})
            self.not_before = now + DEFAULT_WAIT
            return 0
        self.not_before = now + timedelta(seconds=answer.wait_seconds or DEFAULT_WAIT.total_seconds())
        answered = 0
        for record in waiting:
            state = answer.records.get(record.invoice_number)
            if state is None:
                continue
            try:
                self.store.commit(Transaction().add(SubmissionWrite(record.model_copy(update={"submission": SubmissionState(state)}))))
                answered += 1
            except TransactionConflictError:
                pass  # answered by another round already
        logger.info("records sent to AEAT", extra={"state": answer.state, "records": len(waiting), "answered": answered})
        return answered
