"""Edit an unpaid order with If-Match, see a stale edit refused, cancel it and read its timeline.

`python docs/examples/manage_order.py 00042-DMO`
"""

import sys

import requests
from sign_in import local_stack, sign_in

number = sys.argv[1]
stack = local_stack()
headers = {"Authorization": f"Bearer {sign_in(stack, 'DMO')}"}
url = f"{stack['orders_api']}/orders/{number}"

current = requests.get(url, headers=headers, timeout=30)
etag = current.headers["ETag"]  # the order's version, e.g. "1"

edited = requests.patch(url, json={"sizes": [{"size": "EU43", "pairs": 1}]}, headers={**headers, "If-Match": etag}, timeout=30)
print(f"edit with If-Match {etag}: {edited.status_code}, now version {edited.json()['version']}, size {edited.json()['sizes'][0]['size']}")

stale = requests.patch(url, json={"sizes": [{"size": "EU44", "pairs": 1}]}, headers={**headers, "If-Match": etag}, timeout=30)
print(f"edit with the old If-Match {etag}: {stale.status_code} {stale.json()['title']}")

cancelled = requests.post(f"{url}/cancel", headers={**headers, "If-Match": edited.headers["ETag"]}, timeout=30)
print(f"cancel: {cancelled.status_code}, {cancelled.json()['status']}")

timeline = requests.get(f"{url}/events", headers=headers, timeout=30).json()
print("timeline:", ", ".join(event["type"] for event in timeline["events"]))
