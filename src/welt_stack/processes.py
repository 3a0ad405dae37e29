"""A stack's child processes: each started in a session of its own with its log under the state folder, awaited until
it answers on its own port, and stopped together. The local stack and the deployed-shape stack both run this way."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from types import FrameType
from typing import Any, Protocol

from welt_stack.ports import listens

REPO = Path(__file__).resolve().parents[2]


class StackError(RuntimeError):
    """A part of the local stack did not come up."""


class PortTakenError(StackError):
    """Another process holds one of the stack's ports."""


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (loopback only)
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


class ChildProcesses:
    """Mixed into a stack that holds `processes` (by name) and `state_dir` (where `logs/` go)."""

    processes: dict[str, subprocess.Popen[bytes]]
    state_dir: Path

    def _spawn(self, name: str, command: list[str], env: dict[str, str], cwd: Path = REPO) -> None:
        logs = self.state_dir / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        log = (logs / f"{name}.log").open("wb")
        # A session of its own, so stopping it takes its children along and Ctrl-C reaches us first.
        self.processes[name] = subprocess.Popen(  # noqa: S603 (our own commands)
            command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def _wait_for(self, name: str, url: str, timeout: float = 90) -> None:
        """Until `url` answers from the process started as `name`: an answer from anyone else is an error."""
        port = urllib.parse.urlsplit(url).port
        assert port is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            process = self.processes[name]
            if process.poll() is not None:
                raise StackError(f"{name} exited with {process.returncode}; see {self.state_dir / 'logs' / name}.log")
            if answers(url):
                if listens(process.pid, port):
                    return
                raise PortTakenError(f"port {port} is in use by another process, not by {name}: is another local stack running?")
            time.sleep(0.2)
        raise StackError(f"{name} did not answer at {url} within {timeout:.0f}s")

    def _stop_processes(self) -> None:
        """SIGTERM to every process group, then SIGKILL to those still there after 10 s."""
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        for process in self.processes.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        self.processes.clear()

    def dead(self) -> list[str]:
        return [name for name, process in self.processes.items() if process.poll() is not None]


class RunnableStack(Protocol):
    @property
    def description_file(self) -> Path: ...

    def start(self) -> dict[str, Any]: ...

    def stop(self) -> None: ...

    def dead(self) -> list[str]: ...


def run_until_interrupted(stack: RunnableStack, starting: str, what: str) -> int:
    """`make dev` and `make dev-deployed`: start `stack`, print where everything is and who can sign in, and run until
    Ctrl-C (0) or until a process dies or the stack cannot start (1)."""

    def interrupted(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    # Set both explicitly: a shell that starts us in the background leaves SIGINT ignored.
    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGINT, interrupted)
    try:
        print(starting, flush=True)
        description = stack.start()
        print(json.dumps({k: v for k, v in description.items() if k != "users"}, indent=2))
        print("Demo users (Cognito USER_PASSWORD_AUTH):")
        for user in description["users"]:
            print(f"  {user['role']:<6} {user.get('brand', '-'):<4} {user['email']}  {user['password']}")
            if user.get("totp_secret"):
                print(f"         authenticator key {user['totp_secret']} (codes: welt_stack.seed.authenticator_code)")
        print(f"Emails sent: {description['emails_url']}")
        print(f"Written {stack.description_file}. Ctrl-C stops everything.", flush=True)
        while True:
            time.sleep(1)
            dead = stack.dead()
            if dead:
                print(f"{', '.join(dead)} stopped unexpectedly; see {description['logs']}", file=sys.stderr)
                return 1
    except KeyboardInterrupt:
        print("\nStopping...", flush=True)
        return 0
    except StackError as error:
        print(f"{what} could not start: {error}", file=sys.stderr)
        return 1
    finally:
        stack.stop()
