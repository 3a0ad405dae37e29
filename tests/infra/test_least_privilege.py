"""Each function's role reaches only what infra/access.py says it uses; the orders function never a Stripe secret."""

from __future__ import annotations

from typing import Any

import pytest
from infra.access import ARTWORK_PREFIX, FUNCTIONS, STRIPE_SECRETS, USER_POOL_ADMIN, FunctionAccess

from tests.infra.conftest import STAGE, Synthesized
from tests.infra.references import References

# Where AWS has no narrower resource than "*": (action, why). Nothing else may name "*".
STAR_RESOURCES = {
    "xray:PutTraceSegments": "X-Ray accepts trace data without resource-level permissions",
    "xray:PutTelemetryRecords": "X-Ray accepts trace data without resource-level permissions",
    "dynamodb:ListStreams": "listing streams is not scoped to a table; the stream reader needs it",
}
STREAM_READ = {"dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"}


def function_of(synthesized: Synthesized, access: FunctionAccess) -> tuple[str, dict[str, Any]]:
    name = f"{STAGE.prefix}{access.name}"
    for stack in ("Api", "Workers"):
        for function in synthesized.resources(stack, "AWS::Lambda::Function").values():
            if function["Properties"]["FunctionName"] == name:
                return stack, function
    raise AssertionError(f"no function {name}")


def statements_of(synthesized: Synthesized, access: FunctionAccess) -> list[dict[str, Any]]:
    stack, function = function_of(synthesized, access)
    role_id = function["Properties"]["Role"]["Fn::GetAtt"][0]
    return References(synthesized.templates, STAGE).policy_statements(stack, role_id)


def granted(statements: list[dict[str, Any]], prefix: str) -> set[tuple[str, str]]:
    return {(action, resource) for s in statements for action in s["actions"] if action.startswith(prefix) for resource in s["resources"]}


def test_each_function_has_a_role_of_its_own_with_no_managed_policy(synthesized: Synthesized) -> None:
    roles = []
    for access in FUNCTIONS:
        stack, function = function_of(synthesized, access)
        role_id = function["Properties"]["Role"]["Fn::GetAtt"][0]
        role = synthesized.templates[stack]["Resources"][role_id]
        assert "ManagedPolicyArns" not in role["Properties"], access.name
        roles.append((stack, role_id))
    assert len(set(roles)) == len(FUNCTIONS) == 6


@pytest.mark.parametrize("access", FUNCTIONS, ids=lambda a: a.name)
def test_a_role_reaches_exactly_the_tables_indexes_and_actions_its_function_uses(synthesized: Synthesized, access: FunctionAccess) -> None:
    expected = set()
    for use in access.tables:
        expected |= {(action, f"table:{use.table.logical_name}") for action in use.actions}
        expected |= {("dynamodb:Query", f"table:{use.table.logical_name}/index/{index}") for index in use.index_names()}
    if access.reads_outbox_stream:
        expected |= {(action, "table:outbox/stream") for action in STREAM_READ} | {("dynamodb:ListStreams", "*")}

    assert granted(statements_of(synthesized, access), "dynamodb:") == expected


def test_the_orders_function_can_read_no_stripe_secret_and_only_its_cursor_key(synthesized: Synthesized) -> None:
    orders = next(a for a in FUNCTIONS if a.name == "orders-api")
    statements = statements_of(synthesized, orders)
    _, function = function_of(synthesized, orders)

    readable = {resource for _, resource in granted(statements, "secretsmanager:")}
    assert readable == {"secret:cursor-secret"}
    assert not any(
        name.startswith("STRIPE_") and name != "STRIPE_PUBLISHABLE_KEY" for name in function["Properties"]["Environment"]["Variables"]
    )
    every_resource = " ".join(r for s in statements for r in s["resources"])
    assert "stripe" not in every_resource


@pytest.mark.parametrize("access", FUNCTIONS, ids=lambda a: a.name)
def test_secrets_are_readable_only_by_the_functions_that_use_them(synthesized: Synthesized, access: FunctionAccess) -> None:
    expected = {("secretsmanager:GetSecretValue", f"secret:{name.replace('_', '-')}") for name in access.secrets}
    assert granted(statements_of(synthesized, access), "secretsmanager:") == expected
    if set(STRIPE_SECRETS) & set(access.secrets):
        assert access.name in {"payments-api", "reconcile-payments"}


@pytest.mark.parametrize("access", FUNCTIONS, ids=lambda a: a.name)
def test_mail_goes_out_only_from_the_configured_identity(synthesized: Synthesized, access: FunctionAccess) -> None:
    mail = [s for s in statements_of(synthesized, access) if any(a.startswith("ses:") for a in s["actions"])]
    if not access.sends_mail:
        assert mail == []
        return
    [statement] = mail
    assert set(statement["actions"]) == {"ses:SendEmail", "ses:SendRawEmail"}
    assert set(statement["resources"]) == {
        f"arn:<AWS::Partition>:ses:{STAGE.region}:<AWS::AccountId>:identity/{STAGE.mail_domain}",
        f"arn:<AWS::Partition>:ses:{STAGE.region}:<AWS::AccountId>:configuration-set/{STAGE.prefix}mail",
    }
    assert statement["condition"] == {"StringEquals": {"ses:FromAddress": STAGE.mail_from}}


@pytest.mark.parametrize("access", FUNCTIONS, ids=lambda a: a.name)
def test_no_wildcard_action_and_a_wildcard_resource_only_where_aws_has_nothing_narrower(
    synthesized: Synthesized, access: FunctionAccess
) -> None:
    for statement in statements_of(synthesized, access):
        assert statement["effect"] == "Allow"
        assert not any("*" in action for action in statement["actions"]), statement
        if "*" in statement["resources"]:
            assert set(statement["actions"]) <= set(STAR_RESOURCES), statement
        for resource in statement["resources"]:
            # The partial wildcards: the streams of the function's own log group (Lambda names them), and the
            # files under the artwork prefix (named as brands upload them).
            if resource != "*" and "*" in resource:
                artwork = access.artwork_actions and resource == f"bucket:ArtworkBucket/{ARTWORK_PREFIX}*"
                assert artwork or resource.endswith(f":log-group:/aws/lambda/{STAGE.prefix}{access.name}:log-stream:*"), resource


def test_the_stream_reader_may_send_failures_to_its_dead_letter_queue_only(synthesized: Synthesized) -> None:
    reader = next(a for a in FUNCTIONS if a.reads_outbox_stream)
    queue = granted(statements_of(synthesized, reader), "sqs:")
    assert {resource for _, resource in queue} == {"<Workers.OutboxDeadLettersD8CC9A6B.Arn>"} or all(
        "OutboxDeadLetters" in resource for _, resource in queue
    )
    assert {action for action, _ in queue} <= {"sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"}


@pytest.mark.parametrize("access", FUNCTIONS, ids=lambda a: a.name)
def test_only_the_orders_api_administers_users_the_payments_api_reads_them_and_only_in_the_stages_pool(
    synthesized: Synthesized, access: FunctionAccess
) -> None:
    granted_here = granted(statements_of(synthesized, access), "cognito-idp:")

    if access.name == "orders-api":
        assert {action for action, _ in granted_here} == set(USER_POOL_ADMIN)
        assert {resource for _, resource in granted_here} == {"userpool:users"}, granted_here
    elif access.name == "payments-api":
        # Only whether a staff caller has an authenticator app.
        assert {action for action, _ in granted_here} == {"cognito-idp:AdminGetUser"}
        assert {resource for _, resource in granted_here} == {"userpool:users"}, granted_here
    else:
        assert granted_here == set()


def test_only_the_two_email_workers_may_send_mail(synthesized: Synthesized) -> None:
    senders = {access.name for access in FUNCTIONS if granted(statements_of(synthesized, access), "ses:")}
    assert senders == {"send-emails", "retry-emails"}


def test_only_the_idempotency_table_may_have_items_deleted(synthesized: Synthesized) -> None:
    deletable = {
        (access.name, resource) for access in FUNCTIONS for action, resource in granted(statements_of(synthesized, access), "dynamodb:")
    }
    deletions = {
        (access.name, resource)
        for access in FUNCTIONS
        for action, resource in granted(statements_of(synthesized, access), "dynamodb:DeleteItem")
    }
    assert deletable  # the roles were read
    assert deletions == {("payments-api", "table:idempotency")}


def test_no_role_reaches_a_table_or_secret_its_code_never_uses(synthesized: Synthesized) -> None:
    reach = {access.name: {resource for _, resource in granted(statements_of(synthesized, access), "")} for access in FUNCTIONS}
    # Checkout keys live in the orders table; only starting a payment runs through the idempotency table.
    assert "table:idempotency" not in reach["orders-api"]
    assert "table:idempotency" not in reach["reconcile-payments"]
    # Reconciliation asks Stripe; it never verifies a webhook.
    assert "secret:stripe-webhook-secret" not in reach["reconcile-payments"]
    assert "secret:stripe-secret-key" in reach["reconcile-payments"]


def test_only_the_orders_api_reaches_the_artwork_and_only_to_put_and_get_files_under_its_prefix(synthesized: Synthesized) -> None:
    reach = {access.name: granted(statements_of(synthesized, access), "s3:") for access in FUNCTIONS}
    assert reach.pop("orders-api") == {
        ("s3:PutObject", f"bucket:ArtworkBucket/{ARTWORK_PREFIX}*"),
        ("s3:GetObject", f"bucket:ArtworkBucket/{ARTWORK_PREFIX}*"),
    }
    assert all(not granted_here for granted_here in reach.values()), reach


def test_the_artwork_bucket_is_private_encrypted_tls_only_and_takes_uploads_from_the_app_only(synthesized: Synthesized) -> None:
    buckets = {key: bucket for key, bucket in synthesized.resources("Data", "AWS::S3::Bucket").items() if key.startswith("ArtworkBucket")}
    assert len(buckets) == 1
    properties = next(iter(buckets.values()))["Properties"]
    assert properties["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert (
        properties["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    )
    assert properties["CorsConfiguration"]["CorsRules"] == [
        {"AllowedHeaders": ["*"], "AllowedMethods": ["POST"], "AllowedOrigins": [STAGE.web_origin], "MaxAge": 3000}
    ]
    policies = [p for p in synthesized.resources("Data", "AWS::S3::BucketPolicy").values()]
    denied = [s for p in policies for s in p["Properties"]["PolicyDocument"]["Statement"] if s["Effect"] == "Deny"]
    assert any(s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}} for s in denied)
