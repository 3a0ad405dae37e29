"""AEAT's formats for VERI*FACTU records: the fingerprint reproduces AEAT's published examples."""

from datetime import date, datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

from welt.domain.verifactu import InvoiceType, RegistrationFields, aeat_amount, registration_fingerprint, verification_url

CET = timezone(timedelta(hours=1))


def aeat_example(number: str, second: int) -> RegistrationFields:
    return RegistrationFields(
        issuer_nif="89890001K",
        invoice_number=number,
        issued_on=date(2024, 1, 1),
        invoice_type=InvoiceType.F1,
        vat_cents=1235,
        total_cents=12345,
        generated_at=datetime(2024, 1, 1, 19, 20, second, tzinfo=CET),
    )


def test_first_record_fingerprint_is_aeats_example():
    assert (
        registration_fingerprint(aeat_example("12345678/G33", 30), None)
        == "3C464DAF61ACB827C65FDA19F352A4E3BDC2C640E9E9FC4CC058073F38F12F60"
    )


def test_next_record_chains_to_the_previous_fingerprint_as_in_aeats_example():
    first = registration_fingerprint(aeat_example("12345678/G33", 30), None)
    assert (
        registration_fingerprint(aeat_example("12345679/G34", 35), first)
        == "F7B94CFD8924EDFF273501B01EE5153E4CE8F259766F88CF6ACB8935802A2B97"
    )


def test_amounts_are_euros_with_two_decimals_and_a_dot():
    assert [aeat_amount(c) for c in (0, 5, 12345, -2100)] == ["0.00", "0.05", "123.45", "-21.00"]


def test_qr_holds_the_invoice_identity_for_aeats_check():
    url = verification_url("https://prewww2.aeat.es/wlpl/TIKE-CONT/ValidarQR", "B03999992", "INV-2026-000001", date(2026, 12, 5), 121000)
    parts = urlsplit(url)
    assert parts.path == "/wlpl/TIKE-CONT/ValidarQR"
    assert parse_qs(parts.query) == {
        "nif": ["B03999992"],
        "numserie": ["INV-2026-000001"],
        "fecha": ["05-12-2026"],
        "importe": ["1210.00"],
    }
