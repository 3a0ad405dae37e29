"""Ports for local stacks that run side by side (test workers, benchmarks, screenshots, `make dev`).

Two things go wrong when stacks pick ports by asking the kernel for a free one and binding it seconds later:
another stack picks the same port in between, or an outgoing connection takes it as its ephemeral port.
Then a part fails to bind and the readiness check is answered by someone else's server. So ports are
reserved below the kernel's ephemeral range and locked for as long as the stack needs them, and a part
counts as up only once the process we started is the one listening.
"""

from __future__ import annotations

import fcntl
import os
import random
import socket
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import IO

import psutil

HOST = "127.0.0.1"
LOCKS = Path(tempfile.gettempdir()) / f"welt-ports-{os.getuid()}"
LOWEST = 20000  # well above the fixed ports of `make dev` (5055, 8000-8003, 8420)


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # As the servers bind: a port only in TIME_WAIT from an earlier run counts as free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((HOST, port))
        except OSError:
            return False
    return True


def reservable() -> range:
    """Ports no outgoing connection is given: below the kernel's ephemeral range."""
    try:
        ephemeral_low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        ephemeral_low = 32768  # the Linux default; macOS hands out 49152 and up
    return range(LOWEST, max(ephemeral_low, LOWEST + 2000))


def _lock(port: int) -> IO[str] | None:
    handle = (LOCKS / f"{port}.lock").open("a")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return None
    return handle


@contextmanager
def reserved_ports(count: int) -> Iterator[list[int]]:
    """`count` distinct free ports, locked against every other reservation until the block ends.

    The locks are advisory file locks: the kernel drops them when this process exits, however it exits,
    and the processes a stack starts do not inherit them.
    """
    LOCKS.mkdir(mode=0o700, exist_ok=True)
    candidates = list(reservable())
    random.shuffle(candidates)
    with ExitStack() as held:
        ports: list[int] = []
        for port in candidates:
            if len(ports) == count:
                break
            lock = _lock(port)
            if lock is None:
                continue
            held.callback(lock.close)
            if port_is_free(port):
                ports.append(port)
        if len(ports) < count:
            raise OSError(f"fewer than {count} free ports in {reservable()}")
        yield ports


def listens(root: int, port: int) -> bool:
    """Whether the process `root` started, or one of its descendants, is listening on `port`."""
    try:
        process = psutil.Process(root)
        family = [process, *process.children(recursive=True)]
    except psutil.NoSuchProcess:
        return False
    for member in family:
        try:
            connections = member.net_connections(kind="tcp")
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        if any(c.status == psutil.CONN_LISTEN and c.laddr and c.laddr.port == port for c in connections):
            return True
    return False
