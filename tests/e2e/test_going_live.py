"""A factory goes live on the local stack: staff register a brand and invite its user, who signs in for the first time,
orders, and is disabled; a forgotten password is reset; the operator CLI makes the first staff user and a brand."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from typing import Any

import botocore.exceptions
import pytest

from tests.e2e.conftest import Api, Mailbox, RunningStack, assert_problem, order_form
from welt_stack import seed

pytestmark = pytest.mark.e2e

NEW_PASSWORD = "Xyz-first-2026!"
XYZ = {
    "code": "XYZ",
    "name": "Xyz Shoes",
    "legal_name": "Xyz Shoes S.L.",
    "vat_id": "ESB12345674",
    "contact_email": "accounts@xyz.example",
    "billing_address": {"line1": "Calle Mayor 5", "city": "Elche", "postal_code": "03201", "country": "ES"},
}


def temporary_password(mailbox: Mailbox, email: str, count: int = 1) -> str:
    """The temporary password on its own line of the newest invitation to `email`."""
    invitations = mailbox.about(email, "Your Welt account", count=count)
    assert len(invitations) == count, f"expected {count} invitation(s) to {email}, got {invitations}"
    body = str(invitations[-1]["body"])
    lines = [line for line in body.splitlines() if line.startswith("Temporary password: ")]
    assert len(lines) == 1, body
    return lines[0].removeprefix("Temporary password: ")


def first_sign_in(stack: RunningStack, email: str, temporary: str, new_password: str) -> str:
    """Sign in with the temporary password, answer NEW_PASSWORD_REQUIRED, and return the ID token."""
    cognito = seed.Aws(stack.region, stack.aws_endpoint).client("cognito-idp")
    challenge = cognito.initiate_auth(
        ClientId=stack.client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": email, "PASSWORD": temporary}
    )
    assert challenge.get("ChallengeName") == "NEW_PASSWORD_REQUIRED", challenge
    assert "AuthenticationResult" not in challenge
    answered = cognito.respond_to_auth_challenge(
        ClientId=stack.client_id,
        ChallengeName="NEW_PASSWORD_REQUIRED",
        Session=challenge["Session"],
        ChallengeResponses={"USERNAME": email, "NEW_PASSWORD": new_password},
    )
    return str(answered["AuthenticationResult"]["IdToken"])


def sign_in_refused(stack: RunningStack, email: str, password: str) -> str:
    cognito = seed.Aws(stack.region, stack.aws_endpoint).client("cognito-idp")
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        cognito.initiate_auth(
            ClientId=stack.client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": email, "PASSWORD": password}
        )
    return str(refused.value.response["Error"]["Code"])


def states(staff: Api, path: str) -> dict[str, str]:
    response = staff.get(path)
    assert response.status_code == 200, response.text
    return {user["email"]: user["state"] for user in response.json()["users"]}


def test_a_brand_goes_live_from_registration_to_its_first_order_and_loses_access_when_disabled(
    stack: RunningStack, staff: Api, dmo: Api, mailbox: Mailbox, tag: str
) -> None:
    registered = staff.post("/admin/brands", json=XYZ)
    assert registered.status_code == 201, registered.text
    assert_problem(staff.post("/admin/brands", json={**XYZ, "name": "Impostor"}), 409)
    assert staff.get("/admin/brands/XYZ").json()["name"] == "Xyz Shoes"
    email = f"ana-{tag}@xyz.example"

    invited = staff.post("/admin/brands/XYZ/users", json={"email": email, "name": "Ana Ruiz"})
    assert invited.status_code == 201, invited.text
    assert invited.json()["state"] == "invited"
    assert_problem(staff.post("/admin/brands/XYZ/users", json={"email": email, "name": "Ana again"}), 409)

    temporary = temporary_password(mailbox, email)
    assert f"Sign in at: {stack.web}" in str(mailbox.about(email, "Your Welt account")[0]["body"])
    ana = Api(stack.orders_api, first_sign_in(stack, email, temporary, NEW_PASSWORD))
    assert states(staff, "/admin/brands/XYZ/users") == {email: "active"}

    brand = ana.get("/brand")
    assert brand.status_code == 200, brand.text
    assert brand.json()["code"] == "XYZ"
    form = order_form(tag)
    del form["billing"]  # billed as the factory registered the brand
    first = ana.place(form)
    assert first["order_number"] == "00001-XYZ"
    assert (first["billing"]["vat_id"], first["billing"]["email"]) == ("ESB12345674", "accounts@xyz.example")
    theirs = dmo.place(order_form(tag))["order_number"]
    assert_problem(ana.get(f"/orders/{theirs}"), 404)
    assert [u["email"] for u in ana.get("/brand/users").json()["users"]] == [email]
    assert_problem(ana.get("/admin/brands"), 403)
    assert_problem(ana.post("/admin/brands/XYZ/users", json={"email": f"x-{tag}@xyz.example", "name": "X"}), 403)

    disabled = staff.post(f"/admin/brands/XYZ/users/{email}/disable")
    assert disabled.status_code == 200, disabled.text
    assert disabled.json()["state"] == "disabled"
    assert sign_in_refused(stack, email, NEW_PASSWORD) == "NotAuthorizedException"

    enabled = staff.post(f"/admin/brands/XYZ/users/{email}/enable")
    assert enabled.json()["state"] == "active"
    assert seed.sign_in(seed.Aws(stack.region, stack.aws_endpoint), stack.client_id, email, NEW_PASSWORD)


def test_a_resent_invitation_replaces_the_temporary_password(stack: RunningStack, staff: Api, mailbox: Mailbox, tag: str) -> None:
    email = f"bo-{tag}@brk.example"
    assert staff.post("/admin/brands/BRK/users", json={"email": email, "name": "Bo"}).status_code == 201
    first = temporary_password(mailbox, email)

    resent = staff.post(f"/admin/brands/BRK/users/{email}/invite")

    assert resent.status_code == 200, resent.text
    second = temporary_password(mailbox, email, count=2)
    assert second != first
    assert sign_in_refused(stack, email, first) == "NotAuthorizedException"
    assert first_sign_in(stack, email, second, NEW_PASSWORD)
    assert_problem(staff.post(f"/admin/brands/DMO/users/{email}/disable"), 404)


def test_a_forgotten_password_is_reset_with_the_code(stack: RunningStack, staff: Api, mailbox: Mailbox, tag: str) -> None:
    """moto does not email the code: it answers it in the x-moto-forgot-password-confirmation-code header of
    ForgotPassword (and checks codes of its own form), so the test reads it there."""
    email = f"cy-{tag}@dmo.example"
    assert staff.post("/admin/brands/DMO/users", json={"email": email, "name": "Cy"}).status_code == 201
    first_sign_in(stack, email, temporary_password(mailbox, email), NEW_PASSWORD)
    cognito = seed.Aws(stack.region, stack.aws_endpoint).client("cognito-idp")
    codes: list[str] = []
    cognito.meta.events.register(
        "after-call.cognito-idp.ForgotPassword",
        lambda http_response, **_: codes.append(http_response.headers["x-moto-forgot-password-confirmation-code"]),
    )

    cognito.forgot_password(ClientId=stack.client_id, Username=email)
    wrong = codes[0][:-1] + ("0" if codes[0][-1] != "0" else "1")
    with pytest.raises(botocore.exceptions.ClientError):
        cognito.confirm_forgot_password(ClientId=stack.client_id, Username=email, ConfirmationCode=wrong, Password="Cy-reset-2026!!")
    cognito.confirm_forgot_password(ClientId=stack.client_id, Username=email, ConfirmationCode=codes[0], Password="Cy-reset-2026!!")

    assert sign_in_refused(stack, email, NEW_PASSWORD) == "NotAuthorizedException"
    token = seed.sign_in(seed.Aws(stack.region, stack.aws_endpoint), stack.client_id, email, "Cy-reset-2026!!")
    assert Api(stack.orders_api, token).get("/brand").json()["code"] == "DMO"


def run_admin(stack: RunningStack, *arguments: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "welt.admin", "--local", str(stack.description_file), *arguments],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def test_the_operator_cli_creates_the_first_staff_user_and_a_brand_on_the_local_stack(
    stack: RunningStack, mailbox: Mailbox, tag: str
) -> None:
    email = f"ops-{tag}@welt.example"
    code = "".join(chr(ord("A") + int(c, 16) % 26) for c in uuid.uuid4().hex[:3])
    while Api(stack.orders_api, stack.id_tokens["staff"]).get(f"/admin/brands/{code}").status_code != 404:
        code = "".join(chr(ord("A") + int(c, 16) % 26) for c in uuid.uuid4().hex[:3])

    created = run_admin(stack, "create-staff-user", email, "--name", "Ops")
    # Staff work only once they sign in with an authenticator app: until then every staff route refuses them.
    unenrolled = Api(stack.orders_api, first_sign_in(stack, email, temporary_password(mailbox, email), NEW_PASSWORD))
    for refused_at in ("/admin/staff", "/admin/orders?limit=1", f"/admin/brands/{code}"):
        answer = unenrolled.get(refused_at)
        assert answer.status_code == 403, (refused_at, answer.text)
        assert "authenticator app" in answer.json()["detail"]
    aws = seed.Aws(stack.region, stack.aws_endpoint)
    secret = seed.enrol_authenticator(aws, stack.client_id, email, NEW_PASSWORD)
    ops = Api(stack.orders_api, seed.sign_in(aws, stack.client_id, email, NEW_PASSWORD, secret))
    brand = run_admin(
        stack,
        "register-brand",
        code,
        "--name",
        "Cli Shoes",
        "--legal-name",
        "Cli Shoes Lda",
        "--contact-email",
        f"accounts-{tag}@cli.example",
        "--line1",
        "Rua 1",
        "--city",
        "Porto",
        "--postal-code",
        "4000-001",
        "--country",
        "PT",
    )
    user = f"first-{tag}@cli.example"
    run_admin(stack, "invite-user", code, user)

    assert created["state"] == "invited" and created["brand"] is None
    assert brand["code"] == code
    assert states(ops, "/admin/staff")[email] == "active"
    assert ops.get(f"/admin/brands/{code}").json()["legal_name"] == "Cli Shoes Lda"
    assert states(ops, f"/admin/brands/{code}/users") == {user: "invited"}
    first_sign_in(stack, user, temporary_password(mailbox, user), NEW_PASSWORD)
    refused = subprocess.run(
        [sys.executable, "-m", "welt.admin", "--local", str(stack.description_file), "invite-user", "QQQ", f"q-{tag}@x.example"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert refused.returncode == 1 and "No brand QQQ" in refused.stderr
