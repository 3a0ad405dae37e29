"""Creates Welt's AWS resources in an emulator (or any account) and seeds the demo brands and users."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import boto3

from welt.adapters.dynamodb import DynamoBrandRepository
from welt.adapters.tables import ALL_TABLES, BRANDS
from welt.domain.model import Brand, StampStatus

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
    Brand(code="DMO", name="Demo Atelier", stamps_status=StampStatus.NONE),
    Brand(code="BRK", name="Brook & Last", stamps_status=StampStatus.NONE),
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


def seed_brands(aws: Aws, prefix: str) -> None:
    brands = DynamoBrandRepository(aws.resource("dynamodb").Table(f"{prefix}{BRANDS.logical_name}"))
    for brand in DEMO_BRANDS:
        brands.add(brand)


def verify_sender(aws: Aws, sender: str = MAIL_FROM) -> None:
    aws.client("ses").verify_email_identity(EmailAddress=sender)


def create_user_pool(aws: Aws) -> dict[str, Any]:
    """A pool like production's: email sign-in, `custom:brand`, a `staff` group, the demo users."""
    cognito = aws.client("cognito-idp")
    pool_id = cognito.create_user_pool(
        PoolName="welt-users",
        Schema=[{"Name": "brand", "AttributeDataType": "String", "Mutable": False}],
    )["UserPool"]["Id"]
    client_id = cognito.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName="welt-web",
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]["ClientId"]
    cognito.create_group(GroupName="staff", UserPoolId=pool_id)
    return {"user_pool_id": pool_id, "client_id": client_id, "users": add_demo_users(aws, pool_id)}


def add_demo_users(aws: Aws, pool_id: str) -> list[dict[str, Any]]:
    """The demo users, in a pool that has the `custom:brand` attribute and the `staff` group."""
    cognito = aws.client("cognito-idp")
    users = []
    for user in DEMO_USERS:
        attributes = [{"Name": "email", "Value": user.email}, {"Name": "email_verified", "Value": "true"}]
        if user.brand:
            attributes.append({"Name": "custom:brand", "Value": user.brand})
        cognito.admin_create_user(UserPoolId=pool_id, Username=user.email, UserAttributes=attributes, MessageAction="SUPPRESS")
        cognito.admin_set_user_password(UserPoolId=pool_id, Username=user.email, Password=DEMO_PASSWORD, Permanent=True)
        if user.role == "staff":
            cognito.admin_add_user_to_group(UserPoolId=pool_id, Username=user.email, GroupName="staff")
        entry: dict[str, Any] = {"email": user.email, "password": DEMO_PASSWORD, "role": user.role}
        if user.brand:
            entry["brand"] = user.brand
        users.append(entry)
    return users


def sign_in(aws: Aws, client_id: str, email: str, password: str) -> str:
    """The ID token a user gets from Cognito's USER_PASSWORD_AUTH."""
    result = aws.client("cognito-idp").initiate_auth(
        ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": email, "PASSWORD": password}
    )
    return str(result["AuthenticationResult"]["IdToken"])
