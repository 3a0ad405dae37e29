"""Prints speed and memory figures of the orders API on the local stack; never asserts on them.

Usage: .venv/bin/python scripts/benchmark.py [--checkouts 200] [--workers 8]
Starts its own stack on free ports, so it can run beside `make dev`.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.examples import checkout  # noqa: E402

from welt_stack import seed  # noqa: E402
from welt_stack.stack import stack_on_free_ports  # noqa: E402


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def handler_memory(app: str) -> str:
    """Peak RSS of a fresh interpreter that imports the app, as a cold Lambda would."""
    code = ("import resource, runpy, sys; sys.path.insert(0, '.'); runpy.run_path('app.py'); "
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)")
    started = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO / "functions" / app, capture_output=True, text=True,  # noqa: S603
                         check=True)
    return f"{int(out.stdout.strip()) / 1024:.0f} MiB peak, import {time.perf_counter() - started:.2f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--checkouts", type=int, default=200)
    parser.add_argument("--workers", type=int, default=8)
    args = parser.parse_args()
    for app in ("orders", "payments"):
        print(f"{app} handler cold start: {handler_memory(app)}")
    with tempfile.TemporaryDirectory() as state, stack_on_free_ports(Path(state), help_center=False) as stack:
        description = stack.description
        user = next(u for u in description["users"] if u.get("brand") == "DMO")
        token = seed.sign_in(stack.aws, description["cognito"]["client_id"], user["email"], user["password"])
        headers = {"Authorization": f"Bearer {token}"}
        api = description["orders_api"]
        session = requests.Session()

        def place(_: int) -> float:
            started = time.perf_counter()
            response = session.post(f"{api}/orders", json=checkout(), timeout=60,
                                    headers={**headers, "Idempotency-Key": str(uuid.uuid4())})
            response.raise_for_status()
            return time.perf_counter() - started

        started = time.perf_counter()
        with ThreadPoolExecutor(args.workers) as pool:
            latencies = list(pool.map(place, range(args.checkouts)))
        elapsed = time.perf_counter() - started
        print(f"checkout: {args.checkouts} orders, {args.workers} at once: {args.checkouts / elapsed:.1f}/s, "
              f"p50 {statistics.median(latencies) * 1000:.0f} ms, p95 {percentile(latencies, 0.95) * 1000:.0f} ms")
        pages = []
        for _ in range(20):
            started = time.perf_counter()
            session.get(f"{api}/orders?limit=50", headers=headers, timeout=60).raise_for_status()
            pages.append(time.perf_counter() - started)
        print(f"order pool page of 50: p50 {statistics.median(pages) * 1000:.0f} ms, "
              f"p95 {percentile(pages, 0.95) * 1000:.0f} ms")
    print(f"benchmark process peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
