"""The local static server sends the browser app the Content-Security-Policy CloudFront sends when deployed."""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest
import requests

from welt.web_policy import content_security_policy
from welt_stack.static import StaticHandler

REPO = Path(__file__).resolve().parents[2]
POLICY = content_security_policy(
    ["http://127.0.0.1:8001", "http://127.0.0.1:8002"],
    "http://127.0.0.1:5055",
    stripe_js_origin="http://127.0.0.1:8420",
    stripe_api_origin="http://127.0.0.1:8420",
)


@pytest.fixture
def web_server(tmp_path: Path) -> Iterator[str]:
    config = tmp_path / "config.json"
    config.write_text('{"orders_api": "http://127.0.0.1:8001"}')
    handler = functools.partial(StaticHandler, directory=str(REPO / "web"), config=config, policy=POLICY)
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("path", ["/", "/js/app.js", "/config.json"])
def test_every_file_of_the_app_carries_the_policy(web_server: str, path: str) -> None:
    response = requests.get(web_server + path, timeout=10)

    assert response.status_code == 200
    assert response.headers["Content-Security-Policy"] == POLICY
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_the_policy_allows_only_the_apps_own_scripts_and_stripe_and_is_never_framed() -> None:
    directives = dict(d.split(" ", 1) for d in content_security_policy(["https://orders.example"], "https://idp.example").split("; "))

    assert directives["script-src"] == "'self' https://js.stripe.com"
    assert directives["connect-src"] == "'self' https://orders.example https://idp.example https://api.stripe.com"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert "unsafe" not in " ".join(directives.values())
