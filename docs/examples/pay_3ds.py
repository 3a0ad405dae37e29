"""A card that asks for 3-D Secure, completed the way Stripe.js completes it in the browser.

Local stack only: it makes the card with the Stripe emulator's secret key (from dev-stack.json) and answers
the bank's challenge through the emulator. `python docs/examples/pay_3ds.py 00042-DMO`
"""

import sys
import time
import uuid

import requests
from sign_in import local_stack, sign_in

number = sys.argv[1]
stack = local_stack()
stripe = stack["stripe"]
headers = {"Authorization": f"Bearer {sign_in(stack, 'DMO')}"}
payments = stack["payments_api"]

payment = requests.post(
    f"{payments}/payments", json={"order_numbers": [number]}, headers={**headers, "Idempotency-Key": str(uuid.uuid4())}, timeout=30
).json()

# What Stripe.js does with the card form: a PaymentMethod for Stripe's 3-D Secure test card.
card = {"type": "card", "card[number]": "4000002760003184", "card[exp_month]": "12", "card[exp_year]": "2034", "card[cvc]": "123"}
method = requests.post(f"{stripe['api_base']}/v1/payment_methods", data=card, auth=(stripe["secret_key"], ""), timeout=30).json()

confirmed = requests.post(
    f"{payments}/payments/{payment['payment_id']}/confirm", json={"payment_method": method["id"]}, headers=headers, timeout=60
).json()
print(f"Stripe answered {confirmed['status']}; client secret given: {confirmed['stripe']['client_secret'] is not None}")

order = requests.get(f"{stack['orders_api']}/orders/{number}", headers=headers, timeout=30).json()
print(f"while the bank waits: {order['status']}, {order['payment_status']}")

# In the browser: stripe.confirmCardPayment(client_secret) shows the bank's challenge. The emulator's
# stand-in for a cardholder who passes it:
intent = confirmed["stripe"]["payment_intent_id"]
requests.post(
    f"{stripe['api_base']}/v1/payment_intents/{intent}/_authenticate?success=true",
    json={"key": stripe["publishable_key"], "client_secret": confirmed["stripe"]["client_secret"]},
    timeout=30,
).raise_for_status()

deadline = time.monotonic() + 30
while order["status"] == "PENDING_PAYMENT" and time.monotonic() < deadline:
    time.sleep(0.5)
    order = requests.get(f"{stack['orders_api']}/orders/{number}", headers=headers, timeout=30).json()
print(f"after 3-D Secure: {order['status']}, {order['payment_status']}, stage {order['production_stage']}")
