"""The local stack's `chalice local` sends each answer at once on a kept-alive connection (welt_stack.chalice_local).

With Nagle's algorithm on, Chalice's two writes per answer (headers, then body) cost a kept-alive client 40 ms of
delayed acknowledgement per request. Whether the socket option is set is checked on the server's own end of the
connection, so the test does not time anything.
"""

from __future__ import annotations

import socket
import threading

import pytest
import requests
from chalice import Chalice, local
from chalice.config import Config

from welt_stack.chalice_local import without_nagle


def served_nodelay() -> int:
    """Serves a one-route app as `chalice local` does, asks it twice on one connection: TCP_NODELAY as served."""
    app = Chalice("probe")

    @app.route("/")
    def index() -> dict[str, bool]:
        return {"ok": True}

    server = local.create_local_server(app, Config.create(chalice_app=app), "127.0.0.1", 0)
    accepted: list[socket.socket] = []
    get_request = server.server.get_request

    def recording() -> tuple[socket.socket, object]:
        connection, address = get_request()
        accepted.append(connection)
        return connection, address

    server.server.get_request = recording  # type: ignore[method-assign]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with requests.Session() as kept_alive:
            url = f"http://127.0.0.1:{server.server.server_address[1]}/"
            assert kept_alive.get(url, timeout=10).json() == {"ok": True}
            assert kept_alive.get(url, timeout=10).json() == {"ok": True}
            assert len(accepted) == 1, "both requests came over one connection"
            return accepted[0].getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)  # read while the connection is open
    finally:
        server.shutdown()
        server.server.server_close()
        thread.join(timeout=10)


def test_the_stack_turns_nagle_off_where_chalice_local_leaves_it_on(monkeypatch: pytest.MonkeyPatch) -> None:
    # The class attribute is put back after the test: this process may serve other Chalice apps.
    monkeypatch.setattr(local.ChaliceRequestHandler, "disable_nagle_algorithm", False)
    assert served_nodelay() == 0, "Chalice's own dev server leaves Nagle on"

    without_nagle()

    assert served_nodelay() != 0
