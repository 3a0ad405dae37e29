"""VERI*FACTU records as AEAT's XML (RegFactuSistemaFacturacion of SuministroLR.xsd), and their check against
AEAT's schemas (vendored in aeat_schemas/, see SOURCE.md there)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from welt.domain.vat import VatTreatment
from welt.domain.verifactu import RegistrationRecord, aeat_amount, aeat_date, aeat_timestamp

SCHEMAS = Path(__file__).with_name("aeat_schemas")
_BASE = "https://www2.agenciatributaria.gob.es/static_files/common/internet/dep/aplicaciones/es/aeat/tike/cont/ws/"
LR = _BASE + "SuministroLR.xsd"
SF = _BASE + "SuministroInformacion.xsd"

# Welt as AEAT's SistemaInformatico block names the invoicing system that produced a record.
SYSTEM = {"name": "Welt order desk", "id": "WE", "version": "1.0", "installation": "welt-1"}

# AEAT's L10 exemption keys and L8A regime keys by IVA treatment.
EXEMPTION = {VatTreatment.INTRA_COMMUNITY: "E5", VatTreatment.EXPORT: "E2"}
REGIME = {VatTreatment.EXPORT: "02"}


def _add(parent: ElementTree.Element, name: str, text: str | None = None) -> ElementTree.Element:
    child = ElementTree.SubElement(parent, f"{{{SF}}}{name}")
    if text is not None:
        child.text = text
    return child


def _registro_alta(parent: ElementTree.Element, record: RegistrationRecord, previous: RegistrationRecord | None) -> None:
    sale = record.sale
    assert sale is not None, "a record written before its XML details cannot be sent"
    alta = _add(parent, "RegistroAlta")
    _add(alta, "IDVersion", "1.0")
    factura = _add(alta, "IDFactura")
    _add(factura, "IDEmisorFactura", record.issuer_nif)
    _add(factura, "NumSerieFactura", record.invoice_number)
    _add(factura, "FechaExpedicionFactura", aeat_date(record.issued_on))
    _add(alta, "NombreRazonEmisor", sale.seller_name)
    _add(alta, "TipoFactura", record.invoice_type.value)
    if record.corrects is not None and record.corrects_issued_on is not None:
        _add(alta, "TipoRectificativa", "I")
        corrected = _add(_add(alta, "FacturasRectificadas"), "IDFacturaRectificada")
        _add(corrected, "IDEmisorFactura", record.issuer_nif)
        _add(corrected, "NumSerieFactura", record.corrects)
        _add(corrected, "FechaExpedicionFactura", aeat_date(record.corrects_issued_on))
    _add(alta, "DescripcionOperacion", sale.description[:500])
    buyer = _add(_add(alta, "Destinatarios"), "IDDestinatario")
    _add(buyer, "NombreRazon", sale.buyer_name[:120])
    if sale.buyer_vat_id and sale.buyer_vat_id.startswith("ES"):
        _add(buyer, "NIF", sale.buyer_vat_id[2:])
    else:
        other = _add(buyer, "IDOtro")
        _add(other, "CodigoPais", sale.buyer_country)
        # 02: an EU VAT ID (NIF-IVA); 06: another document, here the buyer's name stands for it.
        _add(other, "IDType", "02" if sale.buyer_vat_id else "06")
        _add(other, "ID", (sale.buyer_vat_id or sale.buyer_name)[:20])
    treatment = VatTreatment(sale.vat_treatment)
    detail = _add(_add(alta, "Desglose"), "DetalleDesglose")
    _add(detail, "Impuesto", "01")
    _add(detail, "ClaveRegimen", REGIME.get(treatment, "01"))
    if treatment in EXEMPTION:
        _add(detail, "OperacionExenta", EXEMPTION[treatment])
        _add(detail, "BaseImponibleOimporteNoSujeto", aeat_amount(sale.net_cents))
    else:
        _add(detail, "CalificacionOperacion", "S1")
        _add(detail, "TipoImpositivo", f"{sale.vat_rate_percent:.2f}")
        _add(detail, "BaseImponibleOimporteNoSujeto", aeat_amount(sale.net_cents))
        _add(detail, "CuotaRepercutida", aeat_amount(record.vat_cents))
    _add(alta, "CuotaTotal", aeat_amount(record.vat_cents))
    _add(alta, "ImporteTotal", aeat_amount(record.total_cents))
    chain = _add(alta, "Encadenamiento")
    if previous is None:
        _add(chain, "PrimerRegistro", "S")
    else:
        before = _add(chain, "RegistroAnterior")
        _add(before, "IDEmisorFactura", previous.issuer_nif)
        _add(before, "NumSerieFactura", previous.invoice_number)
        _add(before, "FechaExpedicionFactura", aeat_date(previous.issued_on))
        _add(before, "Huella", previous.fingerprint)
    system = _add(alta, "SistemaInformatico")
    _add(system, "NombreRazon", sale.seller_name)
    _add(system, "NIF", record.issuer_nif)
    _add(system, "NombreSistemaInformatico", SYSTEM["name"])
    _add(system, "IdSistemaInformatico", SYSTEM["id"])
    _add(system, "Version", SYSTEM["version"])
    _add(system, "NumeroInstalacion", SYSTEM["installation"])
    _add(system, "TipoUsoPosibleSoloVerifactu", "S")
    _add(system, "TipoUsoPosibleMultiOT", "N")
    _add(system, "IndicadorMultiplesOT", "N")
    _add(alta, "FechaHoraHusoGenRegistro", aeat_timestamp(record.generated_at))
    _add(alta, "TipoHuella", "01")
    _add(alta, "Huella", record.fingerprint)


def submission_xml(records: list[RegistrationRecord], previous: dict[int, RegistrationRecord], seller_name: str) -> bytes:
    """One submission (RegFactuSistemaFacturacion) of up to 1000 records; `previous` maps a position to the
    record before it, which each record's Encadenamiento names."""
    if not 1 <= len(records) <= 1000:
        raise ValueError("AEAT takes 1 to 1000 records in one submission")
    ElementTree.register_namespace("sfLR", LR)
    ElementTree.register_namespace("sf", SF)
    root = ElementTree.Element(f"{{{LR}}}RegFactuSistemaFacturacion")
    header = ElementTree.SubElement(root, f"{{{LR}}}Cabecera")
    issuer = _add(header, "ObligadoEmision")
    _add(issuer, "NombreRazon", seller_name)
    _add(issuer, "NIF", records[0].issuer_nif)
    for record in records:
        registro = ElementTree.SubElement(root, f"{{{LR}}}RegistroFactura")
        _registro_alta(registro, record, previous.get(record.position - 1))
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)


@lru_cache(maxsize=1)
def _schema() -> Any:
    import xmlschema

    return xmlschema.XMLSchema(str(SCHEMAS / "SuministroLR.xsd"))


def schema_problems(document: bytes) -> list[str]:
    """Where `document` breaks AEAT's schemas (empty when it is valid)."""
    return [f"{error.path}: {error.reason}" for error in _schema().iter_errors(document.decode("utf-8"))]
