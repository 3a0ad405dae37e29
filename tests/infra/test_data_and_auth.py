"""Tables as welt.adapters.tables defines them, kept and recoverable; a user pool where nobody picks their own brand."""

from __future__ import annotations

from typing import Any

import pytest

from tests.infra.conftest import STAGE, Synthesized
from welt.adapters.tables import ALL_TABLES, OUTBOX, TableDefinition


def table_resource(synthesized: Synthesized, table: TableDefinition) -> dict[str, Any]:
    [resource] = [
        r for r in synthesized.resources("Data", "AWS::DynamoDB::Table").values() if r["Properties"]["TableName"] == STAGE.table_name(table)
    ]
    return resource


def test_the_data_stack_has_every_table_and_no_other(synthesized: Synthesized) -> None:
    names = {r["Properties"]["TableName"] for r in synthesized.resources("Data", "AWS::DynamoDB::Table").values()}
    assert names == {STAGE.table_name(table) for table in ALL_TABLES}


@pytest.mark.parametrize("table", ALL_TABLES, ids=lambda t: t.logical_name)
def test_a_table_has_the_keys_indexes_and_ttl_of_its_definition(synthesized: Synthesized, table: TableDefinition) -> None:
    properties = table_resource(synthesized, table)["Properties"]
    wanted = table.create_table_arguments(STAGE.table_name(table))

    assert properties["KeySchema"] == wanted["KeySchema"]
    assert sorted(properties["AttributeDefinitions"], key=lambda a: a["AttributeName"]) == wanted["AttributeDefinitions"]
    assert properties["BillingMode"] == "PAY_PER_REQUEST"
    indexes = {i["IndexName"]: (i["KeySchema"], i["Projection"]) for i in properties.get("GlobalSecondaryIndexes", [])}
    assert indexes == {i["IndexName"]: (i["KeySchema"], i["Projection"]) for i in wanted.get("GlobalSecondaryIndexes", [])}
    ttl = properties.get("TimeToLiveSpecification")
    assert ttl == ({"AttributeName": table.ttl_attribute, "Enabled": True} if table.ttl_attribute else None)


@pytest.mark.parametrize("table", ALL_TABLES, ids=lambda t: t.logical_name)
def test_a_table_has_point_in_time_recovery_and_is_retained(synthesized: Synthesized, table: TableDefinition) -> None:
    resource = table_resource(synthesized, table)

    assert resource["Properties"]["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    # Kept when the stack goes; removed only when the table's first create rolls back (tests/infra/test_first_deploy.py).
    assert resource["DeletionPolicy"] == "RetainExceptOnCreate"
    assert resource["UpdateReplacePolicy"] == "Retain"
    assert resource["Properties"]["DeletionProtectionEnabled"] is True


def test_only_the_tables_defined_with_a_stream_have_one_and_the_outbox_streams_new_images(synthesized: Synthesized) -> None:
    streams = {table.logical_name: table_resource(synthesized, table)["Properties"].get("StreamSpecification") for table in ALL_TABLES}
    assert streams[OUTBOX.logical_name] == {"StreamViewType": "NEW_IMAGE"}
    assert {name for name, stream in streams.items() if stream} == {t.logical_name for t in ALL_TABLES if t.stream}


def test_users_cannot_sign_up_themselves(synthesized: Synthesized) -> None:
    synthesized.template("Auth").has_resource_properties(
        "AWS::Cognito::UserPool",
        {
            "AdminCreateUserConfig": {"AllowAdminCreateUserOnly": True},
        },
    )


def test_a_changed_email_takes_effect_only_once_verified(synthesized: Synthesized) -> None:
    [pool] = synthesized.resources("Auth", "AWS::Cognito::UserPool").values()
    assert pool["Properties"]["UserAttributeUpdateSettings"] == {"AttributesRequireVerificationBeforeUpdate": ["email"]}
    assert pool["Properties"]["AccountRecoverySetting"]["RecoveryMechanisms"] == [{"Name": "verified_email", "Priority": 1}]


def test_the_brand_attribute_is_immutable_and_the_app_client_cannot_write_it(synthesized: Synthesized) -> None:
    [pool] = synthesized.resources("Auth", "AWS::Cognito::UserPool").values()
    [client] = synthesized.resources("Auth", "AWS::Cognito::UserPoolClient").values()

    [brand] = [a for a in pool["Properties"]["Schema"] if a["Name"] == "brand"]
    assert brand["Mutable"] is False
    assert brand["AttributeDataType"] == "String"
    assert "custom:brand" not in client["Properties"]["WriteAttributes"]
    assert "custom:brand" in client["Properties"]["ReadAttributes"]  # the ID token carries it


def test_the_app_client_has_no_secret_and_states_its_token_validity(synthesized: Synthesized) -> None:
    [client] = synthesized.resources("Auth", "AWS::Cognito::UserPoolClient").values()
    properties = client["Properties"]

    assert properties["GenerateSecret"] is False
    assert properties["IdTokenValidity"] == 60
    assert properties["AccessTokenValidity"] == 60
    assert properties["RefreshTokenValidity"] == 43200
    assert properties["TokenValidityUnits"] == {"AccessToken": "minutes", "IdToken": "minutes", "RefreshToken": "minutes"}
    assert properties["PreventUserExistenceErrors"] == "ENABLED"


def test_there_is_a_staff_group(synthesized: Synthesized) -> None:
    synthesized.template("Auth").has_resource_properties("AWS::Cognito::UserPoolGroup", {"GroupName": "staff"})


def test_the_password_policy_is_the_one_welt_shows_and_meets(synthesized: Synthesized) -> None:
    """The pool, the rules the browser shows before a new password is typed, and Welt's temporary passwords agree."""
    from pathlib import Path

    from welt.domain.team import PASSWORD_MIN_LENGTH, PASSWORD_RULES, TEMPORARY_PASSWORD_DAYS

    [pool] = synthesized.resources("Auth", "AWS::Cognito::UserPool").values()
    policy = pool["Properties"]["Policies"]["PasswordPolicy"]
    browser = (Path(__file__).resolve().parents[2] / "web" / "js" / "auth.js").read_text(encoding="utf-8")

    assert (policy["MinimumLength"], policy["TemporaryPasswordValidityDays"]) == (PASSWORD_MIN_LENGTH, TEMPORARY_PASSWORD_DAYS)
    assert all(policy[rule] for rule in ("RequireLowercase", "RequireUppercase", "RequireNumbers", "RequireSymbols"))
    assert [rule for rule in PASSWORD_RULES if f"'{rule}'" not in browser] == []
