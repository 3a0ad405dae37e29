"""A declined card, then a good one on the same payment: the order is unlocked in between.

`python docs/examples/failed_payment.py 00042-DMO`
"""

import sys
import uuid

import requests
from sign_in import local_stack, sign_in

number = sys.argv[1]
stack = local_stack()
headers = {"Authorization": f"Bearer {sign_in(stack, 'DMO')}"}
payments = stack["payments_api"]

payment = requests.post(
    f"{payments}/payments", json={"order_numbers": [number]}, headers={**headers, "Idempotency-Key": str(uuid.uuid4())}, timeout=30
).json()
confirm = f"{payments}/payments/{payment['payment_id']}/confirm"

# Stripe's test card that is declined when charged.
declined = requests.post(confirm, json={"payment_method": "pm_card_chargeCustomerFail"}, headers=headers, timeout=60)
print(f"first card: {declined.json()['status']} ({declined.json()['failure_message']})")

order = requests.get(f"{stack['orders_api']}/orders/{number}", headers=headers, timeout=30).json()
print(f"order {number}: {order['status']}, {order['payment_status']}")

# The same payment takes another card.
accepted = requests.post(confirm, json={"payment_method": "pm_card_visa"}, headers=headers, timeout=60)
print(f"second card: {accepted.json()['status']}")
