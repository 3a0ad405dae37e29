"""The invoice register (numbers and the VERI*FACTU chain) and AEAT's submission service."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from welt.domain.verifactu import RegistrationRecord, SendingTurn


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
