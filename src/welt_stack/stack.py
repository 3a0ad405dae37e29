"""Starts, watches and stops the processes of the local stack (SPEC section 8)."""

from __future__ import annotations

import dataclasses
import json
import os
import secrets
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from welt.config import AEAT_QR_PREPRODUCTION
from welt.web_policy import content_security_policy, help_center_policy
from welt_stack import seed
from welt_stack.faults import FaultProxy
from welt_stack.ports import port_is_free, reserved_ports
from welt_stack.processes import REPO, ChildProcesses, PortTakenError, StackError

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


@dataclass(frozen=True)
class Ports:
    moto: int = 5055
    orders: int = 8001
    payments: int = 8002
    stripe: int = 8420
    web: int = 8000
    docs: int = 8003
    aeat: int = 8421


@dataclass
class LocalStack(ChildProcesses):
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
    # How old a staff ID token may be (WELT_STAFF_TOKEN_SECONDS); None: Welt's 15 minutes, as deployed.
    staff_token_seconds: int | None = None
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
        if self.staff_token_seconds is not None:
            for env in (orders_env, payments_env):
                env["WELT_STAFF_TOKEN_SECONDS"] = str(self.staff_token_seconds)
        if self.faults:
            payments_env["STRIPE_TIMEOUT_SECONDS"] = str(FAULT_SUITE_STRIPE_TIMEOUT)
        # As deployed (infra/access.py), reconciliation asks Stripe with its key and never verifies a webhook.
        reconcile_env = {name: value for name, value in payments_env.items() if name != "STRIPE_WEBHOOK_SECRET"}
        for name, port, env in (("orders", self.ports.orders, orders_env), ("payments", self.ports.payments, payments_env)):
            command = [sys.executable, "-m", "welt_stack.chalice_local", "local", "--host", HOST, "--port", str(port), "--no-autoreload"]
            self._spawn(name, command, env, cwd=REPO / "functions" / name)
        self._spawn("email-retry", [sys.executable, "-m", "welt_stack.email_retry", "--every", "0.5"], orders_env)
        self._spawn("reconcile", [sys.executable, "-m", "welt_stack.reconcile", "--every", "60"], reconcile_env)
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
        # The help center's Content-Security-Policy header, as CloudFront sends it (infra/web_stack.py).
        docs_policy = help_center_policy(page.read_text(encoding="utf-8") for page in sorted(site.rglob("*.html")))
        self._spawn("docs", [*static, "--port", str(self.ports.docs), "--root", str(site), "--policy", docs_policy], base_env)
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
            "help_center": f"http://{HOST}:{self.ports.docs}/",
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
        self._stop_processes()
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
    state_dir: Path,
    help_center: bool = True,
    attempts: int = 3,
    faults: bool = False,
    aeat_wait_seconds: int = 60,
    staff_token_seconds: int | None = None,
) -> Iterator[LocalStack]:
    """A local stack beside anything else running (tests, benchmarks, screenshots); stopped on the way out."""
    for attempt in range(attempts):
        with reserved_stack_ports() as ports:
            local = LocalStack(
                ports,
                state_dir=state_dir,
                help_center=help_center,
                faults=faults,
                aeat_wait_seconds=aeat_wait_seconds,
                staff_token_seconds=staff_token_seconds,
            )
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
