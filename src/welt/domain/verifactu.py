"""VERI*FACTU billing records (Real Decreto 1007/2023): AEAT's formats, the chained fingerprint and the QR contents.

Sources: AEAT's "Especificaciones técnicas para la generación de la huella o hash de los registros de
facturación" (the fingerprint string and its two worked examples) and "Características del QR y
especificaciones del servicio de cotejo o remisión de información" (the ValidarQR address and its
parameters nif, numserie, fecha, importe).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any
from urllib.parse import urlencode

from pydantic import BaseModel, ConfigDict


class InvoiceType(StrEnum):
    """AEAT's L2 catalogue (TipoFactura), the types the factory issues."""

    # Full invoice (art. 6, 7.2 and 7.3 of the invoicing regulation).
    F1 = "F1"
    # Rectifying invoice for art. 80 Uno, Dos and Seis Ley 37/1992: a sale undone or its price lowered after it
    # was made (a refund), the case of the factory's refunds.
    R1 = "R1"


# AEAT's L3 catalogue (TipoRectificativa): the factory rectifies by the difference ("I", por diferencias).
RECTIFYING_BY_DIFFERENCES = "I"


def aeat_date(day: date) -> str:
    """AEAT writes dates as dd-mm-yyyy."""
    return day.strftime("%d-%m-%Y")


def aeat_amount(cents: int) -> str:
    """Euros with two decimals and a dot, as the records and the fingerprint carry them."""
    return f"{Decimal(cents) / 100:.2f}"


def aeat_timestamp(moment: datetime) -> str:
    """ISO 8601 to the second with the offset of the zone `moment` is in (the factory's: Europe/Madrid)."""
    assert moment.tzinfo is not None, "a record's time carries its offset"
    return moment.replace(microsecond=0).isoformat()


@dataclass(frozen=True)
class RegistrationFields:
    """The fields of a registration record (RegistroAlta) that its fingerprint covers."""

    issuer_nif: str
    invoice_number: str
    issued_on: date
    invoice_type: InvoiceType
    vat_cents: int
    total_cents: int
    generated_at: datetime


def registration_fingerprint(fields: RegistrationFields, previous: str | None) -> str:
    """AEAT's Huella of a RegistroAlta: SHA-256, upper-case hex, of its fields chained to the previous Huella."""
    text = "&".join(
        [
            f"IDEmisorFactura={fields.issuer_nif.strip()}",
            f"NumSerieFactura={fields.invoice_number.strip()}",
            f"FechaExpedicionFactura={aeat_date(fields.issued_on)}",
            f"TipoFactura={fields.invoice_type.value}",
            f"CuotaTotal={aeat_amount(fields.vat_cents)}",
            f"ImporteTotal={aeat_amount(fields.total_cents)}",
            f"Huella={previous or ''}",
            f"FechaHoraHusoGenRegistro={aeat_timestamp(fields.generated_at)}",
        ]
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest().upper()


def verification_url(service_url: str, issuer_nif: str, invoice_number: str, issued_on: date, total_cents: int) -> str:
    """What the invoice's QR code holds: AEAT's ValidarQR service with the invoice's four identifying values."""
    query = urlencode({"nif": issuer_nif, "numserie": invoice_number, "fecha": aeat_date(issued_on), "importe": aeat_amount(total_cents)})
    return f"{service_url}?{query}"


class SubmissionState(StrEnum):
    """Where a record stands with AEAT: waiting in the queue, or AEAT's answer (EstadoRegistro)."""

    PENDING = "PENDING"
    CORRECT = "Correcto"
    ACCEPTED_WITH_ERRORS = "AceptadoConErrores"
    INCORRECT = "Incorrecto"


# AEAT's rules for sending (VERI*FACTU web service): at most 1000 records in one submission, and after each answer
# the system waits the TiempoEsperaEnvio AEAT gave (60 s unless AEAT says otherwise) before the next, unless a
# full batch of 1000 records is waiting.
AEAT_BATCH = 1000
AEAT_DEFAULT_WAIT = timedelta(seconds=60)
# How long one run may hold the turn to send (longer than the sending function's timeout): a run that dies while
# holding it leaves it to the next run once this has passed.
SENDING_HOLD = timedelta(minutes=5)
# A submission AEAT did not answer goes again after 1, 2, 4... minutes, at most an hour apart.
RETRY_FIRST = timedelta(minutes=1)
RETRY_LONGEST = timedelta(hours=1)


class SendingTurn(BaseModel):
    """Whose turn it is to send records to AEAT, and from when: the factory's one queue, kept beside the chain.

    One run holds the turn while it sends (`held_until`), so two scheduled runs never send the same records;
    `not_before` is AEAT's wait after its last answer, or the backoff after `failures` submissions in a row that
    AEAT did not answer.
    """

    model_config = ConfigDict(defer_build=True, frozen=True)

    not_before: datetime | None = None
    held_until: datetime | None = None
    failures: int = 0
    # Every record up to this position has AEAT's answer: the next run reads the chain from here, not from the start.
    answered_through: int = 0
    version: int = 0

    def may_send(self, now: datetime, waiting: int) -> bool:
        """Whether a run may send `waiting` records now: nobody holds the turn and AEAT's wait is over, or a full
        batch waits (AEAT's one exception to its wait; not to a backoff after failures)."""
        if self.held_until is not None and now < self.held_until:
            return False
        if self.not_before is None or now >= self.not_before:
            return True
        return waiting >= AEAT_BATCH and self.failures == 0

    def taken(self, now: datetime) -> SendingTurn:
        return self.model_copy(update={"held_until": now + SENDING_HOLD, "version": self.version + 1})

    def answered(self, now: datetime, wait_seconds: int | None, answered_through: int) -> SendingTurn:
        wait = timedelta(seconds=wait_seconds) if wait_seconds else AEAT_DEFAULT_WAIT
        return self.model_copy(
            update={
                "held_until": None,
                "not_before": now + wait,
                "failures": 0,
                "answered_through": max(self.answered_through, answered_through),
                "version": self.version + 1,
            }
        )

    def unanswered(self, now: datetime) -> SendingTurn:
        """AEAT did not answer (or refused the whole submission): the same records go again after a backoff."""
        failures = self.failures + 1
        backoff = min(RETRY_FIRST * 2 ** (failures - 1), RETRY_LONGEST)
        return self.model_copy(update={"held_until": None, "not_before": now + backoff, "failures": failures, "version": self.version + 1})


class SaleDetails(BaseModel):
    """The invoice's taxable base, IVA rule and buyer, as the record's XML declares them."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    seller_name: str
    description: str
    net_cents: int
    vat_rate_percent: int
    vat_treatment: str
    buyer_name: str
    buyer_vat_id: str | None
    buyer_country: str


class RegistrationRecord(BaseModel):
    """One RegistroAlta: written once, with its invoice's number, and never changed (its submission state aside).

    `position` is its place in the factory's one chain of records (1 for the first); `previous_fingerprint` is
    the Huella of the record before it (None for the first), so the chain recomputes from the records alone.
    """

    model_config = ConfigDict(defer_build=True, frozen=True)

    position: int
    issuer_nif: str
    invoice_number: str
    issued_on: date
    invoice_type: InvoiceType
    vat_cents: int
    total_cents: int
    generated_at: datetime
    previous_fingerprint: str | None
    fingerprint: str
    payment_id: str
    # For a rectifying invoice: the invoice it corrects, and that invoice's date.
    corrects: str | None = None
    corrects_issued_on: date | None = None
    # What the record's XML breaks down (Desglose) and whom it names (Destinatarios).
    sale: SaleDetails | None = None
    submission: SubmissionState = SubmissionState.PENDING

    @property
    def fields(self) -> RegistrationFields:
        return RegistrationFields(
            self.issuer_nif, self.invoice_number, self.issued_on, self.invoice_type, self.vat_cents, self.total_cents, self.generated_at
        )

    def aeat_view(self) -> dict[str, Any]:
        """The record with AEAT's field names and formats, and where its submission stands."""
        return {
            "IDEmisorFactura": self.issuer_nif,
            "NumSerieFactura": self.invoice_number,
            "FechaExpedicionFactura": aeat_date(self.issued_on),
            "TipoFactura": self.invoice_type.value,
            "CuotaTotal": aeat_amount(self.vat_cents),
            "ImporteTotal": aeat_amount(self.total_cents),
            "Huella": self.fingerprint,
            "HuellaAnterior": self.previous_fingerprint,
            "FechaHoraHusoGenRegistro": aeat_timestamp(self.generated_at),
            "position": self.position,
            "corrects": self.corrects,
            "submission_state": self.submission.value,
        }


def register_invoice(
    fields: RegistrationFields,
    chain_head: RegistrationRecord | None,
    payment_id: str,
    sale: SaleDetails | None = None,
    corrects: tuple[str, date] | None = None,
) -> RegistrationRecord:
    """The next record of the chain: chained to the head's Huella, one position after it."""
    previous = chain_head.fingerprint if chain_head else None
    return RegistrationRecord(
        position=(chain_head.position if chain_head else 0) + 1,
        issuer_nif=fields.issuer_nif,
        invoice_number=fields.invoice_number,
        issued_on=fields.issued_on,
        invoice_type=fields.invoice_type,
        vat_cents=fields.vat_cents,
        total_cents=fields.total_cents,
        generated_at=fields.generated_at,
        previous_fingerprint=previous,
        fingerprint=registration_fingerprint(fields, previous),
        payment_id=payment_id,
        corrects=corrects[0] if corrects else None,
        corrects_issued_on=corrects[1] if corrects else None,
        sale=sale,
    )


def chain_breaks(records: list[RegistrationRecord]) -> list[str]:
    """Why a run of records, oldest first from the first, is not one unbroken chain (empty when it is)."""
    problems = []
    previous: str | None = None
    for expected, record in enumerate(records, start=1):
        if record.position != expected:
            problems.append(f"record {record.invoice_number} is at position {record.position}, expected {expected}")
        if record.previous_fingerprint != previous:
            problems.append(f"record {record.invoice_number} chains to {record.previous_fingerprint}, not {previous}")
        if registration_fingerprint(record.fields, previous) != record.fingerprint:
            problems.append(f"record {record.invoice_number}: its Huella does not recompute from its fields")
        previous = record.fingerprint
    return problems
