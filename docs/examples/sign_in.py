"""Sign in as a demo user of the local stack and ask the orders API who you are (GET /brand).

Run it from the repository while `make dev` runs: `python docs/examples/sign_in.py`.
"""

import json
import os

import boto3
import requests

# Written by `make dev` once every part answers; WELT_DEV_STACK points elsewhere (another state dir).
STACK_FILE = os.environ.get("WELT_DEV_STACK", ".welt/dev-stack.json")


def local_stack() -> dict:
    """The running stack's addresses, Cognito ids, Stripe test keys and demo users."""
    with open(STACK_FILE, encoding="utf-8") as handle:
        return json.load(handle)


def sign_in(stack: dict, who: str = "DMO") -> str:
    """An ID token for a demo user: a brand code ("DMO", "BRK") or "staff"."""
    user = next(u for u in stack["users"] if u.get("brand", u["role"]) == who)
    cognito = boto3.client(
        "cognito-idp",
        region_name=stack["region"],
        endpoint_url=stack["aws_endpoint"],  # the emulator; leave it out against real Cognito
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    result = cognito.initiate_auth(
        ClientId=stack["cognito"]["client_id"],
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": user["email"], "PASSWORD": user["password"]},
    )
    return result["AuthenticationResult"]["IdToken"]  # the ID token, not the access token


if __name__ == "__main__":
    stack = local_stack()
    token = sign_in(stack, "DMO")
    answer = requests.get(f"{stack['orders_api']}/brand", headers={"Authorization": f"Bearer {token}"}, timeout=30)
    answer.raise_for_status()
    print(json.dumps(answer.json(), indent=2))
