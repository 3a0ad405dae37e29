"""Check out one made-to-order pair, safely: a retry with the same Idempotency-Key never places a second order."""

import json
import uuid

import requests
from sign_in import local_stack, sign_in

SHIPPING_ADDRESS = {
    "name": "Mara Jensen",
    "company": "Demo Atelier",
    "line1": "Torstrasse 101",
    "city": "Berlin",
    "postal_code": "10119",
    "country": "DE",  # ISO 3166-1 alpha-2: it picks the shipping zone
    "phone": "+49 30 1234567",
    "email": "mara@demo-atelier.example",
}
BILLING = {
    "name": "Demo Atelier GmbH",
    "vat_id": "DE123456788",
    "email": "accounts@demo-atelier.example",  # order emails go here
    "address": {"line1": "Torstrasse 101", "city": "Berlin", "postal_code": "10119", "country": "DE"},
}
DERBY = {
    "model": "derby",
    "materials": {"upper": "calf-tan", "lining": "leather-natural", "sole": "leather-sole"},
    "design_ref": "3D-DERBY-TAN",  # the 3D designer's reference, kept as is
}


def place_order(stack: dict, token: str, design: dict, key: str | None = None) -> requests.Response:
    """POST /orders for one MTO pair of `design`. No prices are sent: the server prices the order."""
    order = {
        "type": "MTO",
        "design": design,
        "sizes": [{"size": "EU42", "pairs": 1}],
        "labeling": "UNLABELED",  # a brand's first order must choose; later ones default to the last choice
        "shipping_address": SHIPPING_ADDRESS,
        "billing": BILLING,
    }
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": key or str(uuid.uuid4())}
    return requests.post(f"{stack['orders_api']}/orders", json=order, headers=headers, timeout=30)


if __name__ == "__main__":
    stack = local_stack()
    token = sign_in(stack, "DMO")
    key = str(uuid.uuid4())  # one key per order you mean to place; keep it until you have the answer

    first = place_order(stack, token, DERBY, key)
    again = place_order(stack, token, DERBY, key)  # say the connection dropped and the client sent it again

    first.raise_for_status()
    order = first.json()
    print(f"order {order['order_number']}: {order['status']}, {order['payment_status']}, version {order['version']}")
    print("costs:", json.dumps(order["costs"]))
    print(f"the retry answered {again.status_code} with order {again.json()['order_number']}")
