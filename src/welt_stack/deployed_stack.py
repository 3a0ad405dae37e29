"""Welt as deployed, on this machine: ministack with every stack of the CDK app, localstripe, the two sites.

Both APIs answer through the emulated API Gateway (Cognito authorizer, throttling, gateway responses) into the
Lambda packages `make package` built; the outbox stream and both schedules run the worker functions; every AWS
call a function makes is checked against its role (ministack's AUTH=true). The browser app and the help center
are served from the same folders as `make dev`. `make dev-deployed` runs it until Ctrl-C; tests/deployed starts
it once per session.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import subprocess
import sys
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from welt.web_policy import content_security_policy
from welt_stack import seed
from welt_stack.deployed import ROOT_KEY, Deployment, deploy_assembly
from welt_stack.ports import port_is_free, reserved_ports
from welt_stack.processes import ChildProcesses, StackError, run_until_interrupted
from welt_stack.stack import HOST, REGION, REPO, log_tails, register_webhook

STAGE_PREFIX = "welt-local-"


@dataclass(frozen=True)
class DeployedPorts:
    ministack: int = 4566
    stripe: int = 8420
    web: int = 8000
    docs: int = 8003


def execute_api_url(endpoint: str, api_url: str) -> str:
    """An API's URL as CloudFormation gives it (https://{id}.execute-api.{region}.amazonaws.com/{stage}/) at the emulator."""
    parts = urllib.parse.urlsplit(api_url)
    api_id = parts.hostname.split(".", 1)[0] if parts.hostname else ""
    return f"{endpoint}/_aws/execute-api/{api_id}{parts.path.rstrip('/')}"


@dataclass
class DeployedStack(ChildProcesses):
    """The processes of the deployed shape, and what was deployed into the emulator."""

    cdk_out: Path
    ports: DeployedPorts = field(default_factory=DeployedPorts)
    state_dir: Path = REPO / ".welt"
    help_center: bool = True
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    description: dict[str, Any] = field(default_factory=dict)
    deployment: Deployment | None = None

    @property
    def aws_endpoint(self) -> str:
        return f"http://{HOST}:{self.ports.ministack}"

    @property
    def aws(self) -> seed.Aws:
        return seed.Aws(REGION, self.aws_endpoint, access_key=ROOT_KEY)

    @property
    def description_file(self) -> Path:
        return self.state_dir / "dev-stack.json"

    def _start_emulator(self, stripe_api_base: str) -> None:
        # ministack hands its own environment to the functions it runs (under the function's own variables),
        # so it starts from a clean one: its settings, and where Stripe is (localstripe instead of api.stripe.com).
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": os.environ.get("HOME", str(self.state_dir)),
            "TMPDIR": str(self.state_dir / "tmp"),
            "GATEWAY_PORT": str(self.ports.ministack),
            "BIND_HOST": HOST,
            "MINISTACK_REGION": REGION,
            "AUTH": "true",  # every call is checked against the caller's IAM policies
            "IOT_MTLS_ENABLED": "0",  # it would listen on a fixed port of its own
            "SFTP_ENABLED": "0",
            "LOG_LEVEL": "WARNING",
            "STRIPE_API_BASE": stripe_api_base,
        }
        (self.state_dir / "tmp").mkdir(parents=True, exist_ok=True)
        self._spawn("ministack", [str(Path(sys.executable).parent / "ministack")], env)
        self._wait_for("ministack", f"{self.aws_endpoint}/_ministack/health")

    def start(self) -> dict[str, Any]:
        wanted = (self.ports.ministack, self.ports.stripe, self.ports.web, self.ports.docs)
        busy = [port for port in wanted if not port_is_free(port)]
        if busy:
            raise StackError(f"ports {busy} are in use: is another local stack running?")
        if not (self.cdk_out / "manifest.json").is_file():
            raise StackError(f"{self.cdk_out} holds no cloud assembly: run `make synth STAGE=local CONTEXT=emulator=true`")
        self.description_file.unlink(missing_ok=True)
        bin_dir = Path(sys.executable).parent

        stripe_base = f"http://{HOST}:{self.ports.stripe}"
        self._spawn("stripe", [str(bin_dir / "localstripe"), "--port", str(self.ports.stripe), "--from-scratch"], dict(os.environ))
        stripe = {
            "api_base": stripe_base,
            "publishable_key": f"pk_test_{secrets.token_hex(12)}",
            "secret_key": f"sk_test_{secrets.token_hex(12)}",
            "webhook_secret": f"whsec_{secrets.token_hex(16)}",
            "js_url": f"{stripe_base}/js.stripe.com/v3/",
        }
        self._start_emulator(stripe_base)
        self._wait_for("stripe", stripe["js_url"])

        aws = self.aws
        self.deployment = deploy_assembly(aws, self.cdk_out)
        outputs = {key: value for stack_outputs in self.deployment.outputs.values() for key, value in stack_outputs.items()}
        orders_api = execute_api_url(self.aws_endpoint, next(v for k, v in outputs.items() if k.startswith("OrdersApiUrl")))
        payments_api = execute_api_url(self.aws_endpoint, next(v for k, v in outputs.items() if k.startswith("PaymentsApiUrl")))
        pool_id = self.deployment.only("AWS::Cognito::UserPool")
        client_id = self.deployment.only("AWS::Cognito::UserPoolClient")

        # What an operator puts in after the first deploy (docs/developers/deploying.md): Stripe's keys, the brands
        # and their users. The sender is the mail stack's domain identity; verifying the address too would make
        # SES authorize against the address's identity, which the functions' roles do not name (as on AWS).
        secrets_manager = aws.client("secretsmanager")
        for secret_id in self.deployment.all("AWS::SecretsManager::Secret"):
            if "stripe-secret-key" in secret_id:
                secrets_manager.put_secret_value(SecretId=secret_id, SecretString=stripe["secret_key"])
            elif "stripe-webhook-secret" in secret_id:
                secrets_manager.put_secret_value(SecretId=secret_id, SecretString=stripe["webhook_secret"])
        web_origin = f"http://{HOST}:{self.ports.web}"
        users = seed.seed_demo(aws, STAGE_PREFIX, pool_id, web_origin)  # through the onboarding code, as an operator would
        register_webhook(stripe, f"{payments_api}/webhooks/stripe")

        web_config = self.state_dir / "web-config.json"
        web_config.write_text(
            json.dumps(
                {
                    "orders_api": orders_api,
                    "payments_api": payments_api,
                    "help_center": f"http://{HOST}:{self.ports.docs}/",
                    "region": REGION,
                    "cognito": {"user_pool_id": pool_id, "client_id": client_id, "endpoint": self.aws_endpoint},
                    "stripe": {"publishable_key": stripe["publishable_key"], "js_url": stripe["js_url"]},
                },
                indent=2,
            )
        )
        static = [sys.executable, "-m", "welt_stack.static"]
        policy = content_security_policy(
            [self.aws_endpoint], self.aws_endpoint, stripe_js_origin=stripe_base, stripe_api_origin=stripe_base
        )
        self._spawn(
            "web",
            [
                *static,
                *("--port", str(self.ports.web), "--root", str(REPO / "web"), "--config", str(web_config), "--policy", policy),
                *("--emails-from", "ministack", "--aws-endpoint", self.aws_endpoint),
            ],
            dict(os.environ),
        )
        site = self._help_center(bin_dir)
        self._spawn("docs", [*static, "--port", str(self.ports.docs), "--root", str(site)], dict(os.environ))
        self._wait_for("web", f"{web_origin}/config.json")
        self._wait_for("docs", f"http://{HOST}:{self.ports.docs}/")

        self.description = {
            "orders_api": orders_api,
            "payments_api": payments_api,
            "web": web_origin,
            "docs": f"http://{HOST}:{self.ports.docs}",
            "aws_endpoint": self.aws_endpoint,
            "region": REGION,
            "table_prefix": STAGE_PREFIX,
            "mail_from": seed.MAIL_FROM,
            "cognito": {"user_pool_id": pool_id, "client_id": client_id},
            "stripe": stripe,
            "users": users,
            "emails_url": f"{web_origin}/emails.json",
            "logs": str(self.state_dir / "logs"),
            "deployed_in_seconds": round(self.deployment.seconds, 1),
        }
        unfinished = self.description_file.with_suffix(".tmp")
        unfinished.write_text(json.dumps(self.description, indent=2))
        unfinished.replace(self.description_file)
        return self.description

    def _help_center(self, bin_dir: Path) -> Path:
        site = self.state_dir / "site"
        built = REPO / "build" / "site"
        if self.help_center and (built / "index.html").is_file():
            return built  # `make synth` built it
        if self.help_center:
            log = (self.state_dir / "logs" / "docs-build.log").open("wb")
            command = [str(bin_dir / "mkdocs"), "build", "--quiet", "--site-dir", str(site)]
            if subprocess.run(command, cwd=REPO, stdout=log, stderr=subprocess.STDOUT, check=False).returncode != 0:  # noqa: S603
                raise StackError(f"the help center did not build; see {self.state_dir / 'logs' / 'docs-build.log'}")
            return site
        site.mkdir(parents=True, exist_ok=True)
        (site / "index.html").write_text("<p>This stack was started without the help center.</p>")
        return site

    def stop(self) -> None:
        if self.description:
            self.description_file.unlink(missing_ok=True)
            self.description = {}
        self._stop_processes()


@contextmanager
def deployed_on_free_ports(cdk_out: Path, state_dir: Path, help_center: bool = False) -> Iterator[DeployedStack]:
    """The deployed shape beside anything else running; stopped on the way out."""
    with reserved_ports(4) as ports:
        deployed = DeployedStack(cdk_out, DeployedPorts(*ports), state_dir=state_dir, help_center=help_center)
        try:
            deployed.start()
        except BaseException as error:
            deployed.stop()
            if isinstance(error, StackError):
                raise StackError(f"{error}\n{log_tails(state_dir / 'logs')}") from None
            raise
        try:
            yield deployed
        finally:
            deployed.stop()


def main() -> int:
    """`make dev-deployed`: run the deployed shape until Ctrl-C."""
    parser = argparse.ArgumentParser(prog="welt-dev-deployed", description=__doc__)
    parser.add_argument("--cdk-out", type=Path, default=REPO / "build" / "cdk.out")
    parser.add_argument("--ministack-port", type=int, default=4566)
    parser.add_argument("--stripe-port", type=int, default=8420)
    parser.add_argument("--web-port", type=int, default=8000)
    parser.add_argument("--docs-port", type=int, default=8003)
    parser.add_argument("--state-dir", type=Path, default=REPO / ".welt", help="where dev-stack.json and logs go")
    args = parser.parse_args()
    ports = DeployedPorts(args.ministack_port, args.stripe_port, args.web_port, args.docs_port)
    stack = DeployedStack(args.cdk_out, ports, state_dir=args.state_dir)
    return run_until_interrupted(stack, f"Deploying {args.cdk_out} into ministack...", "The deployed shape")


if __name__ == "__main__":
    sys.exit(main())
