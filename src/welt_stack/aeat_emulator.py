"""The local stack's AEAT: `python -m welt_stack.aeat_emulator --port N [--wait 60]`.

Takes VERI*FACTU submissions over HTTP as AEAT's web service does over TLS (a SOAP 1.1 envelope holding a
RegFactuSistemaFacturacion) and answers with `welt.adapters.aeat.LocalAeat`: a document AEAT's schemas reject is a
SOAP fault; otherwise a RespuestaRegFactuSistemaFacturacion with each record's state and TiempoEsperaEnvio.

For tests and demos, as localstripe's `_config`: `POST /_config/refuse` with {"buyer", "code", "description"} makes
the records naming that buyer Incorrecto; `POST /_config/wait` with {"seconds"} changes TiempoEsperaEnvio;
`GET /_received` lists the submissions taken (when, and which invoice numbers).
"""

from __future__ import annotations

import argparse
import json
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from xml.etree import ElementTree

from welt.adapters.aeat import SOAP, LocalAeat, Refusal, SubmissionRefusedError, envelope, fault
from welt.adapters.verifactu_xml import SF

HOST = "127.0.0.1"
MAX_BODY = 20 * 1024 * 1024  # 1000 records with room to spare


class AeatEmulator:
    """LocalAeat behind an HTTP server, with the log of what it was sent."""

    def __init__(self, port: int, wait_seconds: int) -> None:
        self.aeat = LocalAeat(wait_seconds=wait_seconds)
        self.taken: list[dict[str, Any]] = []
        self._log_lock = threading.Lock()
        self.server = ThreadingHTTPServer((HOST, port), self._handler())

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.server.server_address[1]}/wlpl/TIKE-CONT/ws/SistemaFacturacion/VerifactuSOAP"

    def start(self) -> AeatEmulator:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def take(self, body: bytes) -> tuple[int, bytes]:
        """AEAT's HTTP status and SOAP answer to one posted envelope."""
        try:
            request = ElementTree.fromstring(body)  # noqa: S314 (a local test stand-in; the order desk's own XML)
        except ElementTree.ParseError:
            return 500, fault("4100", "El mensaje no es un XML bien formado.")
        payload = request.find(f"{{{SOAP}}}Body")
        document = next(iter(payload), None) if payload is not None else None
        if document is None:
            return 500, fault("4100", "El mensaje no contiene un cuerpo SOAP.")
        submission = ElementTree.tostring(document, encoding="utf-8", xml_declaration=True)
        # The records' own numbers (not those of the record each chains to, or of the invoice it rectifies).
        numbers = [e.text for e in document.iterfind(f".//{{{SF}}}RegistroAlta/{{{SF}}}IDFactura/{{{SF}}}NumSerieFactura") if e.text]
        with self._log_lock:
            self.taken.append({"at": datetime.now(UTC).isoformat(), "records": numbers})
        try:
            return 200, envelope(self.aeat.respond(submission))
        except SubmissionRefusedError as refused:
            return 500, fault("4102", str(refused))

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        emulator = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return

            def _reply(self, status: int, body: bytes, content_type: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _json(self, status: int, value: Any) -> None:
                self._reply(status, json.dumps(value).encode(), "application/json")

            def do_GET(self) -> None:
                if self.path == "/_received":
                    with emulator._log_lock:
                        self._json(200, {"submissions": list(emulator.taken)})
                elif self.path == "/health":
                    self._json(200, {"status": "ok"})
                else:
                    self._json(404, {"error": "not found"})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length > MAX_BODY:
                    self._reply(413, fault("4100", "El mensaje es demasiado grande."), "text/xml; charset=utf-8")
                    return
                body = self.rfile.read(length)
                if self.path.startswith("/_config/"):
                    self._configure(self.path.removeprefix("/_config/"), body)
                    return
                status, answer = emulator.take(body)
                self._reply(status, answer, "text/xml; charset=utf-8")

            def _configure(self, what: str, body: bytes) -> None:
                try:
                    settings = json.loads(body or b"{}")
                    if what == "refuse":
                        emulator.aeat.refused_buyers[str(settings["buyer"])] = Refusal(
                            str(settings.get("code", "1100")), str(settings.get("description", "Registro rechazado."))
                        )
                    elif what == "wait":
                        emulator.aeat.wait_seconds = int(settings["seconds"])
                    else:
                        self._json(404, {"error": f"nothing to configure called {what}"})
                        return
                except (ValueError, KeyError, TypeError) as error:
                    self._json(400, {"error": str(error)})
                    return
                self._json(200, {"configured": what})

        return Handler


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--wait", type=int, default=60, help="the TiempoEsperaEnvio answered, in seconds (AEAT's is 60)")
    args = parser.parse_args()
    emulator = AeatEmulator(args.port, args.wait)
    print(f"AEAT stand-in at {emulator.url}", flush=True)
    emulator.server.serve_forever()


if __name__ == "__main__":
    main()
