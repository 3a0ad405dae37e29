"""The operator's command line: the first staff user, brands and their users, on the local stack or a deployed stage.

    python -m welt.admin create-staff-user ops@factory.example --name "Ops"
    python -m welt.admin register-brand XYZ --name "Xyz Shoes" --legal-name "Xyz Shoes S.L." --contact-email a@xyz.example \
        --line1 "Calle Mayor 5" --city Elche --postal-code 03201 --country ES [--vat-id ESB12345674]
    python -m welt.admin invite-user XYZ ana@xyz.example --name "Ana Ruiz"
    python -m welt.admin --stage prod --region eu-west-1 list-brands

It runs the same service code as the orders API (welt.services.onboarding), as factory staff, against the local
stack's description (.welt/dev-stack.json) or a deployed stage's CloudFormation outputs. Invitations go through the
outbox like every email, so the stage's own sender delivers them.
"""

from __future__ import annotations

import argparse
import json
import secrets
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3

from welt.adapters.tables import TableDefinition
from welt.services.callers import Caller
from welt.services.onboarding import BrandRegistration, Invitation, Onboarding
from welt.services.resources import StaffBrand

OPERATOR = Caller(subject="operator", brand=None, staff=True)
LOCAL_DESCRIPTION = Path(".welt") / "dev-stack.json"


@dataclass(frozen=True)
class Target:
    """Where the commands act: a region, an endpoint (the local emulator) or None (AWS), the tables and the pool."""

    region: str
    endpoint: str | None
    table_prefix: str
    user_pool_id: str
    sign_in_url: str
    # An emulator's credentials: any for moto; ministack's account root (with IAM checks on) is "test".
    access_key: str = "local"

    def client(self, service: str) -> Any:
        local = {"endpoint_url": self.endpoint, "aws_access_key_id": self.access_key, "aws_secret_access_key": self.access_key}
        return boto3.client(service, region_name=self.region, **(local if self.endpoint else {}))  # type: ignore[call-overload]

    def resource(self, service: str) -> Any:
        local = {"endpoint_url": self.endpoint, "aws_access_key_id": self.access_key, "aws_secret_access_key": self.access_key}
        return boto3.resource(service, region_name=self.region, **(local if self.endpoint else {}))  # type: ignore[call-overload]


def local_target(description_file: Path) -> Target:
    """The local stack, as `make dev` describes it."""
    described = json.loads(description_file.read_text(encoding="utf-8"))
    return Target(
        region=described["region"],
        endpoint=described["aws_endpoint"],
        table_prefix=described["table_prefix"],
        user_pool_id=described["cognito"]["user_pool_id"],
        sign_in_url=described.get("web") or "http://127.0.0.1:8000",
    )


def stage_target(stage: str, region: str) -> Target:
    """A deployed stage, from its stacks' outputs (the names infra/stage.py gives them)."""
    cloudformation = boto3.client("cloudformation", region_name=region)

    def outputs(part: str) -> dict[str, str]:
        stack = cloudformation.describe_stacks(StackName=f"welt-{stage}-{part}")["Stacks"][0]
        return {output["OutputKey"]: output["OutputValue"] for output in stack.get("Outputs", [])}

    return Target(
        region=region,
        endpoint=None,
        table_prefix=f"welt-{stage}-",
        user_pool_id=outputs("auth")["UserPoolId"],
        sign_in_url=outputs("web")["AppUrl"],
    )


def onboarding_on(target: Target) -> Onboarding:
    """The onboarding service on the target's tables and user pool, wired as the orders API wires it."""
    from welt import bootstrap
    from welt.adapters.idempotency import PowertoolsIdempotency
    from welt.adapters.tables import IDEMPOTENCY
    from welt.adapters.user_pool import CognitoUserDirectory
    from welt.domain.catalog import load_catalog
    from welt.services.pagination import CursorSigner

    dynamodb = target.resource("dynamodb")
    client = target.client("dynamodb")

    def table(definition: TableDefinition) -> Any:
        return dynamodb.Table(f"{target.table_prefix}{definition.logical_name}")

    storage = bootstrap.dynamo_storage(client, table, PowertoolsIdempotency(table(IDEMPOTENCY).name, client))
    desk = bootstrap.order_desk(
        storage,
        catalog=load_catalog(),
        # Cursors of one run only: the listing is printed whole.
        cursors=CursorSigner(secrets.token_bytes(32)),
        clock=bootstrap.utc_now,
        vat_registry=bootstrap.live_vat_registry(),
    )
    users = CognitoUserDirectory(target.client("cognito-idp"), target.user_pool_id)
    return bootstrap.onboarding(desk, users=users, sign_in_url=target.sign_in_url)


def _index_paid_payments(options: argparse.Namespace) -> int:
    from welt.adapters.dynamodb.payments import index_paid_payments
    from welt.adapters.tables import PAYMENTS

    target = stage_target(options.stage, options.region) if options.stage else local_target(options.local or LOCAL_DESCRIPTION)
    return index_paid_payments(target.resource("dynamodb").Table(f"{target.table_prefix}{PAYMENTS.logical_name}"))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m welt.admin", description="Welt's operator commands (acting as factory staff).")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--local", type=Path, default=None, help=f"the local stack's description (default: {LOCAL_DESCRIPTION})")
    where.add_argument("--stage", help="a deployed stage's name (reads its CloudFormation outputs)")
    parser.add_argument("--region", default="eu-west-1", help="the deployed stage's region")
    commands = parser.add_subparsers(dest="command", required=True)

    staff = commands.add_parser("create-staff-user", help="invite a factory staff user (group staff)")
    staff.add_argument("email")
    staff.add_argument("--name", default=None, help="their name (default: the email's local part)")

    brand = commands.add_parser("register-brand", help="register a brand under a free three-letter code")
    brand.add_argument("code")
    brand.add_argument("--name", required=True)
    brand.add_argument("--legal-name", required=True)
    brand.add_argument("--contact-email", required=True)
    brand.add_argument("--vat-id", default=None)
    brand.add_argument("--line1", required=True)
    brand.add_argument("--line2", default=None)
    brand.add_argument("--city", required=True)
    brand.add_argument("--postal-code", required=True)
    brand.add_argument("--address-region", default=None)
    brand.add_argument("--country", required=True, help="ISO 3166-1 alpha-2, such as ES")

    user = commands.add_parser("invite-user", help="invite a user of a registered brand")
    user.add_argument("brand")
    user.add_argument("email")
    user.add_argument("--name", default=None)

    commands.add_parser("list-brands", help="every registered brand")
    commands.add_parser("index-paid-payments", help="once, after deploying the paid_by_brand index: index the payments invoiced before it")
    return parser


def run(arguments: list[str], onboarding: Onboarding | None = None) -> Mapping[str, object]:
    """Carry out one command; its result as the API would answer it."""
    from welt.services import onboarding as service

    options = _parser().parse_args(arguments)
    if options.command == "index-paid-payments":
        return {"indexed": _index_paid_payments(options)}
    if onboarding is None:
        target = stage_target(options.stage, options.region) if options.stage else local_target(options.local or LOCAL_DESCRIPTION)
        onboarding = onboarding_on(target)
    match options.command:
        case "create-staff-user":
            invitation = Invitation(email=options.email, name=options.name or options.email.split("@")[0])
            return service.invite_user(onboarding, OPERATOR, None, invitation)
        case "register-brand":
            address = {
                "line1": options.line1,
                "line2": options.line2,
                "city": options.city,
                "postal_code": options.postal_code,
                "region": options.address_region,
                "country": options.country,
            }
            form = BrandRegistration(
                code=options.code,
                name=options.name,
                legal_name=options.legal_name,
                vat_id=options.vat_id,
                contact_email=options.contact_email,
                billing_address={k: v for k, v in address.items() if v is not None},  # type: ignore[arg-type]
            )
            return service.register_brand(onboarding.desk, OPERATOR, form)
        case "invite-user":
            invitation = Invitation(email=options.email, name=options.name or options.email.split("@")[0])
            return service.invite_user(onboarding, OPERATOR, options.brand, invitation)
        case _:
            brands: list[StaffBrand] = []
            cursor = None
            while True:
                page = service.list_brands(onboarding.desk, OPERATOR, service.MAX_BRAND_PAGE, cursor)
                brands += page["brands"]
                if not (cursor := page["next_cursor"]):
                    return {"brands": brands}


def main(arguments: list[str] | None = None) -> int:
    from pydantic import ValidationError

    from welt.domain.errors import WeltError

    try:
        result = run(sys.argv[1:] if arguments is None else arguments)
    except WeltError as error:
        problems = "".join(f"\n  {'.'.join(str(part) for part in p.loc)}: {p.msg}" for p in error.errors)
        print(f"refused: {error.detail}{problems}", file=sys.stderr)
        return 1
    except ValidationError as error:
        problems = "".join(f"\n  {'.'.join(str(part) for part in e['loc'])}: {e['msg']}" for e in error.errors(include_url=False))
        print(f"refused: some values are not valid{problems}", file=sys.stderr)
        return 1
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
