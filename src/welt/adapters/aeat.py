"""AEAT's VERI*FACTU web service: the SOAP client, and the stand-in AEAT the local stack and the tests talk to.

`AeatSoapSubmitter` posts a RegFactuSistemaFacturacion in a SOAP 1.1 envelope and reads AEAT's
RespuestaRegFactuSistemaFacturacion. Against AEAT it runs over TLS with the factory's certificate and key (from
secrets); it has never been exercised against AEAT here (see docs/developers/invoicing.md). The local stack points
it, over plain HTTP on the loopback, at `welt_stack.aeat_emulator`, which answers with `LocalAeat`: each
submission checked against AEAT's schemas, answered in AEAT's response shape (EstadoEnvio Correcto,
ParcialmenteCorrecto or Incorrecto; each line's EstadoRegistro; TiempoEsperaEnvio), a record sent twice answered
as AEAT answers a duplicate.
"""

from __future__ import annotations

import http.client
import ssl
import tempfile
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from xml.etree import ElementTree

from welt.adapters.verifactu_xml import SF, schema_problems
from welt.services.ports import AeatAnswer, AeatUnavailableError

SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
# AEAT's response schema's namespace (RespuestaSuministro.xsd, beside SuministroLR.xsd).
RESPONSE = (
    "https://www2.agenciatributaria.gob.es/static_files/common/internet/dep/aplicaciones/es/aeat/tike/cont/ws/RespuestaSuministro.xsd"
)
AEAT_WAIT_SECONDS = 60
# A record AEAT already holds answers Incorrecto with its RegistroDuplicado, whose state is in AEAT's words for
# stored records (Correcta, AceptadaConErrores, Anulada); the queue records the state the first sending earned.
DUPLICATE_STATES = {"Correcta": "Correcto", "AceptadaConErrores": "AceptadoConErrores"}


def _local(element: ElementTree.Element) -> str:
    return element.tag.rsplit("}", 1)[-1]


def _first(element: ElementTree.Element, name: str) -> str | None:
    found = next((e for e in element.iter() if _local(e) == name), None)
    return found.text if found is not None else None


def read_answer(root: ElementTree.Element) -> AeatAnswer:
    """AEAT's RespuestaRegFactuSistemaFacturacion: EstadoEnvio, TiempoEsperaEnvio and each line's EstadoRegistro."""
    records, errors = {}, {}
    for line in (e for e in root.iter() if _local(e) == "RespuestaLinea"):
        number, state = _first(line, "NumSerieFactura"), _first(line, "EstadoRegistro")
        duplicate = _first(line, "EstadoRegistroDuplicado")
        if duplicate in DUPLICATE_STATES:
            state = DUPLICATE_STATES[duplicate]
        if number and state:
            records[number] = state
            code = _first(line, "CodigoErrorRegistro")
            if code:
                errors[number] = f"{code}: {_first(line, 'DescripcionErrorRegistro') or ''}".strip()
    wait = _first(root, "TiempoEsperaEnvio")
    return AeatAnswer(
        state=_first(root, "EstadoEnvio") or "",
        wait_seconds=int(wait) if wait and wait.isdigit() else AEAT_WAIT_SECONDS,
        records=records,
        errors=errors,
    )


def envelope(body: bytes) -> bytes:
    """`body` (an XML document) as the only child of a SOAP 1.1 envelope's body."""
    inner = body.split(b"?>", 1)[-1] if body.lstrip().startswith(b"<?xml") else body
    return (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        + f'<soapenv:Envelope xmlns:soapenv="{SOAP}"><soapenv:Body>'.encode()
        + inner
        + b"</soapenv:Body></soapenv:Envelope>"
    )


def fault(code: str, reason: str) -> bytes:
    """A SOAP 1.1 fault, as AEAT answers a submission it refuses as a whole (a document its schema rejects)."""
    root = ElementTree.Element(f"{{{SOAP}}}Envelope")
    detail = ElementTree.SubElement(ElementTree.SubElement(root, f"{{{SOAP}}}Body"), f"{{{SOAP}}}Fault")
    ElementTree.SubElement(detail, "faultcode").text = "env:Client"
    ElementTree.SubElement(detail, "faultstring").text = f"Codigo[{code}].{reason}"
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)


class AeatSoapSubmitter:
    """Posts a RegFactuSistemaFacturacion in a SOAP envelope: over TLS with the factory's certificate to AEAT, over
    plain HTTP only to the local stack's stand-in on the loopback."""

    def __init__(self, url: str, tls: ssl.SSLContext | Callable[[], ssl.SSLContext] | None, timeout: float = 30.0) -> None:
        loopback = url.startswith(("http://127.0.0.1:", "http://localhost:"))
        if not (url.startswith("https://") and tls is not None) and not loopback:
            raise ValueError("AEAT is reached over HTTPS with the factory's certificate")
        self._url = url
        # A callable builds the TLS context at the first submission: a run with nothing to send needs no certificate.
        self._tls = tls
        self._timeout = timeout

    def _context(self) -> ssl.SSLContext | None:
        if self._tls is None or isinstance(self._tls, ssl.SSLContext):
            return self._tls
        try:
            self._tls = self._tls()
        except (ssl.SSLError, ValueError, OSError) as error:
            # Not loadable (missing, expired, not PEM): nothing can reach AEAT; the records wait, the alarm tells.
            raise AeatUnavailableError(f"the factory's AEAT certificate could not be loaded: {type(error).__name__}") from None
        return self._tls

    def submit(self, document: bytes) -> AeatAnswer:
        context = self._context()
        request = urllib.request.Request(  # noqa: S310 (AEAT's https address, or the loopback stand-in)
            self._url, data=envelope(document), headers={"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '""'}, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=self._timeout, context=context) as response:  # noqa: S310
                body = response.read()
        except urllib.error.HTTPError as error:
            # AEAT answers a SOAP fault with HTTP 500: the submission was refused as a whole.
            raise AeatUnavailableError(f"HTTP {error.code}: {_first(_parsed(error.read()), 'faultstring') or error.reason}") from None
        except (OSError, http.client.HTTPException) as error:
            raise AeatUnavailableError(f"{type(error).__name__}: {error}") from None
        root = _parsed(body)
        if _first(root, "faultstring") is not None:
            raise AeatUnavailableError(f"SOAP fault: {_first(root, 'faultstring')}")
        if next((e for e in root.iter() if _local(e) == "RespuestaRegFactuSistemaFacturacion"), None) is None:
            raise AeatUnavailableError("AEAT's answer holds no RespuestaRegFactuSistemaFacturacion")
        return read_answer(root)


def certificate_context(certificate_pem: str, key_pem: str) -> ssl.SSLContext:
    """A TLS client context that presents the factory's certificate (the ssl module loads PEM from files only:
    they are written to a private temporary folder and removed once loaded)."""
    context = ssl.create_default_context()
    with tempfile.TemporaryDirectory() as folder:
        certificate, key = Path(folder) / "certificate.pem", Path(folder) / "key.pem"
        for path, text in ((certificate, certificate_pem), (key, key_pem)):
            path.touch(mode=0o600)
            path.write_text(text)
        context.load_cert_chain(str(certificate), str(key))
    return context


def _parsed(body: bytes) -> ElementTree.Element:
    try:
        return ElementTree.fromstring(body)  # noqa: S314 (AEAT's answer over TLS, or the loopback stand-in's)
    except ElementTree.ParseError:
        return ElementTree.Element("unreadable")


class SubmissionRefusedError(Exception):
    """A submission AEAT refuses as a whole (answered with a SOAP fault)."""


@dataclass(frozen=True)
class Refusal:
    """A business rule the stand-in applies to one buyer, as AEAT refuses a record: its error code and words."""

    code: str
    description: str


@dataclass
class LocalAeat:
    """AEAT as the local stack and the tests see it. The schema decides first (a document it rejects is refused
    as a whole); then each record: one AEAT already holds is a duplicate (Incorrecto, code 3000, with the stored
    record's state), one for a buyer in `refused_buyers` is Incorrecto with that refusal, one naming its buyer
    without a tax ID is AceptadoConErrores (AEAT requires the recipient's identification on a full invoice), any
    other Correcto."""

    wait_seconds: int = AEAT_WAIT_SECONDS
    refused_buyers: dict[str, Refusal] = field(default_factory=dict)
    received: list[bytes] = field(default_factory=list)
    # Every record AEAT holds, by (IDEmisorFactura, NumSerieFactura, FechaExpedicionFactura): its state in AEAT's words.
    held: dict[tuple[str, str, str], str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def submit(self, document: bytes) -> AeatAnswer:
        try:
            return read_answer(ElementTree.fromstring(self.respond(document)))  # noqa: S314 (our own answer)
        except SubmissionRefusedError as refused:
            raise AeatUnavailableError(str(refused)) from None

    def respond(self, document: bytes, now: datetime | None = None) -> bytes:
        """AEAT's RespuestaRegFactuSistemaFacturacion to one RegFactuSistemaFacturacion."""
        with self.lock:
            self.received.append(document)
            problems = schema_problems(document)
            if problems:
                raise SubmissionRefusedError(f"Codigo[4102].El XML no cumple el esquema: {problems[0]}")
            root = ElementTree.fromstring(document)  # noqa: S314 (validated against AEAT's schema above)
            return self._answer(root, now or datetime.now().astimezone())

    def _answer(self, root: ElementTree.Element, now: datetime) -> bytes:
        ElementTree.register_namespace("tikR", RESPONSE)
        ElementTree.register_namespace("tik", SF)
        answer = ElementTree.Element(f"{{{RESPONSE}}}RespuestaRegFactuSistemaFacturacion")
        csv = ElementTree.SubElement(answer, f"{{{RESPONSE}}}CSV")
        presented = ElementTree.SubElement(answer, f"{{{RESPONSE}}}DatosPresentacion")
        issuer = root.find(f".//{{{SF}}}ObligadoEmision")
        issuer_nif = issuer.findtext(f"{{{SF}}}NIF", "") if issuer is not None else ""
        ElementTree.SubElement(presented, f"{{{SF}}}NIFPresentador").text = issuer_nif
        ElementTree.SubElement(presented, f"{{{SF}}}TimestampPresentacion").text = now.replace(microsecond=0).isoformat()
        header = ElementTree.SubElement(answer, f"{{{RESPONSE}}}Cabecera")
        if issuer is not None:
            header.append(issuer)
        ElementTree.SubElement(answer, f"{{{RESPONSE}}}TiempoEsperaEnvio").text = str(self.wait_seconds)
        overall = ElementTree.SubElement(answer, f"{{{RESPONSE}}}EstadoEnvio")
        states = [self._line(answer, alta) for alta in root.iter(f"{{{SF}}}RegistroAlta")]
        if all(state == "Correcto" for state in states):
            overall.text = "Correcto"
        elif all(state == "Incorrecto" for state in states):
            overall.text = "Incorrecto"
        else:
            overall.text = "ParcialmenteCorrecto"
        if overall.text == "Incorrecto":
            answer.remove(csv)  # AEAT gives a secure verification code only for a submission it kept something of
        else:
            csv.text = f"WELTLOCAL{len(self.received):08d}"
        return ElementTree.tostring(answer, encoding="utf-8", xml_declaration=True)

    def _line(self, answer: ElementTree.Element, alta: ElementTree.Element) -> str:
        identity = alta.find(f"{{{SF}}}IDFactura")
        assert identity is not None  # required by the schema
        key = tuple(identity.findtext(f"{{{SF}}}{name}", "") for name in ("IDEmisorFactura", "NumSerieFactura", "FechaExpedicionFactura"))
        line = ElementTree.SubElement(answer, f"{{{RESPONSE}}}RespuestaLinea")
        line.append(identity)
        operation = ElementTree.SubElement(line, f"{{{RESPONSE}}}Operacion")
        ElementTree.SubElement(operation, f"{{{SF}}}TipoOperacion").text = "Alta"
        buyer = alta.find(f".//{{{SF}}}Destinatarios/{{{SF}}}IDDestinatario")
        buyer_name = buyer.findtext(f"{{{SF}}}NombreRazon", "") if buyer is not None else ""
        held = self.held.get(key)  # type: ignore[arg-type]
        refusal = self.refused_buyers.get(buyer_name)
        error: tuple[str, str] | None = None
        if held is not None:
            state, error = "Incorrecto", ("3000", "Registro de facturación duplicado.")
        elif refusal is not None:
            state, error = "Incorrecto", (refusal.code, refusal.description)
        elif alta.find(f".//{{{SF}}}IDOtro/{{{SF}}}IDType") is not None and alta.findtext(f".//{{{SF}}}IDOtro/{{{SF}}}IDType") == "06":
            state, error = "AceptadoConErrores", ("2000", "El destinatario no está identificado fiscalmente.")
        else:
            state = "Correcto"
        ElementTree.SubElement(line, f"{{{RESPONSE}}}EstadoRegistro").text = state
        if error:
            ElementTree.SubElement(line, f"{{{RESPONSE}}}CodigoErrorRegistro").text = error[0]
            ElementTree.SubElement(line, f"{{{RESPONSE}}}DescripcionErrorRegistro").text = error[1]
        if held is not None:
            duplicate = ElementTree.SubElement(line, f"{{{RESPONSE}}}RegistroDuplicado")
            ElementTree.SubElement(duplicate, f"{{{SF}}}EstadoRegistroDuplicado").text = held
        elif state != "Incorrecto":
            self.held[key] = "Correcta" if state == "Correcto" else "AceptadaConErrores"  # type: ignore[index]
        return state
