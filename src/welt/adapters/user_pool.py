"""The Cognito user pool as Welt's user directory: brand users carry `custom:brand` and sit in their brand's group,
staff sit in the `staff` group; Cognito's own invitation message is suppressed (Welt's outbox sends it)."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from welt.domain.errors import FieldProblem, ServiceUnavailableError, ValidationFailedError
from welt.domain.team import TeamMember, UserState
from welt.services.ports import UserExistsError

STAFF_GROUP = "staff"


def brand_group(brand: str) -> str:
    """The group that lists a brand's users: Cognito cannot list users by a custom attribute."""
    return f"brand-{brand}"


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _attributes(entries: list[dict[str, str]]) -> dict[str, str]:
    return {entry["Name"]: entry["Value"] for entry in entries}


def _member(user: dict[str, Any], attributes: dict[str, str]) -> TeamMember:
    if not user.get("Enabled", True):
        state = UserState.DISABLED
    elif user.get("UserStatus") == "FORCE_CHANGE_PASSWORD":
        state = UserState.INVITED
    else:
        state = UserState.ACTIVE
    created = user.get("UserCreateDate")
    return TeamMember(
        email=attributes.get("email", user.get("Username", "")),
        name=attributes.get("name", ""),
        state=state,
        brand=attributes.get("custom:brand"),
        created_at=created.isoformat() if created is not None else None,
    )


class CognitoUserDirectory:
    def __init__(self, client: Any, user_pool_id: str) -> None:
        self._cognito = client
        self._pool = user_pool_id

    def _call(self, operation: str, **arguments: Any) -> Any:
        try:
            return getattr(self._cognito, operation)(UserPoolId=self._pool, **arguments)
        except ClientError as error:
            if _code(error) in ("TooManyRequestsException", "InternalErrorException", "ServiceUnavailable"):
                raise ServiceUnavailableError("The user pool cannot answer right now; try again in a minute.") from None
            raise

    def _group(self, name: str) -> None:
        try:
            self._call("create_group", GroupName=name)
        except ClientError as error:
            if _code(error) != "GroupExistsException":
                raise

    def create(self, email: str, name: str, brand: str | None, temporary_password: str) -> TeamMember:
        attributes = [{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}, {"Name": "name", "Value": name}]
        if brand is not None:
            attributes.append({"Name": "custom:brand", "Value": brand})
        group = brand_group(brand) if brand else STAFF_GROUP
        self._group(group)
        try:
            user = self._call(
                "admin_create_user",
                Username=email,
                UserAttributes=attributes,
                TemporaryPassword=temporary_password,
                MessageAction="SUPPRESS",
            )["User"]
        except ClientError as error:
            if _code(error) == "UsernameExistsException":
                raise UserExistsError(email) from None
            if _code(error) == "InvalidParameterException":
                # Cognito is stricter about email addresses than their shape: say so instead of failing.
                raise ValidationFailedError(
                    "The user pool does not take this email address.", [FieldProblem(("body", "email"), "not accepted as an email address")]
                ) from None
            raise
        self._call("admin_add_user_to_group", Username=email, GroupName=group)
        return _member(user, _attributes(user.get("Attributes", [])))

    def find(self, email: str) -> TeamMember | None:
        try:
            user = self._call("admin_get_user", Username=email)
        except ClientError as error:
            if _code(error) == "UserNotFoundException":
                return None
            raise
        return _member(user, _attributes(user.get("UserAttributes", [])))

    def members(self, brand: str | None) -> list[TeamMember]:
        group = brand_group(brand) if brand else STAFF_GROUP
        members: list[TeamMember] = []
        arguments: dict[str, Any] = {"GroupName": group, "Limit": 60}
        while True:
            try:
                page = self._call("list_users_in_group", **arguments)
            except ClientError as error:
                if _code(error) == "ResourceNotFoundException":
                    return []  # nobody was invited to this brand yet
                raise
            members += [_member(user, _attributes(user.get("Attributes", []))) for user in page.get("Users", [])]
            if not page.get("NextToken"):
                return sorted(members, key=lambda member: member.email)
            arguments["NextToken"] = page["NextToken"]

    def reset_temporary_password(self, email: str, temporary_password: str) -> None:
        self._call("admin_set_user_password", Username=email, Password=temporary_password, Permanent=False)

    def disable(self, email: str) -> None:
        self._call("admin_disable_user", Username=email)
        self._call("admin_user_global_sign_out", Username=email)

    def enable(self, email: str) -> None:
        self._call("admin_enable_user", Username=email)
