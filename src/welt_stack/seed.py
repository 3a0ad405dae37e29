"""Creates Welt's AWS resources in an emulator (or any account) and seeds the demo brands and users.

The demo brands and users are registered and invited through the product's own onboarding service (the one the
orders API and `python -m welt.admin` run); only the published demo password is set here, for `make dev`, and the
demo staff user's authenticator app enrolled (its secret is in dev-stack.json, to make codes with).
"""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass
from typing import Any

import boto3
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.twofactor.totp import TOTP

from welt.adapters.tables import ALL_TABLES
from welt.admin import OPERATOR, Target, onboarding_on
from welt.domain.team import PASSWORD_MIN_LENGTH, TEMPORARY_PASSWORD_DAYS
from welt.services import onboarding
from welt.services.onboarding import BrandRegistration, Invitation

DEMO_PASSWORD = "Welt-demo-2026!"  # noqa: S105 (the local stack's published demo password)
MAIL_FROM = "orders@welt.example"


@dataclass(frozen=True)
class Aws:
    """Where the AWS calls of seeding go: an emulator's endpoint, or None for the real thing."""

    region: str
    endpoint: str | None = None
    # The emulator's credentials: any for moto; ministack's account root is "test" (with AUTH on, other keys are IAM's).
    access_key: str = "local"

    def client(self, service: str) -> Any:
        extra = {"endpoint_url": self.endpoint, "aws_access_key_id": self.access_key, "aws_secret_access_key": self.access_key}
        return boto3.client(service, region_name=self.region, **(extra if self.endpoint else {}))  # type: ignore[call-overload]

    def resource(self, service: str) -> Any:
        extra = {"endpoint_url": self.endpoint, "aws_access_key_id": self.access_key, "aws_secret_access_key": self.access_key}
        return boto3.resource(service, region_name=self.region, **(extra if self.endpoint else {}))  # type: ignore[call-overload]


@dataclass(frozen=True)
class DemoUser:
    email: str
    role: str
    brand: str | None = None


DEMO_BRANDS = (
    BrandRegistration(
        code="DMO",
        name="Demo Atelier",
        legal_name="Demo Atelier GmbH",
        vat_id="DE136695976",
        contact_email="accounts@dmo.example",
        billing_address={"line1": "Torstrasse 101", "city": "Berlin", "postal_code": "10119", "country": "DE"},  # type: ignore[arg-type]
    ),
    BrandRegistration(
        code="BRK",
        name="Brook & Last",
        legal_name="Brook & Last Ltd",
        contact_email="accounts@brk.example",
        billing_address={"line1": "12 Last Lane", "city": "Northampton", "postal_code": "NN1 1AA", "country": "GB"},  # type: ignore[arg-type]
    ),
)
DEMO_USERS = (
    DemoUser("buyer@dmo.example", "brand", "DMO"),
    DemoUser("buyer@brk.example", "brand", "BRK"),
    DemoUser("staff@welt.example", "staff"),
)


def create_tables(aws: Aws, prefix: str) -> None:
    client = aws.client("dynamodb")
    existing = set(client.list_tables()["TableNames"])
    for table in ALL_TABLES:
        name = f"{prefix}{table.logical_name}"
        if name in existing:
            continue
        client.create_table(**table.create_table_arguments(name))
        client.get_waiter("table_exists").wait(TableName=name)
        if table.ttl_attribute:
            client.update_time_to_live(TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": table.ttl_attribute})


def create_artwork_bucket(aws: Aws, bucket: str, web_origin: str) -> None:
    """The private bucket of stamps' artwork, as deployed: no public access, and uploads only from the browser app."""
    s3 = aws.client("s3")
    if bucket not in {found["Name"] for found in s3.list_buckets().get("Buckets", [])}:
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": aws.region})
    s3.put_public_access_block(
        Bucket=bucket,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": [artwork_upload_cors(web_origin)]})


def artwork_upload_cors(web_origin: str) -> dict[str, Any]:
    """The browser app may POST an upload form and read the answer; downloads are plain links, no CORS needed."""
    return {"AllowedOrigins": [web_origin], "AllowedMethods": ["POST"], "AllowedHeaders": ["*"], "MaxAgeSeconds": 3000}


def verify_sender(aws: Aws, sender: str = MAIL_FROM) -> None:
    aws.client("ses").verify_email_identity(EmailAddress=sender)


def create_user_pool(aws: Aws) -> dict[str, Any]:
    """A pool like production's (infra/auth_stack.py): `custom:brand`, its password policy, a `staff` group."""
    cognito = aws.client("cognito-idp")
    pool_id = cognito.create_user_pool(
        PoolName="welt-users",
        Schema=[{"Name": "brand", "AttributeDataType": "String", "Mutable": False}],
        Policies={
            "PasswordPolicy": {
                "MinimumLength": PASSWORD_MIN_LENGTH,
                "RequireUppercase": True,
                "RequireLowercase": True,
                "RequireNumbers": True,
                "RequireSymbols": True,
                "TemporaryPasswordValidityDays": TEMPORARY_PASSWORD_DAYS,
            }
        },
        AdminCreateUserConfig={"AllowAdminCreateUserOnly": True},
    )["UserPool"]["Id"]
    client_id = cognito.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName="welt-web",
        ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]["ClientId"]
    cognito.create_group(GroupName="staff", UserPoolId=pool_id)
    # As in production: an authenticator app as optional second factor (staff must have one: Welt checks).
    cognito.set_user_pool_mfa_config(UserPoolId=pool_id, SoftwareTokenMfaConfiguration={"Enabled": True}, MfaConfiguration="OPTIONAL")
    return {"user_pool_id": pool_id, "client_id": client_id}


def seed_demo(aws: Aws, prefix: str, user_pool_id: str, sign_in_url: str) -> list[dict[str, Any]]:
    """The demo brands and users, through the onboarding service; the users then get the published demo password."""
    desk = onboarding_on(Target(aws.region, aws.endpoint, prefix, user_pool_id, sign_in_url, aws.access_key))
    for registration in DEMO_BRANDS:
        if desk.desk.brands.get(registration.code) is None:
            onboarding.register_brand(desk.desk, OPERATOR, registration)
    cognito = aws.client("cognito-idp")
    users = []
    for user in DEMO_USERS:
        onboarding.invite_user(desk, OPERATOR, user.brand, Invitation(email=user.email, name=user.email.split("@")[0]))
        cognito.admin_set_user_password(UserPoolId=user_pool_id, Username=user.email, Password=DEMO_PASSWORD, Permanent=True)
        entry: dict[str, Any] = {"email": user.email, "password": DEMO_PASSWORD, "role": user.role}
        if user.brand:
            entry["brand"] = user.brand
        else:
            entry["totp_secret"] = enrol_authenticator(aws, client_id_of(aws, user_pool_id), user.email, DEMO_PASSWORD)
        users.append(entry)
    return users


def client_id_of(aws: Aws, user_pool_id: str) -> str:
    return str(aws.client("cognito-idp").list_user_pool_clients(UserPoolId=user_pool_id, MaxResults=1)["UserPoolClients"][0]["ClientId"])


# A code handed out now must still be good this long, as the emulator takes a code only within its own 30 seconds: a
# program or a pasted code reaches Cognito within a second or two; typing it key by key on a busy machine takes
# seconds more. A person with a code about to change waits for the next one too.
FRESH_CODE_SECONDS = 5
TYPED_CODE_SECONDS = 10


def authenticator_code(secret: str, at: float | None = None, *, good_for: float = FRESH_CODE_SECONDS) -> str:
    """The 6-digit code an authenticator app shows for `secret` (RFC 6238: SHA-1, 30 seconds), as a phone would; asked
    for now, one with at least `good_for` seconds left (TYPED_CODE_SECONDS for a code typed key by key)."""
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    phone = TOTP(key, 6, hashes.SHA1(), 30, enforce_key_length=False)  # noqa: S303 (RFC 6238's HMAC-SHA-1, as apps use)
    if at is None:
        left = 30 - time.time() % 30
        if left < good_for:
            time.sleep(left + 0.05)
        at = time.time()
    return phone.generate(at).decode()


def enrol_authenticator(aws: Aws, client_id: str, email: str, password: str) -> str:
    """Enrol an authenticator app for a user, as the browser app does after sign-in; its secret, to make codes with."""
    cognito = aws.client("cognito-idp")
    tokens = cognito.initiate_auth(
        ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": email, "PASSWORD": password}
    )["AuthenticationResult"]
    secret = str(cognito.associate_software_token(AccessToken=tokens["AccessToken"])["SecretCode"])
    cognito.verify_software_token(AccessToken=tokens["AccessToken"], UserCode=authenticator_code(secret))
    cognito.set_user_mfa_preference(AccessToken=tokens["AccessToken"], SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True})
    return secret


def sign_in(aws: Aws, client_id: str, email: str, password: str, totp_secret: str | None = None) -> str:
    """The ID token a user gets from Cognito's USER_PASSWORD_AUTH, with a code from their authenticator if they have one."""
    return str(signed_in(aws, client_id, email, password, totp_secret)["IdToken"])


def signed_in(aws: Aws, client_id: str, email: str, password: str, totp_secret: str | None = None) -> dict[str, Any]:
    """Cognito's AuthenticationResult for the user (ID, access and refresh tokens), as `sign_in` gets it."""
    cognito = aws.client("cognito-idp")
    result = cognito.initiate_auth(
        ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": email, "PASSWORD": password}
    )
    if result.get("ChallengeName") == "SOFTWARE_TOKEN_MFA":
        if not totp_secret:
            raise ValueError(f"{email} signs in with an authenticator code: pass its totp_secret")
        result = cognito.respond_to_auth_challenge(
            ClientId=client_id,
            ChallengeName="SOFTWARE_TOKEN_MFA",
            Session=result["Session"],
            ChallengeResponses={"USERNAME": email, "SOFTWARE_TOKEN_MFA_CODE": authenticator_code(totp_secret)},
        )
    authenticated: dict[str, Any] = result["AuthenticationResult"]
    return authenticated
