"""What differs between deployments (stages): names, addresses, limits; read from CDK context, never looked up."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from welt.adapters.tables import TableDefinition

DEFAULT_REGION = "eu-west-1"
# Stages that take real orders and money: a synth of one refuses the placeholder settings below.
PRODUCTION_STAGES = frozenset({"prod"})


@dataclass(frozen=True)
class Stage:
    name: str
    region: str = DEFAULT_REGION
    account: str | None = None
    # SES sends as this address; its domain is the verified identity.
    mail_from: str = "orders@welt.example"
    # The browser app's origin for CORS. "*" until the app has its own domain: the APIs take bearer
    # tokens only (no cookies), so a wildcard origin lets no page act as a signed-in user.
    web_origin: str = "*"
    # The browser app's address, named in invitation emails (its CloudFront address is known only after the
    # first deploy: `make deploy ... -c sign_in_url=https://...` then). Empty: the web origin, if not "*".
    sign_in_url: str = ""
    # Public by design (the browser uses it); the secret key and webhook secret live in Secrets Manager.
    stripe_publishable_key: str = "pk_test_set_me"
    # Who is told when an alarm fires; none means the alarm topic has no subscriber yet.
    alarm_email: str | None = None
    # Steady requests per second and burst per API stage; requests over it get 429 problem+json.
    throttle_rate: int = 50
    throttle_burst: int = 100
    # Requests one address may send in five minutes (WAF), well below the route limit every brand shares: a
    # flood from one address is cut off long before it can use up the others' share. 1500 is 5 a second,
    # sustained: more than an office of people clicking through the app ever sends.
    per_address_per_5_minutes: int = 1500
    # Lambda instances kept for each API function, so a flood on one cannot take the other's (or the workers')
    # capacity, nor run the account's concurrency dry. Reconciliation runs one at a time. An account whose
    # concurrency limit is below ~250 (new accounts start at 10) must ask for more first, or synth with
    # `-c api_reserved_concurrency=0` (no reservation).
    api_reserved_concurrency: int = 100
    reconcile_reserved_concurrency: int = 1
    # API Gateway refuses larger bodies with 413 before a function runs (Welt's bodies are a few KB).
    max_body_bytes: int = 64 * 1024
    # Deployed into the local AWS emulator (ministack, `make deploy-local`): leaves out exactly the resources it
    # cannot create or run, each named with its reason in infra/README.md. Never set for an AWS account.
    emulator: bool = False

    @property
    def prefix(self) -> str:
        return f"welt-{self.name}-"

    @property
    def mail_domain(self) -> str:
        return self.mail_from.split("@", 1)[1]

    def table_name(self, table: TableDefinition) -> str:
        return f"{self.prefix}{table.logical_name}"

    def reserved_concurrency(self, function_name: str) -> int | None:
        """The instances kept for a function (None: it shares the account's pool)."""
        kept = {
            "orders-api": self.api_reserved_concurrency,
            "payments-api": self.api_reserved_concurrency,
            "reconcile-payments": self.reconcile_reserved_concurrency,
        }.get(function_name)
        return kept or None

    def stack_name(self, part: str) -> str:
        return f"welt-{self.name}-{part}"

    def placeholders(self) -> list[str]:
        """Each setting still at a value that only suits trying Welt out, with what to give instead."""
        found = []
        if self.mail_domain.endswith(".example") or self.mail_from == Stage.mail_from:
            found.append(f"mail_from={self.mail_from}: give the sender address on the factory's own domain")
        if not self.stripe_publishable_key.startswith("pk_live_"):
            found.append(f"stripe_publishable_key={self.stripe_publishable_key}: give the live publishable key (pk_live_...)")
        if not self.alarm_email:
            found.append("alarm_email is not set: give the address that is told when an alarm fires")
        if self.web_origin == "*" or not self.web_origin.startswith("https://"):
            found.append(f"web_origin={self.web_origin}: give the browser app's https:// origin")
        return found


def stage_from_context(context: dict[str, Any]) -> Stage:
    """`make synth STAGE=prod` passes `-c stage=prod`; every other setting can be given the same way."""
    name = str(context.get("stage") or "dev")
    fields: dict[str, Any] = {"name": name}
    for key in ("region", "account", "mail_from", "web_origin", "sign_in_url", "alarm_email", "stripe_publishable_key"):
        if context.get(key):
            fields[key] = str(context[key])
    for key in ("throttle_rate", "throttle_burst", "max_body_bytes", "per_address_per_5_minutes"):
        if context.get(key):
            fields[key] = int(context[key])
    for key in ("api_reserved_concurrency", "reconcile_reserved_concurrency"):
        if context.get(key) is not None and str(context[key]) != "":
            fields[key] = int(context[key])
    fields["emulator"] = str(context.get("emulator", "")).lower() == "true"
    stage = Stage(**fields)
    if stage.name in PRODUCTION_STAGES and (placeholders := stage.placeholders()):
        settings = "\n".join(f"  - {text}" for text in placeholders)
        raise SystemExit(
            f"Stage {stage.name} takes real orders, but these settings are placeholders:\n{settings}\n"
            f'Give each as CDK context: make synth STAGE={stage.name} CONTEXT="setting=value ..."'
        )
    return stage
