"""List the order pool, newest first, following `next_cursor` to the last page.

`python docs/examples/order_pool.py PENDING_PAYMENT` lists only the orders waiting for payment.
"""

import sys

import requests
from sign_in import local_stack, sign_in


def euros(cents: int) -> str:
    return f"EUR {cents / 100:,.2f}"


stack = local_stack()
headers = {"Authorization": f"Bearer {sign_in(stack, 'DMO')}"}
params = {"limit": 50}
if len(sys.argv) > 1:
    params["status"] = sys.argv[1]

while True:
    page = requests.get(f"{stack['orders_api']}/orders", params=params, headers=headers, timeout=30)
    page.raise_for_status()
    body = page.json()
    for order in body["orders"]:
        status = order["status"].replace("_", " ").title()  # PENDING_PAYMENT -> Pending Payment
        stage = order["production_stage"] or ""
        pairs = f"{order['pairs']} pair{'s' if order['pairs'] > 1 else ''}"
        print(
            f"{order['order_number']}  {order['model_name']:<14} {order['type']:<9} {pairs:>10}  "
            f"{status:<16} {stage:<15} {euros(order['costs']['total']):>14}"
        )
    if body["next_cursor"] is None:
        break
    params["cursor"] = body["next_cursor"]  # same filters, next page
