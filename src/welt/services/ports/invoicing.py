"""The invoice register (numbers and the VERI*FACTU chain) and AEAT's submission service."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from welt.domain.verifactu import RegistrationRecord


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


@dataclass(frozen=True)
class AeatAnswer:
    """AEAT's answer to one submission: EstadoEnvio, the wait before the next (TiempoEsperaEnvio), each record's state."""

    state: str
    wait_seconds: int
    records: dict[str, str]


class AeatSubmitter(Protocol):
    """AEAT's VERI*FACTU web service (RegFactuSistemaFacturacion): takes one submission of up to 1000 records."""

    def submit(self, document: bytes) -> AeatAnswer: ...
