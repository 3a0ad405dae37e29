"""Every setting Welt reads, from environment variables, in one place."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta
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
    """The Secrets Manager secret `<name>_SECRET_ID` names (deployed), or the value of `name` itself (the local stack).

    A deployed function's environment holds only the secret's id, so its value never shows in the Lambda console;
    and where a secret id is given, a plaintext variable beside it is never read, so nobody can override a deployed
    secret by setting an environment variable on the function.
    """
    value = _optional_secret(name)
    if value is None:
        raise RuntimeError(f"environment variable {name} or {name}_SECRET_ID must be set")
    return value


def _optional_secret(name: str) -> str | None:
    """As `_secret`, or None for a function not given this secret at all."""
    secret_id = os.environ.get(f"{name}_SECRET_ID", "").strip()
    if secret_id:
        # Imported here: only deployed functions read secrets this way, and the import costs cold-start time.
        from aws_lambda_powertools.utilities import parameters

        return parameters.get_secret(secret_id, max_age=SECRET_MAX_AGE_SECONDS)
    return os.environ.get(name, "").strip() or None


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
    webhook_secret: str | None  # only the payments API verifies webhooks; reconciliation is not given the secret
    publishable_key: str
    api_base: str | None
    js_url: str
    timeout_seconds: float


@lru_cache(maxsize=1)
def stripe_settings() -> StripeSettings:
    return StripeSettings(
        secret_key=_secret("STRIPE_SECRET_KEY"),
        webhook_secret=_optional_secret("STRIPE_WEBHOOK_SECRET"),
        publishable_key=_required("STRIPE_PUBLISHABLE_KEY"),
        api_base=os.environ.get("STRIPE_API_BASE") or None,
        js_url=os.environ.get("STRIPE_JS_URL") or "https://js.stripe.com/v3/",
        # The fault suite shortens it so a held connection times out within its run.
        timeout_seconds=float(os.environ.get("STRIPE_TIMEOUT_SECONDS") or REQUEST_TIMEOUT_SECONDS),
    )


def web_origin() -> str:
    """The browser app's origin, allowed to call the APIs (bearer tokens, no cookies)."""
    return os.environ.get("WELT_WEB_ORIGIN", "*")


@dataclass(frozen=True)
class ArtworkBucket:
    name: str
    # An emulator (moto) serves every bucket under its one address, so the bucket goes in the path, not the host.
    path_style: bool


def artwork_bucket() -> ArtworkBucket | None:
    """The private bucket brands upload their stamp artwork to (orders function only); None: stamps artwork is off."""
    name = os.environ.get("WELT_ARTWORK_BUCKET", "").strip()
    return ArtworkBucket(name, path_style=bool(os.environ.get("AWS_ENDPOINT_URL", "").strip())) if name else None


def sign_in_url() -> str:
    """Where invited users sign in (named in invitation emails): WELT_SIGN_IN_URL, else the browser app's origin."""
    explicit = os.environ.get("WELT_SIGN_IN_URL", "").strip()
    if explicit:
        return explicit
    origin = web_origin()
    return origin if origin != "*" else "the address of Welt your factory gave you"


@dataclass(frozen=True)
class Caps:
    """How often a brand may do what costs the factory or a card network something, per clock hour."""

    card_confirmations_per_brand_hour: int
    emails_per_brand_hour: int


def _count(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    if not (value.isascii() and value.isdigit()) or int(value) < 1:
        raise RuntimeError(f"environment variable {name} must be a whole number of at least 1")
    return int(value)


def staff_token_lifespan() -> timedelta:
    """How old (from its `iat`) a staff caller's ID token may be: WELT_STAFF_TOKEN_SECONDS, default 15 minutes.

    Staff reach every brand's data, so a copied staff token is worth a quarter of an hour, not Cognito's hour; the
    browser app renews its tokens (REFRESH_TOKEN_AUTH) before then. Brand tokens keep Cognito's hour.
    """
    return timedelta(seconds=_count("WELT_STAFF_TOKEN_SECONDS", 15 * 60))


@lru_cache(maxsize=1)
def caps() -> Caps:
    return Caps(
        # A brand pays a handful of orders an hour; dozens of card tries an hour look like card testing.
        card_confirmations_per_brand_hour=_count("WELT_CARD_CONFIRMATIONS_PER_BRAND_HOUR", 20),
        # Each order sends at most three emails (confirmed, paid, shipped); a busy brand stays well below this.
        emails_per_brand_hour=_count("WELT_EMAILS_PER_BRAND_HOUR", 200),
    )


# The Commission's VIES REST service; the local stack sets WELT_VIES_URL=local to use its stand-in register.
VIES_REST_URL = "https://ec.europa.eu/taxation_customs/vies/rest-api/check-vat-number"


def vies_url() -> str | None:
    """Where VAT IDs are checked; None: the local stand-in (local stack and tests only)."""
    value = os.environ.get("WELT_VIES_URL", "").strip() or VIES_REST_URL
    return None if value == "local" else value


# AEAT's invoice check (ValidarQR) for VERI*FACTU invoices, production and test (preproduction) environments,
# from AEAT's "Características del QR y especificaciones del servicio de cotejo".
AEAT_QR_PRODUCTION = "https://www2.agenciatributaria.gob.es/wlpl/TIKE-CONT/ValidarQR"
AEAT_QR_PREPRODUCTION = "https://prewww2.aeat.es/wlpl/TIKE-CONT/ValidarQR"


def aeat_qr_service() -> str:
    """Where an invoice's QR code sends the buyer; the local stack points it at AEAT's test environment."""
    return os.environ.get("WELT_AEAT_QR_URL", "").strip() or AEAT_QR_PRODUCTION


# AEAT's VERI*FACTU web service (RegFactuSistemaFacturacion), production and test environments, as AEAT's WSDL
# (SistemaFacturacion.wsdl) names them in public integrations; not reachable from where this was written.
AEAT_VERIFACTU_PRODUCTION = "https://www1.agenciatributaria.gob.es/wlpl/TIKE-CONT/ws/SistemaFacturacion/VerifactuSOAP"
AEAT_VERIFACTU_PREPRODUCTION = "https://prewww1.aeat.es/wlpl/TIKE-CONT/ws/SistemaFacturacion/VerifactuSOAP"


def aeat_service_url() -> str:
    """Where billing records are sent; the local stack points it at its stand-in AEAT on the loopback."""
    return os.environ.get("WELT_AEAT_URL", "").strip() or AEAT_VERIFACTU_PRODUCTION


def aeat_certificate() -> tuple[str, str]:
    """The factory's certificate and private key (PEM) that AEAT's service identifies the factory by."""
    return _secret("WELT_AEAT_CERTIFICATE"), _secret("WELT_AEAT_KEY")
