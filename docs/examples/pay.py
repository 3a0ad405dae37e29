"""Pay one order with a test card and watch it launch to production.

`python docs/examples/pay.py 00042-DMO`
"""

import sys
import time
import uuid

import requests
from sign_in import local_stack, sign_in

number = sys.argv[1]
stack = local_stack()
headers = {"Authorization": f"Bearer {sign_in(stack, 'DMO')}"}
payments = stack["payments_api"]

# 1. The cost summary: the server computes what is due; nothing is locked yet.
payment = requests.post(
    f"{payments}/payments", json={"order_numbers": [number]}, headers={**headers, "Idempotency-Key": str(uuid.uuid4())}, timeout=30
)
payment.raise_for_status()
payment = payment.json()
print(f"payment {payment['payment_id']}: {payment['status']}, summary {payment['summary']}")

# 2. Confirm with a card. In the browser, Stripe.js turns the card form into a PaymentMethod id with
#    stripe["publishable_key"]; `pm_card_visa` is Stripe's test Visa card.
confirmed = requests.post(
    f"{payments}/payments/{payment['payment_id']}/confirm", json={"payment_method": "pm_card_visa"}, headers=headers, timeout=60
)
confirmed.raise_for_status()
print("Stripe answered", confirmed.json()["status"])

# 3. Stripe's payment_intent.succeeded webhook launches the order; it arrives within seconds.
deadline = time.monotonic() + 30
while True:
    order = requests.get(f"{stack['orders_api']}/orders/{number}", headers=headers, timeout=30).json()
    if order["status"] != "PENDING_PAYMENT" or time.monotonic() > deadline:
        break
    time.sleep(0.5)
print(f"order {number}: {order['status']}, {order['payment_status']}, stage {order['production_stage']}, invoice {order['invoice_number']}")

# 4. The invoice, as a PDF.
invoice = requests.get(f"{payments}/payments/{payment['payment_id']}/invoice", headers=headers, timeout=30)
invoice.raise_for_status()
print(f"invoice PDF: {invoice.headers['Content-Disposition']}, {len(invoice.content)} bytes")
