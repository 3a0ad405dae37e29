"""Prints what each route costs on the local stack: DynamoDB requests, p50 and p95; each Lambda package's size and
its cold start. Asserts nothing.

Usage: .venv/bin/python scripts/benchmark.py [--orders 10000] [--small 50] [--runs 30] [--packages-only] [--write]
Starts its own stack on free ports, so it can run beside `make dev`. The big brand is grown straight through
Welt's own item code (seconds, not minutes). Requests are counted with botocore's event hooks while the same
route runs in this process against the stack's emulator; times are taken over HTTP against the stack.
The cold start imports each handler from its built package (build/<app>/package, as `make package` leaves it),
with the AWS SDK the runtime provides beside it, and nothing else. With --write the figures go to
docs/developers/performance.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import requests

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from infra.package import package_app, runtime_sdk_stand_in  # noqa: E402
from tests.examples import checkout  # noqa: E402
from tests.grown import grow  # noqa: E402

from welt.adapters.dynamodb import DynamoBrandRepository  # noqa: E402
from welt.adapters.tables import BRANDS, ORDERS  # noqa: E402
from welt_stack import seed  # noqa: E402
from welt_stack.stack import app_environment, stack_on_free_ports  # noqa: E402

# pydantic 2 loads its model machinery with the first `BaseModel`, not with `import pydantic`: the frameworks are
# counted as a function uses them, with BaseModel loaded. The bare imports are printed too.
FRAMEWORKS = "import boto3, chalice, aws_lambda_powertools.logging; from pydantic import BaseModel"
BARE_IMPORTS = "import boto3, chalice, pydantic, aws_lambda_powertools.logging"
TARGETS = {  # requests per call, from the issue that set them
    "POST /orders": 4,
    "GET /orders?limit=50": 2,
    "GET /orders?limit=1&q=nomatch": 2,
    "GET /orders?status=WORK_IN_PROCESS&limit=50": 2,
    "GET /admin/orders?limit=50": 2,
    "GET /orders/{n}": 2,
    "PATCH /orders/{n}": 3,
    "GET /shipping-groups?limit=20": 3,
    "GET /admin/shipping-groups?limit=20": 3,
}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def import_seconds(code: str, path: list[Path], cwd: Path) -> float:
    """One fresh, isolated interpreter (-I -S: no site-packages) importing from `path` alone."""
    setup = f"import sys; sys.path[:0] = {[str(p) for p in path]!r}; "
    started = time.perf_counter()
    subprocess.run([sys.executable, "-I", "-S", "-c", setup + code], cwd=cwd, check=True, capture_output=True)  # noqa: S603
    return time.perf_counter() - started


def built_package(app: str) -> Path:
    deployment = REPO / "build" / app / "package" / "deployment.zip"
    return deployment if deployment.is_file() else package_app(app, REPO / "build")


def cold_start(app: str, root: Path, sdk: Path, runs: int = 7) -> tuple[float, float, float]:
    """Median import time of the handler, of its frameworks, and of their bare imports, all from the built package."""
    unzipped = root / app
    with zipfile.ZipFile(built_package(app)) as archive:
        archive.extractall(unzipped)
    path = [unzipped, sdk]
    handler, frameworks, bare = [], [], []
    for _ in range(runs):
        handler.append(import_seconds("import app", path, root))
        frameworks.append(import_seconds(FRAMEWORKS, path, root))
        bare.append(import_seconds(BARE_IMPORTS, path, root))
    return statistics.median(handler), statistics.median(frameworks), statistics.median(bare)


def package_figures(say: Callable[[str], None]) -> None:
    """Each package's size, and the cold import of its handler next to its frameworks alone."""
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        sdk = runtime_sdk_stand_in(root)
        for app in ("orders", "payments"):
            deployment = built_package(app)
            with zipfile.ZipFile(deployment) as archive:
                infos = archive.infolist()
            unzipped = sum(info.file_size for info in infos)
            say(
                f"Package {app}: {deployment.stat().st_size / 1e6:.1f} MB zipped, {unzipped / 1e6:.1f} MB and "
                f"{len(infos):,} files unzipped (python3.11 x86_64, without the runtime's AWS SDK)."
            )
            took, frameworks, bare = cold_start(app, root, sdk)
            say(
                f"Cold start, {app}: importing the handler from its package {took:.2f} s; its frameworks (`{FRAMEWORKS}`) "
                f"{frameworks:.2f} s: ratio {took / frameworks:.2f} (target at most 1.3); their bare imports "
                f"(`{BARE_IMPORTS}`) {bare:.2f} s: ratio {took / bare:.2f}. Medians of 7, side by side."
            )


class Counted:
    """The orders app in this process against the stack's emulator, with every DynamoDB request counted."""

    def __init__(self, description: dict[str, Any], state: Path) -> None:
        os.environ.update(app_environment(description), POWERTOOLS_LOG_LEVEL="WARNING")
        os.environ["WELT_CURSOR_SECRET"] = description.get("cursor_secret", "benchmark-cursor-secret-0123456789")
        self.requests = 0
        boto3.setup_default_session(region_name=description["region"])
        boto3.DEFAULT_SESSION.events.register("before-call.dynamodb", self._count)  # type: ignore[union-attr]
        from chalice.test import Client
        from tests.apps import load_app

        self._module = load_app("orders")
        self._client = Client(self._module.app)

    def _count(self, **_: Any) -> None:
        self.requests += 1

    def call(self, method: str, path: str, headers: dict[str, str], body: Any = None) -> tuple[int, Any]:
        self.requests = 0
        extra = {"body": json.dumps(body)} if body is not None else {}
        response = getattr(self._client.http, method)(path, headers={**headers, "Content-Type": "application/json"}, **extra)
        assert response.status_code < 300, response.body
        return self.requests, json.loads(response.body)


def timed(call: Callable[[], requests.Response], runs: int) -> tuple[float, float]:
    latencies = []
    for _ in range(runs):
        started = time.perf_counter()
        call().raise_for_status()
        latencies.append(time.perf_counter() - started)
    return statistics.median(latencies), percentile(latencies, 0.95)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=10_000, help="orders of the big brand")
    parser.add_argument("--small", type=int, default=50, help="orders of the small brand")
    parser.add_argument("--runs", type=int, default=30, help="calls timed per route")
    parser.add_argument("--packages-only", action="store_true", help="only the packages' sizes and cold starts")
    parser.add_argument("--write", action="store_true", help="write the figures to docs/developers/performance.md")
    args = parser.parse_args()
    lines: list[str] = []

    def say(line: str = "") -> None:
        print(line, flush=True)
        lines.append(line)

    if args.packages_only:
        if args.write:
            parser.error("--write rewrites every figure: run without --packages-only")
        package_figures(say)
        return

    with (
        tempfile.TemporaryDirectory() as state,
        stack_on_free_ports(
            # One staff sign-in serves the whole run: staff tokens live Cognito's hour (their age check reads nothing).
            Path(state),
            help_center=False,
            staff_token_seconds=3600,
        ) as stack,
    ):
        description = stack.description
        aws = stack.aws.resource("dynamodb")
        prefix = description["table_prefix"]
        orders_table, brands_table = aws.Table(f"{prefix}{ORDERS.logical_name}"), aws.Table(f"{prefix}{BRANDS.logical_name}")
        brands = DynamoBrandRepository(brands_table)
        started = time.perf_counter()
        grow(orders_table, brands_table, brands.get("DMO"), args.orders)
        grow(orders_table, brands_table, brands.get("BRK"), args.small)
        grown_in = time.perf_counter() - started
        users = {u.get("brand") or "staff": u for u in description["users"]}
        client_id = description["cognito"]["client_id"]

        def headers(who: str) -> dict[str, str]:
            user = users[who]
            return {
                "Authorization": f"Bearer {seed.sign_in(stack.aws, client_id, user['email'], user['password'], user.get('totp_secret'))}"
            }

        big, small, staff = headers("DMO"), headers("BRK"), headers("staff")
        api = description["orders_api"]
        http = requests.Session()
        counted = Counted(description, Path(state))
        unpaid = next(n for n in range(args.orders // 2, args.orders) if n % 5 and n % 17)  # see tests.grown
        number = f"{unpaid:05d}-DMO"
        for pair in ((1, 2), (3, 4), (6, 7), (8, 9)):  # a few groups of unpaid orders, for the group lists
            counted.call("post", "/shipping-groups", big, {"order_numbers": [f"{n:05d}-DMO" for n in pair]})
        say(
            f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.machine()}, {os.cpu_count()} cores, "
            f"Python {platform.python_version()}; brand DMO holds {args.orders:,} orders (grown in {grown_in:.0f} s), "
            f"BRK {args.small}; {args.runs} timed calls per route."
        )
        say()
        say("| operation | DynamoDB requests | target | p50 | p95 |")
        say("| --- | --- | --- | --- | --- |")

        def row(
            name: str, method: str, path: str, who: dict[str, str], body: Any = None, fresh: Callable[[], dict[str, str]] | None = None
        ) -> None:
            count, _ = counted.call(method, path, {**who, **(fresh() if fresh else {})}, body)

            def over_http() -> requests.Response:
                extra = {"json": body} if body is not None else {}
                return http.request(method.upper(), f"{api}{path}", headers={**who, **(fresh() if fresh else {})}, timeout=60, **extra)

            p50, p95 = timed(over_http, args.runs)
            say(f"| `{name}` | {count} | {TARGETS.get(name, '-')} | {p50 * 1000:.0f} ms | {p95 * 1000:.0f} ms |")

        row("POST /orders", "post", "/orders", big, checkout(), fresh=lambda: {"Idempotency-Key": uuid.uuid4().hex})
        row("GET /orders?limit=50", "get", "/orders?limit=50", big)
        row("GET /orders?limit=1&q=nomatch", "get", "/orders?limit=1&q=nomatch", big)
        row("GET /orders?status=WORK_IN_PROCESS&limit=50", "get", "/orders?status=WORK_IN_PROCESS&limit=50", big)
        row("GET /admin/orders?limit=50", "get", "/admin/orders?limit=50", staff)
        row("GET /orders/{n}", "get", f"/orders/{number}", big)
        version = counted.call("get", f"/orders/{number}", big)[1]["version"]
        edits = iter(range(version, version + 2 * args.runs + 2))
        row(
            "PATCH /orders/{n}",
            "patch",
            f"/orders/{number}",
            big,
            {"sizes": [{"size": "EU41", "pairs": 1}]},
            fresh=lambda: {"If-Match": str(next(edits))},
        )
        row("GET /shipping-groups?limit=20", "get", "/shipping-groups?limit=20", big)
        row("GET /admin/shipping-groups?limit=20", "get", "/admin/shipping-groups?limit=20", staff)
        kept_p50, _ = timed(lambda: http.get(f"{api}/health", timeout=60), args.runs)
        fresh_p50, _ = timed(lambda: requests.get(f"{api}/health", timeout=60), args.runs)
        say()
        say(
            f"`GET /health`, p50: {kept_p50 * 1000:.1f} ms on a kept-alive connection, {fresh_p50 * 1000:.1f} ms on a new one "
            "(the local server's own cost; see the note on Nagle's algorithm above)."
        )
        big_p50, _ = timed(lambda: http.get(f"{api}/orders?limit=50", headers=big, timeout=60), args.runs)
        small_p50, _ = timed(lambda: http.get(f"{api}/orders?limit=50", headers=small, timeout=60), args.runs)
        say()
        say(
            f"Pool page of 50, p50: {big_p50 * 1000:.0f} ms for {args.orders:,} orders, {small_p50 * 1000:.0f} ms for "
            f"{args.small}: ratio {big_p50 / small_p50:.2f} (target at most 1.3)."
        )
    package_figures(say)
    if args.write:
        page = REPO / "docs" / "developers" / "performance.md"
        intro = page.read_text().split("<!-- figures -->")[0]
        page.write_text(intro + "<!-- figures -->\n\n" + "\n".join(lines) + "\n")
        print(f"written to {page.relative_to(REPO)}")


if __name__ == "__main__":
    main()
