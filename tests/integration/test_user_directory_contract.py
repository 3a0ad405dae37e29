"""The user directory's contract, run against the fake and against Cognito on the moto server (the pool the local
stack creates): invited users, their brand and state, a taken email, new temporary passwords, disable and enable."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.fakes import FakeUserDirectory
from welt.adapters.user_pool import CognitoUserDirectory
from welt.domain.team import UserState, temporary_password
from welt.services.ports import UserDirectory, UserExistsError
from welt_stack import seed


@pytest.fixture(params=["fake", "cognito"])
def directory(request: pytest.FixtureRequest) -> Any:
    if request.param == "fake":
        return FakeUserDirectory(), None
    aws = seed.Aws("eu-west-1", request.getfixturevalue("aws_endpoint"))
    pool = seed.create_user_pool(aws)
    return CognitoUserDirectory(aws.client("cognito-idp"), pool["user_pool_id"]), (aws, pool)


def test_an_invited_user_belongs_to_their_brand_and_waits_for_their_own_password(directory: Any) -> None:
    users: UserDirectory = directory[0]
    email = f"ana-{uuid.uuid4().hex[:6]}@xyz.example"

    made = users.create(email, "Ana Ruiz", "XYZ", temporary_password())

    assert (made.email, made.name, made.brand, made.state) == (email, "Ana Ruiz", "XYZ", UserState.INVITED)
    assert users.find(email) is not None and users.find(email).brand == "XYZ"  # type: ignore[union-attr]
    assert [m.email for m in users.members("XYZ")] == [email]
    assert users.members("DMO") == [] and users.members(None) == []
    assert users.find("nobody@xyz.example") is None
    with pytest.raises(UserExistsError):
        users.create(email, "Someone else", "DMO", temporary_password())


def test_staff_are_their_own_team(directory: Any) -> None:
    users: UserDirectory = directory[0]
    users.create("lea@welt.example", "Lea", None, temporary_password())

    assert [(m.email, m.brand) for m in users.members(None)] == [("lea@welt.example", None)]


def test_disabled_users_are_disabled_until_enabled_and_a_new_invitation_replaces_the_password(directory: Any) -> None:
    users: UserDirectory = directory[0]
    first, second = temporary_password(), temporary_password()
    users.create("bo@xyz.example", "Bo", "XYZ", first)
    users.reset_temporary_password("bo@xyz.example", second)

    users.disable("bo@xyz.example")
    assert users.find("bo@xyz.example").state is UserState.DISABLED  # type: ignore[union-attr]
    users.enable("bo@xyz.example")
    assert users.find("bo@xyz.example").state is UserState.INVITED  # type: ignore[union-attr]

    if directory[1] is not None:  # Cognito itself: only the new temporary password signs in, and asks for a new one
        aws, pool = directory[1]
        cognito = aws.client("cognito-idp")
        auth = {"ClientId": pool["client_id"], "AuthFlow": "USER_PASSWORD_AUTH"}
        with pytest.raises(cognito.exceptions.NotAuthorizedException):
            cognito.initiate_auth(**auth, AuthParameters={"USERNAME": "bo@xyz.example", "PASSWORD": first})
        answer = cognito.initiate_auth(**auth, AuthParameters={"USERNAME": "bo@xyz.example", "PASSWORD": second})
        assert answer["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
