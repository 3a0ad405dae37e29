"""A first deploy into a fresh account succeeds, and one that rolls back can simply be run again.

Named tables, log groups and secrets are retained except when their first create rolls back (else the retry fails
with "already exists"); the access logs find the account's API Gateway CloudWatch role in place; the app client
has no OAuth flows; a production synth refuses placeholder settings.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from infra.stage import Stage, stage_from_context

from tests.infra.conftest import VENV_NODE, Synthesized

REPO = Path(__file__).resolve().parents[2]
NAMED = {
    "AWS::DynamoDB::Table": "TableName",
    "AWS::Logs::LogGroup": "LogGroupName",
    "AWS::SecretsManager::Secret": "Name",
    "AWS::Cognito::UserPool": "UserPoolName",
}
PRODUCTION_SETTINGS = {
    "stage": "prod",
    "mail_from": "orders@welt-factory.com",
    "stripe_publishable_key": "pk_live_welt",
    "alarm_email": "it@welt-factory.com",
    "web_origin": "https://app.welt-factory.com",
}


def test_named_tables_log_groups_and_secrets_are_kept_except_when_their_first_create_rolls_back(synthesized: Synthesized) -> None:
    checked = {kind: 0 for kind in NAMED}
    for stack, template in synthesized.templates.items():
        for logical_id, resource in template["Resources"].items():
            if resource["Type"] not in NAMED:
                continue
            checked[resource["Type"]] += 1
            where = f"{stack}.{logical_id}"
            assert resource.get("DeletionPolicy") == "RetainExceptOnCreate", where
            assert resource.get("UpdateReplacePolicy") == "Retain", where
    # every table, the six functions' log groups and both APIs' access logs, the five secrets, the user pool
    assert checked == {"AWS::DynamoDB::Table": 8, "AWS::Logs::LogGroup": 8, "AWS::SecretsManager::Secret": 5, "AWS::Cognito::UserPool": 1}


def test_the_account_has_the_api_gateway_logs_role_before_a_stage_with_access_logs_is_created(synthesized: Synthesized) -> None:
    template = synthesized.templates["Api"]["Resources"]
    [(account_id, account)] = synthesized.resources("Api", "AWS::ApiGateway::Account").items()
    role_id = account["Properties"]["CloudWatchRoleArn"]["Fn::GetAtt"][0]
    role = template[role_id]["Properties"]
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {"Service": "apigateway.amazonaws.com"}
    [policy] = role["ManagedPolicyArns"]
    assert "service-role/AmazonAPIGatewayPushToCloudWatchLogs" in json.dumps(policy)
    # One account-wide setting, shared with other stages: removing the stack leaves it (and its role) in place.
    assert account["DeletionPolicy"] == "Retain" and template[role_id]["DeletionPolicy"] == "Retain"
    stages = synthesized.resources("Api", "AWS::ApiGateway::Stage")
    assert len(stages) == 2
    for stage in stages.values():
        assert stage["Properties"]["AccessLogSetting"]["DestinationArn"]
        assert account_id in stage["DependsOn"]


def test_the_app_client_has_no_oauth_flows_and_no_callback(synthesized: Synthesized) -> None:
    [client] = synthesized.resources("Auth", "AWS::Cognito::UserPoolClient").values()
    properties = client["Properties"]
    assert not properties.get("AllowedOAuthFlowsUserPoolClient")
    for key in ("AllowedOAuthFlows", "AllowedOAuthScopes", "CallbackURLs", "LogoutURLs", "DefaultRedirectURI"):
        assert key not in properties, key
    assert "example.com" not in json.dumps(synthesized.templates)


@pytest.mark.parametrize("placeholder", ["mail_from", "stripe_publishable_key", "alarm_email", "web_origin"])
def test_a_production_stage_refuses_each_placeholder_setting_by_name(placeholder: str) -> None:
    context = {key: value for key, value in PRODUCTION_SETTINGS.items() if key != placeholder}
    with pytest.raises(SystemExit) as refused:
        stage_from_context(context)
    message = str(refused.value)
    assert placeholder in message and "placeholder" in message
    assert [key for key in PRODUCTION_SETTINGS if key not in ("stage", placeholder) and f"{key}=" in message] == []


def test_a_production_stage_refuses_test_keys_and_the_open_origin() -> None:
    for key, value in (("stripe_publishable_key", "pk_test_welt"), ("web_origin", "*"), ("mail_from", "orders@welt.example")):
        with pytest.raises(SystemExit, match=key):
            stage_from_context({**PRODUCTION_SETTINGS, key: value})


def test_production_settings_pass_and_other_stages_keep_their_defaults() -> None:
    assert stage_from_context(PRODUCTION_SETTINGS).alarm_email == "it@welt-factory.com"
    assert stage_from_context({"stage": "dev"}) == Stage(name="dev")
    assert Stage(name="dev").placeholders()  # the defaults are placeholders, allowed outside production


def test_make_synth_of_prod_with_the_defaults_stops_with_the_settings_to_give(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "infra.app", "--out", str(tmp_path / "cdk.out"), "--build", str(tmp_path), "-c", "stage=prod"]
    environment = {**os.environ, "JSII_NODE": str(VENV_NODE)}
    result = subprocess.run(command, cwd=REPO, env=environment, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stdout
    for setting in ("mail_from", "stripe_publishable_key", "alarm_email", "web_origin"):
        assert setting in result.stderr
    assert not (tmp_path / "cdk.out").exists()
