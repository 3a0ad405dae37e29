"""Three MTO orders to one address, grouped into one shipment and paid together."""

import time
import uuid

import requests
from checkout import place_order
from sign_in import local_stack, sign_in

DESIGNS = [
    {"model": "derby", "materials": {"upper": "calf-tan", "lining": "leather-natural", "sole": "leather-sole"}},
    {"model": "chelsea-boot", "materials": {"upper": "suede-sand", "lining": "leather-black", "sole": "crepe"}},
    {"model": "court-sneaker", "materials": {"upper": "canvas-natural", "lining": "textile-mesh", "sole": "rubber-cupsole"}},
]


def euros(cents: int) -> str:
    return f"EUR {cents / 100:,.2f}"


stack = local_stack()
token = sign_in(stack, "DMO")
headers = {"Authorization": f"Bearer {token}"}
orders_api, payments_api = stack["orders_api"], stack["payments_api"]

numbers = []
for design in DESIGNS:
    placed = place_order(stack, token, design)  # same shipping address for all three
    placed.raise_for_status()
    numbers.append(placed.json()["order_number"])

alone = sum(requests.get(f"{orders_api}/orders/{n}", headers=headers, timeout=30).json()["costs"]["shipping"] for n in numbers)
created = requests.post(f"{orders_api}/shipping-groups", json={"order_numbers": numbers}, headers=headers, timeout=30)
created.raise_for_status()
group = created.json()
print(f"group {group['shipping_group_id']} ({group['status']}): {', '.join(group['order_numbers'])}")
print(f"shipping alone {euros(alone)}, together {euros(group['costs']['shipping'])}, savings {euros(group['shipping_savings'])}")
print(f"total to pay {euros(group['costs']['total'])}")

# An order in a group is paid through its group.
payment = requests.post(
    f"{payments_api}/payments",
    json={"shipping_group_id": group["shipping_group_id"]},
    headers={**headers, "Idempotency-Key": str(uuid.uuid4())},
    timeout=30,
).json()
requests.post(
    f"{payments_api}/payments/{payment['payment_id']}/confirm", json={"payment_method": "pm_card_visa"}, headers=headers, timeout=60
).raise_for_status()

deadline = time.monotonic() + 30
while True:
    group = requests.get(f"{orders_api}/shipping-groups/{group['shipping_group_id']}", headers=headers, timeout=30).json()
    if group["status"] == "PAID" or time.monotonic() > deadline:
        break
    time.sleep(0.5)
statuses = {requests.get(f"{orders_api}/orders/{n}", headers=headers, timeout=30).json()["status"] for n in numbers}
print(f"paid {euros(payment['amount'])}: group {group['status']}, orders {', '.join(sorted(statuses))}")
