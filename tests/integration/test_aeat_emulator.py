"""The SOAP client against the local stack's stand-in AEAT over HTTP: answers read, refusals and outages told apart."""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator
from datetime import date, datetime

import pytest

from welt.adapters.aeat import AeatSoapSubmitter
from welt.adapters.verifactu_xml import submission_xml
from welt.domain.invoice import MADRID
from welt.domain.verifactu import InvoiceType, RegistrationFields, RegistrationRecord, SaleDetails, register_invoice
from welt.services.ports import AeatUnavailableError
from welt_stack.aeat_emulator import AeatEmulator

SELLER = "Welt Footwear Manufacturing S.L."


def records(count: int, buyer_vat_id: str | None = "DE123456788") -> list[RegistrationRecord]:
    made: list[RegistrationRecord] = []
    head = None
    for position in range(1, count + 1):
        sale = SaleDetails(
            seller_name=SELLER,
            description="Made-to-order footwear",
            net_cents=19800,
            vat_rate_percent=0,
            vat_treatment="INTRA_COMMUNITY",
            buyer_name="Demo Atelier",
            buyer_vat_id=buyer_vat_id,
            buyer_country="DE",
        )
        fields = RegistrationFields(
            "B03999992", f"INV-2027-{position:06d}", date(2027, 1, 4), InvoiceType.F1, 0, 19800, datetime(2027, 1, 4, 10, tzinfo=MADRID)
        )
        head = register_invoice(fields, head, "pay_1", sale)
        made.append(head)
    return made


def document(sent: list[RegistrationRecord]) -> bytes:
    return submission_xml(sent, {r.position: r for r in sent}, SELLER)


@pytest.fixture
def emulator() -> Iterator[AeatEmulator]:
    running = AeatEmulator(0, wait_seconds=60).start()
    yield running
    running.stop()


def test_aeats_answer_is_read_record_by_record_with_its_wait(emulator: AeatEmulator) -> None:
    client = AeatSoapSubmitter(emulator.url, None)
    sent = records(2)
    answer = client.submit(document(sent))
    assert (answer.state, answer.wait_seconds) == ("Correcto", 60)
    assert answer.records == {"INV-2027-000001": "Correcto", "INV-2027-000002": "Correcto"}
    assert emulator.taken[0]["records"] == ["INV-2027-000001", "INV-2027-000002"]


def test_records_sent_again_are_answered_as_duplicates_with_the_state_aeat_holds(emulator: AeatEmulator) -> None:
    client = AeatSoapSubmitter(emulator.url, None)
    sent = records(1)
    client.submit(document(sent))
    again = client.submit(document(sent))
    assert again.state == "Incorrecto" and again.records == {"INV-2027-000001": "Correcto"}
    assert again.errors == {"INV-2027-000001": "3000: Registro de facturación duplicado."}


def test_a_document_the_schema_rejects_is_a_fault_told_apart_from_an_answer(emulator: AeatEmulator) -> None:
    broken = document(records(1)).replace(b"<sf:TipoFactura>F1</sf:TipoFactura>", b"<sf:TipoFactura>Z9</sf:TipoFactura>")
    with pytest.raises(AeatUnavailableError, match="4102"):
        AeatSoapSubmitter(emulator.url, None).submit(broken)


def test_aeat_not_answering_is_an_outage_not_an_answer() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(AeatUnavailableError):
        AeatSoapSubmitter(f"http://127.0.0.1:{port}/ws", None, timeout=2).submit(document(records(1)))


def test_only_the_loopback_stand_in_is_reached_without_tls_and_the_factorys_certificate() -> None:
    with pytest.raises(ValueError, match="HTTPS"):
        AeatSoapSubmitter("http://www1.agenciatributaria.gob.es/ws", None)
    with pytest.raises(ValueError, match="HTTPS"):
        AeatSoapSubmitter("https://www1.agenciatributaria.gob.es/ws", None)
    AeatSoapSubmitter("https://www1.agenciatributaria.gob.es/ws", ssl.create_default_context())


def test_a_certificate_that_cannot_be_loaded_is_an_outage_the_records_wait_through() -> None:
    def placeholder() -> ssl.SSLContext:
        from welt.adapters.aeat import certificate_context

        return certificate_context("not a certificate", "not a key")  # what the deploy generates until it is set

    with pytest.raises(AeatUnavailableError, match="certificate could not be loaded"):
        AeatSoapSubmitter("https://www1.agenciatributaria.gob.es/ws", placeholder).submit(document(records(1)))
