"""Welt's CDK app: every stack of one stage, synthesized offline into a cloud assembly.

Usage: python -m infra.app --out build/cdk.out [-c stage=prod -c mail_from=... ...]   (make synth)
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks

from infra.access import PAYMENTS_API, RECONCILE_PAYMENTS
from infra.api_stack import ApiStack
from infra.auth_stack import AuthStack
from infra.data_stack import DataStack
from infra.functions import SharedResources
from infra.mail_stack import MailStack
from infra.observability_stack import ObservabilityStack
from infra.routes import ChaliceApi, chalice_api
from infra.secrets_stack import SecretsStack
from infra.stage import Stage, stage_from_context
from infra.web_stack import WebStack
from infra.workers_stack import WorkersStack

REPO = Path(__file__).resolve().parents[1]
APPS = ("orders", "payments")


@dataclass(frozen=True)
class Sources:
    """What goes into the stacks from the build: the Lambda packages and the two static sites."""

    packages: dict[str, Path]  # app name -> deployment.zip
    web_root: Path
    help_center_root: Path

    @classmethod
    def from_build(cls, build: Path) -> Sources:
        return cls({app: build / app / "package" / "deployment.zip" for app in APPS}, REPO / "web", build / "site")


@dataclass
class WeltApp:
    app: cdk.App
    data: DataStack
    auth: AuthStack
    secrets: SecretsStack
    mail: MailStack
    api: ApiStack
    workers: WorkersStack
    web: WebStack
    observability: ObservabilityStack

    @property
    def stacks(self) -> list[cdk.Stack]:
        return [self.data, self.auth, self.secrets, self.mail, self.api, self.workers, self.web, self.observability]


def build(
    stage: Stage, sources: Sources, outdir: Path, chalice: dict[str, ChaliceApi] | None = None, context: dict[str, str] | None = None
) -> WeltApp:
    for package in sources.packages.values():
        if not package.is_file():
            raise SystemExit(f"{package} is missing: run `make package` first")
    # Cross-stack references are exports: a stack cannot be changed in a way that breaks one still in use.
    app = cdk.App(outdir=str(outdir), context={"@aws-cdk/core:defaultCrossStackReferences": "strong", **(context or {})})
    env = cdk.Environment(account=stage.account, region=stage.region)
    tags = {"project": "welt", "stage": stage.name}
    for key, value in tags.items():
        cdk.Tags.of(app).add(key, value)

    data = DataStack(app, "Data", stack_name=stage.stack_name("data"), stage=stage, env=env, description="Welt tables (DynamoDB)")
    auth = AuthStack(app, "Auth", stack_name=stage.stack_name("auth"), stage=stage, env=env, description="Welt user pool (Cognito)")
    secrets = SecretsStack(
        app, "Secrets", stack_name=stage.stack_name("secrets"), stage=stage, env=env, description="Welt secrets (Secrets Manager)"
    )
    mail = MailStack(app, "Mail", stack_name=stage.stack_name("mail"), stage=stage, env=env, description="Welt mail (SES)")
    shared = SharedResources(
        tables=dict(data.tables),
        secrets=dict(secrets.secrets),
        mail_identity_arn=mail.identity_arn,
        mail_configuration_set_arn=mail.configuration_set_arn,
        environment={
            "WELT_USER_POOL_ID": auth.user_pool.user_pool_id,
            "WELT_APP_CLIENT_ID": auth.app_client.user_pool_client_id,
            "WELT_MAIL_FROM": stage.mail_from,
            "WELT_WEB_ORIGIN": stage.web_origin,
            "STRIPE_PUBLISHABLE_KEY": stage.stripe_publishable_key,
            **({"WELT_SIGN_IN_URL": stage.sign_in_url} if stage.sign_in_url else {}),
        },
        user_pool_arn=auth.user_pool.user_pool_arn,
        artwork_bucket_name=data.artwork_bucket.bucket_name,
        artwork_bucket_arn=data.artwork_bucket.bucket_arn,
    )
    api = ApiStack(
        app,
        "Api",
        stack_name=stage.stack_name("api"),
        stage=stage,
        env=env,
        shared=shared,
        packages=sources.packages,
        chalice=chalice or {name: chalice_api(name) for name in APPS},
        user_pool=auth.user_pool,
        description="Welt APIs (API Gateway, Lambda)",
    )
    workers = WorkersStack(
        app,
        "Workers",
        stack_name=stage.stack_name("workers"),
        stage=stage,
        env=env,
        shared=shared,
        packages=sources.packages,
        description="Welt outbox sender and schedules",
    )
    web = WebStack(
        app,
        "Web",
        stack_name=stage.stack_name("web"),
        stage=stage,
        env=env,
        web_root=sources.web_root,
        help_center_root=sources.help_center_root,
        orders_api=api.apis["orders"].base_url,
        payments_api=api.apis["payments"].base_url,
        orders_origin=api.apis["orders"].origin,
        payments_origin=api.apis["payments"].origin,
        user_pool_id=auth.user_pool.user_pool_id,
        client_id=auth.app_client.user_pool_client_id,
        # The browser posts stamp artwork straight to its bucket (virtual-hosted, with or without the region).
        artwork_origins=[
            f"https://{data.artwork_bucket.bucket_name}.s3.{stage.region}.amazonaws.com",
            f"https://{data.artwork_bucket.bucket_name}.s3.amazonaws.com",
        ],
        description="Welt browser app and help center (S3, CloudFront)",
    )
    observability = ObservabilityStack(
        app,
        "Observability",
        stack_name=stage.stack_name("observability"),
        stage=stage,
        env=env,
        apis={name: rest.api for name, rest in api.apis.items()},
        dead_letters=workers.dead_letters,
        payment_services={"Webhooks": stage.prefix + PAYMENTS_API.name, "Reconcile": stage.prefix + RECONCILE_PAYMENTS.name},
        functions={
            f.access.name: f.function
            for f in [
                *api.functions.values(),
                workers.send_emails,
                workers.retry_emails,
                workers.reconcile_payments,
                workers.submit_records,
            ]
        },
        stream_reader=workers.send_emails.function,
        schedule_dead_letters=dict(workers.schedule_dead_letters),
        description="Welt alarms (CloudWatch)",
    )
    cdk.Aspects.of(app).add(AwsSolutionsChecks(verbose=True))
    return WeltApp(app, data, auth, secrets, mail, api, workers, web, observability)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=REPO / "build" / "cdk.out")
    parser.add_argument("--build", type=Path, default=REPO / "build", help="where make package put the zips")
    parser.add_argument("-c", "--context", action="append", default=[], help="key=value, e.g. stage=prod")
    args = parser.parse_args()
    context = dict(item.split("=", 1) for item in args.context)
    stage = stage_from_context(context)
    welt = build(stage, Sources.from_build(args.build), args.out, context=context)
    welt.app.synth()
    print(f"{stage.name}: {', '.join(s.stack_name for s in welt.stacks)} -> {args.out}")


if __name__ == "__main__":
    main()
