"""Every setting Welt reads, from environment variables, in one place."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache

from welt.adapters.tables import TableDefinition


@dataclass(frozen=True)
class Settings:
    region: str
    table_prefix: str
    user_pool_id: str
    app_client_id: str
    jwks_url: str
    token_issuer: str
    mail_from: str

    def table_name(self, table: TableDefinition) -> str:
        return f"{self.table_prefix}{table.logical_name}"


# How long a secret read from Secrets Manager is reused before it is fetched again.
SECRET_MAX_AGE_SECONDS = 300


def _required(name: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        raise RuntimeError(f"environment variable {name} must be set")
    return value


def _secret(name: str) -> str:
    """The value of `name` itself (the local stack), or of the Secrets Manager secret `<name>_SECRET_ID` names (deployed).

    A deployed function's environment holds only the secret's id, so its value never shows in the Lambda console.
    """
    value = os.environ.get(name, "").strip()
    if value:
        return value
    secret_id = os.environ.get(f"{name}_SECRET_ID", "").strip()
    if not secret_id:
        raise RuntimeError(f"environment variable {name} or {name}_SECRET_ID must be set")
    # Imported here: only deployed functions read secrets this way, and the import costs cold-start time.
    from aws_lambda_powertools.utilities import parameters

    return parameters.get_secret(secret_id, max_age=SECRET_MAX_AGE_SECONDS)


@lru_cache(maxsize=1)
def settings() -> Settings:
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "eu-west-1"
    pool = _required("WELT_USER_POOL_ID")
    issuer = os.environ.get("WELT_TOKEN_ISSUER") or f"https://cognito-idp.{region}.amazonaws.com/{pool}"
    # An emulator that runs the function (ministack) sets AWS_ENDPOINT_URL, which AWS never does, and serves the
    # pool's keys under it, as moto does: {endpoint}/{pool}/.well-known/jwks.json.
    emulator = os.environ.get("AWS_ENDPOINT_URL", "").rstrip("/")
    keys_base = f"{emulator}/{pool}" if emulator else issuer
    return Settings(
        region=region,
        table_prefix=os.environ.get("WELT_TABLE_PREFIX", "welt-"),
        user_pool_id=pool,
        app_client_id=_required("WELT_APP_CLIENT_ID"),
        # Cognito serves its keys under the issuer; emulators serve them elsewhere, hence the override.
        jwks_url=os.environ.get("WELT_JWKS_URL") or f"{keys_base}/.well-known/jwks.json",
        token_issuer=issuer,
        mail_from=_required("WELT_MAIL_FROM"),
    )


def cursor_secret() -> bytes:
    """Signs the order pool's page cursors (orders function only)."""
    return _secret("WELT_CURSOR_SECRET").encode()


# Longer than Stripe takes to answer a confirm, shorter than the Lambda's own timeout.
REQUEST_TIMEOUT_SECONDS = 20.0


@dataclass(frozen=True)
class StripeSettings:
    """Only the payments function is given these; the orders function never reads them."""

    secret_key: str
    webhook_secret: str
    publishable_key: str
    api_base: str | None
    js_url: str
    timeout_seconds: float


@lru_cache(maxsize=1)
def stripe_settings() -> StripeSettings:
    return StripeSettings(
        secret_key=_secret("STRIPE_SECRET_KEY"),
        webhook_secret=_secret("STRIPE_WEBHOOK_SECRET"),
        publishable_key=_required("STRIPE_PUBLISHABLE_KEY"),
        api_base=os.environ.get("STRIPE_API_BASE") or None,
        js_url=os.environ.get("STRIPE_JS_URL") or "https://js.stripe.com/v3/",
        # The fault suite shortens it so a held connection times out within its run.
        timeout_seconds=float(os.environ.get("STRIPE_TIMEOUT_SECONDS") or REQUEST_TIMEOUT_SECONDS),
    )


def web_origin() -> str:
    """The browser app's origin, allowed to call the APIs (bearer tokens, no cookies)."""
    return os.environ.get("WELT_WEB_ORIGIN", "*")
