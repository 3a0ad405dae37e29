"""Send Stripe-signed events to the payments API as Stripe does: a good one twice, a forged and a stale one.

Local stack only (it signs with the webhook secret from dev-stack.json).
"""

import hashlib
import hmac
import json
import time
import uuid

import requests
from sign_in import local_stack

stack = local_stack()
url = f"{stack['payments_api']}/webhooks/stripe"


def signature(payload: bytes, secret: str, at: int) -> str:
    """Stripe's scheme: HMAC-SHA256 of "<timestamp>.<raw body>" with the endpoint's signing secret."""
    digest = hmac.new(secret.encode(), f"{at}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={at},v1={digest}"


def send(payload: bytes, signed: str) -> requests.Response:
    headers = {"Content-Type": "application/json", "Stripe-Signature": signed}
    return requests.post(url, data=payload, headers=headers, timeout=30)


# A type Welt does not act on: acknowledged, remembered, ignored.
event = {"id": f"evt_{uuid.uuid4().hex}", "object": "event", "type": "customer.created", "data": {"object": {}}}
payload = json.dumps(event).encode()
secret, now = stack["stripe"]["webhook_secret"], int(time.time())

first = send(payload, signature(payload, secret, now))
print("first delivery:", first.status_code, first.json())
again = send(payload, signature(payload, secret, now))
print("same event again:", again.status_code, again.json())
forged = send(payload, signature(payload, "whsec_not_the_secret", now))
print("forged signature:", forged.status_code, forged.json()["title"])
stale = send(payload, signature(payload, secret, now - 301))
print("signed 301 s ago:", stale.status_code, stale.json()["title"])
