"""VERI*FACTU billing records (Real Decreto 1007/2023): AEAT's formats, the chained fingerprint and the QR contents.

Sources: AEAT's "Especificaciones técnicas para la generación de la huella o hash de los registros de
facturación" (the fingerprint string and its two worked examples) and "Características del QR y
especificaciones del servicio de cotejo o remisión de información" (the ValidarQR address and its
parameters nif, numserie, fecha, importe).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from urllib.parse import urlencode


class InvoiceType(StrEnum):
    """AEAT's L2 catalogue (TipoFactura), the types the factory issues."""

    # Full invoice (art. 6, 7.2 and 7.3 of the invoicing regulation).
    F1 = "F1"
    # Rectifying invoice for the other causes of art. 80 Ley 37/1992 (a refund agreed with the buyer).
    R4 = "R4"


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
