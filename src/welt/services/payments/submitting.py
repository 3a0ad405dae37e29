"""Sending VERI*FACTU records to AEAT: a queue in chain order, batches of up to 1000, AEAT's wait between sends.

AEAT's rules: a submission holds 1 to 1000 records; after each answer the system waits TiempoEsperaEnvio
seconds (60 by default) before the next, unless 1000 records are already waiting. The queue's turn
(`SendingTurn`, one item beside the chain) is taken with a conditional write before sending, so runs that
overlap (a slow run and the next scheduled one, or Scheduler delivering a run twice) never send the same
records twice; a run that dies holding the turn leaves it to a later run once the hold has passed.

A submission AEAT did not answer goes again with the same records after a backoff. Each record's answer is
recorded once, conditionally from PENDING, so a repeated answer changes nothing. A record AEAT refused
(Incorrecto) stays in the chain (records are never changed) and is for staff to correct with a new record.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from aws_lambda_powertools import Logger

from welt.domain.verifactu import AEAT_BATCH, RegistrationRecord, SendingTurn, SubmissionState
from welt.services.payments import alarms
from welt.services.ports import (
    AeatSubmitter,
    AeatUnavailableError,
    InvoiceRegister,
    SendingTurnWrite,
    Store,
    SubmissionWrite,
    Transaction,
    TransactionConflictError,
)

logger = Logger(child=True)

SCAN_PAGE = 1000
# One scheduled run sends at most this many full batches back to back (AEAT allows it while 1000 records wait).
ROUNDS_PER_RUN = 10

# Records to send, and the record before each by position (for their Encadenamiento) -> AEAT's XML.
Render = Callable[[list[RegistrationRecord], dict[int, RegistrationRecord]], bytes]


@dataclass
class SubmissionQueue:
    """Sends the records AEAT has not answered yet, oldest first, minding AEAT's wait between submissions."""

    invoices: InvoiceRegister
    store: Store
    submitter: AeatSubmitter
    render: Render
    clock: Callable[[], datetime]

    def pending(self, answered_through: int = 0) -> tuple[list[RegistrationRecord], dict[int, RegistrationRecord]]:
        """Up to a batch of unanswered records in chain order after `answered_through`, and the records read from the
        one before the first (each record's Encadenamiento names the record before it)."""
        waiting: list[RegistrationRecord] = []
        before: dict[int, RegistrationRecord] = {}
        after = max(0, answered_through - 1)
        while len(waiting) < AEAT_BATCH:
            page = self.invoices.records(after, SCAN_PAGE)
            if not page:
                break
            for record in page:
                if record.submission is SubmissionState.PENDING and len(waiting) < AEAT_BATCH:
                    waiting.append(record)
                before[record.position] = record
            after = page[-1].position
        return waiting, before

    def run_once(self) -> int:
        """One round: send one batch if it is this run's turn and AEAT's wait is over (or a full batch waits).
        Answers how many records were sent."""
        stored = self.invoices.sending_turn()
        turn = stored or SendingTurn()
        waiting, before = self.pending(turn.answered_through)
        now = self.clock()
        if not waiting or not turn.may_send(now, len(waiting)):
            return 0
        taken = turn.taken(now)
        try:
            self.store.commit(Transaction().add(SendingTurnWrite(taken, stored.version if stored else None)))
        except TransactionConflictError:
            return 0  # another run took the turn since we read it: the records are its to send
        try:
            answer = self.submitter.submit(self.render(waiting, before))
        except AeatUnavailableError as error:
            released = taken.unanswered(self.clock())
            self._release(released, taken)
            alarms.count(alarms.AEAT_UNANSWERED)
            logger.warning(
                "AEAT did not answer; the records go again later",
                extra={
                    "error": str(error)[:300],
                    "records": len(waiting),
                    "failures": released.failures,
                    "not_before": str(released.not_before),
                },
            )
            return 0
        answered = 0
        has_answer = {r.position: r.submission is not SubmissionState.PENDING for r in before.values()}
        for record in waiting:
            state = answer.records.get(record.invoice_number)
            if state is None:
                continue  # not in AEAT's answer: still PENDING, sent again in a later round
            has_answer[record.position] = True
            try:
                self.store.commit(Transaction().add(SubmissionWrite(record.model_copy(update={"submission": SubmissionState(state)}))))
                answered += 1
            except TransactionConflictError:
                pass  # answered already: AEAT's first answer stands
        rejected = sum(1 for r in waiting if answer.records.get(r.invoice_number) == SubmissionState.INCORRECT.value)
        if rejected:
            # A refused record must be corrected with a new one: staff are told (the record's state shows in the
            # staff API's invoicing records, AEAT's error in the logs).
            alarms.count(alarms.AEAT_RECORDS_REJECTED, rejected)
            refused = [r.invoice_number for r in waiting if answer.records.get(r.invoice_number) == SubmissionState.INCORRECT.value]
            logger.error("AEAT refused records", extra={"errors": {number: answer.errors.get(number, "") for number in refused[:50]}})
        through = turn.answered_through
        while has_answer.get(through + 1):
            through += 1
        self._release(taken.answered(self.clock(), answer.wait_seconds, through), taken)
        logger.info("records sent to AEAT", extra={"state": answer.state, "records": len(waiting), "answered": answered})
        return len(waiting)

    def _release(self, released: SendingTurn, taken: SendingTurn) -> None:
        try:
            self.store.commit(Transaction().add(SendingTurnWrite(released, taken.version)))
        except TransactionConflictError:
            # Held past SENDING_HOLD and taken by a later run: that run's wait and backoff stand.
            logger.warning("the turn to send to AEAT was taken by a later run", extra={"held_until": str(taken.held_until)})

    def run(self) -> dict[str, int]:
        """A scheduled run: a batch, and more full batches right after while 1000 records still wait."""
        sent = rounds = 0
        while rounds < ROUNDS_PER_RUN:
            batch = self.run_once()
            sent += batch
            rounds += 1
            if batch < AEAT_BATCH:
                break
        return {"sent": sent}
