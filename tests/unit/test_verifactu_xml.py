"""The records' XML against AEAT's own schemas (SuministroLR.xsd, SuministroInformacion.xsd, xmldsig)."""

from __future__ import annotations

from datetime import date, datetime

from welt.adapters.verifactu_xml import schema_problems, submission_xml
from welt.domain.invoice import MADRID
from welt.domain.verifactu import InvoiceType, RegistrationFields, RegistrationRecord, SaleDetails, register_invoice

SELLER = "Welt Footwear Manufacturing S.L."
AT = datetime(2027, 1, 4, 10, 15, tzinfo=MADRID)


def sale(treatment: str, rate: int, net: int, vat_id: str | None, country: str) -> SaleDetails:
    return SaleDetails(
        seller_name=SELLER,
        description="Made-to-order footwear: 00001-DMO",
        net_cents=net,
        vat_rate_percent=rate,
        vat_treatment=treatment,
        buyer_name="Demo Atelier",
        buyer_vat_id=vat_id,
        buyer_country=country,
    )


def chain() -> list[RegistrationRecord]:
    """A Spanish sale, an intra-community one, an export and a rectifying invoice of the first, chained."""
    made: list[RegistrationRecord] = []
    plans = [
        ("INV-2027-000001", InvoiceType.F1, sale("DOMESTIC", 21, 19800, "ESB03999992", "ES"), 4158, 23958, None),
        ("INV-2027-000002", InvoiceType.F1, sale("INTRA_COMMUNITY", 0, 19800, "DE123456788", "DE"), 0, 19800, None),
        ("INV-2027-000003", InvoiceType.F1, sale("EXPORT", 0, 22300, None, "US"), 0, 22300, None),
        ("RECT-2027-000001", InvoiceType.R1, sale("DOMESTIC", 21, -5000, "ESB03999992", "ES"), -1050, -6050, "INV-2027-000001"),
    ]
    for number, kind, details, vat, total, corrects in plans:
        fields = RegistrationFields("B03999992", number, AT.date(), kind, vat, total, AT)
        corrected = (corrects, date(2027, 1, 4)) if corrects else None
        made.append(register_invoice(fields, made[-1] if made else None, "pay_1", details, corrected))
    return made


def test_records_of_every_kind_validate_against_aeats_schemas() -> None:
    records = chain()
    document = submission_xml(records, {r.position: r for r in records}, SELLER)
    assert schema_problems(document) == []
    assert b"<sf:PrimerRegistro>S</sf:PrimerRegistro>" in document
    assert b"<sf:OperacionExenta>E5</sf:OperacionExenta>" in document and b"<sf:TipoRectificativa>I</sf:TipoRectificativa>" in document


def test_a_record_that_breaks_the_schema_is_named() -> None:
    records = chain()[:1]
    document = submission_xml(records, {}, SELLER).replace(b"<sf:TipoHuella>01</sf:TipoHuella>", b"")
    assert schema_problems(document)
