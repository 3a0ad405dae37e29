"""Local stacks side by side: reserved ports are never shared, and a part counts as up only when the process the
stack started is the one answering (not another stack's server that happens to hold the port)."""

from __future__ import annotations

import http.server
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from welt_stack import ports
from welt_stack.stack import LocalStack, Ports, PortTakenError, StackError, stack_on_free_ports


@pytest.fixture
def foreign_server() -> Iterator[int]:
    """Someone else's HTTP server answering 200 on a port of its own."""
    server = http.server.ThreadingHTTPServer((ports.HOST, 0), http.server.SimpleHTTPRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield int(server.server_address[1])
    server.shutdown()
    server.server_close()


def _locked_elsewhere(port: int) -> bool:
    """Whether another process finds the port's reservation lock taken."""
    probe = "import sys; from welt_stack import ports; lock = ports._lock(int(sys.argv[1])); print('taken' if lock is None else 'free')"
    result = subprocess.run([sys.executable, "-c", probe, str(port)], capture_output=True, text=True, check=True, timeout=60)
    return result.stdout.strip() == "taken"


def test_two_reservations_held_at_once_share_no_port_and_stay_clear_of_outgoing_connections() -> None:
    with ports.reserved_ports(6) as first, ports.reserved_ports(6) as second:
        assert len(set(first) | set(second)) == 12
        assert all(port in ports.reservable() for port in first + second)
        low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
        assert max(first + second) < low


def test_a_reserved_port_is_locked_for_other_processes_until_the_reservation_ends() -> None:
    with ports.reserved_ports(1) as (port,):
        assert _locked_elsewhere(port)
    assert not _locked_elsewhere(port)


def test_a_port_someone_listens_on_is_never_reserved(monkeypatch: pytest.MonkeyPatch, foreign_server: int) -> None:
    monkeypatch.setattr(ports, "reservable", lambda: range(foreign_server, foreign_server + 1))

    with pytest.raises(OSError, match="fewer than 1 free ports"), ports.reserved_ports(1):
        pass


def test_a_part_whose_port_another_server_answers_does_not_count_as_up(tmp_path: Path, foreign_server: int) -> None:
    stack = LocalStack(state_dir=tmp_path)
    try:
        # Started, but slow to bind (as chalice local is while it imports the app); meanwhile the port answers.
        stack._spawn("orders", [sys.executable, "-c", "import time; time.sleep(60)"], env={})

        with pytest.raises(PortTakenError, match=f"port {foreign_server} is in use by another process"):
            stack._wait_for("orders", f"http://{ports.HOST}:{foreign_server}/", timeout=20)
    finally:
        stack.stop()


def test_a_part_that_answers_on_its_own_port_counts_as_up(tmp_path: Path) -> None:
    with ports.reserved_ports(1) as (port,):
        stack = LocalStack(state_dir=tmp_path)
        try:
            stack._spawn(
                "web", [sys.executable, "-m", "http.server", str(port), "--bind", ports.HOST, "--directory", str(tmp_path)], env={}
            )

            stack._wait_for("web", f"http://{ports.HOST}:{port}/", timeout=30)

            assert ports.listens(stack.processes["web"].pid, port)
        finally:
            stack.stop()
        assert ports.port_is_free(port)  # stopped: the port is free again


def test_a_stack_whose_port_was_taken_starts_again_on_other_ports(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    tried: list[Ports] = []

    def start(stack: LocalStack) -> dict[str, str]:
        tried.append(stack.ports)
        if len(tried) == 1:
            raise PortTakenError("port taken by a stranger")
        return {}

    monkeypatch.setattr(LocalStack, "start", start)

    with stack_on_free_ports(tmp_path) as stack:
        assert stack.ports == tried[-1]
    assert len(tried) == 2


def test_a_stack_gives_up_after_its_last_attempt(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    def start(stack: LocalStack) -> dict[str, str]:
        raise PortTakenError("port taken by a stranger")

    monkeypatch.setattr(LocalStack, "start", start)

    with pytest.raises(StackError, match="port taken by a stranger"), stack_on_free_ports(tmp_path, attempts=2):
        pass
