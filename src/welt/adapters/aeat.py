"""AEAT's VERI*FACTU service: the real SOAP client (TLS with the factory's certificate) and the local stand-in.

The real client is configured by secret (certificate and key in PEM) and is never exercised on the local stack
or in tests: they use `LocalAeat`, which checks each submission against AEAT's schemas and answers as AEAT
does (EstadoEnvio Correcto, ParcialmenteCorrecto or Incorrecto; each record Correcto, AceptadoConErrores or
Incorrecto; TiempoEsperaEnvio 60).
"""

from __future__ import annotations

import ssl
import urllib.request
from xml.etree import ElementTree

from welt.adapters.verifactu_xml import SF, schema_problems
from welt.services.ports import AeatAnswer

SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
RESPONSE = (
    "https://www2.agenciatributaria.gob.es/static_files/common/internet/dep/aplicaciones/es/aeat/tike/cont/ws/RespuestaSuministro.xsd"
)
AEAT_WAIT_SECONDS = 60


class AeatSoapSubmitter:
    """Posts a RegFactuSistemaFacturacion in a SOAP envelope over TLS with the factory's certificate."""

    def __init__(self, url: str, certificate_pem: str, key_pem: str, timeout: float = 30.0) -> None:
        if not url.startswith("https://"):
            raise ValueError("AEAT is reached over HTTPS only")
        self._url = url
        self._context = ssl.create_default_context()
        self._context.load_cert_chain(certificate_pem, key_pem)
        self._timeout = timeout

    def submit(self, document: bytes) -> AeatAnswer:
        body = document.split(b"?>", 1)[-1]
        envelope = f'<soapenv:Envelope xmlns:soapenv="{SOAP}"><soapenv:Body>'.encode() + body + b"</soapenv:Body></soapenv:Envelope>"
        request = urllib.request.Request(self._url, data=envelope, headers={"Content-Type": "text/xml; charset=utf-8"}, method="POST")  # noqa: S310
        with urllib.request.urlopen(request, timeout=self._timeout, context=self._context) as response:  # noqa: S310
            # AEAT's own answer, over TLS to AEAT's host.
            return _answer(ElementTree.fromstring(response.read()))  # noqa: S314


def _answer(root: ElementTree.Element) -> AeatAnswer:
    """AEAT's RespuestaRegFactuSistemaFacturacion: EstadoEnvio, TiempoEsperaEnvio and each line's EstadoRegistro."""

    def first(element: ElementTree.Element, name: str) -> str | None:
        found = next((e for e in element.iter() if e.tag.rsplit("}", 1)[-1] == name), None)
        return found.text if found is not None else None

    records = {}
    for line in (e for e in root.iter() if e.tag.rsplit("}", 1)[-1] == "RespuestaLinea"):
        number, state = first(line, "NumSerieFactura"), first(line, "EstadoRegistro")
        if number and state:
            records[number] = state
    return AeatAnswer(
        state=first(root, "EstadoEnvio") or "", wait_seconds=int(first(root, "TiempoEsperaEnvio") or AEAT_WAIT_SECONDS), records=records
    )


class LocalAeat:
    """AEAT as the local stack and the tests see it: the schema decides, and a buyer without a tax ID is accepted
    with errors (AEAT requires the recipient's identification on a full invoice)."""

    def __init__(self) -> None:
        self.received: list[bytes] = []

    def submit(self, document: bytes) -> AeatAnswer:
        self.received.append(document)
        root = ElementTree.fromstring(document)  # noqa: S314 (the order desk's own submission)
        numbers = [e.text for e in root.iter(f"{{{SF}}}NumSerieFactura") if e.text]
        if schema_problems(document):
            return AeatAnswer("Incorrecto", AEAT_WAIT_SECONDS, dict.fromkeys(numbers, "Incorrecto"))
        states = {}
        for registro in root.iter(f"{{{SF}}}RegistroAlta"):
            number = registro.find(f"{{{SF}}}IDFactura/{{{SF}}}NumSerieFactura")
            kind = registro.find(f".//{{{SF}}}IDOtro/{{{SF}}}IDType")
            if number is not None and number.text:
                states[number.text] = "AceptadoConErrores" if kind is not None and kind.text == "06" else "Correcto"
        overall = "Correcto" if set(states.values()) == {"Correcto"} else "ParcialmenteCorrecto"
        return AeatAnswer(overall, AEAT_WAIT_SECONDS, states)
