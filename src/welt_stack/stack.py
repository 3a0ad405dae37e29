"""Starts, watches and stops the processes of the local stack (SPEC section 8)."""

from __future__ import annotations

import dataclasses
import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from welt.config import AEAT_QR_PREPRODUCTION
from welt.web_policy import content_security_policy
from welt_stack import seed
from welt_stack.faults import FaultProxy
from welt_stack.ports import listens, port_is_free, reserved_ports

REPO = Path(__file__).resolve().parents[2]
REGION = "eu-west-1"
HOST = "127.0.0.1"
# With the fault proxy in front of Stripe, a held connection times out this fast (and is retried twice).
FAULT_SUITE_STRIPE_TIMEOUT = 2.0


WEBHOOK_EVENTS = ("payment_intent.succeeded", "payment_intent.payment_failed", "payment_intent.canceled", "charge.refunded")


def app_environment(description: dict[str, Any], with_stripe: bool = False) -> dict[str, str]:
    """The settings a Welt function (or a command acting as one) needs to run against this stack."""
    pool = description["cognito"]
    env = {
        "AWS_ENDPOINT_URL": description["aws_endpoint"],
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_DEFAULT_REGION": description["region"],
        "AWS_REGION": description["region"],
        "WELT_TABLE_PREFIX": description["table_prefix"],
        "WELT_USER_POOL_ID": pool["user_pool_id"],
        "WELT_APP_CLIENT_ID": pool["client_id"],
        "WELT_JWKS_URL": f"{description['aws_endpoint']}/{pool['user_pool_id']}/.well-known/jwks.json",
        "WELT_MAIL_FROM": description["mail_from"],
        # The end-to-end and browser suites pay and mail for the two demo brands hundreds of times an hour on one
        # stack; the caps themselves are proven in the unit and DynamoDB tiers (docs/developers/security.md).
        "WELT_CARD_CONFIRMATIONS_PER_BRAND_HOUR": "5000",
        "WELT_EMAILS_PER_BRAND_HOUR": "50000",
        # VAT IDs are checked against a stand-in VIES register (see welt.adapters.vies.LocalVies).
        "WELT_VIES_URL": "local",
        # Invoices made on the local stack are checked against AEAT's test environment, never production.
        "WELT_AEAT_QR_URL": AEAT_QR_PREPRODUCTION,
        "POWERTOOLS_LOG_LEVEL": "INFO",
    }
    if with_stripe:
        stripe = description["stripe"]
        env.update(
            STRIPE_SECRET_KEY=stripe["secret_key"],
            STRIPE_WEBHOOK_SECRET=stripe["webhook_secret"],
            STRIPE_PUBLISHABLE_KEY=stripe["publishable_key"],
            STRIPE_API_BASE=stripe["api_base"],
            STRIPE_JS_URL=stripe["js_url"],
        )
    return env


def register_webhook(stripe: dict[str, str], url: str) -> None:
    """Point the Stripe emulator's signed webhooks at the payments API."""
    form = {"url": url, "secret": stripe["webhook_secret"]}
    form.update({f"events[{i}]": event for i, event in enumerate(WEBHOOK_EVENTS)})
    data = urllib.parse.urlencode(form).encode()
    request = urllib.request.Request(f"{stripe['api_base']}/_config/webhooks/welt", data=data, method="POST")  # noqa: S310
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (loopback only)
        if response.status != 200:
            raise StackError(f"the Stripe emulator refused the webhook: {response.status}")


class StackError(RuntimeError):
    """A part of the local stack did not come up."""


class PortTakenError(StackError):
    """Another process holds one of the stack's ports."""


@dataclass(frozen=True)
class Ports:
    moto: int = 5055
    orders: int = 8001
    payments: int = 8002
    stripe: int = 8420
    web: int = 8000
    docs: int = 8003
    aeat: int = 8421


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (loopback only)
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


@dataclass
class LocalStack:
    """The moto server, both Chalice apps and the email retry worker, as child processes."""

    ports: Ports = field(default_factory=Ports)
    state_dir: Path = REPO / ".welt"
    table_prefix: str = "welt-dev-"
    help_center: bool = True  # build and serve the help center (tests that do not read it skip the build)
    # Put a fault proxy (welt_stack.faults) between the functions and the Stripe and AWS emulators; its plan is
    # empty (everything passes) until the fault suite sets one.
    faults: bool = False
    # The TiempoEsperaEnvio the stand-in AEAT answers: AEAT's 60 s for `make dev`; test stacks wait less.
    aeat_wait_seconds: int = 60
    fault_proxies: dict[str, FaultProxy] = field(default_factory=dict)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    description: dict[str, Any] = field(default_factory=dict)

    @property
    def aws_endpoint(self) -> str:
        return f"http://{HOST}:{self.ports.moto}"

    @property
    def artwork_bucket(self) -> str:
        """One bucket per stack, named like its tables (bucket names allow no capitals or underscores)."""
        return f"{self.table_prefix}artwork".lower().replace("_", "-")

    @property
    def aws(self) -> seed.Aws:
        return seed.Aws(REGION, self.aws_endpoint)

    @property
    def description_file(self) -> Path:
        return self.state_dir / "dev-stack.json"

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
            if _answers(url):
                if listens(process.pid, port):
                    return
                raise PortTakenError(f"port {port} is in use by another process, not by {name}: is another local stack running?")
            time.sleep(0.2)
        raise StackError(f"{name} did not answer at {url} within {timeout:.0f}s")

    def aws_environment(self) -> dict[str, str]:
        return {
            "AWS_ENDPOINT_URL": self.aws_endpoint,
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
        }

    def start(self) -> dict[str, Any]:
        wanted = (
            self.ports.moto,
            self.ports.orders,
            self.ports.payments,
            self.ports.stripe,
            self.ports.web,
            self.ports.docs,
            self.ports.aeat,
        )
        busy = [port for port in wanted if not port_is_free(port)]
        if busy:
            raise PortTakenError(f"ports {busy} are in use: is another local stack running?")
        self.description_file.unlink(missing_ok=True)
        bin_dir = Path(sys.executable).parent
        base_env = {**os.environ, **self.aws_environment()}

        # moto checks authenticator codes only when asked to (against its one fixed secret, see docs/developers/testing.md).
        moto_env = {**base_env, "MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP": "true"}
        self._spawn("moto", [sys.executable, "-m", "welt_stack.aws_emulator", "-H", HOST, "-p", str(self.ports.moto)], moto_env)
        self._wait_for("moto", f"{self.aws_endpoint}/moto-api/data.json")
        aws = self.aws
        seed.create_tables(aws, self.table_prefix)
        seed.verify_sender(aws)
        seed.create_artwork_bucket(aws, self.artwork_bucket, f"http://{HOST}:{self.ports.web}")
        pool = seed.create_user_pool(aws)
        pool["users"] = seed.seed_demo(aws, self.table_prefix, pool["user_pool_id"], f"http://{HOST}:{self.ports.web}")

        stripe_base = f"http://{HOST}:{self.ports.stripe}"
        self._spawn("stripe", [str(bin_dir / "localstripe"), "--port", str(self.ports.stripe), "--from-scratch"], base_env)
        stripe = {
            "api_base": stripe_base,
            "publishable_key": f"pk_test_{secrets.token_hex(12)}",
            "secret_key": f"sk_test_{secrets.token_hex(12)}",
            "webhook_secret": f"whsec_{secrets.token_hex(16)}",
            "js_url": f"{stripe_base}/js.stripe.com/v3/",
        }
        self._wait_for("stripe", stripe["js_url"])

        # AEAT's VERI*FACTU service, as the stand-in that checks each submission against AEAT's schemas.
        aeat_base = f"http://{HOST}:{self.ports.aeat}"
        aeat = [sys.executable, "-m", "welt_stack.aeat_emulator", "--port", str(self.ports.aeat), "--wait", str(self.aeat_wait_seconds)]
        self._spawn("aeat", aeat, base_env)
        self._wait_for("aeat", f"{aeat_base}/health")

        settings = {
            "aws_endpoint": self.aws_endpoint,
            "region": REGION,
            "table_prefix": self.table_prefix,
            "mail_from": seed.MAIL_FROM,
            "cognito": pool,
            "stripe": stripe,
        }
        if self.faults:
            self.fault_proxies = {"stripe": FaultProxy(stripe_base, seed=1).start(), "aws": FaultProxy(self.aws_endpoint, seed=2).start()}
            settings = {
                **settings,
                "aws_endpoint": self.fault_proxies["aws"].url,
                "stripe": {**stripe, "api_base": self.fault_proxies["stripe"].url},
            }
        web_origin = f"http://{HOST}:{self.ports.web}"
        orders_env = {
            **base_env,
            **app_environment(settings),
            "WELT_CURSOR_SECRET": secrets.token_hex(32),
            "WELT_WEB_ORIGIN": web_origin,
            # As deployed, only the orders function reaches the artwork bucket.
            "WELT_ARTWORK_BUCKET": self.artwork_bucket,
        }
        # Least privilege, as deployed: only the payments function gets the Stripe keys.
        payments_env = {**base_env, **app_environment(settings, with_stripe=True), "WELT_WEB_ORIGIN": web_origin}
        # As deployed, sending records needs the invoices table and AEAT, never Stripe's keys.
        records_env = {
            **base_env,
            **app_environment(settings),
            "WELT_AEAT_URL": f"{aeat_base}/wlpl/TIKE-CONT/ws/SistemaFacturacion/VerifactuSOAP",
        }
        if self.faults:
            payments_env["STRIPE_TIMEOUT_SECONDS"] = str(FAULT_SUITE_STRIPE_TIMEOUT)
        for name, port, env in (("orders", self.ports.orders, orders_env), ("payments", self.ports.payments, payments_env)):
            command = [str(bin_dir / "chalice"), "local", "--host", HOST, "--port", str(port), "--no-autoreload"]
            self._spawn(name, command, env, cwd=REPO / "functions" / name)
        self._spawn("email-retry", [sys.executable, "-m", "welt_stack.email_retry", "--every", "0.5"], orders_env)
        self._spawn("reconcile", [sys.executable, "-m", "welt_stack.reconcile", "--every", "60"], payments_env)
        self._spawn("submit-records", [sys.executable, "-m", "welt_stack.submit_records", "--every", "2"], records_env)
        self._wait_for("orders", f"http://{HOST}:{self.ports.orders}/health")
        self._wait_for("payments", f"http://{HOST}:{self.ports.payments}/health")
        register_webhook(stripe, f"http://{HOST}:{self.ports.payments}/webhooks/stripe")

        web_config = self.state_dir / "web-config.json"
        web_config.write_text(json.dumps(self.browser_config(pool, stripe), indent=2))
        static = [sys.executable, "-m", "welt_stack.static"]
        policy = content_security_policy(
            [f"http://{HOST}:{self.ports.orders}", f"http://{HOST}:{self.ports.payments}"],
            self.aws_endpoint,
            stripe_js_origin=stripe["api_base"],
            stripe_api_origin=stripe["api_base"],
        )
        self._spawn(
            "web",
            [
                *static,
                *("--port", str(self.ports.web), "--root", str(REPO / "web"), "--config", str(web_config), "--policy", policy),
                *("--emails-from", "moto", "--aws-endpoint", self.aws_endpoint),
            ],
            base_env,
        )
        site = self._build_help_center(bin_dir)
        self._spawn("docs", [*static, "--port", str(self.ports.docs), "--root", str(site)], base_env)
        self._wait_for("web", f"http://{HOST}:{self.ports.web}/config.json")
        self._wait_for("docs", f"http://{HOST}:{self.ports.docs}/")

        self.description = {
            "orders_api": f"http://{HOST}:{self.ports.orders}",
            "payments_api": f"http://{HOST}:{self.ports.payments}",
            "web": f"http://{HOST}:{self.ports.web}",
            "docs": f"http://{HOST}:{self.ports.docs}",
            "aws_endpoint": self.aws_endpoint,
            "region": REGION,
            "table_prefix": self.table_prefix,
            "artwork_bucket": self.artwork_bucket,
            "mail_from": seed.MAIL_FROM,
            "cognito": {"user_pool_id": pool["user_pool_id"], "client_id": pool["client_id"]},
            "stripe": stripe,
            "users": pool["users"],
            "emails_url": f"http://{HOST}:{self.ports.web}/emails.json",
            "aeat": aeat_base,
            "logs": str(self.state_dir / "logs"),
        }
        unfinished = self.description_file.with_suffix(".tmp")
        unfinished.write_text(json.dumps(self.description, indent=2))
        unfinished.replace(self.description_file)
        return self.description

    def browser_config(self, pool: dict[str, Any], stripe: dict[str, str]) -> dict[str, Any]:
        """What the browser app needs: API addresses, Cognito ids, the Stripe publishable key; no secrets."""
        return {
            "orders_api": f"http://{HOST}:{self.ports.orders}",
            "payments_api": f"http://{HOST}:{self.ports.payments}",
            "region": REGION,
            "cognito": {"user_pool_id": pool["user_pool_id"], "client_id": pool["client_id"], "endpoint": self.aws_endpoint},
            "stripe": {"publishable_key": stripe["publishable_key"], "js_url": stripe["js_url"]},
        }

    def _build_help_center(self, bin_dir: Path) -> Path:
        """Build the help center into the state folder (search included); served as static files."""
        site = self.state_dir / "site"
        if not self.help_center or not (REPO / "mkdocs.yml").exists():
            site.mkdir(parents=True, exist_ok=True)
            (site / "index.html").write_text("<p>This stack was started without the help center.</p>")
            return site
        log = (self.state_dir / "logs" / "docs-build.log").open("wb")
        result = subprocess.run(  # noqa: S603 (our own command)
            [str(bin_dir / "mkdocs"), "build", "--quiet", "--site-dir", str(site)],
            cwd=REPO,
            stdout=log,
            stderr=subprocess.STDOUT,
            check=False,
        )
        if result.returncode != 0:
            raise StackError(f"the help center did not build; see {self.state_dir / 'logs' / 'docs-build.log'}")
        return site

    def stop(self) -> None:
        if self.description:  # only the stack that wrote the file takes it away
            self.description_file.unlink(missing_ok=True)
            self.description = {}
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
        for proxy in self.fault_proxies.values():
            proxy.stop()
        self.fault_proxies.clear()

    def __enter__(self) -> LocalStack:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def dead(self) -> list[str]:
        return [name for name, process in self.processes.items() if process.poll() is not None]


@contextmanager
def reserved_stack_ports() -> Iterator[Ports]:
    """A port for every part of the stack that listens, held against every other stack until the block ends."""
    names = [part.name for part in dataclasses.fields(Ports)]
    with reserved_ports(len(names)) as ports:
        yield Ports(**dict(zip(names, ports, strict=True)))


def log_tails(logs: Path, lines: int = 30) -> str:
    return "\n".join(
        f"--- {log.name} ---\n" + "\n".join(log.read_text(errors="replace").splitlines()[-lines:]) for log in sorted(logs.glob("*.log"))
    )


@contextmanager
def stack_on_free_ports(
    state_dir: Path, help_center: bool = True, attempts: int = 3, faults: bool = False, aeat_wait_seconds: int = 60
) -> Iterator[LocalStack]:
    """A local stack beside anything else running (tests, benchmarks, screenshots); stopped on the way out."""
    for attempt in range(attempts):
        with reserved_stack_ports() as ports:
            local = LocalStack(ports, state_dir=state_dir, help_center=help_center, faults=faults, aeat_wait_seconds=aeat_wait_seconds)
            try:
                local.start()
            except BaseException as error:
                local.stop()
                if isinstance(error, PortTakenError) and attempt + 1 < attempts:
                    continue  # a process that is not a Welt stack took a port between reserving and binding
                if isinstance(error, StackError):
                    raise StackError(f"{error}\n{log_tails(state_dir / 'logs')}") from None
                raise
            try:
                yield local
            finally:
                local.stop()
            return
